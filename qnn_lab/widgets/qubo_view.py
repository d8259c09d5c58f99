"""QuboView: the current model as a coupling heatmap (neurons) or QUBO matrix (weights)."""
from __future__ import annotations

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..encoding import NeuronEncoding
from ..encoding.labels import coupling_text, is_spin_label, label_text, locate
from .common import DIVERGING, GREY, ColourScale, ErrorNote, bind, figure, png_picture, shows_errors
from .reads import Reads

__all__ = ["QuboView", "coupling_matrix", "model_table"]

MAX_SHOWN = 300   # variables drawn in the heatmap; larger models show their first block
COUPLING_SCALE = "J (E = sum J s s: J < 0 makes two spins agree)"
SPIN_UP, SPIN_DOWN = "#333333", "#c8c8c8"    # field bars of the chosen read: dark for spin up, light for down


def model_table(enc, limit=None):
    """Names, fields and the non-zero couplings (both triangles) of the first ``limit`` variables
    (all by default), with hover texts; ``stats`` describe the whole model."""
    bqm = enc.bqm
    labels = list(bqm.variables)
    lin, (irow, icol, q), offset = bqm.to_numpy_vectors(variable_order=labels)
    N, bound = len(labels), float(np.abs(lin).sum() + np.abs(q).sum())
    stats = {"variables": N, "interactions": len(q), "density": len(q) / max(N * (N - 1) / 2, 1),
             "energy_range": (offset - bound, offset + bound), "vartype": bqm.vartype.name}
    n = N if limit is None else min(N, limit)
    keep = (irow < n) & (icol < n)                 # hover texts only for what is shown
    irow, icol, q = irow[keep], icol[keep], q[keep]
    names = [label_text(v) for v in labels[:n]]
    texts = [coupling_text(labels[u], labels[v], b) for u, v, b in zip(irow, icol, q)]
    fields = [f"field {m} = {h:.3g}" for m, h in zip(names, lin)]
    return {"names": names, "fields": lin[:n], "rows": np.concatenate([irow, icol]),
            "cols": np.concatenate([icol, irow]), "values": np.concatenate([q, q]),
            "hover": np.array(texts + texts, dtype=str),           # texts as arrays: plotly checks a list item by
            "field_text": np.array(fields, dtype=str), "stats": stats}     # item (1,560 texts: 2.9 -> 1.0 ms)


def coupling_matrix(table):
    """The dense symmetric coupling matrix of a ``model_table`` (for small models and tests)."""
    N = len(table["names"])
    J = np.zeros((N, N))
    J[table["rows"], table["cols"]] = table["values"]
    return J


