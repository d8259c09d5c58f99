"""Share links, teacher mode, own data and downloads in a real browser: Voila in Debian's chromium."""
import csv
import io
import json
import re
import urllib.parse

import pytest

from .conftest import ARTIFACTS, sync_api

pytestmark = pytest.mark.browser
LAB_READY = "() => document.querySelector('.qnn-lab') && document.querySelectorAll('.js-plotly-plot').length >= 3"


def open_voila(page, server, query=""):
    sep = "&" if query else ""
    page.goto(f"{server['base']}/voila/render/lab.ipynb?token={server['token']}{sep}{query}", timeout=120_000)
    page.wait_for_function(LAB_READY, timeout=240_000)
    page.wait_for_timeout(1500)                      # the Browser widget reports the page address


def open_extra(page, title):
    """Open the lab's "Your files" or "Share" section (built when first opened)."""
    page.locator(".lm-AccordionPanel-title, .jupyter-widget-Collapse-header, .p-Collapse-header",
                 has_text=title).first.click()
    page.wait_for_selector(".qnn-transfer" if title.startswith("Your files") else ".qnn-share", timeout=60_000)


def upload(page, k, path):
    """Choose ``path`` in the k-th upload button of the files panel (0: lab state, 1: your data)."""
    with page.expect_file_chooser(timeout=30_000) as chooser:
        page.locator(".qnn-transfer .widget-upload").nth(k).click()
    chooser.value.set_files(str(path))


def shown(page, text):
    return page.locator(f"text={text}").first.is_visible()


def lab_settings(page):
    """The dataset chooser's value and the hidden-layer rows the page shows."""
    dataset = page.locator(".widget-dropdown:has(> label:text-is('dataset')) select").first.input_value()
    rows = page.locator(".widget-label:text-matches('^hidden \\\\d$')").count()
    return dataset, rows


def test_a_voila_link_sets_the_lab_up_and_its_share_link_round_trips(page, jupyter_server):
    open_voila(page, jupyter_server, "dataset=xor&hidden=8,8&replicas=3&hide=qpu&lock=dataset&colour=red")
    assert lab_settings(page) == ("xor", 2)
    assert page.locator(".lm-TabBar-tab:visible", has_text="QPU").count() == 0    # hidden panel: no tab
    assert page.locator(".widget-dropdown:has(> label:text-is('dataset')) select").first.is_disabled()
    assert "unknown key 'colour'" in page.inner_text("body")               # named, ignored
    page.screenshot(path=str(ARTIFACTS / "link_opened.png"), full_page=True)
    open_extra(page, "Share")
    page.locator(".qnn-share button.widget-button").first.click()
    area = page.locator(".qnn-share textarea").first
    page.wait_for_function("() => document.querySelector('.qnn-share textarea').value.includes('voila/render')")
    link = area.input_value()
    parts = urllib.parse.urlsplit(link)
    assert parts.path.endswith("/voila/render/lab.ipynb") and "hidden=8,8" in parts.query
    assert parts.netloc == urllib.parse.urlsplit(jupyter_server["base"]).netloc   # this server, from the page
    page.goto(f"{link}&hide=qpu&token={jupyter_server['token']}", timeout=120_000)
    page.wait_for_function(LAB_READY, timeout=240_000)
    assert lab_settings(page) == ("xor", 2)
    open_extra(page, "Share")
    page.locator(".qnn-share button.widget-button").first.click()
    page.wait_for_function("() => document.querySelector('.qnn-share textarea').value.includes('voila/render')")
    assert page.locator(".qnn-share textarea").first.input_value() == link       # same settings, same link


def download(page, button, link=True):
    """Press a download button: the file arrives by the automatic download or, where the browser holds
    that back, by the link the panel shows (both are the same file)."""
    try:
        with page.expect_download(timeout=20_000 if link else 60_000) as info:
            button.click()
    except sync_api.TimeoutError:
        if not link:
            raise
        with page.expect_download(timeout=60_000) as info:
            page.locator(".qnn-transfer a.qnn-saved").click()
    d = info.value
    with open(d.path(), "rb") as f:
        return d.suggested_filename, f.read()


def reads_download(page):
    """The reads CSV, once the sampling in the background has left its reads (it says "no reads yet" before)."""
    button = page.locator(".qnn-transfer button.widget-button", has_text="reads (CSV)")
    button.click()
    for _ in range(24):
        page.wait_for_timeout(5000)
        if "no reads yet" in page.inner_text(".qnn-transfer"):
            button.click()                           # the note clears once a click finds the reads
            continue
        return download(page, button)
    raise AssertionError("the reads never arrived")


