"""The first screen at 1366x768: JupyterLab with its file browser open (Binder's default) and Voila.

The core loop (data and network controls, the network, its output, Play / Step / Reset and the
accuracy curve) is visible without scrolling, nothing overflows sideways from 1000 px up, and
the time to something on screen / the full first screen is written to benchmarks/ui.json.
"""
import json
import os
import shutil
import statistics
import urllib.request

import pytest

from qnn_lab.widgets.lessons import load_lesson

from .conftest import ARTIFACTS, ROOT, record

pytestmark = pytest.mark.browser

RUNS = 5     # timings: medians of 5 fresh kernels (marked slow)

#: What must be on the first screen: (name, selector, text of the element or None).
CORE = [("dataset control", ".qnn-controls select", None),
        ("network", ".qnn-network .js-plotly-plot", None),
        ("output", ".qnn-output .js-plotly-plot", None),
        ("Play", ".qnn-controls button", "Play"),
        ("Step", ".qnn-controls button", "Step"),
        ("Reset", ".qnn-controls button", "Reset"),
        ("accuracy curve", ".qnn-accuracy .js-plotly-plot", None),
        ("tab bar of the deeper views", ".qnn-lab .lm-TabBar-tab", "Ising/QUBO")]

OVERFLOW = """() => {
  const lab = document.querySelector('.qnn-lab');
  const r = lab.getBoundingClientRect();
  const bad = [];
  for (const el of lab.querySelectorAll('*')) {
    const q = el.getBoundingClientRect();
    const svg = el.closest('svg.main-svg');       // a plot's svg clips what it holds (plotly's invisible drag handles)
    const right = svg && svg !== el ? Math.min(q.right, svg.getBoundingClientRect().right) : q.right;
    if (q.width > 0 && q.height > 0 && right > r.right + 1)
      bad.push(`${el.tagName}.${el.getAttribute('class')} ${q.right | 0}`);
  }
  const outs = [...document.querySelectorAll('.jp-OutputArea-output, .jp-OutputArea-child, .jp-Cell-outputArea')]
      .filter(o => o.scrollWidth > o.clientWidth + 1).map(o => o.className);
  return {right: r.right | 0, bad: bad.slice(0, 8), count: bad.length, scrolled: outs};
}"""

TIMING = """() => {
  window.__t = {t0: performance.now(), first: null, full: null};
  const out = () => [...document.querySelectorAll('.jp-OutputArea-output, .jp-OutputArea-child')]
      .some(o => o.textContent.trim().length > 0 || o.querySelector('.widget-box, .js-plotly-plot'));
  const drawn = sel => { const g = document.querySelector(sel);
      return g && g.data && g.data.some(t => t.x && t.x.length > 0 || t.z && t.z.length > 0); };
  const full = () => drawn('.qnn-network .js-plotly-plot') && drawn('.qnn-output .js-plotly-plot')
      && document.querySelector('.qnn-accuracy .js-plotly-plot') && document.querySelector('.qnn-controls button');
  const id = setInterval(() => {
    const now = performance.now() - window.__t.t0;
    if (window.__t.first === null && out()) window.__t.first = now;
    if (window.__t.full === null && full()) { window.__t.full = now; clearInterval(id); }
  }, 10);
}"""


def _in_view(page, container):
    """Each core element's box against the visible area of ``container`` (a selector, or None: the window)."""
    return page.evaluate("""([core, container]) => {
      const c = container ? document.querySelector(container).getBoundingClientRect()
                          : {top: 0, bottom: window.innerHeight, left: 0, right: window.innerWidth};
      return core.map(([name, sel, text]) => {
        const e = [...document.querySelectorAll(sel)].find(
            el => el.getBoundingClientRect().height > 0 && (text === null || el.textContent.trim() === text));
        if (!e) return [name, 'missing'];
        const r = e.getBoundingClientRect();
        const ok = r.height > 0 && r.top >= c.top - 1 && r.bottom <= c.bottom + 1 && r.right <= c.right + 1;
        return [name, ok ? 'ok'
            : `top ${r.top | 0} bottom ${r.bottom | 0} right ${r.right | 0} of ${c.top | 0}..${c.bottom | 0}`];
      });
    }""", [CORE, container])


