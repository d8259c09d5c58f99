"""Small pieces every panel uses: error reporting into the lab, throttling, background jobs, figures."""
from __future__ import annotations

import base64
import functools
import html
import json
import re
import struct
import threading
import time
import traceback
import weakref
import zlib
from copy import deepcopy

import anywidget
import ipywidgets as w
import numpy as np
import plotly
import plotly.graph_objects as go
import traitlets as tl
from plotly.basewidget import BaseFigureWidget

from .words import explain

__all__ = ["BLUE", "CONFIG", "DIVERGING", "GREEN", "GREY", "ORANGE", "TAB_WIDTH", "THEME_CSS", "WHOLE_EPOCH_TICKS",
           "BackgroundJob",
           "ColourScale", "ErrorNote", "FigureBox", "LabFigure", "Throttle", "bind", "controls_of", "error_text",
           "figure", "figures_below", "png_picture", "png_url", "shows_errors", "sync_figures", "thin"]

#: Okabe-Ito colours (safe for the common colour blindnesses): right answers and w > 0 blue, heads and w < 0 orange.
BLUE, ORANGE, GREEN, GREY = "#0072B2", "#D55E00", "#009E73", "#7f7f7f"
#: Diverging scale from orange (negative) through white to blue (positive), the same meaning everywhere.
DIVERGING = [[0.0, ORANGE], [0.5, "#f7f7f7"], [1.0, BLUE]]
#: Width of the figures in the deeper views until the page reports the tabs' width (then they fill it): the
#: lab's narrowest place (a 1000 px window with JupyterLab's file browser open leaves about 560 px).
TAB_WIDTH = 540
MAX_POINTS = 400         # curves and heatmap columns shown; longer runs are thinned evenly
PNG_LEVELS = 64          # colours of a picture drawn from values (a palette PNG, at most 255)
#: Up to this many epochs an epoch axis ticks every epoch (plotly would tick 1, 1.5, 2, ... or -0.5, 0, 0.5).
WHOLE_EPOCH_TICKS = 10
#: plotly's toolbar only while the pointer is over a plot, with one button (download as PNG) in the corner
#: that titles and legends keep clear of; zoom, pan and hover still work. The files panel exports PNG or SVG.
CONFIG = {"displayModeBar": "hover", "displaylogo": False, "modeBarButtons": [["toImage"]],
          "toImageButtonOptions": {"format": "png", "scale": 2}}

#: The lab follows JupyterLab's light and dark themes: figures have transparent backgrounds and take their
#: text and grid colours from the theme's CSS variables (Voila and JupyterLab set them on the page).
THEME_CSS = """<style>
.qnn-lab .js-plotly-plot .main-svg text { fill: var(--jp-ui-font-color1, #333) !important; }
.qnn-lab .js-plotly-plot .gridlayer path, .qnn-lab .js-plotly-plot .zerolinelayer path {
  stroke: var(--jp-border-color2, #e0e0e0) !important; }
.qnn-lab .js-plotly-plot .legend .bg { fill: transparent !important; }
.qnn-lab .qnn-note { color: var(--jp-ui-font-color2, #666); font-size: 12px; line-height: 1.3; }
.qnn-lab .qnn-error { color: var(--jp-error-color1, #c00) !important; }
.qnn-lab .qnn-network .widget-html-content { font-size: 12px; line-height: 1.35; }
.qnn-lab .widget-hbox { flex-wrap: wrap; }
.qnn-lab .widget-inline-hbox { max-width: 100%; }
.qnn-lab .qnn-qubo .js-plotly-plot image { image-rendering: pixelated; }
.qnn-lab .qnn-box { border: 1px solid var(--jp-border-color2, #ddd); border-radius: 4px; padding: 4px; }
.qnn-lab .widget-tab > .p-TabBar .p-TabBar-tab, .qnn-lab .widget-tab > .lm-TabBar .lm-TabBar-tab {
  flex: 1 1 auto; min-width: 0; }
.qnn-lab .qnn-controls { --jp-widgets-inline-height: 26px; }
.qnn-lab .qnn-controls .widget-inline-hbox, .qnn-lab .qnn-controls .widget-button { margin-top: 1px;
  margin-bottom: 1px; }
</style>"""


MAX_NOTE = 600     # characters an error note shows (a long message still cannot widen a panel)

#: The controls bound to each setting ("name", or "name.key" for a dict entry), per LabState.
_CONTROLS = weakref.WeakKeyDictionary()


def controls_of(state):
    """{setting: [controls]} of the controls ``bind`` attached to ``state`` (share links hide / lock them)."""
    return _CONTROLS.get(state, {})