def test_own_data_downloads_and_state_upload(page, jupyter_server, tmp_path, browser):
    open_voila(page, jupyter_server, "dataset=xor&hidden=4&n_samples=60")
    open_extra(page, "Your files")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,kind\n1,2,x\n3,oops,y\n")
    upload(page, 1, bad)
    page.wait_for_selector("text=bad.csv: row 3, column 2 ('b'): 'oops' is not a number", timeout=60_000)
    assert lab_settings(page) == ("xor", 1)                                  # unchanged
    good = tmp_path / "mine.csv"
    good.write_text("a,b,c,kind\n" + "".join(f"{i % 7 / 7},{i % 5 / 5},{i % 3 / 3},{'yes' if i % 2 else 'no'}\n"
                                            for i in range(40)))
    upload(page, 1, good)
    page.wait_for_selector("text=mine.csv: 40 rows, 3 features, classes no, yes", timeout=60_000)
    assert lab_settings(page)[0] == "csv"
    for _ in range(2):
        page.get_by_role("button", name="Step").click()
        page.wait_for_timeout(500)
        page.wait_for_function("() => !document.body.innerText.includes('training...')", timeout=120_000)
    page.wait_for_function("() => document.body.innerText.includes('epoch 2:')", timeout=120_000)

    got = {}
    for label in ("lab state (JSON)", "network (JSON)", "network (torch)", "network (ONNX)",
                  "training history (CSV)", "reads (CSV)"):
        if label == "reads (CSV)":
            page.locator(".lm-TabBar-tab", has_text="Energies").first.click()
            page.locator("button.widget-button", has_text=re.compile(r"^\s*Sample\s*$")).first.click()
            got[label] = reads_download(page)
            continue
        got[label] = download(page, page.locator(".qnn-transfer button.widget-button", has_text=label))
    assert got["lab state (JSON)"][0] == "qnn_lab_state.json"
    state = json.loads(got["lab state (JSON)"][1])
    assert state["dataset"] == "csv" and len(state["history"]) == 2
    assert json.loads(got["network (JSON)"][1])["layers"] == [3, 4, 2]
    assert got["network (ONNX)"][1][:2] == b"\x08\x08" or len(got["network (ONNX)"][1]) > 100
    rows = list(csv.DictReader(io.StringIO(got["training history (CSV)"][1].decode())))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert got["reads (CSV)"][1].startswith(b"read,sample,label,energy,target_energy,class,right,")
    (tmp_path / "state.json").write_bytes(got["lab state (JSON)"][1])

    fresh = browser.new_page(viewport={"width": 1600, "height": 1400})
    open_voila(fresh, jupyter_server, "")
    open_extra(fresh, "Your files")
    upload(fresh, 0, tmp_path / "state.json")
    fresh.wait_for_function("() => document.body.innerText.includes('epoch 2:')", timeout=120_000)
    fresh.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => g.data || [])"
                            ".flat().some(t => t.name === 'train' && (t.x || []).length === 2)",
                            timeout=60_000)                                  # the curves came back
    assert lab_settings(fresh)[0] == "csv"
    fresh.screenshot(path=str(ARTIFACTS / "state_uploaded.png"), full_page=True)
    fresh.close()


BOUNDARY = ("() => [...document.querySelectorAll('.qnn-lab .js-plotly-plot')]"
            ".find(g => g.layout.title && g.layout.title.text === 'decision boundary')")


def test_a_click_on_the_decision_boundary_adds_a_point(page, jupyter_server):
    """The boundary's shade is a picture under a blank heatmap, which takes the clicks (with Your files open).
    The class chooser started empty, so a click only said 'the label is empty'."""
    open_voila(page, jupyter_server)
    open_extra(page, "Your files")
    dots = f"() => ({BOUNDARY})().data[1].x.length"
    n = page.evaluate(dots)
    assert page.evaluate(f"() => ({BOUNDARY})().querySelectorAll('.imagelayer image').length") == 1
    x, y = page.evaluate(f"""() => {{ const g = ({BOUNDARY})(), xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;
        const box = g.getBoundingClientRect(), mid = a => (a.range[0] + a.range[1]) / 2;
        return [box.left + xa._offset + xa.l2p(mid(xa)), box.top + ya._offset + ya.l2p(mid(ya))]; }}""")
    page.mouse.move(x - 3, y)                        # plotly reports a click where it hovers
    page.mouse.click(x, y)
    page.wait_for_function(f"() => ({dots})() === {n + 1}", timeout=30_000)
