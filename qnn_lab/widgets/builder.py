"""NetworkBuilder: dataset, layers and neurons, replicas, bits, seed; a drawing of the network."""
from __future__ import annotations

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..parameters import MAX_SEED
from .common import ErrorNote, bind, figure, shows_errors
from .state import MAX_HIDDEN, MAX_LAYERS, dataset_names
from .words import add_tooltip

__all__ = ["NetworkBuilder", "network_drawing"]

MAX_DRAWN_NODES = 64   # a layer wider than this is drawn with its first nodes only


def network_drawing(network):
    """Node positions and link segments of a network (plain arrays, for the figure and tests)."""
    sizes = network.layers[:-1] + [network.n_outputs]
    shown = [min(n, MAX_DRAWN_NODES) for n in sizes]
    ys = [np.linspace(-1, 1, n) if n > 1 else np.zeros(1) for n in shown]
    nodes = [(np.full(n, l, float), ys[l]) for l, n in enumerate(shown)]
    pos_x, pos_y, neg_x, neg_y, mid_x, mid_y, text = [], [], [], [], [], [], []
    for l, W in enumerate(network.weights):
        Wl = W[:shown[l + 1], :shown[l]]
        j, i = np.indices(Wl.shape)
        x0, x1 = np.full(Wl.size, l, float), np.full(Wl.size, l + 1, float)
        y0, y1 = ys[l][i.ravel()], ys[l + 1][j.ravel()]
        values = Wl.ravel()
        for sign, xs, ys_ in ((values >= 0, pos_x, pos_y), (values < 0, neg_x, neg_y)):
            n = int(sign.sum())
            xs.append(np.column_stack([x0[sign], x1[sign], np.full(n, np.nan)]).ravel())
            ys_.append(np.column_stack([y0[sign], y1[sign], np.full(n, np.nan)]).ravel())
        mid_x.append((x0 + x1) / 2)
        mid_y.append((y0 + y1) / 2)
        text += [f"W{l + 1}[{a},{b}] = {v:.3g}" for a, b, v in zip(j.ravel(), i.ravel(), values)]
    cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)    # noqa: E731
    return {"nodes": nodes, "positive": (cat(pos_x), cat(pos_y)), "negative": (cat(neg_x), cat(neg_y)),
            "midpoints": (cat(mid_x), cat(mid_y)), "text": text}