class ColourScale(w.HTML):
    """A figure's colour scale drawn by the page under the figure, with its one-line meaning.

    plotly redraws a colour bar with its figure on every update (20-40 ms each); this one is drawn
    once and changes only with its range. The trace keeps its colour bar, hidden, and a downloaded
    image shows it (``LabFigure``'s page code).
    """

    def __init__(self, colorscale, title, ticks=("-", "0", "+"), width=240):
        self.colorscale = colorscale
        super().__init__(layout={"width": f"{width}px", "margin": "0 auto"})
        self.show(title, ticks)

    def resize(self, width):
        self.layout.width = f"{int(width)}px"

    def show(self, title, ticks):
        """Redraw with this meaning and these tick labels (spread evenly under the bar)."""
        stops = ", ".join(f"{colour} {100 * at:g}%" for at, colour in self.colorscale)
        labels = "".join(f"<span>{html.escape(str(t), quote=False)}</span>" for t in ticks)
        value = (f"<div class='qnn-scale' style='font-size:11px;line-height:1.2;text-align:center;"
                 f"color:var(--jp-ui-font-color1,#333)'>{html.escape(title, quote=False)}"
                 f"<div style='height:8px;border:1px solid var(--jp-border-color2,#ccc);"
                 f"background:linear-gradient(to right, {stops})'></div>"
                 f"<div style='display:flex;justify-content:space-between'>{labels}</div></div>")
        if self.value != value:
            self.value = value


class ErrorNote(w.HTML):
    """A red line beside a control or button: what went wrong there; hidden when empty."""

    def __init__(self):
        super().__init__(layout={"display": "none", "max_width": "100%"})

    def show(self, text):
        """Show ``text`` (cut to MAX_NOTE characters, wrapped anywhere: a 2,000-character value cannot widen
        the panel); "" hides the note."""
        text = text if len(text) <= MAX_NOTE else text[:MAX_NOTE - 1] + "…"
        self.value = (f"<div class='qnn-error' style='color:#c00;overflow-wrap:anywhere;max-width:100%'>"
                      f"{html.escape(text)}</div>") if text else ""
        self.layout.display = None if text else "none"

    @property
    def text(self):
        return html.unescape(re.sub("<[^>]+>", "", self.value))


def error_text(exc):
    """What the lab shows for ``exc``: a refused value (ValueError) in its own words; anything else with
    its type's name first, so an unexpected error says what it is."""
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


