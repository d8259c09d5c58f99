"""Monkey test: random actions on the lab in the real browser (issue 13).

Clicks on buttons, choices in dropdowns, typed values good and bad, tab switches, Play/Pause
spam, clicks and drags on plots, in JupyterLab and in Voila. Every message the kernel sends
is watched (on the page's kernel websocket, so in Voila too, which shows no log console): no
Python traceback may reach the page or the log; afterwards nothing is left running and the
lab still trains. A short run in each is part of ``make test``; the full runs are

    python -m pytest -m slow tests/browser/test_monkey.py -s
"""
import json
import random
import re
import shutil
import time
from collections import Counter
from contextlib import contextmanager

import pytest

from .conftest import ARTIFACTS, open_and_run

pytestmark = pytest.mark.browser

def _kernel_message(payload):
    """A kernel websocket frame as {channel, header, content}: JSON text, or the v1 binary protocol
    (8-byte little-endian offsets, then channel, header, parent header, metadata, content, buffers)."""
    if isinstance(payload, str):
        return json.loads(payload)
    n = int.from_bytes(payload[:8], "little")
    at = [int.from_bytes(payload[8 * (i + 1):8 * (i + 2)], "little") for i in range(n)]
    part = lambda i: payload[at[i]:at[i + 1]]                   # noqa: E731
    return {"channel": part(0).decode(), "header": json.loads(part(1)), "content": json.loads(part(4))}


class KernelWatch:
    """Every iopub message of the page's kernel: how many, and the Python tracebacks among them."""

    def __init__(self, page):
        self.messages, self.errors = 0, []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame) if "/channels" in ws.url else None)

    def _frame(self, payload):
        msg = _kernel_message(payload)
        if msg.get("channel") != "iopub":
            return
        self.messages += 1
        kind, content = msg["header"]["msg_type"], msg.get("content") or {}
        if kind == "error":
            self.errors.append(f"{content.get('ename')}: {content.get('evalue')}")
        if kind == "stream" and content.get("name") == "stderr" and re.search("Traceback|Error", content["text"]):
            self.errors.append(content["text"])


#: Visible, enabled controls of the lab by kind (indices into querySelectorAll results).
TARGETS = """() => {
  const lab = document.querySelector('.qnn-lab');
  const vis = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !el.disabled; };
  const count = sel => [...lab.querySelectorAll(sel)].filter(vis).length;
  return {button: count('button'), select: count('select'), input: count('input[type=text], input[type=number]'),
          tab: count('.lm-TabBar-tab'), plot: count('.js-plotly-plot')};
}"""

#: A random point of the k-th visible plot that is really the plot's (not JupyterLab's toolbar, menu or
#: sidebar drawn over a plot scrolled half out of view): a click there must reach the lab, not the app.
POINT = """([k, u, v]) => {
  const plot = [...document.querySelectorAll('.qnn-lab .js-plotly-plot')].filter(el => {
    const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; })[k];
  if (!plot) return null;
  const r = plot.getBoundingClientRect();
  const panel = (plot.closest('.jp-WindowedPanel-outer') || plot.closest('.jp-Notebook') || document.body)
    .getBoundingClientRect();
  const left = Math.max(r.left, panel.left, 0), right = Math.min(r.right, panel.right, window.innerWidth);
  const top = Math.max(r.top, panel.top, 0), bottom = Math.min(r.bottom, panel.bottom, window.innerHeight);
  if (right - left < 4 || bottom - top < 4) return null;
  const x = left + 2 + u * (right - left - 4), y = top + 2 + v * (bottom - top - 4);
  const hit = document.elementFromPoint(x, y);
  return hit && plot.contains(hit) ? {x, y, left, right, top, bottom} : null;
}"""

#: The lab's error notes and message now on screen (what it told the user about refused input).
SHOWN_ERRORS = """() => [...document.querySelectorAll('.qnn-lab .qnn-error, .qnn-lab span[style*="#c00"]')]
  .filter(el => el.getBoundingClientRect().height > 0).map(el => el.innerText.trim()).filter(t => t)"""

GOOD = ["0", "1", "2", "3", "5", "8", "13", "0.1", "0.5", "20", "42"]
BAD = ["abc", "-1", "-0.5", "1e12", "", " ", "nan", "inf", "0, 0; 10, 0.7; 5, 1", "x" * 500, "1,2,3", "🙂"]
BAD_NUMBERS = ["-1", "-0.5", "1e12", "", "99999999", "0.000001"]        # what a number box lets one type


def _nth(page, selector, k):
    return page.locator(f".qnn-lab {selector}:visible:not([disabled])").nth(k)


