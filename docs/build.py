#!/usr/bin/env python3
"""Build latm's documentation site from the notebooks, without Quarto.

Pipeline (all offline):
1. every notebook nbdev would document (`nbglob` of `nbs/`, the same set `nbdev-proc-nbs` takes) is executed the way
   `nbdev-test` executes it -- execnb's `CaptureShell`, cwd `nbs/`, `IN_TEST=1`, cells flagged with `tst_flags`
   (`notest slow network`) and `#| eval: false` cells skipped -- so the lesson cells carry their outputs;
2. each executed notebook is processed by nbdev's own `FilterDefaults` -- the processors `nbdev-proc-nbs`/`nbdev-docs`
   run: directives removed, `#| hide` cells dropped, a `show_doc` cell added and run for every exported symbol;
3. Sphinx + MyST-NB (theme: Furo) renders the processed notebooks, with their stored outputs, and the markdown pages
   in `docs/pages/` into `docs/_build/html`.

The site is published, so its pages show what a reader's machine would show, not the build machine: the build's
temporary folder, home and checkout are written as `$TMPDIR`, `~` and `.` in cell outputs, and a warning shows its
category and message, not the file of the build machine it was raised in. The JavaScript that renders widgets
(RequireJS and `@jupyter-widgets/html-manager`'s embed bundle, from npm, pinned by version and checksum, fetched
once into `docs/_build/npm`) is served from the site itself, never from a CDN.

Why Sphinx + MyST-NB: both are maintained by established projects (Sphinx, Executable Books), install from PyPI with
no binaries to download, and MyST-NB renders notebook code cells, stream/rich outputs and `show_doc`'s markdown outputs
as real page content (headings, tables, highlighted signatures). MyST-NB could execute notebooks itself, but running
them through execnb reproduces `nbdev-test`'s directives and flags exactly, so the site shows what the tests ran.

A notebook that fails to execute fails the build, naming the notebook and printing its traceback.
Usage: python docs/build.py [--jobs N]
"""
import argparse, base64, hashlib, json, os, re, shutil, signal, subprocess, sys, tarfile, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from fastcore.xtras import working_directory

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / 'docs'
BUILD = DOCS / '_build'
EXEC, SRC, HTML = BUILD / 'executed', BUILD / 'src', BUILD / 'html'
PAGES = DOCS / 'pages'
WIDGETS = BUILD / 'widgets'  # docs/conf.py adds it to the static files: the widget runtime, served by the site itself

# npm package: (version, the tarball's sha512 as npm's `dist.integrity`, the files of the package the site serves).
# html-manager 1.0.x renders ipywidgets 8 (controls 2.0.0 models); its embed bundle is an AMD module, so RequireJS too.
WIDGET_JS = {
    '@jupyter-widgets/html-manager': (
        '1.0.15', 'sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==',
        r'dist/(embed-amd\.js|embed\.js\.LICENSE\.txt|\w+\.(eot|svg|ttf|woff2?))'),  # the bundle and its fonts
    'requirejs': (
        '2.3.8', 'sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==',
        r'require\.js'),
}

def _frontmatter_to_md(nb) -> None:
    "nbdev turns the `# Title` + `> summary` cell into a raw Quarto front-matter cell; turn it back into a heading"
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source'])
        if c['cell_type'] == 'raw' and src.startswith('---'):
            import yaml
            fm = yaml.safe_load(src.strip().strip('-')) or {}
            md = [f"# {fm['title']}"] if fm.get('title') else []
            if fm.get('description'): md.append(f"> {fm['description']}")
            if md: nb['cells'][i] = {'cell_type': 'markdown', 'metadata': {}, 'source': '\n\n'.join(md)}
            else: nb['cells'].pop(i)
            return

def page_of(rel: str) -> str:
    "The page a notebook becomes, as on nbdev's Quarto site: `04_tasks.ipynb` -> `tasks`"
    from nbdev.config import nbpath2html
    return nbpath2html(rel).with_suffix('').as_posix()

