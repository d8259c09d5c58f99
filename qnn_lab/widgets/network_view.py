"""NetworkView: the network with neurons you can see, as TensorFlow Playground draws it.

For 2-D data each neuron is a small picture of its feed-forward field over the input plane
(its spin is the sign of that field) and the output's decision boundary is drawn large; for
image inputs (digits) each neuron shows its receptive field (its weights back to the 8x8
input, through the layers below) and the input is the current sample's image. Links are
drawn by weight (width and opacity by |w|, blue for w > 0, vermillion for w < 0); wide
layers keep each neuron's strongest links. A chosen read (``LabState.selected_read``) puts
its spins on the neurons as up / down triangles. One figure, one batched update per redraw.

The neuron pictures travel as one small PNG image per layer (layout images, coloured in the kernel
with the fixed scale -1..1): a few KB where heatmaps of numbers took ~0.6 MB for 200 neurons. The
links are layout shapes (a path per sign and width): plotly redraws images and shapes on their own,
where new lines in a trace redraw the whole figure.
"""
from __future__ import annotations

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..encoding.labels import spin_layer_name
from ..network.network import spin_sign
from .common import ColourScale, FigureBox, figure, png_picture

__all__ = ["NEGATIVE", "NEURON_SCALE", "POSITIVE", "NetworkView", "network_drawing"]

POSITIVE, NEGATIVE = "#0072B2", "#D55E00"     # Okabe-Ito blue / vermillion: colour-blind safe signs
NEURON_SCALE = [[0.0, NEGATIVE], [0.5, "#f7f7f7"], [1.0, POSITIVE]]
CLASS_COLORS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
                "#999999", "#882255")
PIXELS = 16           # pixels per neuron picture over the input plane, at most (fewer where cells are smaller)
BOUNDARY_PIXELS = 48  # pixels of the large decision boundary
MAX_ROWS = 16         # neurons per column at most; wider layers take several columns
MIN_ROWS = 4
LINK_BUDGET = 160     # links drawn between two layers at most: each neuron's strongest ones
GAP = 2.5             # horizontal room for links between layer blocks (in neuron cells)
BOX = (380, 330)      # the drawing's nominal size in px: neurons per column are chosen to make cells large
COLORBAR_TITLES = {"plane": "neuron's field over the plane (its spin is the sign)",
                   "image": "receptive field: weight from each input pixel", "plain": "neuron's field at the sample"}
WIDTHS = (0.4, 0.9, 1.8, 3.2)
MARGIN = {"l": 4, "r": 4, "t": 4, "b": 4}      # px around the drawing
SCALE_HEIGHT = 34                               # px of the colour scale under the figure
MIN_HEIGHT = 80
OPACITIES = (0.15, 0.35, 0.6, 0.9)


def _scale_width(width):
    return min(320, int(0.8 * width))


def input_kind(n_inputs, dataset=None):
    """"plane" for 2 inputs, "image" for the digits (8x8 pictures), else "plain"."""
    if n_inputs == 2:
        return "plane"
    return "image" if dataset == "digits" and int(round(np.sqrt(n_inputs))) ** 2 == n_inputs else "plain"


def _plane_grid(X, pixels):
    """Grid points (pixels**2, 2) over the data's box, row-major from the bottom, and the box."""
    lo, hi = X.min(0) - 0.2, X.max(0) + 0.2
    gx, gy = np.linspace(lo[0], hi[0], pixels), np.linspace(lo[1], hi[1], pixels)
    return np.column_stack([np.tile(gx, pixels), np.repeat(gy, pixels)]), lo, hi


