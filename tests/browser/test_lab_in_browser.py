"""What a person sees: lab.ipynb run in JupyterLab in chromium (screenshots in artifacts/browser)."""
import itertools
import json
import os
import time

import pytest

from .conftest import ARTIFACTS, ROOT, field, open_and_run, open_tab, record, set_value

pytestmark = pytest.mark.browser

FIGURE_SUM = """axis => {
  const g = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g.layout && g.layout.xaxis && g.layout.xaxis.title
                 && String(g.layout.xaxis.title.text).includes(axis));
  if (!g) return -1;
  return g.data.reduce((s, t) => s + (t.y ? Array.from(t.y).reduce((a, b) => a + (b || 0), 0) : 0), 0);
}"""
FIGURE_TITLES = ("() => [...document.querySelectorAll('.js-plotly-plot')]"
                 ".map(g => g.layout && g.layout.title ? String(g.layout.title.text) : '')")
CURVE_POINTS = """() => {
  const g = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g.layout && g.layout.title && g.layout.title.text === 'accuracy');
  return g ? (g.data[0].x || []).length : -1;
}"""
HISTOGRAM = "E<sub>read</sub>"      # the energies histogram's x axis


def test_figures_render(lab_page):
    lab_page.wait_for_function(f"() => ({FIGURE_TITLES})().includes('accuracy')", timeout=30_000)
    assert {"decision boundary", "accuracy"} <= set(lab_page.evaluate(FIGURE_TITLES))
    open_tab(lab_page, "Ising/QUBO")
    lab_page.wait_for_function(f"() => ({FIGURE_TITLES})().some(t => t.startsWith('SPIN model of sample'))",
                               timeout=60_000)
    lab_page.screenshot(path=str(ARTIFACTS / "lab.png"), full_page=True)


def test_histogram_grows_while_sampling_and_stop_stops_it(lab_page):
    page = lab_page
    open_tab(page, "Energies")
    set_value(page, "reads per Sample click", 100000)       # the largest value shows whole, not clipped
    assert field(page, "reads per Sample click").evaluate("e => e.scrollWidth <= e.clientWidth")
    set_value(page, "reads per Sample click", 40000)
    set_value(page, "reads per redraw", 20)
    page.wait_for_timeout(300)
    page.locator("button:text-is('Sample')").click()      # its icon's glyph joins the accessible name
    seen, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < 3:
        seen.append((time.perf_counter() - t0, page.evaluate(FIGURE_SUM, HISTOGRAM)))
        page.wait_for_timeout(50)
    totals = [s for _, s in seen]
    assert totals[-1] > totals[0] >= -1 and len(set(totals)) >= 3, totals
    page.screenshot(path=str(ARTIFACTS / "histogram_running.png"), full_page=True)
    stop_to_idle = page.get_by_role("button", name="Stop").evaluate(
        "async (stop) => { const t0 = performance.now(); stop.click();"
        " const idle = () => [...document.querySelectorAll('button')].some("
        "   b => b.textContent.trim() === 'Sample' && !b.disabled);"
        " while (!idle()) { await new Promise(r => requestAnimationFrame(r)); }"
        " return (performance.now() - t0) / 1000; }")
    frozen = page.evaluate(FIGURE_SUM, HISTOGRAM)
    page.wait_for_timeout(500)
    assert page.evaluate(FIGURE_SUM, HISTOGRAM) == frozen < 40000 * 32
    updates = sum(1 for a, b in itertools.pairwise(totals) if b != a) / (seen[-1][0] - seen[0][0])
    record({"histogram_updates_per_s": updates, "stop_to_idle_s": stop_to_idle})


def test_three_training_epochs_move_the_curves(lab_page):
    page = lab_page
    for epoch in (1, 2, 3):
        page.get_by_role("button", name="Step").click()
        page.wait_for_function(f"() => document.body.innerText.includes('epoch {epoch}:')", timeout=60_000)
    assert page.evaluate(CURVE_POINTS) == 3
    page.screenshot(path=str(ARTIFACTS / "trained_3_epochs.png"), full_page=True)


def test_an_invalid_schedule_and_setting_show_their_messages(lab_page):
    page = lab_page                     # the default sampler ("layered") takes both settings
    page.locator(".qnn-lab button:text-is('expert')").click()
    open_tab(page, "Sampler")
    set_value(page, "s(t) points", "0, 0; 10, 0.7; 5, 1")
    page.wait_for_function("() => document.body.innerText.includes('times should increase from point to point')",
                           timeout=10_000)
    set_value(page, "beta_range", "2, 1")
    page.wait_for_function("() => document.body.innerText.includes(\"'beta_range' should be a pair\")",
                           timeout=10_000)
    assert page.locator(".qnn-lab button:text-is('Sample')").count() == 0 or \
        page.locator(".qnn-lab button:text-is('Sample')").first.is_disabled()
    page.screenshot(path=str(ARTIFACTS / "invalid_schedule.png"), full_page=True)


