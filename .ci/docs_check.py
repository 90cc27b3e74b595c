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
- saves a full-page screenshot of every page, and of the home page at phone width, into the folder it prints.
Requests to other hosts are blocked (the check runs offline) and listed.
Ends with 'N passed, N failed'; exit status 1 if anything failed.
Usage: python .ci/docs_check.py [SITE_DIR] [--shots DIR] [--chromium PATH]
"""
import argparse, functools, http.server, json, re, sys, threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
SKIP = {'genindex.html', 'search.html'}  # Sphinx's generated index and search pages: loaded, not content-checked

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
    exports = {k: v['exports'] for k, v in json.loads(mf.read_text()).items()} if mf.exists() else {}
    srv, base, statuses = serve(site)
    r, external = Results(), set()
    print(f'docs check: {len(pages)} pages of {site} at {base}, in {a.chromium}', flush=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=a.chromium, headless=True, args=FLAGS)
        ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
        def block(route):
            if urlparse(route.request.url).hostname != '127.0.0.1': external.add(route.request.url); return route.abort()
            route.continue_()
        ctx.route('**/*', block)
        page = ctx.new_page()
        console, failed_req = [], []
        page.on('console', lambda m: m.type == 'error' and console.append((m.text, (m.location or {}).get('url', ''))))
        page.on('pageerror', lambda e: console.append((f'page error: {e}', '')))
        page.on('requestfailed', lambda q: urlparse(q.url).hostname == '127.0.0.1' and failed_req.append(q.url))
        page.on('response', lambda s: s.status >= 400 and urlparse(s.url).hostname == '127.0.0.1' and failed_req.append(f'{s.url} ({s.status})'))

        def visit(rel):
            console.clear(); failed_req.clear()
            resp = page.goto(urljoin(base, rel), wait_until='load')
            page.wait_for_load_state('networkidle')
            ok = r.check(resp is not None and resp.status == 200, f'{rel}: HTTP {resp and resp.status}')
            errs = [t for t, u in console if not (u and urlparse(u).hostname not in (None, '127.0.0.1'))
                    and 'net::ERR_FAILED' not in t]  # blocked off-site requests are listed separately
            ok &= r.check(not errs, f'{rel}: console errors: {errs[:3]}')
            ok &= r.check(not failed_req, f'{rel}: failed requests: {failed_req[:3]}')
            page.screenshot(path=str(shots / (rel.replace('/', '__').removesuffix('.html') + '.png')), full_page=True)
            return ok

        # 1. every page loads cleanly
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
