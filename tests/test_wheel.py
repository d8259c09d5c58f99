"""The wheel is the whole product: built, installed into a fresh venv, `qnn-lab lab` serves the lab notebook.

Slow (a few minutes: a new venv with torch and JupyterLab): run with ``python -m pytest -m slow tests/test_wheel.py``.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

import qnn_lab

ROOT = Path(__file__).resolve().parent.parent
TORCH = "torch==2.13.0"          # the CPU build first, as the Makefile installs it


#: The fresh venv sees only what is installed in it (no PYTHONPATH pointing at a source tree).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _run(*cmd, **kwargs):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=ENV, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_serves_the_lab_notebook(tmp_path):
    t0 = time.perf_counter()
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp_path / "dist", ROOT, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("qnn_lab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "qnn_lab/notebooks/lab.ipynb" in names and "qnn_lab/cli.py" in names
    assert not any(n.startswith(("notebooks/", "tests/")) for n in names)

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, timeout=300)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", TORCH, timeout=900)
    _run(python, "-m", "pip", "install", "--quiet", f"{wheel}[lab]", timeout=1800)
    installed = _run(python, "-c", "import importlib.metadata as m, qnn_lab; "
                                   "print(qnn_lab.__file__, qnn_lab.__version__, m.version('qnn_lab'))",
                     cwd=tmp_path).stdout.split()
    assert installed[0].startswith(str(venv)) and installed[1] == installed[2] == qnn_lab.__version__

    empty = tmp_path / "empty"
    empty.mkdir()
    port, token = _free_port(), "qnn-lab-wheel-test"
    env = {**ENV, "JUPYTER_TOKEN": token, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    server = subprocess.Popen([venv / "bin" / "qnn-lab", "lab", "--no-browser", "--port", str(port)], cwd=empty,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/contents/lab.ipynb?content=1"
        request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
        notebook, deadline = None, time.time() + 180
        while notebook is None and time.time() < deadline and server.poll() is None:
            try:
                notebook = json.load(urllib.request.urlopen(request, timeout=5))
            except (urllib.error.URLError, OSError):
                time.sleep(1)
        assert notebook is not None, "the installed qnn-lab lab did not serve lab.ipynb"
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    assert notebook["name"] == "lab.ipynb" and notebook["type"] == "notebook"
    assert any("Lab" in "".join(cell["source"]) for cell in notebook["content"]["cells"])
    assert "copied" in err and (empty / "qnn_lab_notebooks" / "lab.ipynb").is_file()
    print(f"wheel built, installed and serving in {time.perf_counter() - t0:.0f} s")