def act(page, rng, kinds):
    """One random action; returns its kind."""
    weights = {"button": 5, "select": 3, "input": 4, "tab": 2, "plot": 2, "drag": 1, "spam": 1}
    kind = rng.choices(list(weights), weights=list(weights.values()))[0]
    n = kinds.get({"drag": "plot", "spam": "button"}.get(kind, kind), 0)
    if n == 0:
        return "none"
    k = rng.randrange(n)
    try:
        if kind == "button":
            _nth(page, "button", k).click(timeout=2000)
        elif kind == "select":
            sel = _nth(page, "select", k)
            options = sel.locator("option").all_inner_texts()
            if options:
                sel.select_option(label=rng.choice(options), timeout=2000)
        elif kind == "input":
            box = _nth(page, ":is(input[type=text], input[type=number])", k)
            bad = BAD_NUMBERS if box.get_attribute("type", timeout=2000) == "number" else BAD
            box.fill(rng.choice(GOOD if rng.random() < 0.6 else bad), timeout=2000)
            box.press("Enter", timeout=2000)
        elif kind == "tab":
            page.locator(".qnn-lab .lm-TabBar-tab:visible").nth(k).click(timeout=2000)
        elif kind in ("plot", "drag"):
            at = page.evaluate(POINT, [k, rng.random(), rng.random()])
            if at is None:                 # no part of that plot in view: the pointer would hit the app instead
                return "missed"
            x, y = at["x"], at["y"]
            if kind == "plot":
                page.mouse.click(x, y)
            else:                          # a drag that stays on the plot's visible part
                page.mouse.move(x, y)
                page.mouse.down()
                page.mouse.move(min(max(x + rng.uniform(-60, 60), at["left"] + 1), at["right"] - 1),
                                min(max(y + rng.uniform(-40, 40), at["top"] + 1), at["bottom"] - 1), steps=4)
                page.mouse.up()
        elif kind == "spam":
            for name in ("Play", "Pause", "Play", "Pause", "Step"):
                button = page.locator(f".qnn-lab button:visible:text-is('{name}')").first
                if button.count() and button.is_enabled():
                    button.click(timeout=1000)
    except Exception as exc:             # an element that moved or vanished mid-action: the browser's side, not a bug
        moved = "not attached" in str(exc) or "Cannot type text" in str(exc)   # re-rendered under the pointer
        if "Timeout" not in type(exc).__name__ and not moved:
            raise
        return "missed"
    return kind


#: A Sample's Stop button enabled in a tab not shown (the user's Stop is one tab switch away).
STOP_HIDDEN = """() => [...document.querySelectorAll('.qnn-lab button')].some(b =>
  b.textContent.trim() === 'Stop' && !b.disabled && !b.offsetParent)"""


def settle(page):
    """Stop whatever runs, as a user would; True when Play and every Sample button are enabled again."""
    if page.evaluate(STOP_HIDDEN):            # a long Sample left running in the Energies tab: open it to Stop
        page.locator(".qnn-lab .lm-TabBar-tab").filter(has_text="Energies").first.click()
        page.wait_for_timeout(500)
    for name in ("Pause", "Stop"):
        for button in page.locator(f".qnn-lab button:visible:text-is('{name}')").all():
            try:
                if button.is_enabled():
                    button.click(timeout=2000)
            except Exception as exc:     # it ended by itself meanwhile (the button turned disabled)
                if "Timeout" not in type(exc).__name__:
                    raise
    return page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('.qnn-lab button')];"
        " const play = b.find(x => x.textContent.trim() === 'Play');"
        " return play && !play.disabled && !b.some(x => x.textContent.trim() === 'Stop' && !x.disabled); }",
        timeout=180_000)


#: What the lab showed: its text, each visible button's label, state and tooltip, and every
#: setting's label and value (those in hidden tabs too: a Sample runs on the Sampler tab's).
PAGE_STATE = """() => { const lab = document.querySelector('.qnn-lab');
  return {text: lab.innerText, buttons: [...lab.querySelectorAll('button')].filter(b => b.offsetParent)
    .map(b => [b.textContent.trim(), b.disabled, b.title]),
    settings: [...lab.querySelectorAll('.widget-inline-hbox')].map(w => [
      (w.querySelector('label') || {}).textContent, (w.querySelector('input, select') || {}).value])
      .filter(([label, value]) => label && value !== undefined)}; }"""

#: A settle longer than this keeps what was running when it began.
SLOW_SETTLE = 30


@contextmanager
def evidence(page, where):
    """On a failure, keep what the page showed (screenshot, text, buttons) in the artifacts."""
    try:
        yield
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"monkey_{where}_failed.png"), full_page=True)
        (ARTIFACTS / f"monkey_{where}_failed.json").write_text(json.dumps(page.evaluate(PAGE_STATE), indent=1))
        raise


