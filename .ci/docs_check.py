#!/usr/bin/env python3
"""Check latm's built documentation site in a real headless browser (Debian's Chromium, driven by Playwright).

Serves docs/_build/html on 127.0.0.1 and, in /usr/bin/chromium (never a downloaded browser):
- opens every page: HTTP 200, no console errors or page errors, no same-origin request that fails;
- clicks through the sidebar from the home page, link by link, and then follows the "next" links from the home page to
  the last page: each click must land on the page the link names, and every page in the sidebar must be reachable;
- on every chapter (a page made from a notebook): code cells with their code, cell outputs, and a `show_doc`
  signature (the symbol's name followed by its highlighted `def`/`class`) where the notebook exports code; no chapter
  may carry the build's error box;
- on every guide page (docs/pages): a title and body text;
- on every page: each link into the repository (show_doc's "source", Furo's "edit"/"view source") names a file that
  exists in this checkout, and the page's own edit link names the file it is made from; no cell output shows a Python
  traceback of a real file (the sandbox's reports of model code, `File "<code>"`, are content), an error output, a
  server's BrokenPipeError/ConnectionResetError log or a warning that escaped a thread; no text shows a machine's
  local paths (/work/, /root/, /tmp/, /home/, /Users/, the checkout's or the home folder's own path); every image
  loads, and the Benchmarks chapter shows the benchmark's plot;
- the sidebar lists no page twice, by link or by title;
- saves a full-page screenshot of every page, and of the home page at phone width, into the folder it prints.
Requests to other hosts are blocked (the check runs offline) and fail the page that made them: scripts and styles,
the widget runtime (RequireJS, @jupyter-widgets/html-manager) included, must be served by the site itself.
Ends with 'N passed, N failed'; exit status 1 if anything failed.
Usage: python .ci/docs_check.py [SITE_DIR] [--shots DIR] [--chromium PATH]
"""
import argparse, functools, http.server, json, re, sys, tempfile, threading, tomllib
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
REPO = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project'].get('urls', {}).get('Repository', '').rstrip('/')
URLS = 'els => els.map(e => e.src || e.href)'  # the addresses of scripts and styles, in the page
LOADED = 'els => els.map(e => [e.src, e.complete && e.naturalWidth > 0])'  # each image: its address, whether it loaded
PLOTS = {'bench.html': "the benchmark's plot"}  # pages that must show a plot (an image that loaded)
# What must never reach a page: logs and tracebacks of the build machine, and its folders
LEAKS = [(re.compile(r'Traceback \(most recent call last\):\s*\n\s*File "(?!<)'), 'a Python traceback'),
         (re.compile(r'\b(BrokenPipe|ConnectionReset|ConnectionAborted)Error\b'), "a server's disconnect log"),
         (re.compile(r'Exception (occurred during processing of request|ignored in)'), 'an error log of a thread')]
_own = {str(ROOT), str(Path.home()), tempfile.gettempdir()}  # this machine's checkout, home and temporary folder
LOCAL = re.compile(r'(?<![\w.$~-])(/(work|root|tmp|home|Users)/|/private/var/|/var/folders/|[A-Z]:\\Users\\'
                   + ''.join('|' + re.escape(p) + r'(?=[/\\])' for p in sorted(_own) if len(p) > 1) + ')')
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
SKIP = {'genindex.html', 'search.html'}  # Sphinx's generated index and search pages: loaded, not content-checked

def around(text: str, m) -> str:
    "`text` around match `m`, for a failure message"
    return f'...{text[max(0, m.start() - 80):m.end() + 160]}...' if m else ''

class Results:
    def __init__(self): self.passed, self.failed = 0, []
    def check(self, ok, what):
        if ok: self.passed += 1
        else: self.failed.append(what); print(f'  FAIL {what}', flush=True)
        return ok