def shows_errors(state, note=None):
    """Decorator: an exception in a callback goes to ``note`` (beside its cause) or else to
    ``state.message``; a success clears ``note``. The lab keeps working either way."""
    def wrap(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:       # shown to the user, never swallowed
                text = error_text(exc)
                state.last_traceback = traceback.format_exc()
                if note is None:
                    state.message = text
                else:
                    note.show(text)
                return None
            if note is not None:
                note.show("")
            return result
        return call
    return wrap


def bind(state, name, control, note, *, key=None, parse=None, show=None):
    """Show setting ``name`` (or its entry ``key``, for the dict settings) in ``control`` and
    write the control's edits back; a refused value is explained in ``note``, the setting keeps
    its last valid value, and the next accepted value clears the note. A control without a
    tooltip gets the setting's plain words (``words.SETTINGS``)."""
    if not control.tooltip:
        control.tooltip = explain("setting", name)
    parse = parse or (lambda v: v)
    show = show or (lambda v: v)

    def current():
        value = getattr(state, name)
        return value.get(key) if key is not None else value

    def to_state(change):
        before = getattr(state, name)
        try:
            value = parse(change["new"])
            if key is None:
                setattr(state, name, value)
            elif value != current():
                setattr(state, name, {**getattr(state, name), key: value})
        except Exception as exc:       # shown beside the control; the setting stays valid
            note.show(str(exc))
            if getattr(state, name) is not before:
                raise                  # taken, but a view following it failed: a bug, not a refused value
            return
        note.show("")

    def to_control(change=None):
        value = show(current())
        if control.value != value:
            control.value = value

    control.observe(to_state, "value")
    state.observe(to_control, names=name)
    _CONTROLS.setdefault(state, {}).setdefault(name if key is None else f"{name}.{key}", []).append(control)
    to_control()
    return to_control


class Throttle:
    """True at most ``rate`` times a second (and always when forced)."""

    def __init__(self, rate=8.0):
        self.period = 1.0 / rate
        self.last = 0.0

    def ready(self, force=False):
        now = time.perf_counter()
        if force or now - self.last >= self.period:
            self.last = now
            return True
        return False


class BackgroundJob:
    """Mixin for a panel that runs one job at a time in a daemon thread, so the kernel stays responsive."""

    _thread = None

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout=None):
        """Block until the running job ends (or ``timeout`` seconds pass)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _launch(self, job, block=False):
        """Run ``job()`` in a thread, or here and now when ``block``."""
        if block:
            job()
        else:
            self._thread = threading.Thread(target=job, daemon=True)
            self._thread.start()


#: plotly's FigureWidget carries its 4.9 MB page code in every figure, and the page evaluates it once per figure.
#: The lab's figures carry a few lines instead that wait for one copy, which ``PlotlyCode`` brings to the page
#: once per kernel and the page evaluates once (page-wide, keyed by plotly's version).
_SLOT = f"""const KEY = {json.dumps("qnn_lab_plotly_" + plotly.__version__)};
const slot = globalThis[KEY] ??= (() => {{
  let resolve, reject;
  const p = new Promise((a, b) => {{ resolve = a; reject = b; }});
  return Object.assign(p, {{resolve, reject, started: false}});
}})();
"""
_FIGURE_ESM = _SLOT + """const { default: plotlyWidget, FigureView } = await slot;
// After each edit plotly's widget sends the kernel the browser's defaults for the whole figure (a diff of every
// trace and the layout: about 20 ms of the page's time per redraw of the lab's three figures, then the kernel's
// time to apply them). The lab never reads them, so they are not sent.
if (FigureView) FigureView.prototype._sendTraceDeltas = FigureView.prototype._sendLayoutDelta = () => {};
// plotly's widget marks the edits it applies for the kernel with a key plotly.js does not know, and an
// unknown key makes plotly.js redraw the whole figure: a new layout image took 25 ms instead of 3. The key
// is taken out of the edit and put back on the edit's event, so the widget still does not report it back.
const Plotly = globalThis.Plotly, KEY_TO_PY = "_doNotReportToPy";
function quietEvents(gd) {
  if (typeof gd.emit !== "function" || gd.emit.quiet) return;
  const emit = gd.emit;
  gd.emit = Object.assign(function (event, data) {
    if (gd.qnnQuiet > 0 && data) {
      if (event === "plotly_update" && data.data && data.data[0]) data.data[0][KEY_TO_PY] = true;
      else if (event === "plotly_restyle" && data[0]) data[0][KEY_TO_PY] = true;
      else if (event === "plotly_relayout") data[KEY_TO_PY] = true;
    }
    return emit.call(this, event, data);
  }, { quiet: true });
}
for (const name of Plotly && !Plotly.qnnQuiet ? ["update", "restyle", "relayout"] : []) {
  const original = Plotly[name];
  Plotly[name] = function (gd, edit, ...rest) {
    if (!edit || typeof edit !== "object" || !Object.hasOwn(edit, KEY_TO_PY)) {
      return original.call(this, gd, edit, ...rest);
    }
    const { [KEY_TO_PY]: _, ...known } = edit;
    quietEvents(gd);
    gd.qnnQuiet = (gd.qnnQuiet || 0) + 1;
    const done = () => { gd.qnnQuiet -= 1; };
    const result = original.call(this, gd, known, ...rest);
    Promise.resolve(result).then(done, done);
    return result;
  };
}
if (Plotly) Plotly.qnnQuiet = true;
// A colour bar hidden in plotly (the page draws it as a ColourScale, for speed) goes into a downloaded
// image: shown on the copy that plotly's "Download plot" button clones on click, then hidden again.
function withColourBars(el) {
  el.addEventListener("click", event => {
    const gd = event.target.closest(".js-plotly-plot");
    if (!gd || !event.target.closest('.modebar-btn[data-title^="Download plot"]')) return;
    const hidden = gd.data.filter(t => t.marker && t.marker.showscale === false && t.marker.colorbar);
    if (!hidden.length) return;
    const [data, layout, room] = [gd.data, gd.layout, 60];
    gd.data = data.map(t => hidden.includes(t) ? { ...t, mode: t.mode === "none" ? "markers" : t.mode,
                                                   marker: { ...t.marker, showscale: true } } : t);
    gd.layout = { ...layout, height: gd._fullLayout.height + room,
                  margin: { ...(layout.margin || {}), b: gd._fullLayout.margin.b + room } };
    setTimeout(() => { gd.data = data; gd.layout = layout; });
  }, true);                                       // capture: before the button's own handler
}
export default () => {
  const widget = plotlyWidget();
  return { initialize: widget.initialize,
           render(context) { const cleanup = widget.render(context); withColourBars(context.el); return cleanup; } };
};
"""
_CODE_ESM = _SLOT + """export default {
  async initialize({ model }) {
    if (slot.started) return;
    slot.started = true;
    const url = URL.createObjectURL(new Blob([model.get("code")], { type: "text/javascript" }));
    try { slot.resolve(await import(url)); } catch (e) { slot.reject(e); } finally { URL.revokeObjectURL(url); }
  }
};
"""


class PlotlyCode(anywidget.AnyWidget):
    """plotly's widget code, sent to the page once for all the lab's figures (never displayed)."""

    _esm = _CODE_ESM
    code = tl.Unicode("").tag(sync=True)
    _current = None

    @classmethod
    def ensure(cls):
        """The kernel's one instance (a new one if it was closed)."""
        if cls._current is None or cls._current.comm is None:
            cls._current = cls(code=str(go.FigureWidget._esm))
        return cls._current


