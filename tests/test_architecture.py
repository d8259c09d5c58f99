"""The tree is the pipeline: import-linter's contracts (pyproject.toml) hold, and the core imports no UI."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.fail("lint-imports is missing: install the test extra (pip install -e '.[test]')")
    run = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_import_qnn_lab_loads_no_widget_library():
    code = ("import sys, qnn_lab; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('ipywidgets', 'plotly', 'anywidget')]; print(bad); sys.exit(bool(bad))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