class NetworkBuilder(w.VBox):
    """Controls that build the dataset and the network, and the network drawn with its weights."""

    def __init__(self, state):
        self.state = state
        self.note = ErrorNote()
        guard = shows_errors(state, self.note)
        self.dataset = w.Dropdown(options=dataset_names(), description="dataset")
        self.noise = w.FloatSlider(min=0, max=0.5, step=0.01, description="noise")
        self.n_samples = w.IntSlider(min=40, max=2000, step=20, description="points")
        self.test_fraction = w.FloatSlider(min=0.1, max=0.5, step=0.05, description="test share")
        self.seed = w.BoundedIntText(min=0, max=MAX_SEED - 1, description="seed")
        self.regenerate = w.Button(description="regenerate", tooltip="new data with the next seed")
        self.replicas = w.BoundedIntText(min=1, max=16, description="replicas")
        self.add_layer = w.Button(description="+ layer")
        self.remove_layer = w.Button(description="- layer")
        self.layer_rows = w.VBox()
        for name in ("dataset", "noise", "n_samples", "test_fraction", "seed", "replicas"):
            control = getattr(self, name)
            control.style, control.layout = {"description_width": "70px"}, w.Layout(width="260px")
            add_tooltip(control, "setting", name)
            bind(state, name, control, self.note)
        self.seed.layout.width = "170px"
        self.regenerate.layout = w.Layout(width="auto")
        for button in (self.add_layer, self.remove_layer):
            button.layout = w.Layout(width="auto")
        self.regenerate.on_click(guard(lambda _: setattr(state, "seed", state.seed + 1)))
        self.add_layer.on_click(guard(lambda _: self._set_hidden([*state.hidden, state.hidden[-1] if state.hidden
                                                                   else 8])))
        self.remove_layer.on_click(guard(lambda _: self._set_hidden(state.hidden[:-1])))
        self.fig = figure(height=330, width=320, title="network", showlegend=True,
                          legend={"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 10}},
                          xaxis={"visible": False}, yaxis={"visible": False},
                          margin={"l": 8, "r": 8, "t": 30, "b": 24})
        self.fig.add_traces([
            go.Scatter(mode="lines", line={"color": "rgba(0,114,178,0.35)", "width": 1}, hoverinfo="skip",
                       name="weight > 0"),
            go.Scatter(mode="lines", line={"color": "rgba(213,94,0,0.35)", "width": 1}, hoverinfo="skip",
                       name="weight < 0"),
            go.Scatter(mode="markers", marker={"size": 6, "opacity": 0}, hoverinfo="text", name="weights",
                       showlegend=False),
            go.Scatter(mode="markers", marker={"size": 9, "color": "#555"}, hoverinfo="text", name="neurons",
                       showlegend=False),
        ])
        state.observe(lambda _: self.redraw(), names="network_version")
        state.observe(self._lock, names="running")
        super().__init__([self.dataset, self.noise, self.n_samples, self.test_fraction,
                          w.HBox([self.seed, self.regenerate]), self.layer_rows,
                          w.HBox([self.add_layer, self.remove_layer]), self.replicas, self.note])
        self.redraw()

    def _lock(self, change):
        """No structural change while sampling or training runs."""
        controls = [self.dataset, self.noise, self.n_samples, self.test_fraction, self.seed, self.regenerate,
                    self.replicas, self.add_layer, self.remove_layer]
        for control in controls:
            control.disabled = change["new"]
        if not change["new"]:
            self.redraw()                      # restores the +/- buttons' own limits
        else:
            for row in self.layer_rows.children:
                for control in row.children[1:]:
                    control.disabled = True

    def _set_hidden(self, hidden):
        self.state.hidden = hidden

    def _layer_row(self, l):
        guard = shows_errors(self.state, self.note)
        size = w.BoundedIntText(min=1, max=MAX_HIDDEN, layout={"width": "70px"})
        minus = w.Button(description="-", layout={"width": "32px"})
        plus = w.Button(description="+", layout={"width": "32px"})

        def change(n):
            hidden = list(self.state.hidden)
            if l < len(hidden) and hidden[l] != n:
                hidden[l] = n
                self.state.hidden = hidden

        size.observe(guard(lambda ch: change(ch["new"])), "value")
        minus.on_click(guard(lambda _: change(self.state.hidden[l] - 1)))
        plus.on_click(guard(lambda _: change(self.state.hidden[l] + 1)))
        return w.HBox([w.Label(f"hidden {l + 1}", layout={"width": "70px"}), size, minus, plus])

    def redraw(self):
        """Redraw layer controls and the network figure from the state."""
        state = self.state
        if len(self.layer_rows.children) != len(state.hidden):       # new widgets only when layers come or go
            self.layer_rows.children = [self._layer_row(l) for l in range(len(state.hidden))]
        for row, n in zip(self.layer_rows.children, state.hidden):
            _, size, minus, plus = row.children
            size.value, size.disabled = n, state.running
            minus.disabled, plus.disabled = n <= 1 or state.running, n >= MAX_HIDDEN or state.running
        self.add_layer.disabled = len(state.hidden) >= MAX_LAYERS or state.running
        self.remove_layer.disabled = not state.hidden or state.running
        d = network_drawing(state.network)
        nx = np.concatenate([x for x, _ in d["nodes"]])
        ny = np.concatenate([y for _, y in d["nodes"]])
        names = ["input"] + [f"h{l + 1}" for l in range(len(state.hidden))] + ["output"]
        node_text = [f"{names[int(x)]}[{k}]" for x, nodes in zip(range(len(d["nodes"])), d["nodes"])
                     for k in range(len(nodes[0]))]
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = d["positive"]
            self.fig.data[1].x, self.fig.data[1].y = d["negative"]
            self.fig.data[2].x, self.fig.data[2].y = d["midpoints"]
            self.fig.data[2].text = d["text"]
            self.fig.data[3].x, self.fig.data[3].y, self.fig.data[3].text = nx, ny, node_text
            self.fig.layout.title.text = f"network {'-'.join(map(str, state.layers))} x{state.replicas} replicas"
