"""A real JupyterLab, started by the tests, driven in Debian's chromium by Playwright."""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"]

sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory):
    """JupyterLab on a free loopback port, serving a copy of notebooks/; yields its base URL and token."""
    workdir = tmp_path_factory.mktemp("lab")
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(nb, workdir / nb.name)
    settings = workdir / ".lab-settings"             # Binder's JupyterLab settings: no news popup
    settings.mkdir()
    shutil.copy(ROOT / "binder" / "overrides.json", settings / "overrides.json")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(workdir / ".jupyter"), "JUPYTER_RUNTIME_DIR": str(workdir / ".rt")}
    log = open(workdir / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={workdir}",
         "--LabApp.expose_app_in_browser=True", "--allow-root", "--ServerApp.disable_check_xsrf=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--LabApp.app_settings_dir={settings}"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        log.close()
        pytest.fail(f"JupyterLab did not start: {(workdir / 'server.log').read_text()[-2000:]}")
    yield {"base": base, "token": token, "workdir": workdir}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)      # Playwright gives it a fresh profile
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1600, "height": 1400})
    page = context.new_page()
    yield page
    context.close()


def open_and_run(page, server, name):
    page.goto(f"{server['base']}/lab/tree/{name}?reset&token={server['token']}")   # reset: only this tab
    page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
    page.wait_for_function("() => document.querySelector('.jp-Notebook-ExecutionIndicator') !== null || true")
    page.wait_for_timeout(2000)                     # the kernel starts
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=120_000)


def open_tab(page, title):
    """Open a deeper view of the lab (built on first open) and wait for it to be drawn."""
    page.locator(".qnn-lab .lm-TabBar-tab").filter(has_text=title).first.click()
    page.wait_for_timeout(1500)


def field(page, label):
    return page.locator(f".widget-inline-hbox:has(> label:text-is('{label}')) input").first


def set_value(page, label, value):
    box = field(page, label)
    box.fill(str(value))
    box.press("Enter")


@pytest.fixture
def lab_page(page, jupyter_server, request):
    """lab.ipynb under a name of its own, so each test gets a fresh kernel."""
    name = f"lab_{request.node.name}.ipynb"
    shutil.copy(jupyter_server["workdir"] / "lab.ipynb", jupyter_server["workdir"] / name)
    open_and_run(page, jupyter_server, name)
    return page


def record(values):
    """Merge UI measurements into benchmarks/ui.json (the issue's UI targets)."""
    path = ROOT / "benchmarks" / "ui.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(values)
    path.write_text(json.dumps(data, indent=2) + "\n")
