# Sphinx configuration for latm's documentation site; docs/build.py stages the sources in docs/_build/src.
import json, tomllib
from pathlib import Path

_root = Path(__file__).resolve().parents[1]
_proj = tomllib.loads((_root / 'pyproject.toml').read_text())['project']
_repo = _proj.get('urls', {}).get('Repository', '').rstrip('/')
# page -> its source file in the repository (nbs/00_testing.ipynb, docs/pages/cost.md), written by docs/build.py
_manifest = _root / 'docs' / '_build' / 'manifest.json'
_pages = json.loads(_manifest.read_text()) if _manifest.exists() else {}
_sources = {k.removesuffix('.html'): v['source'] for k, v in _pages.items()}

project = 'latm'
author = 'latm developers'
copyright = 'latm developers'
html_title = 'latm'
extensions = ['myst_nb']
root_doc = 'index'
exclude_patterns = ['**/.ipynb_checkpoints']
source_suffix = {'.md': 'myst-nb', '.ipynb': 'myst-nb'}

nb_execution_mode = 'off'          # docs/build.py has executed the notebooks already, the way nbdev-test does
nb_merge_streams = True
nb_output_stderr = 'show'
# The widget runtime is served by the site (docs/build.py puts it in docs/_build/widgets), not loaded from a CDN
nb_ipywidgets_js = {'requirejs/require.js': {}, 'html-manager/embed-amd.js': {}}
myst_enable_extensions = ['colon_fence', 'deflist', 'strikethrough', 'tasklist']
myst_heading_anchors = 3
# show_doc's markdown outputs carry their own headings; Sphinx should not complain that they skip levels
suppress_warnings = ['myst.header', 'misc.highlighting_failure', 'mystnb.unknown_mime_type']

html_theme = 'furo'
html_static_path = ['_static', '_build/widgets']
html_css_files = ['latm.css']
html_theme_options = {'navigation_with_keys': True}
html_show_sourcelink = False
html_copy_source = False

def _source_links(app, pagename, templatename, context, doctree):
    "Furo's edit and view-source links name the file the page is made from: a notebook in nbs/ or a page in docs/pages/"
    src = _sources.get(pagename)
    context['theme_source_edit_link'] = f'{_repo}/edit/main/{src}' if src and _repo else ''
    context['theme_source_view_link'] = f'{_repo}/blob/main/{src}' if src and _repo else ''
    if not src: context['page_source_suffix'] = ''  # no links at all where there is no source (the index, search)

def setup(app):
    app.connect('html-page-context', _source_links)