def test_qubo_view_redraw_time_for_a_200_spin_model(page, jupyter_server):
    nb = json.loads((ROOT / "notebooks" / "lab.ipynb").read_text())
    nb["cells"][1]["source"] = ["import qnn_lab as ql\n", "lab = ql.Lab(dataset='circles', hidden=[195], replicas=2)\n",
                                "lab"]
    (jupyter_server["workdir"] / "big.ipynb").write_text(json.dumps(nb))
    open_and_run(page, jupyter_server, "big.ipynb")
    open_tab(page, "Ising/QUBO")
    rows = "() => { const g = [...document.querySelectorAll('.js-plotly-plot')].find(g => g.layout && " \
           "g.layout.title && String(g.layout.title.text).includes('SPIN model'));" \
           " return g ? g.data[1].y.length : -1; }"
    page.wait_for_function(f"() => ({rows})() === 199", timeout=60_000)
    times, drawn = [], {}
    # the click's time to the QUBO view's new rows; meanwhile every figure's redraws (plotly_afterplot), by name
    timed_click = ("async (button, args) => { const [rowsSrc, target] = args; const rows = eval(rowsSrc);"
                   " const events = []; const plots = [...document.querySelectorAll('.js-plotly-plot')];"
                   " const name = g => String(g.layout.meta || (g.layout.title && g.layout.title.text) || '?');"
                   " const listeners = plots.map(g => { const f = () => events.push([name(g), performance.now()]);"
                   "   g.on('plotly_afterplot', f); return [g, f]; });"
                   " const t0 = performance.now(); button.click();"
                   " while (rows() !== target) { await new Promise(r => requestAnimationFrame(r)); }"
                   " const t = (performance.now() - t0) / 1000;"
                   " listeners.forEach(([g, f]) => g.removeListener('plotly_afterplot', f));"
                   " return [t, events.map(([n, e]) => [n.slice(0, 20), (e - t0) / 1000])]; }")
    for target in (200, 199, 200, 199, 200, 199, 200):
        button = "+" if target == 200 else "-"
        locator = page.locator(".widget-hbox:has(> .widget-label:text-is('hidden 1'))") \
            .get_by_role("button", name=button, exact=True)
        locator.wait_for()
        page.wait_for_timeout(300)                  # let the previous redraw settle
        t, events = locator.evaluate(timed_click, [rows, target])
        times.append(t)
        for name, at in events:
            drawn.setdefault(name, []).append(at)
    times.sort()
    median = {name: sorted(ts)[len(ts) // 2] for name, ts in drawn.items()}     # when each figure was redrawn
    record({"qubo_redraw_s_median": times[len(times) // 2], "qubo_redraw_s_all": times, "spins": 200,
            "qubo_redraw_figures_drawn_at_s": median, "qubo_redraw_load_average_1min": os.getloadavg()[0]})


def test_voila_app_mode_runs_the_lab(page, jupyter_server):
    """Binder's ?urlpath=voila/render/notebooks/lab.ipynb: the widgets work, without code cells."""
    page.goto(f"{jupyter_server['base']}/voila/render/lab.ipynb?token={jupyter_server['token']}")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=180_000)
    assert page.locator("text=Data and network").count() >= 1
    assert "import qnn_lab" not in page.inner_text("body")              # no code shown in app mode
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("() => document.body.innerText.includes('epoch 1:')", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "voila.png"), full_page=True)


def test_voila_app_mode_draws_the_figures(page, jupyter_server):
    """Voila restores widget state only: the figures must carry their data in it (Lab._repr_mimebundle_)."""
    page.goto(f"{jupyter_server['base']}/voila/render/lab.ipynb?token={jupyter_server['token']}")
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=180_000)
    page.wait_for_function(f"() => ({FIGURE_TITLES})().includes('accuracy')", timeout=30_000)
    open_tab(page, "Ising/QUBO")
    page.wait_for_function(f"() => ({FIGURE_TITLES})().some(t => t.startsWith('SPIN model of sample'))",
                           timeout=60_000)
    open_tab(page, "Energies")
    page.wait_for_function(f"() => ({FIGURE_SUM})('{HISTOGRAM}') >= 0", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "voila_figures.png"), full_page=True)
