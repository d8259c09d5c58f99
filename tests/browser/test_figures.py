"""Figures download as PNG and SVG (issue 14), and plotly's toolbar never covers a title (issue 13): Voila."""
import pytest

from .conftest import ARTIFACTS, open_tab
from .test_share_and_files import BOUNDARY, download, open_extra, open_voila

pytestmark = pytest.mark.browser

#: For each figure on screen, while the pointer is over it: its toolbar's buttons and whatever the toolbar
#: covers among the titles, axis titles, legends and colour-bar titles.
TOOLBARS = """() => [...document.querySelectorAll('.qnn-lab .js-plotly-plot')]
  .filter(gd => gd.getBoundingClientRect().height > 0).map(gd => {
    const bar = gd.querySelector('.modebar');
    if (!bar) return {title: gd.layout && gd.layout.title && gd.layout.title.text, bar: null};
    const b = bar.getBoundingClientRect();
    const hit = r => r.width > 0 && r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top;
    const covered = [...gd.querySelectorAll('.gtitle, .g-xtitle, .g-ytitle, .legend text, .cbtitle text')]
      .filter(e => hit(e.getBoundingClientRect())).map(e => e.textContent);
    return {title: gd.layout && gd.layout.title && gd.layout.title.text, covered,
            buttons: [...bar.querySelectorAll('.modebar-btn')].map(e => e.getAttribute('data-title'))};
  })"""


def test_each_plot_downloads_as_png_and_svg_and_its_toolbar_covers_no_title(page, jupyter_server):
    open_voila(page, jupyter_server, "dataset=xor&hidden=4")
    plots = page.locator(".qnn-lab .js-plotly-plot:visible")
    for k in range(plots.count()):
        plots.nth(k).hover()                                     # the toolbar shows while the pointer is over
    bars = page.evaluate(TOOLBARS)
    assert len(bars) >= 3
    for bar in bars:
        assert bar["buttons"] == ["Download plot as a PNG"], bar
        assert bar["covered"] == [], bar
    boundary = page.locator(".qnn-output .js-plotly-plot").first
    boundary.hover()
    name, data = download(page, boundary.locator(".modebar-btn").first, link=False)   # the plot's own button
    assert name.endswith(".png") and data.startswith(b"\x89PNG") and len(data) > 2000

    open_extra(page, "Your files")                              # any figure, PNG or SVG
    chooser = page.locator(".qnn-transfer .widget-dropdown:has(> label:text-is('figure')) select")
    options = chooser.evaluate("s => Array.from(s.options).map(o => o.text.replace(/\\u00a0/g, ' '))")
    assert options[:3] == ["1. network", "2. decision boundary", "3. accuracy"], options
    chooser.select_option(index=1)
    for fmt in ("PNG", "SVG"):
        name, data = download(page, page.locator(".qnn-transfer button.widget-button", has_text=fmt), link=False)
        assert name == f"qnn_lab_decision_boundary.{fmt.lower()}", name
        if fmt == "PNG":
            assert data.startswith(b"\x89PNG") and len(data) > 2000
        else:
            assert b"<svg" in data[:300] and b"decision boundary" in data and data.rstrip().endswith(b"</svg>")
    chooser.select_option(index=0)                  # its colour scale, drawn by the page, goes into the image too
    name, data = download(page, page.locator(".qnn-transfer button.widget-button", has_text="SVG"), link=False)
    assert name == "qnn_lab_network.svg" and b"field over the plane" in data and b"colorbar" in data, name
    page.screenshot(path=str(ARTIFACTS / "figures_downloaded.png"))


#: Every colour bar's boxes (bar, ticks, title) that overlap another subplot's axis labels in the same figure.
COLOUR_BAR_CLASHES = """() => [...document.querySelectorAll('.qnn-lab .js-plotly-plot')]
  .filter(gd => gd.getBoundingClientRect().height > 0).flatMap(gd => {
    const boxes = sel => [...gd.querySelectorAll(sel)].map(e => [e.textContent, e.getBoundingClientRect()])
      .filter(([, r]) => r.width > 0);
    const meet = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
    const labels = boxes('.yaxislayer-above text, .xaxislayer-above text, .g-ytitle text, .g-xtitle text');
    return boxes('.colorbar text, .colorbar .cbfills').flatMap(([bar, b]) =>
      labels.filter(([, r]) => meet(b, r)).map(([label]) => `${bar} / ${label}`));
  })"""


def test_the_digits_sample_colour_bar_clears_the_class_axis(page, jupyter_server):
    """The sample image's 'ink' scale sat on the class energies' axis labels (issue 13)."""
    open_voila(page, jupyter_server, "dataset=digits")
    page.wait_for_function("() => document.body.innerText.includes('energy E(class)')", timeout=60_000)
    assert page.evaluate(COLOUR_BAR_CLASHES) == []


#: The page position of point k of the network figure's trace ``name`` (hover markers drawn as nothing).
NETWORK_POINT = """([name, k]) => {
  const gd = [...document.querySelectorAll('.qnn-lab .js-plotly-plot')].find(g => g.layout.meta === 'network');
  const t = gd._fullData.find(d => d.name === name), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(t.x[k]), box.top + ya._offset + ya.l2p(t.y[k])];
}"""