def _open_lab(page, server, name, file_browser=True):
    shutil.copy(server["workdir"] / "lab.ipynb", server["workdir"] / name)
    page.goto(f"{server['base']}/lab/tree/{name}?reset&token={server['token']}")
    page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=120_000)
    if file_browser:
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
        page.wait_for_selector(".jp-FileBrowser", state="visible", timeout=30_000)
    page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget;"
                           " const k = w && w.sessionContext && w.sessionContext.session"
                           " && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
                           timeout=120_000)
    page.evaluate(TIMING)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    try:                  # JupyterLab draws only the cells in view: bring the lab into view as soon as it exists
        page.wait_for_function("() => { const lab = document.querySelector('.qnn-lab');"
                               " if (lab && !window.__t.scrolled) { lab.scrollIntoView({block: 'start'});"
                               " window.__t.scrolled = true; } return window.__t.full !== null; }",
                               timeout=240_000, polling=100)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"timeout_{name}.png"))
        raise
    page.wait_for_timeout(500)                      # let the figures settle
    assert page.get_by_role("button", name="No", exact=True).count() == 0, "JupyterLab's news question"
    return page.evaluate("() => window.__t")


def _shutdown_kernels(server):
    """End every session (kernel) of the test server, so each timing run starts on a quiet machine."""
    url = f"{server['base']}/api/sessions?token={server['token']}"
    for session in json.loads(urllib.request.urlopen(url, timeout=30).read()):
        request = urllib.request.Request(f"{server['base']}/api/sessions/{session['id']}?token={server['token']}",
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=60)


