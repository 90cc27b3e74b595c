# Sphinx configuration for latm's documentation site; docs/build.py stages the sources in docs/_build/src.
import tomllib
from pathlib import Path

_root = Path(__file__).resolve().parents[1]
_proj = tomllib.loads((_root / 'pyproject.toml').read_text())['project']

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
myst_enable_extensions = ['colon_fence', 'deflist', 'strikethrough', 'tasklist']
myst_heading_anchors = 3
# show_doc's markdown outputs carry their own headings; Sphinx should not complain that they skip levels
suppress_warnings = ['myst.header', 'misc.highlighting_failure', 'mystnb.unknown_mime_type']

html_theme = 'furo'
html_static_path = ['_static']
html_css_files = ['latm.css']
html_theme_options = {
    'source_repository': _proj.get('urls', {}).get('Repository', ''),
    'source_branch': 'main',
    'source_directory': 'nbs/',
    'navigation_with_keys': True,
}
html_show_sourcelink = False
html_copy_source = False
