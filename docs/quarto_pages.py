#!/usr/bin/env python3
"""Quarto pre-render step (nbs/_quarto.yml): copy the guide pages of docs/pages/ into the Quarto project as guides/.

nbdev-docs renders a copy of nbs/ in _proc/, so the guides, which live in docs/pages/ beside the Quarto-free build,
are brought in here; their links to chapters (`../01_models.ipynb`) resolve against the notebooks in the project."""
import os, shutil
from pathlib import Path

pages = Path(__file__).resolve().parent / 'pages'
dest = Path(os.environ.get('QUARTO_PROJECT_DIR') or Path.cwd()) / 'guides'
dest.mkdir(exist_ok=True)
for p in sorted(pages.glob('*.md')): shutil.copy2(p, dest / p.name)
print(f'docs/quarto_pages.py: {len(list(pages.glob("*.md")))} guide pages copied into {dest}')