def _scroll_lab_to_top(page):
    page.evaluate("() => document.querySelector('.qnn-lab').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


@pytest.fixture
def small_page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


def test_first_screen_in_jupyterlab_with_the_file_browser_open(small_page, jupyter_server):
    page = small_page
    _shutdown_kernels(jupyter_server)
    timings = [_open_lab(page, jupyter_server, "first_screen.ipynb")]
    _scroll_lab_to_top(page)
    page.screenshot(path=str(ARTIFACTS / "first_screen_jupyterlab.png"))
    seen = _in_view(page, ".jp-NotebookPanel .jp-WindowedPanel-outer, .jp-NotebookPanel .jp-Notebook")
    assert all(state == "ok" for _, state in seen), seen
    overflow = page.evaluate(OVERFLOW)
    assert overflow["count"] == 0 and not overflow["scrolled"], overflow
    _shutdown_kernels(jupyter_server)
    assert 0 < timings[0]["first"] <= timings[0]["full"]


@pytest.mark.slow
def test_first_screen_timings(browser, jupyter_server):
    """Run -> something on screen, and -> the whole first screen: medians of 5 fresh kernels and pages
    (python -m pytest -m slow tests/browser/test_first_screen.py), written to benchmarks/ui.json."""
    timings = []
    for k in range(RUNS):
        _shutdown_kernels(jupyter_server)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        try:
            timings.append(_open_lab(context.new_page(), jupyter_server, f"first_screen_{k}.ipynb"))
        finally:
            context.close()
    _shutdown_kernels(jupyter_server)
    first = [t["first"] / 1000 for t in timings]
    full = [t["full"] / 1000 for t in timings]
    record({"first_paint_s_median": statistics.median(first), "first_paint_s_all": first,
            "first_screen_s_median": statistics.median(full), "first_screen_s_all": full,
            "first_screen_setting": "JupyterLab 1366x768, file browser open, lab.ipynb run in a fresh kernel",
            "first_screen_load_average": round(os.getloadavg()[0], 1)})


TAB_FIGURES = """() => { const tabs = document.querySelector('.qnn-tabs');
  return [tabs.clientWidth, [...tabs.querySelectorAll('.js-plotly-plot')].filter(g => g.offsetParent)
          .map(g => g.getBoundingClientRect().width)]; }"""


@pytest.mark.parametrize("width", [1000, 1200, 1600])
def test_no_horizontal_overflow_from_1000_px(browser, jupyter_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        _shutdown_kernels(jupyter_server)
        _open_lab(page, jupyter_server, f"overflow_{width}.ipynb")
        for tab in ("Ising/QUBO", "Sampler", "Energies", "Landscape", "QPU", "Lessons"):
            page.locator(".qnn-lab .lm-TabBar-tab, .qnn-lab .p-TabBar-tab").filter(has_text=tab).first.click()
            page.wait_for_timeout(1500)
            if tab not in ("Sampler", "Lessons"):     # these draw no plotly figure
                try:                                                        # the figures fill the tabs' width
                    page.wait_for_function(f"() => {{ const [tabs, figures] = ({TAB_FIGURES})();"
                                           " return Math.max(...figures) >= tabs - 60; }", timeout=20_000)
                except Exception:
                    raise AssertionError((tab, page.evaluate(TAB_FIGURES))) from None
            overflow = page.evaluate(OVERFLOW)
            assert overflow["count"] == 0 and not overflow["scrolled"], (tab, overflow)
        page.screenshot(path=str(ARTIFACTS / f"overflow_{width}.png"), full_page=True)
    finally:
        context.close()


def test_first_screen_in_voila(small_page, jupyter_server):
    page = small_page
    page.goto(f"{jupyter_server['base']}/voila/render/lab.ipynb?token={jupyter_server['token']}")
    page.wait_for_selector(".qnn-accuracy .js-plotly-plot", timeout=180_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "first_screen_voila.png"))
    seen = _in_view(page, None)
    assert all(state == "ok" for _, state in seen), seen
    overflow = page.evaluate(OVERFLOW)
    assert overflow["count"] == 0, overflow


TEXT_COLOUR = """() => {
  const t = document.querySelector('.qnn-output .js-plotly-plot .main-svg text');
  const rgb = getComputedStyle(t).fill.match(/\\d+/g).map(Number);
  return (rgb[0] + rgb[1] + rgb[2]) / 3;
}"""


def test_light_and_dark_themes(small_page, jupyter_server):
    """The lab follows JupyterLab's theme (figure text light on dark); the screenshots are the README's
    (docs/lab-light.png, docs/lab-dark.png, docs/lesson.png: 1366x768, file browser open)."""
    page = small_page
    _shutdown_kernels(jupyter_server)
    _open_lab(page, jupyter_server, "themes.ipynb")
    for epoch in range(1, 6):                         # five Steps: the picture shows a network that learned
        page.locator(".qnn-lab button:visible:text-is('Step')").first.click()
        page.wait_for_function(f"() => /epoch {epoch}:/.test(document.querySelector('.qnn-controls').innerText)",
                               timeout=180_000)
    _scroll_lab_to_top(page)
    docs = ROOT / "docs"
    page.screenshot(path=str(docs / "lab-light.png"))
    light = page.evaluate(TEXT_COLOUR)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=60_000)
    page.wait_for_timeout(1500)
    _scroll_lab_to_top(page)
    page.screenshot(path=str(docs / "lab-dark.png"))
    dark = page.evaluate(TEXT_COLOUR)
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    assert light < 110 < dark, (light, dark)          # dark text on light, light text on dark
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'", timeout=60_000)
    lesson = load_lesson("04_qpu_chains")             # the README's lesson: its first step, in the Lessons tab
    page.locator(".qnn-lab .lm-TabBar-tab").filter(has_text="Lessons").first.click()
    player = page.locator(".qnn-lessons")
    player.locator("select").first.select_option(label=lesson.title)
    player.locator("button:text-is('Start')").click()
    page.wait_for_function("() => document.querySelector('.qnn-lesson-bar').innerText.includes('step 1 of')",
                           timeout=120_000)         # the running step, above the tab it opens
    page.locator(".qnn-lab button:text-is('Embed')").click()          # as the step says: the chains on the chip
    page.wait_for_selector(".js-plotly-plot:has-text('variables on pegasus')", timeout=120_000)
    page.wait_for_timeout(2000)
    page.evaluate("() => document.querySelector('.qnn-lesson-bar').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(docs / "lesson.png"))
    _shutdown_kernels(jupyter_server)
