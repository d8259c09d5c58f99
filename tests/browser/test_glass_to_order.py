"""The glass -> order transition on digits, as the lab's Landscape tab draws it in chromium."""

import pytest

from .conftest import ARTIFACTS, ROOT, field, record, set_value

pytestmark = pytest.mark.browser

EPOCHS = 3
DOCS_SHOT_MAX_BYTES = 300_000

NETWORK_CAPTION = "() => document.querySelector('.qnn-network').innerText"
# What the Training panel's figure holds: its traces by name, as plain arrays (heatmap z as rows).
LANDSCAPE_PANELS = """() => {
  const g = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g.layout && g.layout.annotations && g.layout.annotations.some(a => a.text === 'glass -> order'));
  if (!g) return null;
  const plain = a => (a ? Array.from(a, v => (v !== null && typeof v === 'object' ? Array.from(v) : v)) : []);
  return Object.fromEntries(g.data.map(t => [t.name, {x: plain(t.x), y: plain(t.y), z: plain(t.z)}]));
}"""
# Click Step, wait for the epoch's line in the panel; the seconds it took in the page.
TIMED_STEP = """async (button, epoch) => {
  while (button.disabled) { await new Promise(r => setTimeout(r, 50)); }
  const t0 = performance.now(); button.click();
  while (!document.body.innerText.includes(`epoch ${epoch}:`) || button.disabled) {
    await new Promise(r => setTimeout(r, 50));
  }
  return (performance.now() - t0) / 1000;
}"""


def high_q_mass(curve, q_min=0.8):
    """P(q) summed over the bins whose centre is above ``q_min``."""
    return sum(p for q, p in zip(curve["x"], curve["y"]) if q > q_min)


def test_training_on_digits_turns_the_glass_into_order(lab_page):
    page = lab_page
    page.locator(".widget-dropdown:has(> label:text-is('dataset')) select").select_option("digits")
    set_value(page, "replicas", 4)
    page.wait_for_function(f"() => ({NETWORK_CAPTION})().includes('network 64-32-10 (x4 output replicas)')",
                           timeout=60_000)
    page.locator(".qnn-lab button:text-is('expert')").click()
    set_value(page, "batch", 32)
    assert field(page, "batch").input_value() == "32"
    page.wait_for_timeout(500)

    step = page.get_by_role("button", name="Step")
    seconds = [step.evaluate(TIMED_STEP, epoch) for epoch in range(1, EPOCHS + 1)]
    page.locator(".qnn-lab .lm-TabBar-tab").filter(has_text="Landscape").first.click()
    page.wait_for_function(f"() => ({LANDSCAPE_PANELS})() !== null", timeout=60_000)
    page.wait_for_timeout(1000)
    panels = page.evaluate(LANDSCAPE_PANELS)
    page.add_style_tag(content=".Toastify { display: none !important; }")     # JupyterLab's news prompt
    page.screenshot(path=str(ARTIFACTS / "glass_to_order.png"), full_page=True)
    page.locator(".qnn-lab .widget-tab").screenshot(path=str(ROOT / "docs" / "glass_to_order.png"))

    lowest, distinct = panels["reads in lowest state"], panels["distinct minima / reads"]
    assert lowest["x"] == distinct["x"] == list(range(EPOCHS + 1)), panels
    share, minima = lowest["y"], distinct["y"]
    assert share[0] < 0.5 and share[-1] > 0.65 and share[-1] - share[0] > 0.25, share
    assert minima[-1] < 0.6 * minima[0], minima
    start, now = high_q_mass(panels["P(q) start"]), high_q_mass(panels["P(q) now"])
    assert start < 0.5 and now > 0.6 and now - start > 0.3, (start, now)
    heatmap = panels["P(q)"]                              # rows: q bins (last: q ~ 1), columns: epochs
    assert heatmap["x"] == lowest["x"] and len(heatmap["z"]) == len(heatmap["y"]) == 20
    assert heatmap["z"][-1][-1] - heatmap["z"][-1][0] > 0.3, heatmap["z"][-1]
    assert 0 < (ROOT / "docs" / "glass_to_order.png").stat().st_size < DOCS_SHOT_MAX_BYTES
    record({"digits_epoch_s_median": sorted(seconds)[len(seconds) // 2], "digits_epoch_s_all": seconds,
             "digits_glass_to_order": {"network": "64-32-10 x4 replicas, batch 32", "lowest_share": share,
                                       "distinct_minima_per_read": minima, "p_q_above_0.8": [start, now]}})