def test_hovering_a_link_or_a_neuron_tells_its_value(page, jupyter_server):
    """The links' and neurons' hover points are drawn as nothing (350 invisible SVG markers cost 15 ms a redraw)."""
    open_voila(page, jupyter_server, "dataset=xor&hidden=4")
    for name, k, pattern in (("link values", 0, r"W\d\[\d+,\d+\] = "), ("neurons", 3, r"h1\[1\]: field at sample")):
        x, y = page.evaluate(NETWORK_POINT, [name, k])
        page.mouse.move(x, y)
        page.wait_for_function("p => [...document.querySelectorAll('.hoverlayer .hovertext')]"
                               ".some(e => new RegExp(p).test(e.textContent))", arg=pattern, timeout=5_000)
        page.mouse.move(0, 0)


def test_a_new_network_redraws_the_boundarys_picture_not_the_whole_figure(page, jupyter_server):
    """plotly's widget marks each edit from the kernel with a key plotly.js does not know, which made every edit
    redraw its whole figure (a new picture: 25 ms, not 3); the page code takes the key out of the edit and puts it
    on the edit's event, where the widget looks for it (so the edit is still not reported back to the kernel)."""
    open_voila(page, jupyter_server)
    page.evaluate(f"""() => {{ const g = ({BOUNDARY})(); window.BEFORE = [g.calcdata, g.layout.images[0].source];
        window.MARKED = []; g.on('plotly_update', e => MARKED.push(Boolean(e.data[0]._doNotReportToPy))); }}""")
    page.locator(".widget-hbox:has(> .widget-label:text-is('hidden 1'))").get_by_role("button", name="+").click()
    page.wait_for_function(f"() => ({BOUNDARY})().layout.images[0].source !== BEFORE[1]", timeout=30_000)
    assert page.evaluate(f"() => ({BOUNDARY})().calcdata === BEFORE[0]")          # not recalculated
    assert page.evaluate("() => MARKED") == [True]


#: Every message the page sends the kernel, as text (JupyterLab's and Voila's kernel protocol frames are binary).
SENT = """(() => { window.SENT = []; const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    SENT.push(typeof data === 'string' ? data : new TextDecoder().decode(data)); return send.call(this, data); };
})()"""


def test_the_page_sends_the_kernel_no_figure_defaults_after_an_edit(page, jupyter_server):
    """After each edit plotly's widget sent the browser's defaults for its whole figure back (about 20 ms of the
    page's time per new network, and the trace defaults broke plotly's own code in the kernel: ValueError "truth
    value of an array", 417 times in JupyterLab's log); the lab never reads them."""
    page.add_init_script(SENT)
    open_voila(page, jupyter_server)
    page.evaluate("() => { SENT.length = 0; }")
    page.locator(".widget-hbox:has(> .widget-label:text-is('hidden 1'))").get_by_role("button", name="+").click()
    page.wait_for_function(f"() => ({BOUNDARY})().layout.images[0] && SENT.some(m => m.includes('click'))",
                           timeout=30_000)
    page.wait_for_timeout(1500)                                  # the three figures redrawn
    sent = page.evaluate("() => SENT")
    assert any('"event":"click"' in m.replace(" ", "") for m in sent), sent[:3]
    assert not [m for m in sent if "Delta" in m], [m[:200] for m in sent if "Delta" in m]


def test_a_stray_drag_on_the_first_screens_plots_zooms_nothing(page, jupyter_server):
    """A student's drag across the decision boundary or the accuracy curve left them zoomed into tiny ranges."""
    open_voila(page, jupyter_server)
    ranges = """title => { const g = [...document.querySelectorAll('.qnn-lab .js-plotly-plot')]
        .find(g => g.layout.title && g.layout.title.text === title);
        return [g._fullLayout.xaxis.range, g._fullLayout.yaxis.range]; }"""
    for title in ("decision boundary", "accuracy"):
        before = page.evaluate(ranges, title)
        box = page.locator(".qnn-lab .js-plotly-plot").filter(has_text=title).locator(".nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
        page.mouse.down()
        page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.6 * box["height"], steps=8)
        page.mouse.up()
        page.wait_for_timeout(300)
        assert page.evaluate(ranges, title) == before, title


#: The Ising view's figure; its couplings are a picture, and a trace drawn as nothing carries their hover texts
#: and takes the clicks.
QUBO = ("() => [...document.querySelectorAll('.qnn-lab .js-plotly-plot')]"
        ".find(g => g.layout.title && String(g.layout.title.text).startsWith('SPIN model'))")


def test_hovering_a_coupling_tells_its_origin_and_a_click_selects_its_variable(page, jupyter_server):
    open_voila(page, jupyter_server)
    open_tab(page, "Ising/QUBO")
    page.wait_for_function(f"() => Boolean(({QUBO})())", timeout=60_000)
    x, y = page.evaluate(f"""() => {{ const gd = ({QUBO})(), t = gd._fullData[0], box = gd.getBoundingClientRect();
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        return [box.left + xa._offset + xa.l2p(t.x[0]), box.top + ya._offset + ya.l2p(t.y[0])]; }}""")
    page.mouse.move(x, y)
    page.wait_for_function("() => [...document.querySelectorAll('.hoverlayer .hovertext')]"
                           ".some(e => /coupling h1\\[\\d+\\]-o\\[\\d+\\] = -W2\\[/.test(e.textContent))",
                           timeout=5_000)
    page.mouse.click(x, y)                               # selects its variable: its row and column are outlined
    page.wait_for_function(f"() => (({QUBO})().layout.shapes || []).length === 2", timeout=10_000)
