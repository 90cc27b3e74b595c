#!/usr/bin/env python3
"""How latm's notebooks read as a book: the shape of their cells, measured the same way for any nbdev project.

Prints, over the notebooks in nbs/ (or the folder given):
- lines per exported cell (median / p90 / max), and exported cells holding 5 or more top-level definitions;
- lesson cells (unexported code) -- lines (median / max), the share with stored outputs, the share that end by
  showing a value (the last statement is an expression, not an assignment or an assert);
- code lines over 120 characters;
- imports of a later module: (module, later module) pairs where a notebook's exported code imports the module of a
  notebook that comes after it (notebooks in file-name order, each module named by its `#| default_exp`).
Usage: python .ci/book_metrics.py [NBS_DIR] [--json]
"""
import ast, json, re, statistics, sys, tomllib
from pathlib import Path

def cells(folder: Path):
    for nb in sorted(folder.glob('*.ipynb')):
        if nb.name.startswith(('_', '.')): continue
        for c in json.loads(nb.read_text())['cells']:
            if c['cell_type'] == 'code': yield nb.name, ''.join(c['source']), c.get('outputs', [])

def exported(src: str) -> bool: return any(re.match(r'#\|\s*export[si]?\b', l.strip()) for l in src.splitlines())

def body(src: str) -> list: return [l for l in src.splitlines() if l.strip() and not l.startswith('#|')]

def parsed(src: str):
    "The cell's code as a tree, without its magics and shell lines (None if it does not parse)"
    try: return ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return None

def definitions(src: str) -> int:
    if (tree := parsed(src)) is None: return 0
    return sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body)

def shows_value(src: str) -> bool:
    if (tree := parsed(src)) is None: return False
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr): return False
    call = last.value.func if isinstance(last.value, ast.Call) else None
    name = call.id if isinstance(call, ast.Name) else call.attr if isinstance(call, ast.Attribute) else ''
    return not name.startswith(('test_', 'assert')) or name == 'print' or name == 'display'

def package_name(folder: Path) -> str:
    "The package the notebooks export to: `lib_path` of the nearest nbdev pyproject.toml (else this project's)"
    here = Path(__file__).resolve().parents[1]
    for root in [folder.resolve(), *folder.resolve().parents, here]:
        toml = root / 'pyproject.toml'
        nbdev = tomllib.loads(toml.read_text()).get('tool', {}).get('nbdev') if toml.exists() else None
        if nbdev is not None: return Path(nbdev.get('lib_path', nbdev.get('lib_name', root.name))).name
    return here.name

def imported_modules(tree, package: str) -> set:
    "The package's modules that `tree` imports anywhere in it, relatively or by the package's name"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split('.', 1)[1] for a in node.names if a.name.startswith(package + '.')}
        elif isinstance(node, ast.ImportFrom):
            inside = node.level > 0 or (node.module or '').split('.')[0] == package
            module = node.module if node.level else (node.module or '').partition('.')[2]
            if inside and module: found.add(module)
            elif inside: found |= {a.name for a in node.names}  # `from . import x`, `from PACKAGE import x`
    return found

def later_imports(folder: Path) -> list:
    "(module, later module) pairs: a notebook's exported code importing the module of a notebook after it"
    order, imports, package = {}, {}, package_name(folder)
    for nb in sorted(folder.glob('*.ipynb')):
        if nb.name.startswith(('_', '.')): continue
        sources = [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']
        names = [m.group(1) for s in sources for m in [re.search(r'^#\|\s*default_exp\s+(\S+)', s, re.M)] if m]
        if not names: continue
        order.setdefault(names[0], len(order))
        trees = [t for t in map(parsed, filter(exported, sources)) if t is not None]
        imports.setdefault(names[0], set()).update(*(imported_modules(t, package) for t in trees))
    rank = lambda m: order.get(m, order.get(m.split('.')[0], -1))  # `x.y` stands where `x`'s notebook does
    return sorted((m, i) for m, found in imports.items() for i in found if rank(i) > rank(m))

def measure(folder: Path) -> dict:
    exported_cells, lessons, long_lines, total = [], [], 0, 0
    for _, src, outputs in cells(folder):
        lines = body(src)
        if not lines or src.lstrip().startswith('#| default_exp'): continue
        total += len(lines); long_lines += sum(len(l) > 120 for l in src.splitlines())
        if exported(src): exported_cells.append((len(lines), definitions(src)))
        else: lessons.append((len(lines), bool(outputs), shows_value(src)))
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else 0
    ex = [n for n, _ in exported_cells]; le = [n for n, _, _ in lessons]
    return {'exported_cells': len(ex), 'exported_lines_median': statistics.median(ex) if ex else 0,
            'exported_lines_p90': q(ex, 0.9), 'exported_lines_max': max(ex, default=0),
            'exported_cells_5plus_definitions': sum(d >= 5 for _, d in exported_cells),
            'lesson_cells': len(le), 'lesson_lines_median': statistics.median(le) if le else 0,
            'lesson_lines_max': max(le, default=0),
            'lessons_with_outputs_pct': round(100 * sum(o for _, o, _ in lessons) / max(1, len(lessons)), 1),
            'lessons_showing_a_value_pct': round(100 * sum(s for _, _, s in lessons) / max(1, len(lessons)), 1),
            'code_lines_over_120_pct': round(100 * long_lines / max(1, total), 1),
            'modules_importing_later': len(later_imports(folder))}

if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    folder = Path(args[0]) if args else Path(__file__).resolve().parents[1] / 'nbs'
    m, later = measure(folder), later_imports(folder)
    if '--json' in sys.argv: print(json.dumps({**m, 'later_imports': [f'{a} -> {b}' for a, b in later]}, indent=1))
    else:
        print(f'book metrics of {folder.name}/ (anchors -- claudette, fastcore, nbdev: '
              'median exported cell 5-10 lines, max <= 40, lesson outputs stored, ~0% lines over 120, '
              'no module importing a later one):')
        for k, v in m.items(): print(f'  {k}: {v}')
        for a, b in later: print(f'    {a} -> {b}')
