"""The lab's QPU panel in chromium: Embed draws the chains of the model on the Pegasus graph."""

import pytest

from .conftest import ARTIFACTS, open_tab, record

pytestmark = pytest.mark.browser

EMBEDDING_PLOT = """() => {
  const g = [...document.querySelectorAll('.js-plotly-plot')]
      .find(g => g.layout && g.layout.title && / variables on pegasus /.test(String(g.layout.title.text)));
  if (!g) return null;
  const chains = g.querySelector('.trace' + g._fullData[3].uid);     // the chains' SVG trace
  return {title: String(g.layout.title.text), qubits: (g.data[3].x || []).length,
          colours: new Set(g.data[3].marker.color || []).size,
          drawn: chains ? chains.querySelectorAll('.point').length : 0};
}"""


SELECTION = """() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const title = g => String(g.layout && g.layout.title && g.layout.title.text);
  const emb = plots.find(g => / variables on pegasus /.test(title(g)));
  const qubo = plots.find(g => title(g).startsWith('SPIN model'));
  return emb && qubo && (emb.data[5].x || []).length > 0 && (qubo.layout.shapes || []).length === 2;
}"""


def test_embed_draws_the_chains_on_the_qpu_graph(lab_page):
    page = lab_page
    open_tab(page, "Ising/QUBO")                             # the QUBO view links its selection to the QPU's
    open_tab(page, "QPU")
    button = page.locator("button:text-is('Embed')")        # its icon's glyph joins the accessible name
    button.scroll_into_view_if_needed()
    seconds = button.evaluate(
        "async (button, probe) => { const plot = eval(probe); const t0 = performance.now(); button.click();"
        " while (!(plot() && plot().drawn > 0)) { await new Promise(r => setTimeout(r, 50)); }"
        " return (performance.now() - t0) / 1000; }", EMBEDDING_PLOT)
    plot = page.evaluate(EMBEDDING_PLOT)
    assert plot["title"].startswith("36 variables on pegasus")        # circles, 32 hidden + 2 x 2 outputs
    assert plot["drawn"] == plot["qubits"] >= 36 and plot["colours"] == 36
    assert "logical variables on" in page.inner_text("body")
    page.locator(".js-plotly-plot", has_text="variables on pegasus").screenshot(
        path=str(ARTIFACTS / "embedding_pegasus.png"))
    record({"embed_and_draw_p16_s": seconds})

    box = page.locator(".js-plotly-plot", has_text="variables on pegasus").locator(".scatterlayer .point") \
        .first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)                                             # plotly reads the pointer on its drag layer
    page.wait_for_function("() => [...document.querySelectorAll('.hoverlayer .hovertext')]"
                           ".some(t => /\\(sample 0\\) · chain of \\d+ qubit/.test(t.textContent))", timeout=10_000)
    page.mouse.click(x, y)                                            # selects it: its chain and QUBO row are outlined
    page.wait_for_function(SELECTION, timeout=10_000)
    page.locator(".js-plotly-plot", has_text="variables on pegasus").screenshot(
        path=str(ARTIFACTS / "embedding_selected.png"))