_QUARTO_TAGS = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output', ('include', 'false'): 'remove-cell'}

def _for_sphinx(c: dict, page: str, site: str) -> None:
    "Turn what nbdev leaves for Quarto in cell `c` into what MyST-NB understands"
    c.get('metadata', {}).pop('execution', None)  # execnb's timings do not fit nbformat's schema
    src = ''.join(c['source'])
    depth = '../' * page.count('/')
    def local(m):  # links into nbdev's published site become links within this site (same page names), as inline
        from docutils.nodes import make_id  # HTML because MyST would try to resolve a relative link as a cross-reference
        from html import escape
        text, (path, _, anchor) = m.group(1), m.group(2).partition('#')
        text = re.sub(r'`([^`]*)`', r'<code>\1</code>', escape(text, quote=False))
        return f'<a class="reference internal" href="{depth}{path}' + (f'#{make_id(anchor)}' if anchor else '') + f'">{text}</a>'
    fix_links = lambda t: re.sub(r'\[([^\]]*)\]\(' + re.escape(site) + r'([^)\s]*)\)', local,
                                 re.sub(r'(\]\([^)]*\))\{[^}]*\}', r'\1', t))
    if c['cell_type'] == 'markdown':  # Quarto-only div fences (`::: {.callout-note}`) mean nothing outside Quarto
        c['source'] = fix_links(re.sub(r'^:::+ *\{[^}]*\} *$|^:::+ *$', '', src, flags=re.M))
    elif c['cell_type'] == 'code':
        lines, tags = src.splitlines(), set()
        while lines and lines[0].startswith('#|'):  # directives nbdev keeps for Quarto: map the ones that hide things
            k, _, v = lines.pop(0)[2:].partition(':')
            if (t := _QUARTO_TAGS.get((k.strip(), v.strip().lower()))): tags.add(t)
        c['source'] = '\n'.join(lines)
        if tags: c['metadata']['tags'] = sorted(set(c['metadata'].get('tags', [])) | tags)
        for o in c.get('outputs', []):
            md = o.get('data', {}).get('text/markdown')
            if md is not None:  # show_doc output: drop its `---` rule (docutils allows rules only between sections)
                o['data']['text/markdown'] = fix_links(re.sub(r'^-{3,}\s*$', '', ''.join(md), flags=re.M).strip())

def _local_paths() -> list:
    "(pattern, shown instead) for the build machine's temporary folder, checkout and home, the longest path first"
    places = {tempfile.gettempdir(): '$TMPDIR', str(ROOT): '.', str(Path.home()): '~'}
    places |= {os.path.realpath(p): v for p, v in places.items()}  # e.g. macOS: /var/folders/... is /private/var/...
    return [(re.compile(r'(?<![\w./~$-])' + re.escape(p.rstrip('/')) + r'(?=[/\\\'"\s:)]|$)'), v)
            for p, v in sorted(places.items(), key=lambda pv: -len(pv[0])) if len(p.rstrip('/')) > 1]

def _without_local_paths(o: dict, places: list) -> None:
    "Write the build machine's folders in output `o`'s text as a reader's page shows them (`$TMPDIR/...`, `~/...`)"
    def fix(t):
        t = ''.join(t) if isinstance(t, list) else t
        for pat, v in places: t = pat.sub(lambda m: v, t)
        return t
    if 'text' in o: o['text'] = fix(o['text'])
    if 'traceback' in o: o['traceback'] = [fix(t) for t in o['traceback']]
    for mime, v in o.get('data', {}).items():
        if mime.startswith('text/') and isinstance(v, (str, list)): o['data'][mime] = fix(v)

def _banner(nb, what: str, err: str) -> None:
    "Put a visible error box under the chapter's title"
    err = re.sub(r'\x1b\[[0-9;]*m', '', err)[-3000:]
    cell = {'cell_type': 'markdown', 'metadata': {},
            'source': f'````{{error}}\nThis chapter {what}; the documentation build failed.\n\n```text\n{err}\n```\n````'}
    at = 1 if nb['cells'] and ''.join(nb['cells'][0]['source']).startswith('# ') else 0
    nb['cells'].insert(at, cell)