def run_monkey(page, server, name, actions, seed, voila=False):
    shutil.copy(server["workdir"] / "lab.ipynb", server["workdir"] / name)
    watch = KernelWatch(page)
    if voila:
        page.goto(f"{server['base']}/voila/render/{name}?token={server['token']}")
    else:
        open_and_run(page, server, name)
    page.wait_for_selector(".qnn-lab", state="attached", timeout=180_000)
    page.evaluate("() => document.querySelector('.qnn-lab').scrollIntoView({block: 'start'})")
    page.wait_for_selector(".qnn-lab .qnn-accuracy .js-plotly-plot", timeout=180_000)
    assert watch.messages > 0                  # the kernel's messages are seen
    rng, where = random.Random(seed), "voila" if voila else "jupyterlab"
    done, shown, t0, settles = Counter(), Counter(), time.perf_counter(), []
    for i in range(actions):
        kinds = page.evaluate(TARGETS)
        done[act(page, rng, kinds)] += 1
        page.wait_for_timeout(rng.choice([20, 50, 100, 250]))
        if i % 10 == 9:
            shown.update(set(page.evaluate(SHOWN_ERRORS)))
        if i % 100 == 99:
            assert not watch.errors, (i, watch.errors[:3])
            t, before = time.perf_counter(), page.evaluate(PAGE_STATE)
            with evidence(page, f"{where}_settle_{i + 1}"):
                settle(page)               # Pause / Stop whatever runs: nothing stays "running"
            settles.append(round(time.perf_counter() - t, 1))
            if settles[-1] > SLOW_SETTLE:  # what ran that long, for the record
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                (ARTIFACTS / f"monkey_{where}_slow_settle_{i + 1}.json").write_text(json.dumps(before, indent=1))
    with evidence(page, where):
        settle(page)
        # the lab still trains: known-good settings through the controls, then Step moves the epoch on
        page.evaluate("() => document.querySelector('.qnn-lab').scrollIntoView({block: 'start'})")   # drawn cells only
        page.wait_for_timeout(500)
        page.locator(".qnn-controls select").first.select_option("xor")
        trainer = page.locator(".qnn-controls select").nth(1)
        trainer.select_option("backprop")          # another one first: the trainer's defaults, not the monkey's typed
        trainer.select_option("contrastive")       # settings (100,000 reads per step can keep Step busy for minutes)
        hidden = page.locator(".qnn-controls .widget-hbox:has(> .widget-label:text-is('hidden 1')) input")
        if hidden.count():
            hidden.first.fill("4")
            hidden.first.press("Enter")
        page.locator(".qnn-lab .lm-TabBar-tab").filter(has_text="Ising/QUBO").first.click()
        page.wait_for_timeout(1500)
        page.locator(".qnn-lab button:text-is('neurons (Ising)')").first.click()  # layered: no weight QUBO
        page.locator(".qnn-lab .lm-TabBar-tab").filter(has_text="Sampler").first.click()
        page.wait_for_timeout(1500)
        sampler = page.locator(".qnn-lab .widget-dropdown:has(> label:text-is('sampler')) select").first
        sampler.select_option("sa")                # likewise: the sampler's defaults
        page.wait_for_timeout(500)
        sampler.select_option("layered")
        page.wait_for_timeout(1500)
        points = page.locator(".qnn-lab .widget-text:has(> label:text-is('s(t) points')) input")
        if points.count() and points.first.is_enabled():
            points.first.fill("")                      # no schedule: the sampler's own annealing (always valid)
            points.first.press("Enter")
        settle(page)
        label = page.locator(".qnn-controls").inner_text()
        page.locator(".qnn-lab button:visible:text-is('Step')").first.click()
        page.wait_for_function("before => !document.querySelector('.qnn-controls').innerText.includes('epoch 0')"
                               " || document.querySelector('.qnn-controls').innerText !== before", arg=label,
                               timeout=180_000)
        page.wait_for_function("() => /epoch [1-9]/.test(document.querySelector('.qnn-controls').innerText)",
                               timeout=180_000)
    text = page.inner_text("body" if voila else ".jp-Notebook")
    result = {"where": where, "actions": actions, "seed": seed, "by_kind": dict(done),
              "kernel_messages": watch.messages, "tracebacks": len(watch.errors),
              "seconds": round(time.perf_counter() - t0, 1),
              "errors_shown": {"distinct": len(shown), "sightings": sum(shown.values()),
                               "most_seen": [[text[:120], n] for text, n in shown.most_common(8)]},
              "settle_seconds": settles}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"monkey_{where}_{actions}.json").write_text(json.dumps(result, indent=1))
    page.screenshot(path=str(ARTIFACTS / f"monkey_{where}_{actions}.png"), full_page=True)
    print(f"\nmonkey: {result}")
    assert not watch.errors, watch.errors[:5]
    assert "Traceback" not in text
    return result


@pytest.mark.parametrize("voila", [False, True], ids=["jupyterlab", "voila"])
def test_monkey_short(page, jupyter_server, voila):
    run_monkey(page, jupyter_server, f"monkey_short_{voila}.ipynb", actions=60, seed=1, voila=voila)


@pytest.mark.slow
@pytest.mark.parametrize("voila", [False, True], ids=["jupyterlab", "voila"])
def test_monkey_1000(page, jupyter_server, voila):
    run_monkey(page, jupyter_server, f"monkey_1000_{voila}.ipynb", actions=1000, seed=13, voila=voila)
