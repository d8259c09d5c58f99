"""Binder's install reproduced here: a fresh venv from binder/requirements.txt and binder/postBuild only,
the environment of binder/start, then Voila (as on Binder, under the hub's prefix) draws the lab in chromium.

Slow (a full install): ``python -m pytest -m slow tests/browser/test_binder.py``.
"""
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import ARTIFACTS, ROOT, _free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PREFIX = "/user/student-qnn_lab-abc123/"            # what JupyterHub puts in JUPYTERHUB_SERVICE_PREFIX
IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "artifacts", "build",
                                "*.egg-info")


def _requirements_here(src, dst):
    """binder/requirements.txt without the PyTorch CPU index, which this machine cannot reach (it reaches
    only PyPI); torch==2.13.0 then comes from the local CPU wheel that pip is configured with."""
    lines = src.read_text().splitlines()
    kept = [line for line in lines if not line.startswith("--extra-index-url https://download.pytorch.org")]
    assert len(kept) == len(lines) - 1 and "torch==2.13.0" in kept
    dst.write_text("\n".join(kept) + "\n")


def test_binder_install_and_voila_draws_the_lab(tmp_path, browser):
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    if runtime != f"python-{sys.version_info.major}.{sys.version_info.minor}":
        pytest.skip(f"binder/runtime.txt asks for {runtime}; this machine runs Python {sys.version.split()[0]}")
    t0 = time.perf_counter()
    repo = tmp_path / "repo"                        # what Binder clones
    shutil.copytree(ROOT, repo, ignore=IGNORE)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    bin_ = venv / "bin"
    env = {**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv), "PYTHONPATH": ""}
    env.pop("PYTHONHOME", None)
    _requirements_here(repo / "binder" / "requirements.txt", tmp_path / "requirements.txt")
    log = tmp_path / "install.log"
    with open(log, "w") as out:
        pip = subprocess.run([bin_ / "python", "-m", "pip", "install", "-r",
                              tmp_path / "requirements.txt"], cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
        assert pip.returncode == 0, log.read_text()[-3000:]
        post = subprocess.run(["bash", repo / "binder" / "postBuild"], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=900)
    assert post.returncode == 0, post.stdout + post.stderr
    assert "could not be installed" in post.stderr          # D-Wave's index is unreachable here, as expected
    settings = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert '"fetchNews": "false"' in settings.read_text()
    installed = time.perf_counter() - t0

    hub = {"JUPYTERHUB_SERVICE_PREFIX": PREFIX, "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub.example.org/hub/"}
    shown = subprocess.run(["bash", repo / "binder" / "start", "env"], env={**env, **hub}, capture_output=True,
                           text=True, check=True).stdout
    assert f"DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL=https://hub.example.org{PREFIX}" in shown

    port = _free_port()
    server_log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        ["bash", repo / "binder" / "start", bin_ / "jupyter", "lab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", "--IdentityProvider.token=", f"--ServerApp.base_url={PREFIX}", "--allow-root",
         f"--ServerApp.root_dir={repo}"],
        cwd=repo, env={**env, **hub, "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter")},
        stdout=server_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}{PREFIX}"
    try:
        location = _wait_for_server(base, server, tmp_path / "server.log")
        assert urllib.parse.urlsplit(location).path == f"{PREFIX}lab/tree/notebooks/lab.ipynb"   # postBuild's config
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        t1 = time.perf_counter()
        page.goto(f"{base}voila/render/notebooks/lab.ipynb", timeout=120_000)
        page.wait_for_selector(".qnn-lab", timeout=240_000)                  # the lab itself, not the page heading
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=240_000)
        drawn = time.perf_counter() - t1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "binder_voila_lab.png"))
        assert page.locator(".jp-OutputArea-output pre:has-text('Traceback')").count() == 0
        page.close()
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
    print(f"\nBinder install (venv + requirements + postBuild): {installed:.0f} s; Voila drew the lab in {drawn:.0f} s")


def _wait_for_server(base, proc, log):
    """Wait for the server; return where its root redirects (the default URL)."""
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.time() + 180
    while time.time() < deadline and proc.poll() is None:
        try:
            opener.open(base, timeout=3)
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307):
                return exc.headers["Location"]
        except OSError:
            time.sleep(1)
            continue
        time.sleep(1)
    pytest.fail(f"the Binder-like server did not start: {log.read_text()[-3000:]}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
