"""The network view, energy histogram, read stepper and schedule editor in chromium at 1366x768."""
import json
import os
import re

import pytest

from .conftest import ARTIFACTS, record

pytestmark = pytest.mark.browser

HISTOGRAM_BARS = """() => {
  const g = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g.data && g.data[0] && g.data[0].type === 'bar');
  if (!g) return null;
  return [...g.querySelectorAll('.barlayer .trace')].map(t => [...t.querySelectorAll('path')]
      .map(p => p.getBBox()).filter(b => b.height > 0.5).map(b => b.width))
    .map((widths, i) => ({widths, fill: getComputedStyle(g.querySelectorAll('.barlayer .trace')[i]
      .querySelector('path')).fill}));
}"""

SPINS = """() => {
  const g = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g.data && g.data.some(d => d.name === 'spin up'));
  if (!g) return null;
  const up = g.data.find(d => d.name === 'spin up'), down = g.data.find(d => d.name === 'spin down');
  const drawn = [...g.querySelectorAll('.scatterlayer .trace')].filter(t => t.querySelector('.point'))
      .map(t => t.querySelectorAll('.point').length);
  return {key: JSON.stringify([up.x, up.y]), n: (up.x || []).length + (down.x || []).length,
          points: drawn.reduce((a, b) => a + b, 0)};
}"""


@pytest.fixture
def small_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


def run_cell(page, server, name, code, ready):
    """A one-cell notebook ``name`` running ``code`` in a fresh kernel; waits for the JS condition ``ready``."""
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": code, "outputs": [], "execution_count": None}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (server["workdir"] / name).write_text(json.dumps(nb))
    page.goto(f"{server['base']}/lab/tree/{name}?reset&token={server['token']}")
    page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
    page.wait_for_timeout(2000)                     # the kernel starts
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ready, timeout=120_000)
    return page.locator(".jp-OutputArea-output").first


def test_histogram_at_initialisation_has_wide_bars_in_both_colours(small_page, jupyter_server):
    page = small_page
    out = run_cell(page, jupyter_server, "views_histogram.ipynb",
                   "from qnn_lab.widgets import LabState\nfrom qnn_lab.widgets.histogram import EnergyHistogram\n"
                   "EnergyHistogram(LabState(), autostart=True)",
                   "() => document.body.innerText.includes('200 of 200 reads of 32 samples')")
    page.wait_for_function(f"() => {{ const b = ({HISTOGRAM_BARS})(); return b && b.every(t => t.widths.length); }}",
                           timeout=30_000)
    right, wrong = page.evaluate(HISTOGRAM_BARS)
    assert right["fill"] == "rgb(0, 158, 115)" and wrong["fill"] == "rgb(213, 94, 0)"
    assert min(right["widths"]) > 2 and min(wrong["widths"]) > 2, (right, wrong)
    assert len(right["widths"]) >= 5 and len(wrong["widths"]) >= 3          # a spread, not a spike
    assert re.search(r"\d+% are heads", page.inner_text("body"))
    out.screenshot(path=str(ARTIFACTS / "views_histogram.png"))


def test_read_stepper_moves_the_highlighted_spins(small_page, jupyter_server):
    page = small_page
    code = ("from qnn_lab.widgets import LabState\nfrom qnn_lab.widgets.histogram import EnergyHistogram\n"
            "from qnn_lab.widgets.network_view import NetworkView\n"
            "from qnn_lab.widgets.read_stepper import ReadStepper\n"
            "from qnn_lab.widgets.common import sync_figures\n"
            "import ipywidgets as w\ns = LabState(hidden=[16])\nsize = w.BoundedIntText(value=16, min=1, max=64, "
            "description='neurons')\nsize.observe(lambda ch: setattr(s, 'hidden', [ch['new']]), 'value')\n"
            "box = w.VBox([NetworkView(s), ReadStepper(s), size, EnergyHistogram(s, autostart=True)])\n"
            "sync_figures(box)\nbox")
    out = run_cell(page, jupyter_server, "views_stepper.ipynb", code,
                   f"() => {{ const s = ({SPINS})(); return s && s.n === 20; }}")
    first = page.evaluate(SPINS)
    assert first["n"] == 20 and first["points"] >= 20                 # 16 hidden + 4 output spins, drawn
    out.screenshot(path=str(ARTIFACTS / "views_stepper_first.png"))
    scale, figure = page.evaluate(                          # the colour scale: under the network figure, within it
        "() => { const gd = document.querySelector('.js-plotly-plot'); const r = e => { const b ="
        " e.getBoundingClientRect(); return [b.left, b.right, b.top, b.bottom]; };"
        " return [r(document.querySelector('.qnn-scale')), r(gd)]; }")
    assert figure[0] <= scale[0] and scale[1] <= figure[1] and 0 <= scale[2] - figure[3] < 10, (scale, figure)
    text = page.locator("text=/read 1 of 6400/").first.inner_text()
    seconds = page.locator("button[title='the highest read']").evaluate(
        "async (button, probe) => { const spins = eval(probe); const before = spins().key;"
        " const t0 = performance.now(); button.click();"
        " while (spins().key === before) { await new Promise(r => requestAnimationFrame(r)); }"
        " return (performance.now() - t0) / 1000; }", SPINS)
    last = page.evaluate(SPINS)
    assert last["key"] != first["key"] and last["n"] == 20
    page.wait_for_function("() => document.body.innerText.includes('read 6400 of 6400')", timeout=10_000)
    assert "read 1 of 6400" in text
    out.screenshot(path=str(ARTIFACTS / "views_stepper_last.png"))
    box = page.locator(".widget-inline-hbox:has(> label:text-is('neurons')) input")
    redraws = []
    for n in (17, 18, 19, 20, 21):                  # typed size -> the figure has the new neurons drawn
        redraws.append(box.evaluate(
            "async (box, n) => { const gd = document.querySelector('.js-plotly-plot'); const t0 = performance.now();"
            " box.value = String(n); box.dispatchEvent(new Event('input', {bubbles: true}));"
            " box.dispatchEvent(new Event('change', {bubbles: true}));"
            " box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));"
            " const done = () => gd._fullData.find(d => d.name === 'neurons')._length === n + 6;"
            " while (!done()) { await new Promise(r => requestAnimationFrame(r)); }"
            " return (performance.now() - t0) / 1000; }", n))
        page.wait_for_timeout(300)
    record({"read_stepper_to_spins_s": seconds, "network_view_redraw_s_median": sorted(redraws)[2],
            "network_view_redraw_s_all": redraws, "views_load_average_1min": os.getloadavg()[0]})