class QuboView(w.VBox):
    """Heatmap of couplings and bars of fields for the model in the state; hover says what a term is.

    A click on a square or a bar selects its variable (``state.selected_label``); the selected
    variable's row and column are outlined.
    """

    def __init__(self, state):
        self.state = state
        self.note = ErrorNote()
        guard = shows_errors(state, self.note)
        self.encoding = w.ToggleButtons(options=[("neurons (Ising)", "neurons"), ("weights (QUBO)", "weights")])
        self.sample = w.IntSlider(min=0, max=len(state.data.X_train) - 1, description="sample")
        self.bits = w.BoundedIntText(min=1, max=8, description="weight bits", layout={"width": "160px"})
        bind(state, "bits", self.bits, self.note)
        self.stats = w.HTML()
        bind(state, "encoding", self.encoding, self.note)
        bind(state, "sample_index", self.sample, self.note)
        self.fig = figure(height=370, showlegend=False, margin={"l": 48, "r": 10, "t": 56, "b": 44},
                          fig=make_subplots(
            rows=1, cols=2, column_widths=[0.72, 0.28], horizontal_spacing=0.14,
            subplot_titles=("couplings J between variables", "fields h")))
        # the couplings are a picture (a layout image, one pixel a variable pair: plotly redraws it on its own
        # where a WebGL trace of 2,000 squares took 15-20 ms a redraw); a trace of the non-zero terms, drawn as
        # nothing, gives their hover texts and takes the clicks. Downloads draw its markers and colour bar
        # (hidden here: self.scale shows it).
        self.fig.add_trace(go.Scatter(mode="none", hoverinfo="text", name="couplings",
                                      marker={"symbol": "square", "colorscale": DIVERGING, "showscale": False,
                                              "line": {"width": 0}, "colorbar": {
                                                  "orientation": "h", "thickness": 8, "x": 0.31, "len": 0.62,
                                                  "y": -0.2, "yanchor": "top", "title": {   # one line under it
                                                      "text": COUPLING_SCALE, "side": "top",
                                                      "font": {"size": 10}}}}), row=1, col=1)
        self.scale = ColourScale(DIVERGING, COUPLING_SCALE, width=320)
        self.scale.layout.margin = "0 0 0 48px"
        self.fig.add_trace(go.Bar(orientation="h", hoverinfo="text", marker={"color": GREY}), row=1, col=2)
        self.fig.update_yaxes(autorange="reversed", row=1, col=2)
        self.fig.update_xaxes(title="variable index", row=1, col=1)
        self.fig.update_yaxes(title="variable index", row=1, col=1)
        self.fig.update_xaxes(title="field h", row=1, col=2)
        self.fig.update_yaxes(title="variable", row=1, col=2)
        heat, bars = self.fig.data
        heat.on_click(guard(lambda trace, points, _: self._select(points, self._shown_rows)))
        bars.on_click(guard(lambda trace, points, _: self._select(points, np.arange(len(self.labels)))))
        state.observe(self._on_model, names=["network_version", "encoding", "sample_index", "bits"])
        state.observe(lambda _: self.highlight(), names="selected_label")
        state.observe(lambda _: self.show_read(), names=["selected_read", "last_reads"])
        state.observe(self._on_data, names="data_version")
        super().__init__([w.HBox([self.encoding, self.sample, self.bits], layout={"flex_flow": "row wrap"}),
                          self.note, self.fig, self.scale, self.stats])
        self.add_class("qnn-qubo")          # its picture's pixels stay sharp (THEME_CSS)
        self.redraw()

    def _on_model(self, change):
        """Redraw when the shown model changes (the sample only matters for neurons, bits for weights)."""
        shown_by = {"sample_index": "neurons", "bits": "weights"}
        if self.state.encoding == shown_by.get(change["name"], self.state.encoding):
            self.redraw()

    def _on_data(self, change):
        self.sample.max = len(self.state.data.X_train) - 1
        self.sample.value = self.state.sample_index

    def redraw(self):
        """Recompute the model from the state and redraw the figure and stats."""
        state = self.state
        self.encoding.value = state.encoding
        self.sample.disabled = state.encoding != "neurons"
        self.bits.disabled = state.encoding != "weights"
        enc = state.current_model()
        t = model_table(enc, limit=MAX_SHOWN)
        s = t["stats"]
        n = len(t["names"])
        what = (f"sample {state.sample_index} (label {state.data.y_train[state.sample_index]})"
                if isinstance(enc, NeuronEncoding) else f"output layer, {state.bits}-bit weights")
        self.labels = list(enc.bqm.variables)
        self._shown_rows = t["rows"]
        self._shown = n
        with self.fig.batch_update():
            heat, bars = self.fig.data
            heat.x, heat.y = t["cols"].astype(np.int32), t["rows"].astype(np.int32)   # int32: sent as bytes
            top = float(np.abs(t["values"]).max(initial=0)) or 1.0        # symmetric: white is J = 0
            heat.marker.color, heat.marker.cmin, heat.marker.cmax = t["values"], -top, top
            heat.marker.size = max(2.0, 300.0 / max(n, 1))
            heat.text = t["hover"]
            picture = np.full((n, n), np.nan)
            picture[t["rows"], t["cols"]] = t["values"] / top
            self.fig.layout.images = [{"source": png_picture(picture, DIVERGING), "xref": "x", "yref": "y",
                                       "x": -0.5, "y": -0.5, "sizex": n, "sizey": n, "sizing": "stretch",
                                       "layer": "below"}]
            self.fig.layout.xaxis.range = (-0.5, n - 0.5)                  # whole cells (its trace draws nothing)
            self.fig.layout.yaxis.update(autorange=False, range=(n - 0.5, -0.5))       # row 0 on top
            bars.x, bars.y, bars.hovertext = t["fields"], np.arange(n, dtype=np.int32), t["field_text"]
            self._title = f"{s['vartype']} model of {what}"
            self.highlight()
            self.show_read()
        self.scale.show(COUPLING_SCALE, (f"{-top:.3g}", "0", f"{top:.3g}"))
        self.stats.value = (f"<b>{s['variables']}</b> variables, <b>{s['interactions']}</b> interactions, "
                            f"density {s['density']:.3f}, energy in [{s['energy_range'][0]:.3g}, "
                            f"{s['energy_range'][1]:.3g}]"
                            + (f"; the heatmap shows the first {n}" if n < s["variables"] else ""))
        self.table = t

    def show_read(self):
        """Field bars coloured by the chosen read's spins (dark up, light down) when it is a read of this sample."""
        state = self.state
        reads, k = state.last_reads, state.selected_read
        bars = self.fig.data[1]
        n = self._shown
        colors, note = GREY, ""
        if isinstance(reads, Reads) and k is not None and k < len(reads) and state.encoding == "neurons" and \
                [s.shape[-1] for s in reads.states] == state.network.spin_sizes:
            r, p = reads.locate(k)
            if reads.indices[p] == state.sample_index:
                n_layers = len(reads.states)
                spins = [reads.states[layer][r, p, unit] for _, layer, unit in
                         (locate(label, n_layers) for label in self.labels[:n] if is_spin_label(label))]
                colors = [SPIN_UP if v > 0 else SPIN_DOWN for v in spins]
                note = " · bars: chosen read's spins (dark up, light down)"
            else:
                note = f" · the chosen read is of sample {reads.indices[p]}"
        with self.fig.batch_update():
            bars.marker.color = colors
            self.fig.layout.title.text = self._title + note

    def _select(self, points, rows):
        """A click picks a variable; a click on a point drawn before the model changed picks nothing."""
        if points.point_inds and points.point_inds[0] < len(rows) and int(rows[points.point_inds[0]]) < len(
                self.labels):
            self.state.selected_label = self.labels[int(rows[points.point_inds[0]])]

    def highlight(self):
        """Outline the selected variable's row and column in the heatmap (when it is shown)."""
        index = {v: i for i, v in enumerate(self.labels)}.get(self.state.selected_label, -1) \
            if self.state.selected_label is not None else -1
        n = self._shown
        shapes = []
        if 0 <= index < n:
            style = {"type": "rect", "xref": "x", "yref": "y", "line": {"color": "#000", "width": 1.5},
                     "fillcolor": "rgba(0,0,0,0.06)"}
            shapes = [{**style, "x0": -0.5, "x1": n - 0.5, "y0": index - 0.5, "y1": index + 0.5},
                      {**style, "x0": index - 0.5, "x1": index + 0.5, "y0": -0.5, "y1": n - 0.5}]
        self.fig.layout.shapes = shapes
