#!/usr/bin/env python3
"""How latm's notebooks read as a book: the shape of their cells, measured the same way for any nbdev project.

Prints, over the notebooks in nbs/ (or the folder given):
- lines per exported cell (median / p90 / max), and exported cells holding 5 or more top-level definitions;
- lesson cells (unexported code) -- lines (median / max), the share with stored outputs, the share that end by
  showing a value (the last statement is an expression, not an assignment or an assert);
- code lines over 120 characters.
Usage: python .ci/book_metrics.py [NBS_DIR] [--json]
"""
import ast, json, statistics, sys
from pathlib import Path

def cells(folder: Path):
    for nb in sorted(folder.glob('*.ipynb')):
        if nb.name.startswith(('_', '.')): continue
        for c in json.loads(nb.read_text())['cells']:
            if c['cell_type'] == 'code': yield nb.name, ''.join(c['source']), c.get('outputs', [])

def body(src: str) -> list: return [l for l in src.splitlines() if l.strip() and not l.startswith('#|')]

def definitions(src: str) -> int:
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return 0
    return sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body)

def shows_value(src: str) -> bool:
    try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return False
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr): return False
    call = last.value.func if isinstance(last.value, ast.Call) else None
    name = call.id if isinstance(call, ast.Name) else call.attr if isinstance(call, ast.Attribute) else ''
    return not name.startswith(('test_', 'assert')) or name == 'print' or name == 'display'

def measure(folder: Path) -> dict:
    exported, lessons, long_lines, total = [], [], 0, 0
    for _, src, outputs in cells(folder):
        lines = body(src)
        if not lines or src.lstrip().startswith('#| default_exp'): continue
        total += len(lines); long_lines += sum(len(l) > 120 for l in src.splitlines())
        if any(l.strip().startswith('#| export') for l in src.splitlines()): exported.append((len(lines), definitions(src)))
        else: lessons.append((len(lines), bool(outputs), shows_value(src)))
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else 0
    ex = [n for n, _ in exported]; le = [n for n, _, _ in lessons]
    return {'exported_cells': len(ex), 'exported_lines_median': statistics.median(ex) if ex else 0,
            'exported_lines_p90': q(ex, 0.9), 'exported_lines_max': max(ex, default=0),
            'exported_cells_5plus_definitions': sum(d >= 5 for _, d in exported),
            'lesson_cells': len(le), 'lesson_lines_median': statistics.median(le) if le else 0, 'lesson_lines_max': max(le, default=0),
            'lessons_with_outputs_pct': round(100 * sum(o for _, o, _ in lessons) / max(1, len(lessons)), 1),
            'lessons_showing_a_value_pct': round(100 * sum(s for _, _, s in lessons) / max(1, len(lessons)), 1),
            'code_lines_over_120_pct': round(100 * long_lines / max(1, total), 1)}

if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    folder = Path(args[0]) if args else Path(__file__).resolve().parents[1] / 'nbs'
    m = measure(folder)
    if '--json' in sys.argv: print(json.dumps(m, indent=1))
    else:
        print(f'book metrics of {folder.name}/ (anchors -- claudette, fastcore, nbdev: median exported cell 5-10 lines, max <= 40, '
              'lesson outputs stored, ~0% lines over 120):')
        for k, v in m.items(): print(f'  {k}: {v}')