def test_dragging_a_schedule_point_changes_the_schedule_the_sampler_gets(small_page, jupyter_server):
    page = small_page
    code = ("from qnn_lab.widgets import LabState\nfrom qnn_lab.widgets.schedule_editor import ScheduleEditor\n"
            "import ipywidgets as w\n"
            "s = LabState(sampler='sa', sampler_params={'anneal_schedule': [[0, 0], [10, 0.5], [20, 1]]})\n"
            "gets = w.HTML()\n"
            "s.observe(lambda ch: setattr(gets, 'value', 'sampler gets ' + repr(getattr(s.make_sampler()"
            ".defaults['anneal_schedule'], 'points', None))), 'sampler_params')\nw.VBox([ScheduleEditor(s), gets])")
    out = run_cell(page, jupyter_server, "views_schedule.ipynb", code,
                   "() => document.querySelectorAll('.qnn-schedule circle').length === 3")
    out.screenshot(path=str(ARTIFACTS / "views_schedule_before.png"))
    box = page.locator(".qnn-schedule circle").nth(1).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y - 30, steps=8)
    page.mouse.up()
    page.wait_for_function(r"""() => { const m = /sampler gets \[\(0\.0, 0\.0\), \(([\d.]+), ([\d.]+)\)/
        .exec(document.body.innerText); return m && +m[1] > 10.5 && +m[2] > 0.55; }""", timeout=10_000)
    page.wait_for_timeout(500)                                         # the last move of the drag has arrived
    got = page.locator(".widget-html-content", has_text="sampler gets").inner_text()
    t, s = (float(v) for v in re.search(r"\(0\.0, 0\.0\), \(([\d.]+), ([\d.]+)\)", got).groups())
    assert t > 10.5 and s > 0.55, got                                  # the dragged point reached the sampler
    text_box = page.locator(".widget-text input").first
    assert text_box.input_value().startswith(f"0, 0; {t:g}, {s:g}; 20, 1")
    page.mouse.move(x + 40, y - 30)                                    # drag it past the next point: a broken rule
    page.mouse.down()
    page.mouse.move(x + 40 + 200, y - 30, steps=8)
    page.mouse.up()
    page.wait_for_function("() => document.querySelectorAll('.qnn-schedule .qnn-broken').length === 1",
                           timeout=10_000)
    assert "times should increase" in page.locator(".qnn-schedule-message").inner_text()
    kept = page.locator(".widget-html-content", has_text="sampler gets").inner_text()
    assert float(re.search(r"\(0\.0, 0\.0\), \(([\d.]+),", kept).group(1)) < 20, kept     # the last valid one
    out.screenshot(path=str(ARTIFACTS / "views_schedule_broken.png"))
    text_box.fill("")                                                  # no schedule: the refused drawing goes too
    text_box.press("Enter")
    page.wait_for_function("() => document.body.innerText.includes('sampler gets None')"
                           " && !document.querySelector('.qnn-schedule .qnn-broken')"
                           " && document.querySelector('.qnn-schedule-message').innerText.includes('no schedule set')",
                           timeout=10_000)
    out.screenshot(path=str(ARTIFACTS / "views_schedule_none.png"))
    text_box.fill("0, 0; 5, 0.4; 15, 0.4; 25, 1")                      # typed: the drawing follows
    text_box.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.qnn-schedule circle').length === 4", timeout=10_000)
    page.wait_for_function("() => document.body.innerText.includes('(15.0, 0.4)')", timeout=10_000)
    page.locator(".qnn-schedule circle").nth(2).dblclick()           # double-click removes a point
    page.wait_for_function("() => document.body.innerText.includes("
                           "'sampler gets [(0.0, 0.0), (5.0, 0.4), (25.0, 1.0)]')", timeout=10_000)
    area = page.locator(".qnn-schedule .qnn-plot-area").bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.6, area["y"] + area["height"] * 0.3)    # a click adds one
    page.wait_for_function("() => document.querySelectorAll('.qnn-schedule circle').length === 4", timeout=10_000)
    page.wait_for_function("() => /sampler gets \\[\\(0\\.0, 0\\.0\\), \\(5\\.0, 0\\.4\\), "
                           "\\([\\d.]+, 0\\.[67]\\d*\\), \\(25\\.0, 1\\.0\\)\\]/.test(document.body.innerText)",
                           timeout=10_000)
    out.screenshot(path=str(ARTIFACTS / "views_schedule_edited.png"))