def _block(n, rows_max, x0):
    """Cell centres (n, 2) of a layer of n neurons filling columns of up to rows_max top-down from x0."""
    cols = -(-n // rows_max)
    rows = -(-n // cols)
    j = np.arange(n)
    return np.column_stack([x0 + j // rows, (rows - 1) / 2 - j % rows]).astype(float), rows, cols


def _mosaic(pictures, rows, cols):
    """Pictures (n, k, k) (row 0 on top) tiled column-major with 1/8-picture NaN margins, top row first."""
    n, k = pictures.shape[:2]
    pad = max(1, k // 8)
    pitch = k + 2 * pad
    z = np.full((rows * pitch, cols * pitch), np.nan)
    for j in range(n):
        r, c = j % rows, j // rows
        z[r * pitch + pad:r * pitch + pad + k, c * pitch + pad:c * pitch + pad + k] = pictures[j]
    return z, pitch


def _links(W, src, dst, budget=LINK_BUDGET):
    """Each target neuron's strongest links (at most ``budget`` in all): (targets, sources, weights)."""
    n_dst, n_src = W.shape
    k = max(1, min(n_src, budget // n_dst))
    order = np.argsort(-np.abs(W), axis=1, kind="stable")[:, :k]
    j = np.repeat(np.arange(n_dst), k)
    i = order.ravel()
    return j, i, W[j, i], k


def _columns(n, rows):
    return -(-n // rows)


def rows_per_column(sizes, n_inputs, kind, box=BOX, boundary=True):
    """Neurons per column that give the largest square cells in a ``box`` (width, height) of px, and
    that cell's side in px."""
    def cell(rows):
        first = min(rows, 8) if kind == "image" else _columns(n_inputs, rows)
        width = first + sum(_columns(n, rows) for n in sizes) + GAP * len(sizes) + 1.4
        if boundary and kind == "plane":
            width += 1.5 + min(rows, 12)
        return min(box[0] / width, box[1] / (rows + 0.6))
    most = max(MIN_ROWS, min(MAX_ROWS, max(sizes + ([n_inputs] if kind != "image" else []))))
    rows = max(range(MIN_ROWS, most + 1), key=lambda rows: (cell(rows), -rows))
    return rows, cell(rows)


def network_drawing(network, data, sample_index=0, box=BOX, boundary=True):
    """Everything the figure draws, as plain arrays (for the widget and for tests); ``box``: the figure's
    size in px (neurons per column follow it), ``boundary``: draw the decision boundary right of the output.

    Returns a dict: ``kind`` ('plane', 'image', 'plain'), ``cell_px`` (a neuron's side in px in ``box``),
    ``blocks`` (one per drawn layer:
    name, centres, rows, cols, pictures (n, k, k) in [-1, 1] or None), ``links`` (per layer
    pair: targets, sources, weights, per-neuron count, segment ends), ``boundary`` (2-D data:
    grid, class energies' picture, the data box) and ``x_range``, ``y_range``.
    """
    kind = input_kind(network.n_inputs, data.name)
    sizes = network.spin_sizes
    rows_max, cell = rows_per_column(sizes, network.n_inputs, kind, box, boundary)
    X = data.X_train
    pixels = int(np.clip(np.ceil(cell), 4, PIXELS))     # no more values than the cell has screen pixels
    blocks, x = [], 0.0
    names = ["input"] + [spin_layer_name(len(sizes), l) for l in range(len(sizes))]
    if kind == "image":
        side = int(round(np.sqrt(network.n_inputs)))
        size = float(min(rows_max, 8))
        image = X[sample_index].reshape(side, side)
        blocks.append({"name": "input", "centres": np.zeros((0, 2)), "image": image, "side": size, "x0": x})
        x += size + GAP
    else:
        centres, rows, cols = _block(network.n_inputs, rows_max, x + 0.5)
        pictures = None
        if kind == "plane":
            grid, lo, hi = _plane_grid(X, pixels)
            span = np.maximum(np.abs(grid).max(0), 1e-12)
            pictures = (grid / span).T.reshape(2, pixels, pixels)[:, ::-1]
        blocks.append({"name": "input", "centres": centres, "rows": rows, "cols": cols, "pictures": pictures})
        x += cols + GAP
    if kind == "plane":
        fields, prev = [], grid
        for W, b in zip(network.weights, network.biases):
            f = prev @ W.T + b
            fields.append(np.tanh(f).T.reshape(len(b), pixels, pixels)[:, ::-1])
            prev = spin_sign(f)
    elif kind == "image":
        fields, eff = [], np.eye(network.n_inputs)
        for W in network.weights:
            eff = W @ eff
            scale = np.maximum(np.abs(eff).max(1, keepdims=True), 1e-12)
            fields.append((eff / scale).reshape(len(W), side, side))
    else:
        fields = [None] * len(sizes)
    for l, n in enumerate(sizes):
        centres, rows, cols = _block(n, rows_max, x + 0.5)
        blocks.append({"name": names[l + 1], "centres": centres, "rows": rows, "cols": cols, "pictures": fields[l]})
        x += cols + GAP
    links = []
    for l, W in enumerate(network.weights):
        if l == 0 and kind == "image":
            continue                              # the receptive fields show these weights
        j, i, values, k = _links(W, blocks[l]["centres"], blocks[l + 1]["centres"])
        src, dst = blocks[l]["centres"], blocks[l + 1]["centres"]     # from a block's right edge to the next's left
        start = np.column_stack([np.full(len(i), src[:, 0].max() + 0.45), src[i, 1]])
        end = np.column_stack([np.full(len(j), dst[:, 0].min() - 0.45), dst[j, 1]])
        links.append({"layer": l, "targets": j, "sources": i, "weights": values, "per_neuron": k,
                      "total": W.size, "start": start, "end": end})
    drawing = {"kind": kind, "blocks": blocks, "links": links, "rows_max": rows_max, "cell_px": cell,
               "boundary": None}
    right = x - GAP
    if kind == "plane" and boundary:
        side = float(min(rows_max, 12))
        grid, lo, hi = _plane_grid(X, BOUNDARY_PIXELS)
        energies = network.class_energies(grid)
        if network.n_classes == 2:
            picture = np.tanh((energies[:, 0] - energies[:, 1]) / 2)    # > 0: class 1 is lower
        else:
            picture = energies.argmin(1).astype(float)
        x0 = right + 1.5
        drawing["boundary"] = {"picture": picture.reshape(BOUNDARY_PIXELS, BOUNDARY_PIXELS), "lo": lo, "hi": hi,
                               "x0": x0, "side": side,
                               "to_block": lambda P, lo=lo, hi=hi, x0=x0, side=side: np.column_stack(
                                   [x0 + (P[:, 0] - lo[0]) / (hi[0] - lo[0]) * side,
                                    -side / 2 + (P[:, 1] - lo[1]) / (hi[1] - lo[1]) * side])}
        right = x0 + side
    drawing["x_range"] = (-0.7, right + 0.7)
    drawing["y_range"] = (-rows_max / 2 - 0.3, rows_max / 2 + 0.3)
    return drawing


class NetworkView(FigureBox, w.VBox):
    """The lab's network drawing; redraws on a new network, data, sample or chosen read."""

    def __init__(self, state, height=380, width=BOX[0], boundary=True, fixed_height=False):
        """``boundary``: also draw the decision boundary (the lab leaves it to its output panel beside the
        network, so the neurons get the room); ``fit`` changes the width. The figure and its colour scale are
        at most ``height`` px high, and only as high as the drawing needs unless ``fixed_height`` (the lab's
        column keeps it)."""
        self.state = state
        self.boundary = boundary
        height -= SCALE_HEIGHT
        self.height, self.fixed_height = height, fixed_height
        self.box = (width, height - MARGIN["t"] - MARGIN["b"])      # the drawing's room in px
        self.caption = w.HTML()
        self.fig = figure(height=height, width=width, meta="network", showlegend=False, hovermode="closest",
                          dragmode=False,
                          margin=MARGIN,
                          xaxis={"visible": False, "fixedrange": True},
                          yaxis={"visible": False, "fixedrange": True, "scaleanchor": "x"})
        traces = []
        traces.append(go.Scatter(mode="none", hoverinfo="text", name="link values"))   # hover; links are shapes
        for name in ("sample image", "boundary"):     # small heatmaps; the neuron pictures are layout images
            traces.append(go.Heatmap(colorscale=NEURON_SCALE, zmin=-1, zmax=1, hoverinfo="skip", hoverongaps=False,
                                     showscale=False, name=name))
        traces += [
            go.Scatter(mode="markers", name="neurons", hoverinfo="text",
                       marker={"size": 12, "colorscale": NEURON_SCALE, "cmin": -1, "cmax": 1,
                               "line": {"width": 1, "color": "#555"}, "showscale": False,    # self.scale shows it
                               "colorbar": {"orientation": "h", "len": 0.6, "thickness": 8, "x": 0.5,
                                            "y": -0.02, "yanchor": "top", "ypad": 4, "tickvals": [-1, 0, 1],
                                            "ticktext": ["-", "0", "+"],
                                            "title": {"text": COLORBAR_TITLES["plane"],
                                                      "side": "top", "font": {"size": 11}}}}),
            go.Scatter(mode="markers", name="data", hoverinfo="skip",
                       marker={"size": 4, "line": {"width": 0.5, "color": "#fff"}}),
            go.Scatter(mode="markers", name="spin up", hoverinfo="skip",
                       marker={"symbol": "triangle-up", "size": 9, "color": "#111", "line": {"width": 1,
                                                                                            "color": "#fff"}}),
            go.Scatter(mode="markers", name="spin down", hoverinfo="skip",
                       marker={"symbol": "triangle-down", "size": 9, "color": "#111",
                               "line": {"width": 1, "color": "#fff"}}),
            go.Scatter(mode="markers", name="chosen sample", hoverinfo="skip",
                       marker={"symbol": "circle-open", "size": 13, "color": "#111", "line": {"width": 2.5}}),
        ]
        self.fig.add_traces(traces)
        self.scale = ColourScale(NEURON_SCALE, COLORBAR_TITLES["plane"], width=_scale_width(self.box[0]))
        self.drawing = None
        self._shown = None
        state.observe(lambda _: self.redraw(), names=["network_version", "data_version"])
        state.observe(lambda _: self.show_read(), names=["selected_read", "last_reads", "sample_index"])
        super().__init__([self.caption, self.fig, self.scale])
        self.redraw()

    # ------------------------------------------------------------ figure parts
    @property
    def _traces(self):
        d = self.fig.data
        return {"link_values": d[0], "image": d[1], "boundary": d[2], "neurons": d[-5], "data": d[-4], "up": d[-3],
                "down": d[-2], "chosen": d[-1]}

    def _sample_index(self):
        """The sample the drawing shows: the chosen read's, else the state's."""
        reads, k = getattr(self.state, "last_reads", None), getattr(self.state, "selected_read", None)
        if reads is not None and k is not None and k < len(reads):
            return int(reads.indices[reads.locate(k)[1]])
        return self.state.sample_index

    def fit(self, width):
        """Redraw ``width`` px wide (the lab calls this with the width the page gives its network column)."""
        if width >= 200 and width != self.box[0]:
            self.box = (int(width), self.box[1])
            self.scale.resize(_scale_width(width))
            self.redraw()

    def redraw(self):
        """Rebuild the whole drawing from the state's network and data (one batched update)."""
        state = self.state
        d = network_drawing(state.network, state.data, self._sample_index(), self.box, self.boundary)
        self.drawing = d
        t = self._traces
        with self.fig.batch_update():
            self._draw_links(d, t)
            self._draw_pictures(d, t)
            self._draw_neurons(d, t)
            self._draw_data(d, t)
            self.fig.layout.width = self.box[0]
            self.fig.layout.height = self._height(d)
            self.fig.layout.xaxis.range = d["x_range"]
            self.fig.layout.yaxis.range = d["y_range"]
            t["neurons"].marker.colorbar.title.text = COLORBAR_TITLES[d["kind"]]
            self._draw_spins(t)
        self._shown = self._showing()
        self.scale.show(COLORBAR_TITLES[d["kind"]], ("-", "0", "+"))
        self.caption.value = self._caption(d)

    def _height(self, d):
        """The figure's height: the drawing's at this width (equal x and y scales) and the colour bar."""
        if self.fixed_height:
            return self.height
        (x0, x1), (y0, y1) = d["x_range"], d["y_range"]
        drawn = (self.box[0] - MARGIN["l"] - MARGIN["r"]) * (y1 - y0) / (x1 - x0)
        return int(min(self.height, max(MIN_HEIGHT, drawn + MARGIN["t"] + MARGIN["b"])))

    def _caption(self, d):
        layers = "-".join(map(str, self.state.network.layers))
        pruned = [f"W{lk['layer'] + 1}: strongest {lk['per_neuron']} per neuron" for lk in d["links"]
                  if len(lk["weights"]) < lk["total"]]
        what = {"plane": "each neuron's field over the input plane" + ("; right: the decision boundary"
                                                                        if d["boundary"] is not None else ""),
                "image": "each neuron's receptive field (its weights back to the input image); left: the sample",
                "plain": "neurons coloured by their field at the sample"}[d["kind"]]
        links = (f"<span style='color:{POSITIVE}'>w &gt; 0</span> / <span style='color:{NEGATIVE}'>w &lt; 0</span>, "
                 "width by |w|" + (f" ({'; '.join(pruned)})" if pruned else ""))
        return (f"<b>network {layers}</b> <span style='color:#777'>(x{self.state.network.output_replicas} output "
                f"replicas)</span>: {what}. Links: {links}; hover a link or neuron for its value.")

    def _draw_links(self, d, t):
        """Links as layout shapes, one path per sign and width (plotly redraws shapes on their own, where new
        line traces redraw the whole figure: 20 -> 9 ms for 355 links); hover points at their midpoints."""
        paths = {}
        mx, my, text = [], [], []
        for lk in d["links"]:
            values = lk["weights"]
            strength = np.abs(values) / max(np.abs(values).max(initial=0), 1e-12)
            level = np.minimum((strength * len(WIDTHS)).astype(int), len(WIDTHS) - 1)
            for sign, k, a, b in zip(values >= 0, level, np.round(lk["start"], 3), np.round(lk["end"], 3)):
                paths.setdefault((bool(sign), int(k)), []).append(f"M{a[0]:g},{a[1]:g}L{b[0]:g},{b[1]:g}")
            mid = (lk["start"] + lk["end"]) / 2
            mx.append(mid[:, 0])
            my.append(mid[:, 1])
            text += [f"W{lk['layer'] + 1}[{j},{i}] = {v:.3g}" for j, i, v in zip(lk["targets"], lk["sources"], values)]
        self.fig.layout.shapes = [
            {"type": "path", "path": "".join(segments), "xref": "x", "yref": "y", "layer": "below",
             "line": {"color": POSITIVE if positive else NEGATIVE, "width": WIDTHS[k]}, "opacity": OPACITIES[k]}
            for (positive, k), segments in sorted(paths.items(), key=lambda item: (item[0][1], item[0][0]))]
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)     # noqa: E731
        t["link_values"].x, t["link_values"].y = cat(mx), cat(my)
        t["link_values"].text = np.array(text, dtype=str)         # an array: plotly checks a list item by item

    def _draw_pictures(self, d, t):
        """Each layer's neuron pictures as one image; the sample's image (digits) and the boundary as heatmaps."""
        images = []
        for b in d["blocks"]:
            if b.get("pictures") is not None:
                z, _ = _mosaic(b["pictures"], b["rows"], b["cols"])
                images.append({"source": png_picture(z), "xref": "x", "yref": "y", "x": b["centres"][0, 0] - 0.5,
                               "y": b["rows"] / 2, "sizex": b["cols"], "sizey": b["rows"], "sizing": "stretch",
                               "layer": "below"})
        self.fig.layout.images = images
        self._draw_sample_image(d, t)
        trace, bd = t["boundary"], d["boundary"]
        if bd is None:
            trace.z = None
            return
        du = bd["side"] / BOUNDARY_PIXELS
        trace.z, trace.x0, trace.dx, trace.y0, trace.dy = bd["picture"], bd["x0"] + du / 2, du, \
            -bd["side"] / 2 + du / 2, du
        n = self.state.network.n_classes
        if n > 2:
            trace.colorscale = [[c / (n - 1), CLASS_COLORS[c % len(CLASS_COLORS)]] for c in range(n)]
            trace.zmin, trace.zmax = 0, n - 1
        else:
            trace.colorscale, trace.zmin, trace.zmax = NEURON_SCALE, -1, 1

    def _draw_sample_image(self, d, t):
        """The input block of image data: the sample itself, in greys."""
        b, trace = d["blocks"][0], t["image"]
        if "image" not in b:
            trace.z = None
            return
        side, n = b["side"], len(b["image"])
        du = side / n
        trace.z, trace.x0, trace.dx = b["image"][::-1], b["x0"] + du / 2, du
        trace.y0, trace.dy, trace.colorscale, trace.zmin, trace.zmax = -side / 2 + du / 2, du, "Greys", -1, 1

    def _draw_neurons(self, d, t):
        """Hover markers on every neuron; visible (coloured by the sample's field) where there is no picture."""
        net, X = self.state.network, self.state.data.X_train
        i = self._sample_index()
        fields, prev = [X[i]], X[i:i + 1]
        for W, b in zip(net.weights, net.biases):
            f = prev @ W.T + b
            fields.append(f[0])
            prev = spin_sign(f)
        xy, color, opacity, text = [], [], [], []
        for b, f in zip(d["blocks"], fields):
            n = len(b["centres"])
            if n == 0:
                continue
            xy.append(b["centres"])
            color.append(np.tanh(f))
            opacity.append(np.full(n, 0.0 if b.get("pictures") is not None else 1.0))
            what = "input" if b["name"] == "input" else "field"
            text += [f"{b['name']}[{j}]: {what} at sample {i} = {v:.3g}" for j, v in enumerate(f)]
        xy, opacity = np.concatenate(xy), np.concatenate(opacity)
        n = t["neurons"]
        n.x, n.y, n.text = xy[:, 0], xy[:, 1], np.array(text, dtype=str)
        n.marker.color, n.marker.opacity = np.concatenate(color), opacity
        n.mode = "markers" if opacity.any() else "none"     # every neuron a picture: only their hover texts

    def _draw_data(self, d, t):
        bd, data = d["boundary"], self.state.data
        if bd is None:
            t["data"].x = t["data"].y = None
            return
        xy = bd["to_block"](data.X_train)
        t["data"].x, t["data"].y = xy[:, 0], xy[:, 1]
        t["data"].marker.color = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in data.y_train]

    def show_read(self):
        """The chosen read's spins (and its sample) on the drawing; nothing is sent when they are drawn already."""
        if self.drawing is None or self._up_to_date():
            return
        self._shown = self._showing()
        t = self._traces
        with self.fig.batch_update():
            if self.drawing["kind"] == "image":      # the input picture is the chosen sample
                side = len(self.drawing["blocks"][0]["image"])
                self.drawing["blocks"][0]["image"] = self.state.data.X_train[self._sample_index()].reshape(side, side)
                self._draw_sample_image(self.drawing, t)
            self._draw_neurons(self.drawing, t)
            self._draw_spins(t)

    def _showing(self):
        """What the drawing is to show: (drawing, reads, chosen read, sample); ``_shown`` is what it shows."""
        state = self.state
        return (self.drawing, getattr(state, "last_reads", None), getattr(state, "selected_read", None),
                self._sample_index())

    def _up_to_date(self):
        now, shown = self._showing(), self._shown
        return shown is not None and shown[0] is now[0] and shown[1] is now[1] and shown[2:] == now[2:]

    def _draw_spins(self, t):
        reads, k = getattr(self.state, "last_reads", None), getattr(self.state, "selected_read", None)
        d = self.drawing
        bd = d["boundary"]
        i = self._sample_index()
        chosen = bd["to_block"](self.state.data.X_train[i:i + 1]) if bd is not None else np.zeros((0, 2))
        t["chosen"].x, t["chosen"].y = chosen[:, 0], chosen[:, 1]
        if reads is None or k is None or k >= len(reads) or [s.shape[-1] for s in reads.states] != \
                self.state.network.spin_sizes:
            t["up"].x = t["up"].y = t["down"].x = t["down"].y = ()
            return
        spins = np.concatenate(reads.spins(k))
        xy = np.concatenate([b["centres"] for b in d["blocks"][1:]])
        up = spins > 0
        t["up"].x, t["up"].y = xy[up, 0], xy[up, 1]
        t["down"].x, t["down"].y = xy[~up, 0], xy[~up, 1]
