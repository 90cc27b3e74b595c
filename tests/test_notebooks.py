"Every notebook in nbs/ is a test: its cells run through nbdev-test in a fresh process"
import subprocess, sys
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1] / 'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.')))

@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(notebook, request):
    "Run `notebook`'s cells (and those marked with --flags) and fail with its traceback if one fails"
    cmd = [str(Path(sys.executable).parent / 'nbdev-test'), str(notebook), '--n-workers', '0', '--do-print']
    if flags := request.config.getoption('--flags'): cmd += ['--flags', flags]
    run = subprocess.run(cmd, cwd=NBS, capture_output=True, text=True)
    assert f'Completed {notebook}' in run.stdout, f'{notebook.name} was not run:\n{run.stdout}\n{run.stderr}'
    assert run.returncode == 0, f'{notebook.name} failed:\n{run.stdout[-5000:]}\n{run.stderr[-20000:]}'