class LabFigure(go.FigureWidget):
    """A FigureWidget with the lab's small toolbar (``CONFIG``) whose page code sends the kernel no figure
    defaults after an edit (``_FIGURE_ESM``: plotly's code for them raised ValueError on array properties)."""

    _esm = _FIGURE_ESM

    def __init__(self, *args, **kwargs):
        PlotlyCode.ensure()                           # before this figure, so the page has the code first
        super().__init__(*args, **kwargs)
        self._config = CONFIG


def figure(height=300, width=None, fig=None, **layout):
    """A LabFigure with the lab's compact layout (transparent, so it follows the page's theme)."""
    fig = LabFigure(fig)
    layout = {"margin": {"l": 48, "r": 10, "t": 30, "b": 40}, "template": "plotly_white",
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)", "font": {"size": 11},
              "title": {"font": {"size": 13}, "x": 0.02, "xanchor": "left"}, **layout}
    fig.update_layout(height=height, width=width, **layout)
    return fig


def png_url(index, palette):
    """A PNG data URL of an image of palette entries (``index``: uint8 rows, top row first; ``palette``: RGB
    rows, uint8). Entry 0 is transparent. plotly draws it as a layout image, which it redraws on its own (a
    heatmap's new values redraw the whole figure)."""
    h, w_ = index.shape
    rows = np.diff(index, axis=1, prepend=np.uint8(0))     # PNG filter 1 (Sub): smooth rows compress well
    raw = np.column_stack([np.ones(h, np.uint8), rows]).tobytes()

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w_, h, 8, 3, 0, 0, 0))
           + chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes()) + chunk(b"tRNS", b"\x00")
           + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))   # level 1: 200 neurons' pictures
    # in 0.7 ms and 25 KB (level 6: 4.2 ms, 21 KB)
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _rgb(hex_colour):
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], float)


def png_picture(z, scale=DIVERGING, levels=PNG_LEVELS):
    """A PNG data URL of ``z`` (rows top-down, values in [-1, 1]) in ``levels`` colours of ``scale``
    (an 8-bit palette, 32 steps per sign: finer than a cell of a few px shows); NaN transparent."""
    stops = np.array([2 * s - 1 for s, _ in scale])
    colours = np.array([_rgb(c) for _, c in scale])
    palette = np.round(np.column_stack([np.interp(np.linspace(-1, 1, levels), stops, colours[:, c])
                                        for c in range(3)])).astype(np.uint8)
    index = np.round((np.clip(np.nan_to_num(z), -1, 1) + 1) / 2 * (levels - 1)).astype(np.uint8) + 1
    index[np.isnan(z)] = 0                                 # palette entry 0: transparent
    return png_url(index, np.vstack([np.zeros((1, 3), np.uint8), palette]))


def thin(n, limit=MAX_POINTS):
    """Indices of at most ``limit`` evenly spread items out of n (always the last one)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def figures_below(widget):
    """Every plotly FigureWidget in ``widget`` and its children."""
    if isinstance(widget, BaseFigureWidget):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from figures_below(child)


def sync_figures(widget):
    """Give every figure below ``widget`` its current data as widget state.

    plotly does this only when a FigureWidget is displayed on its own; inside a Box its
    initial state stays empty (what Voila, state only, shows; and trace styles set before
    display are lost in JupyterLab too).
    """
    for fig in figures_below(widget):
        fig._widget_layout = deepcopy(fig._layout_obj._props)
        fig._widget_data = deepcopy(fig._data)


class FigureBox:
    """Mixin for a Box of FigureWidgets that can be displayed on its own (see ``sync_figures``)."""

    def _repr_mimebundle_(self, **kwargs):
        sync_figures(self)
        return super()._repr_mimebundle_(**kwargs)