def serve(site: Path):
    "Serve `site` on 127.0.0.1 on a free port; record the status of every request"
    statuses = {}
    class H(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
        def log_request(self, code='-', size='-'):
            statuses[self.path] = int(code) if str(code).isdigit() else code
        def do_GET(self):
            if self.path == '/favicon.ico': self.send_response(204); self.end_headers(); return  # the site has none
            super().do_GET()
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/', statuses

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('site', nargs='?', default=str(ROOT / 'docs' / '_build' / 'html'))
    ap.add_argument('--shots', default=str(ROOT / 'docs' / '_build' / 'screenshots'), help='folder for the screenshots')
    ap.add_argument('--chromium', default='/usr/bin/chromium')
    a = ap.parse_args()
    site, shots = Path(a.site).resolve(), Path(a.shots).resolve()
    if not (site / 'index.html').exists(): sys.exit(f'docs check: no site at {site} (run .ci/docs or docs/build.py first)')
    if not Path(a.chromium).exists(): sys.exit(f'docs check: no browser at {a.chromium}: apt-get install -y chromium')
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob('*.png'): old.unlink()
    from playwright.sync_api import sync_playwright

    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html') if not p.relative_to(site).parts[0].startswith('_'))
    guides = [p for p in pages if p.startswith('guides/')]
    chapters = [p for p in pages if p not in guides and p != 'index.html' and p not in SKIP]
    mf = site.parent / 'manifest.json'  # written by docs/build.py: which pages come from notebooks that export code
    manifest = json.loads(mf.read_text()) if mf.exists() else {}
    exports = {k: v['exports'] for k, v in manifest.items()}
    srv, base, statuses = serve(site)
    r, external = Results(), set()
    print(f'docs check: {len(pages)} pages of {site} at {base}, in {a.chromium}', flush=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=a.chromium, headless=True, args=FLAGS)
        ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
        def block(route):
            if urlparse(route.request.url).hostname != '127.0.0.1':
                external.add(route.request.url); off_site.append(route.request.url); return route.abort()
            route.continue_()
        off_site = []
        ctx.route('**/*', block)
        page = ctx.new_page()
        console, failed_req = [], []
        page.on('console', lambda m: m.type == 'error' and console.append((m.text, (m.location or {}).get('url', ''))))
        page.on('pageerror', lambda e: console.append((f'page error: {e}', '')))
        page.on('requestfailed', lambda q: urlparse(q.url).hostname == '127.0.0.1' and failed_req.append(q.url))
        page.on('response', lambda s: s.status >= 400 and urlparse(s.url).hostname == '127.0.0.1' and failed_req.append(f'{s.url} ({s.status})'))

        def visit(rel):
            console.clear(); failed_req.clear(); off_site.clear()
            resp = page.goto(urljoin(base, rel), wait_until='load')
            page.wait_for_load_state('networkidle')
            ok = r.check(resp is not None and resp.status == 200, f'{rel}: HTTP {resp and resp.status}')
            errs = [t for t, u in console if not (u and urlparse(u).hostname not in (None, '127.0.0.1'))
                    and 'net::ERR_FAILED' not in t]  # blocked off-site requests are listed separately
            ok &= r.check(not errs, f'{rel}: console errors: {errs[:3]}')
            ok &= r.check(not failed_req, f'{rel}: failed requests: {failed_req[:3]}')
            ok &= r.check(not off_site, f'{rel}: requests to other hosts (a CDN?): {off_site[:3]}')
            assets = page.locator('script[src], link[rel="stylesheet"]').evaluate_all(URLS)
            off = [u for u in assets if urlparse(u).hostname != '127.0.0.1']
            ok &= r.check(not off, f'{rel}: scripts or styles from other hosts: {off[:3]}')
            if page.locator('script[type="application/vnd.jupyter.widget-state+json"]').count():  # the widget runtime:
                ok &= r.check(page.evaluate('typeof window.requirejs === "function"'), f'{rel}: no RequireJS')
                ok &= r.check(page.locator('script[src*="embed-amd"]').count() == 1, f'{rel}: no html-manager')
            ok &= content_clean(rel)
            page.screenshot(path=str(shots / (rel.replace('/', '__').removesuffix('.html') + '.png')), full_page=True)
            return ok

        def content_clean(rel):
            "Links into the repository name files that exist; no leaked logs, tracebacks or local paths; images load"
            ok = True
            links = page.locator('a[href]').evaluate_all('els => els.map(e => [e.href, e.getAttribute("rel") || ""])')
            for href, _ in links:
                m = re.match(re.escape(REPO) + r'/(blob|edit|tree|raw)/[^/]+/([^?#]*)', href) if REPO else None
                if m: ok &= r.check((ROOT / unquote(m.group(2))).exists(), f'{rel}: {href}: no such file')
            if (src := manifest.get(rel, {}).get('source')):
                edit = [h for h, k in links if 'edit' in k.split()]
                ok &= r.check(edit and all(h.endswith('/' + src) for h in edit), f'{rel}: edit link {edit} not {src}')
            outputs = '\n'.join(page.locator('div.cell_output').all_inner_texts())
            for pat, what in LEAKS:
                ok &= r.check(not (m := pat.search(outputs)), f'{rel}: an output shows {what}: {around(outputs, m)}')
            errors = page.locator('div.cell_output .output.traceback, div.cell_output .output.error').count()
            ok &= r.check(not errors, f'{rel}: {errors} cell output(s) are errors')
            text = page.locator('article').inner_text() if page.locator('article').count() else ''
            ok &= r.check(not (m := LOCAL.search(text)), f'{rel}: shows a local path: {around(text, m)}')
            imgs = page.locator('article img').evaluate_all(LOADED)
            ok &= r.check(all(g for _, g in imgs), f'{rel}: images that do not load: {[u for u, g in imgs if not g]}')
            if rel in PLOTS: ok &= r.check(any(g for _, g in imgs), f'{rel}: does not show {PLOTS[rel]}')
            return ok

        # 1. every page loads cleanly, with clean content
        print('docs check: loading every page', flush=True)
        for rel in pages: visit(rel)

        # 2. chapters: code, outputs, show_doc signatures, no error box
        print(f'docs check: content of {len(chapters)} chapters and {len(guides)} guides', flush=True)
        for rel in chapters:
            page.goto(urljoin(base, rel))
            n_in = page.locator('div.cell div.cell_input pre').count()
            n_out = page.locator('div.cell div.cell_output').count()
            n_text = page.locator('div.cell_output pre, div.cell_output table, div.cell_output img').count()
            sigs = page.locator('div.cell_output p.rubric + div.highlight-python pre').all_inner_texts()  # show_doc: name, signature
            sigs = [s for s in sigs if re.match(r'\s*(async\s+)?(def|class)\s', s)]
            errors = page.locator('div.admonition.error').all_inner_texts()
            r.check(page.locator('h1').count() >= 1, f'{rel}: no title')
            r.check(n_in > 0, f'{rel}: no code cell rendered')
            r.check(n_out > 0 and n_text > 0, f'{rel}: no cell output rendered ({n_out} outputs)')
            if exports.get(rel, True): r.check(len(sigs) > 0, f'{rel}: no show_doc signature rendered')
            r.check(not errors, f'{rel}: the build marked this chapter broken: {errors[0][:300] if errors else ""}')
            print(f'  {rel}: {n_in} code cells, {n_out} outputs, {len(sigs)} show_doc signatures'
                  + (' -- BROKEN' if errors else ''), flush=True)
        for rel in guides:
            page.goto(urljoin(base, rel))
            r.check(page.locator('article h1').count() == 1, f'{rel}: no title')
            r.check(len(page.locator('article').inner_text()) > 500, f'{rel}: almost no text')

        # 3. navigation: click every sidebar link from the home page, then walk the "next" links
        print('docs check: clicking through the sidebar and the next links', flush=True)
        page.goto(base + 'index.html')
        links = page.locator('.sidebar-tree a.reference.internal')
        targets = [urljoin(base + 'index.html', h) for h in links.evaluate_all('els => els.map(e => e.getAttribute("href"))')]
        r.check(len(targets) >= len(chapters) + len(guides), f'sidebar lists {len(targets)} links, the site has '
                f'{len(chapters)} chapters and {len(guides)} guides')
        pages_listed = [t.split('#')[0] for t in targets]
        titles = [t.strip() for t in links.all_inner_texts()]
        twice = lambda xs: sorted({x for x in xs if xs.count(x) > 1})
        r.check(not twice(pages_listed), f'sidebar lists a page twice: {twice(pages_listed)}')
        r.check(not twice(titles), f'sidebar lists a title twice: {twice(titles)}')
        for i, want in enumerate(targets):
            page.goto(base + 'index.html')
            page.locator('.sidebar-tree a.reference.internal').nth(i).click()
            page.wait_for_load_state('load')
            got = page.url.split('#')[0]
            r.check(got == want.split('#')[0], f'sidebar link {i} went to {got}, not {want}')
            r.check(page.locator('article h1').count() == 1, f'sidebar link to {want}: page has no title')
            r.check(page.locator('.sidebar-tree a.current').count() >= 1, f'{got}: sidebar does not mark the current page')
        page.goto(base + 'index.html')
        seen = [page.url]
        while (nxt := page.locator('a.next-page')).count():
            nxt.first.click(); page.wait_for_load_state('load')
            if page.url in seen: break
            seen.append(page.url)
        missing = [t for t in targets if t.split('#')[0] not in seen]
        r.check(not missing, f'"next" links never reach: {missing}')
        print(f'  sidebar: {len(targets)} links clicked; next-links walked {len(seen)} pages', flush=True)

        # 4. the home page at phone width, with the navigation drawer open
        mob = browser.new_context(viewport={'width': 390, 'height': 844}, is_mobile=True)
        mob.route('**/*', block)
        mp = mob.new_page()
        mp.goto(base + 'index.html'); mp.wait_for_load_state('networkidle')
        toggle = mp.locator('label.toc-overlay-icon, .mobile-header label[for="__navigation"]').first
        if toggle.count(): toggle.click(); mp.wait_for_timeout(300)
        r.check(mp.locator('.sidebar-tree a.reference.internal').first.is_visible(), 'phone width: navigation drawer does not open')
        mp.screenshot(path=str(shots / 'index__phone.png'), full_page=False)
        browser.close()
    srv.shutdown()
    if external: print(f'docs check: blocked {len(external)} request(s) to other hosts: {sorted(external)[:5]}')
    print(f'docs check: screenshots in {shots}')
    for f in r.failed: print(f'docs check: FAILED: {f}')
    print(f'{r.passed} passed, {len(r.failed)} failed')
    return 1 if r.failed else 0

if __name__ == '__main__': sys.exit(main())