def build_one(src: Path, rel: str, timeout: int) -> int:
    """Execute notebook `src` as `nbdev-test` does, then process it as `nbdev-proc-nbs` does (runs in its own process).
    Writes EXEC/rel (with outputs) and SRC/rel (processed); exit status 1 when execution or processing failed."""
    from fastcore.nbio import read_nb, nb2str
    from nbdev.config import get_config
    from nbdev.process import NBProcessor
    from nbdev.processors import FilterDefaults, exec_show_docs
    from nbdev.test import _skip_cell
    from execnb.shell import CaptureShell
    cfg = get_config()
    flags = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags or [])
    os.environ['IN_TEST'] = '1'
    sys.path.insert(0, str(cfg.config_path))
    # As nbdev-test does: Ctrl-C interrupts. A build started in the background (where SIGINT is ignored) would otherwise
    # hand the ignored SIGINT on to every process a notebook starts, and a lesson that interrupts one would fail.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import warnings  # a warning shows what it says; the build machine's file it was raised in means nothing on the page
    warnings.formatwarning = lambda message, category, *args, **kwargs: f'{category.__name__}: {message}\n'
    errors = []

    # 1. execute, cwd = the notebook's folder (nbs/), skipping what nbdev-test skips
    nb = NBProcessor(src, rm_directives=False, process=True).nb
    k = CaptureShell(src)
    with working_directory(src.parent):
        try: k.run_all(nb, exc_stop=True, preproc=_skip_cell(nb, flags), cell_timeout=timeout)
        except BaseException as e: errors.append(('did not execute', k.prettytb(fname=src) or repr(e)))
    for c in nb.cells: c.pop('directives_', None)
    (EXEC / rel).parent.mkdir(parents=True, exist_ok=True)
    (EXEC / rel).write_text(nb2str(nb))  # written even when a cell failed: the page shows the chapter up to its error

    # 2. nbdev's documentation processors: directives out, hidden cells out, show_doc cells in and run
    with working_directory(cfg.config_path):
        nb = read_nb(EXEC / rel)
        try: FilterDefaults()(nb)
        except Exception as e:
            errors.append(('has a show_doc that fails (nbdev-proc-nbs fails the same way)', f'{e}\n{e.__cause__ or ""}'))
            class _NoShowDoc(FilterDefaults):
                def base_procs(self): return [p for p in super().base_procs() if p is not exec_show_docs]
            nb = read_nb(EXEC / rel)
            _NoShowDoc()(nb)
    nb = json.loads(nb2str(nb))
    _frontmatter_to_md(nb)
    page, places = page_of(rel), _local_paths()
    for c in nb['cells']:
        _for_sphinx(c, page, f"{cfg.doc_host}{cfg.doc_baseurl}".rstrip('/') + '/')
        for o in c.get('outputs', []): _without_local_paths(o, places)
    for what, err in reversed(errors): _banner(nb, what, err)
    nb.setdefault('metadata', {}).setdefault('kernelspec', {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'})
    for i, c in enumerate(nb['cells']):  # valid nbformat: nbdev's working keys out, ids in
        keep = {'cell_type', 'metadata', 'source', 'id', 'attachments'} | ({'outputs', 'execution_count'} if c['cell_type'] == 'code' else set())
        for key in set(c) - keep: del c[key]
        c.setdefault('id', f'docs{i:04d}')
        if c['cell_type'] == 'code': c.setdefault('outputs', []); c.setdefault('execution_count', None)
    nb['nbformat'], nb['nbformat_minor'] = 4, max(nb.get('nbformat_minor', 5), 5)
    rel = page + '.ipynb'
    (SRC / rel).parent.mkdir(parents=True, exist_ok=True)
    (SRC / rel).write_text(json.dumps(nb, indent=1))
    for what, err in errors: sys.stderr.write(f'{rel} {what}:\n{err}\n')
    return 1 if errors else 0

def build_all(nbs: list, jobs: int, timeout: int) -> list:
    "Build every notebook in a subprocess, `jobs` at a time; return the names of those that failed"
    def run(src):
        rel, t = src.relative_to(NBS).as_posix(), time.time()
        r = subprocess.run([sys.executable, __file__, '--one', str(src), rel, '--timeout', str(timeout)],
                           capture_output=True, text=True, cwd=ROOT)
        ok = r.returncode == 0
        print(f'  {"ok  " if ok else "FAIL"} {rel} ({time.time()-t:.1f}s)', flush=True)
        if not ok: print(f'---- {rel}:\n{(r.stderr or r.stdout)[-6000:]}\n----', flush=True)
        return rel, ok
    with ThreadPoolExecutor(jobs) as ex: res = list(ex.map(run, nbs))
    return [rel for rel, ok in res if not ok]

def _title(text: str) -> str | None:
    "The title of a guide (front matter) or a chapter (its first `# ` heading)"
    m = re.search(r'^title:\s*(.+)$', text, re.M) if text.startswith('---') else re.search(r'^# (.+)$', text, re.M)
    return m and m.group(1).strip().strip('"\'')

def _module(nb: Path) -> str | None:
    "The module notebook `nb` exports (`default_exp`), if any"
    cells = json.loads(nb.read_text())['cells']
    m = re.search(r'^#\|\s*default_exp\s+(\S+)', '\n'.join(''.join(c['source']) for c in cells), re.M)
    return m and m.group(1)

def add_pages_and_toc(nbs: list) -> None:
    "Copy docs/pages/*.md into the site and put the table of contents (guides, then chapters) on the home page"
    import yaml
    (SRC / 'guides').mkdir(parents=True, exist_ok=True)
    guides = sorted(PAGES.glob('*.md'), key=lambda p: (p.stem != 'getting_started', p.stem))
    for p in guides:  # pages are written for Quarto (title in front matter, links to nbs/ notebooks): adapt them
        text = p.read_text()
        m = re.match(r'^---\n(.*?)\n---\n', text, re.S)
        fm = yaml.safe_load(m.group(1)) if m else {}
        body = text[m.end():] if m else text
        body = re.sub(r'\]\(\.\./([^)#\s]+\.ipynb)', lambda l: f'](../{page_of(l.group(1))}.ipynb', body)
        head = f"# {fm['title']}\n\n" + (f"> {fm['description']}\n\n" if fm.get('description') else '') if fm.get('title') else ''
        (SRC / 'guides' / p.name).write_text(head + body.lstrip())
    titles = {_title(p.read_text()) for p in guides}
    def entry(nb):  # a chapter whose title a guide has too is listed with its module: no title is in the sidebar twice
        page = page_of(nb.relative_to(NBS).as_posix())
        title = _title('\n'.join(''.join(c['source']) for c in json.loads((SRC / f'{page}.ipynb').read_text())['cells']
                               if c['cell_type'] == 'markdown'))
        return f'{title} (latm.{_module(nb)}) <{page}>' if title in titles and _module(nb) else page
    chapters = [entry(s) for s in nbs if s.name != 'index.ipynb']
    toc = (['```{toctree}', ':caption: Guides', ':maxdepth: 1', ''] + [f'guides/{p.stem}' for p in guides] + ['```', '',
           '```{toctree}', ':caption: Chapters (API and examples)', ':maxdepth: 1', ''] + chapters + ['```'])
    idx = json.loads((SRC / 'index.ipynb').read_text())
    idx['cells'].append({'cell_type': 'markdown', 'id': 'docs-toc', 'metadata': {}, 'source': '\n'.join(toc)})
    (SRC / 'index.ipynb').write_text(json.dumps(idx, indent=1))

def vendor_widget_js() -> None:
    "Put the widget runtime (WIDGET_JS) into WIDGETS, from npm tarballs checked against their pinned sha512"
    cache = BUILD / 'npm'
    cache.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(WIDGETS, ignore_errors=True)
    for name, (version, integrity, files) in WIDGET_JS.items():
        tgz = cache / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"  # the name `npm pack` gives it
        if not tgz.exists():
            if not shutil.which('npm'): sys.exit(f'docs: npm is needed once, to fetch {name}@{version} for the widgets')
            r = subprocess.run(['npm', 'pack', f'{name}@{version}', '--pack-destination', str(cache)],
                               capture_output=True, text=True)
            if r.returncode or not tgz.exists(): sys.exit(f'docs: npm pack {name}@{version} failed:\n{r.stderr[-999:]}')
        got = 'sha512-' + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
        if got != integrity:
            tgz.unlink()
            sys.exit(f'docs: {tgz.name} has checksum {got}, not the pinned {integrity}; removed it, run again')
        dest = WIDGETS / name.split('/')[-1]
        with tarfile.open(tgz) as tar:
            for m in tar.getmembers():
                rel = m.name.removeprefix('package/')
                if m.isfile() and re.fullmatch(files, rel):
                    (dest / Path(rel).name).parent.mkdir(parents=True, exist_ok=True)
                    (dest / Path(rel).name).write_bytes(tar.extractfile(m).read())

def sphinx() -> int:
    shutil.rmtree(HTML, ignore_errors=True)
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-c', str(DOCS), '-d', str(BUILD / 'doctrees'), str(SRC), str(HTML), '-j', 'auto']
    return subprocess.run(cmd, cwd=ROOT).returncode

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2, help='notebooks executed at once')
    ap.add_argument('--timeout', type=int, default=None, help='seconds per cell (default: cell_timeout in pyproject.toml)')
    ap.add_argument('--one', nargs=2, metavar=('SRC', 'REL'), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one: sys.exit(build_one(Path(a.one[0]), a.one[1], a.timeout or 600))

    os.chdir(ROOT)
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    global NBS
    NBS = get_config().nbs_path
    nbs = sorted(nbglob(NBS, as_path=True).map(Path))
    if not any(n.name == 'index.ipynb' for n in nbs): sys.exit('docs: nbs/index.ipynb is missing: it is the home page')
    shutil.rmtree(EXEC, ignore_errors=True); shutil.rmtree(SRC, ignore_errors=True)
    t = time.time()
    print(f'docs: executing and processing {len(nbs)} notebooks of {NBS} ({a.jobs} at a time)', flush=True)
    failed = build_all(nbs, a.jobs, a.timeout or int(get_config().get('cell_timeout', 600)))
    add_pages_and_toc(nbs)
    # each page's source file in the repository, for the "edit"/"view source" links (docs/conf.py) and the browser check
    manifest = {page_of(n.relative_to(NBS).as_posix()) + '.html': {'source': n.relative_to(ROOT).as_posix(),
                'exports': _module(n) is not None} for n in nbs}
    manifest |= {f'guides/{p.stem}.html': {'source': p.relative_to(ROOT).as_posix(), 'exports': False}
                 for p in PAGES.glob('*.md')}
    (BUILD / 'manifest.json').write_text(json.dumps(manifest, indent=1))
    vendor_widget_js()
    print('docs: rendering with Sphinx + MyST-NB', flush=True)
    if sphinx(): sys.exit('docs: FAILED: sphinx-build failed')
    print(f'docs: built {len(nbs)} notebooks and {len(list(PAGES.glob("*.md")))} pages into {HTML.relative_to(ROOT)} in {time.time()-t:.0f}s')
    if failed:  # the site is built, broken chapters included (their error shown), but the build fails
        sys.exit(f'docs: FAILED: {len(failed)} notebook(s) failed to build (see above; their pages show the error): '
                 + ', '.join(failed))

NBS = None
if __name__ == '__main__': main()
