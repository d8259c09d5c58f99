"""EmbeddingView: the current model minor-embedded on a QPU graph, one colour per chain.

The plot data come from plain data (a dwave-networkx graph and ``{label: qubits}`` chains),
so the drawing does not depend on how the embedding was found; the Embed button finds one
with ``qnn_lab.samplers.embedding.embed`` (imported when pressed).
"""
from __future__ import annotations

import colorsys
import html
import weakref
from collections.abc import Mapping

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..encoding import NeuronEncoding
from ..encoding.labels import locate, variable_name
from ..exceptions import check_int
from ..samplers.embedding import TOPOLOGIES
from .common import BackgroundJob, ErrorNote, bind, error_text, figure, shows_errors
from .reads import Reads

__all__ = ["EmbeddingView", "embedding_plot_data", "label_colors", "qpu_layout", "variable_name",
           "window_spins"]

FAMILIES = ("chimera", "pegasus", "zephyr")
INSTALL_HINT = "pip install 'qnn_lab[qpu]'"
BROKEN_COLOR = "#d62728"


def _graph_library():
    """dwave-graphs (the QPU graphs and their layouts); ImportError with the install hint."""
    try:
        import dwave.graphs
    except ImportError:
        raise ImportError(f"the QPU embedding view needs dwave-graphs: {INSTALL_HINT}") from None
    return dwave.graphs


def qpu_layout(target):
    """Positions {qubit: (x, y)} of a chimera / pegasus / zephyr graph, drawn as D-Wave draws it."""
    family = getattr(target, "graph", {}).get("family")
    if family not in FAMILIES:
        raise ValueError(f"'target' should be a dwave-networkx graph of family {', '.join(map(repr, FAMILIES))}: "
                         f"family = {family!r}")
    return getattr(_graph_library(), f"{family}_layout")(target)


_POSITIONS = weakref.WeakKeyDictionary()      # graph -> (nodes, node index, positions); layouts cost ~0.2 s on P16


def _positions(target):
    """Qubits, their index and an (n, 2) array of layout positions, cached per graph object."""
    cached = _POSITIONS.get(target)
    if cached is None or len(cached[0]) != target.number_of_nodes():
        layout = qpu_layout(target)
        nodes = list(target.nodes)
        cached = (nodes, {q: i for i, q in enumerate(nodes)},
                  np.array([layout[q] for q in nodes], dtype=float).reshape(len(nodes), 2))
        _POSITIONS[target] = cached
    return cached


def label_colors(n):
    """``n`` distinct colours: golden-ratio hues, saturation and brightness cycling in three steps."""
    n = check_int("n", n, low=0)
    i = np.arange(n)
    hues = (i * 0.6180339887498949) % 1.0
    sat = (0.85, 0.6, 0.95)
    val = (0.85, 0.65, 0.5)
    rgb = [colorsys.hsv_to_rgb(h, sat[k % 3], val[(k // 3) % 3]) for k, h in enumerate(hues)]
    return ["#" + "".join(f"{round(255 * c):02x}" for c in col) for col in rgb]


def _check_chains(target, chains):
    """Labels and chains as tuples; every chain non-empty, on the target, disjoint from the others."""
    if not isinstance(chains, Mapping):
        raise TypeError(f"'chains' should be a mapping {{label: qubits}}: value = {type(chains).__name__}")
    labels, owner = list(chains), {}
    out = []
    for label in labels:
        chain = tuple(chains[label])
        if not chain:
            raise ValueError(f"'chains' should give every variable at least one qubit: chain of {label!r} is empty")
        for q in chain:
            if q not in target:
                raise ValueError(f"'chains' should use qubits of the target graph: chain of {label!r} has "
                                 f"qubit {q!r}")
            if q in owner:
                raise ValueError(f"'chains' should not share qubits: qubit {q!r} is in the chains of "
                                 f"{owner[q]!r} and {label!r}")
            owner[q] = label
        out.append(chain)
    return labels, out


def _broken_fractions(labels, broken):
    """Per-label fraction of broken reads from None, {label: fraction} or (reads, labels) bools."""
    if broken is None:
        return None
    if isinstance(broken, Mapping):
        unknown = [k for k in broken if k not in set(labels)]
        if unknown:
            raise ValueError(f"'broken' should name variables of the chains: {unknown[0]!r} has no chain")
        try:
            fractions = np.array([broken.get(label, 0.0) for label in labels], dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"'broken' fractions should be numbers in [0, 1]: value = {broken!r}") from None
    else:
        arr = np.asarray(broken)
        if arr.dtype != bool or arr.ndim != 2 or arr.shape[1] != len(labels):
            raise ValueError(f"'broken' should be a {{label: fraction}} mapping or a (reads, {len(labels)}) "
                             f"bool array: dtype = {arr.dtype}, shape = {arr.shape}")
        fractions = arr.mean(axis=0) if len(arr) else np.zeros(len(labels))
    if not np.all((fractions >= 0) & (fractions <= 1)):
        bad = float(fractions[~((fractions >= 0) & (fractions <= 1))][0])
        raise ValueError(f"'broken' fractions should be in [0, 1]: value = {bad!r}")
    return fractions


def _segments(pos, edges):
    """x and y of line segments with NaN gaps, for one line trace."""
    xy = np.full((len(edges), 3, 2), np.nan)
    if len(edges):
        xy[:, 0] = pos[edges[:, 0]]
        xy[:, 1] = pos[edges[:, 1]]
    flat = xy.reshape(-1, 2)
    return flat[:, 0], flat[:, 1]


def embedding_plot_data(target, chains, *, broken=None, name=variable_name, selected=None):
    """Everything the embedding plot draws, as arrays.

    Args:
        target: the QPU graph (dwave-networkx, with its ``graph["family"]`` metadata).
        chains: ``{label: qubits}``, disjoint non-empty chains on ``target``.
        broken: None, ``{label: fraction of reads broken}`` or a (reads, labels) bool array.
        name: label -> the text hover shows for it.
        selected: a label whose chain is highlighted (ignored when it has no chain).

    Returns:
        dict of ``unused`` (qubits outside every chain), ``qubits`` (chain qubits with per-point
        ``color``, ``text``, ``label_index``), ``chain_edges`` (couplers inside a chain),
        ``couplers`` (couplers between chains), ``broken`` (qubits of chains broken in some
        read), ``selected``, and ``labels``, ``colors``, ``broken_fraction``, ``stats``.
    """
    labels, chain_list = _check_chains(target, chains)
    fractions = _broken_fractions(labels, broken)
    nodes, node_index, pos = _positions(target)
    lengths = np.array([len(c) for c in chain_list], dtype=np.int64)
    owner = np.full(len(nodes), -1, np.int64)                      # chain index of each qubit, -1 unused
    chain_nodes = np.array([node_index[q] for c in chain_list for q in c], dtype=np.int64)
    point_label = np.repeat(np.arange(len(labels)), lengths)
    owner[chain_nodes] = point_label

    used = [q for c in chain_list for q in c]
    sub_edges = np.array([(node_index[u], node_index[v]) for u, v in target.subgraph(used).edges],
                         dtype=np.int64).reshape(-1, 2)
    inside = owner[sub_edges[:, 0]] == owner[sub_edges[:, 1]]
    colors = label_colors(len(labels))
    names = [name(label) for label in labels]
    texts = []
    for k, q in zip(point_label, used):
        text = f"{names[k]} · chain of {lengths[k]} qubit{'s' if lengths[k] != 1 else ''}"
        if fractions is not None:
            text += f" · broken in {fractions[k]:.0%} of reads"
        texts.append(f"{text} · qubit {q}")
    unused = np.flatnonzero(owner < 0)
    is_broken = fractions[point_label] > 0 if fractions is not None else np.zeros(len(used), bool)
    sel = labels.index(selected) if selected is not None and selected in chains else None
    chosen = point_label == sel if sel is not None else np.zeros(len(used), bool)
    stats = {"logical_variables": len(labels), "qubits_used": int(lengths.sum()),
             "max_chain_length": int(lengths.max(initial=0)),
             "mean_chain_length": float(lengths.mean()) if len(labels) else 0.0,
             "qubits": len(nodes), "topology": target.graph["family"]}
    if fractions is not None:
        stats["chain_break_fraction"] = float(fractions.mean()) if len(labels) else 0.0
    return {
        "unused": {"x": pos[unused, 0], "y": pos[unused, 1]},
        "qubits": {"x": pos[chain_nodes, 0], "y": pos[chain_nodes, 1], "color": [colors[k] for k in point_label],
                   "text": texts, "label_index": point_label, "qubit": used},
        "chain_edges": dict(zip("xy", _segments(pos, sub_edges[inside]))),
        "couplers": dict(zip("xy", _segments(pos, sub_edges[~inside]))),
        "broken": {"x": pos[chain_nodes[is_broken], 0], "y": pos[chain_nodes[is_broken], 1],
                   "text": [t for t, b in zip(texts, is_broken) if b]},
        "selected": {"x": pos[chain_nodes[chosen], 0], "y": pos[chain_nodes[chosen], 1]},
        "labels": labels, "colors": colors, "broken_fraction": fractions, "stats": stats,
    }


def window_spins(spin_sizes, minibatch=1):
    """Spins an annealer needs to train ``k`` consecutive spin layers at once, for k = 1 .. L.

    Layer-wise training clamps the layers outside the window; a minibatch is the disjoint
    union of per-sample models, so a window needs ``minibatch * sum(window's layer sizes)``
    spins. Each row is the largest window of that width.

    Examples:
        >>> [r["spins"] for r in window_spins([16, 8, 4], minibatch=2)]
        [32, 48, 56]
    """
    sizes = [check_int("spin_sizes", n, low=1) for n in spin_sizes]
    minibatch = check_int("minibatch", minibatch, low=1)
    names = [f"h{i + 1}" for i in range(len(sizes) - 1)] + ["o"]
    sums = np.concatenate([[0], np.cumsum(sizes)])
    rows = []
    for k in range(1, len(sizes) + 1):
        per_window = sums[k:] - sums[:-k]
        start = int(np.argmax(per_window))
        rows.append({"k": k, "layers": names[start:start + k], "spins_per_sample": int(per_window[start]),
                     "spins": int(per_window[start]) * minibatch})
    return rows


#: What the QPU graph shows before the first Embed.
EMPTY_GRAPH = "press Embed to place the model on the chosen QPU's qubits: each neuron becomes a chain of qubits"


class EmbeddingView(BackgroundJob, w.VBox):
    """The model on a QPU graph: chains coloured per variable, broken chains marked, linked selection.

    ``inspector`` is a callable ``(sampleset_or_problem) -> message`` behind "Open in
    inspector"; by default ``qnn_lab.samplers.inspector.show_inspector`` (imported when pressed).
    """

    def __init__(self, state, inspector=None):
        self.state = state
        self.inspector = inspector
        self.note = ErrorNote()                    # errors of this panel's controls and buttons
        guard = shows_errors(state, self.note)
        self.topology = w.Dropdown(options=TOPOLOGIES, description="topology")
        self.embed_button = w.Button(description="Embed", button_style="primary", icon="project-diagram")
        self.num_reads = w.BoundedIntText(min=1, max=10_000, description="reads on the QPU",
                                          style={"description_width": "initial"})
        self.chain_scale = w.BoundedFloatText(min=0.01, max=100.0, step=0.1, description="chain strength",
                                              style={"description_width": "initial"},
                                              tooltip="chain strength prefactor (x RMS coupling per qubit); "
                                                      "small values let chains break")
        self.sample_button = w.Button(description="Sample chains", icon="play", disabled=True,
                                      tooltip="the mock QPU: simulated annealing of the embedded (physical) model")
        self.inspect_button = w.Button(description="Open in inspector", icon="external-link", disabled=True,
                                        layout={"width": "auto"})
        self.minibatch = w.BoundedIntText(min=1, max=10_000, description="minibatch")
        for name, control in (("topology", self.topology), ("embed_reads", self.num_reads),
                              ("chain_strength", self.chain_scale), ("embed_minibatch", self.minibatch)):
            bind(state, name, control, self.note)
        self.status, self.stats, self.windows = w.HTML(), w.HTML(), w.HTML()
        self.embed_button.on_click(guard(lambda _: self.embed()))
        self.sample_button.on_click(guard(lambda _: self.sample()))
        self.inspect_button.on_click(guard(lambda _: self.open_inspector()))
        state.observe(guard(lambda _: self.show_windows()), names="embed_minibatch")
        self.fig = figure(height=520, title="QPU graph", showlegend=False, hovermode="closest",
                          xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x"},
                          annotations=[{"text": EMPTY_GRAPH, "showarrow": False, "xref": "paper", "yref": "paper",
                                        "x": 0.5, "y": 0.5, "font": {"size": 13}}])      # until the first Embed
        # SVG for what matters (chains, their couplers, marks: at most a few thousand points), WebGL for
        # the thousands of unused qubits, so the chains show even where WebGL is missing
        self.fig.add_traces([
            go.Scatter(mode="lines", name="couplers between chains", hoverinfo="skip",
                       line={"color": "#bbb", "width": 0.5}),
            go.Scatter(mode="lines", name="chain couplers", hoverinfo="skip", line={"color": "#444", "width": 2}),
            go.Scattergl(mode="markers", name="unused qubits", hoverinfo="skip",
                         marker={"color": "#e4e4e4", "size": 3}),
            go.Scatter(mode="markers", name="chains", hoverinfo="text", marker={"size": 8, "line": {"width": 0}}),
            go.Scatter(mode="markers", name="broken chains", hoverinfo="text",
                       marker={"symbol": "circle-open", "size": 13, "color": BROKEN_COLOR, "line": {"width": 2}}),
            go.Scatter(mode="markers", name="selected", hoverinfo="skip",
                       marker={"symbol": "circle-open", "size": 17, "color": "#000", "line": {"width": 3}}),
            go.Scatter(mode="markers", name="chosen read: spin up", hoverinfo="skip",
                       marker={"symbol": "triangle-up", "size": 7, "color": "#111", "line": {"width": 0.5,
                                                                                            "color": "#fff"}}),
            go.Scatter(mode="markers", name="chosen read: spin down", hoverinfo="skip",
                       marker={"symbol": "triangle-down", "size": 7, "color": "#111",
                               "line": {"width": 0.5, "color": "#fff"}}),
        ])
        self.fig.data[3].on_click(guard(self._on_chain_click))
        self.model = self.sampleset = self.physical = self.plot = None
        self.sample_index = state.sample_index
        self.chains, self.target = {}, None
        self._structure = None
        state.observe(lambda _: self.highlight(), names="selected_label")
        state.observe(lambda _: self.show_read(), names=["selected_read", "last_reads"])
        state.observe(self._on_model_change, names=["network_version", "encoding", "bits", "data_version"])
        controls = [w.HBox([self.topology, self.embed_button, self.inspect_button]),
                    w.HBox([self.num_reads, self.chain_scale, self.sample_button]), self.note]
        try:
            _graph_library()
        except ImportError as exc:
            self.embed_button.disabled = True
            self.status.value = f"<i>{exc}</i>"
        super().__init__([*controls, self.status, self.stats, self.fig,
                          w.HTML("<b>Qubits per training window</b> (layer-wise training, logical spins)"),
                          self.minibatch, self.windows])
        self.show_windows()

    # ------------------------------------------------------------ embedding
    def embed(self, block=False):
        """Minor-embed the lab's current model on the chosen topology (in a thread unless ``block``)."""
        if self.running:
            return
        from ..samplers.embedding import embed
        model = self.state.current_model()
        topology = self.state.topology
        seed = self.state.seed
        sample = self.state.sample_index

        def job():
            embedding = embed(model.bqm, topology=topology, random_state=seed)
            self.sampleset = self.physical = None
            self.sample_index = sample
            self.show(embedding.chains, embedding.target, model=model)
            self.status.value = f"embedded on {topology}: press Sample chains to see which chains break"

        self._start(job, f"embedding {model.bqm.num_variables} variables on {topology} ...", block)

    def sample(self, block=False):
        """Sample the model on the "mock-qpu" sampler (simulated annealing of the embedded model); mark broken chains.

        The sampler embeds with the same seed and topology, so its chains are the ones drawn.
        """
        if self.running or self.model is None:
            return
        from ..samplers.qpu import MockQpuSampler
        model = self.model
        params = {"topology": self.state.topology, "num_reads": self.state.embed_reads,
                  "chain_strength_prefactor": self.state.chain_strength,
                  "embedding_seed": self.state.seed, "seed": self.state.seed}

        def job():
            sampleset = MockQpuSampler().sample(model.bqm, **params)
            embedding, physical = sampleset.info["embedding"], sampleset.info["physical"]
            self.sampleset, self.physical = sampleset, physical
            broken = embedding.broken(physical)
            self.show(embedding.chains, embedding.target, model=model, broken=broken)
            self._publish_reads(model, sampleset, list(embedding.chains), broken)
            held, prefactor = sampleset.info["chain_strength"], params["chain_strength_prefactor"]
            self.status.value = (f"{len(physical)} reads on the mock QPU, chains held at {held:.3g} (the chain "
                                 f"strength {prefactor:g} x the typical coupling); rings: the chains broken in the "
                                 "chosen read (the lowest first; the Energies tab steps through the reads)")

        self._start(job, f"sampling the embedded model ({params['num_reads']} reads) ...", block)

    def _start(self, job, what, block):
        self.status.value = what
        self.embed_button.disabled = self.sample_button.disabled = True

        def run():
            try:
                job()
                self.note.show("")
            except Exception as exc:       # shown beside the buttons
                self.note.show(error_text(exc))
                self.status.value = ""
            finally:
                self.embed_button.disabled = False
                self.sample_button.disabled = self.model is None
                self.inspect_button.disabled = self.model is None or self.sampleset is None

        self._launch(run, block)

    def open_inspector(self):
        """Hand the mock-QPU reads of the embedded model to the inspector bridge; its message goes to the lab."""
        if self.sampleset is None or self.model is None:
            raise ValueError("nothing to inspect yet: press Embed, then Sample chains (the inspector shows reads)")
        from ..samplers.inspector import InspectorViewerMissing, show_inspector

        inspector = show_inspector if self.inspector is None else self.inspector
        try:
            result = inspector(self.sampleset)
        except InspectorViewerMissing as exc:
            raise InspectorViewerMissing(f"{exc}; the lab shows it too: chains here (broken ones ringed in red), "
                                         f"each read in 4. Energies of the reads") from None
        self.status.value = html.escape(f"inspector: {result}" if result else "opened in the inspector")

    # ------------------------------------------------------------ drawing
    def show(self, chains, target, model=None, broken=None):
        """Draw ``chains`` ({label: qubits}) on ``target``; ``broken`` as in ``embedding_plot_data``.

        ``model`` is the encoding the chains embed (Sample chains and the inspector need it).
        """
        plot = embedding_plot_data(target, chains, broken=broken, selected=self.state.selected_label)
        self.chains, self.target, self.plot, self.model = dict(chains), target, plot, model
        self._structure = self._model_structure() if model is not None else None
        with self.fig.batch_update():
            couplers, chain_edges, unused, qubits, broken_trace = self.fig.data[:5]
            couplers.x, couplers.y = plot["couplers"]["x"], plot["couplers"]["y"]
            chain_edges.x, chain_edges.y = plot["chain_edges"]["x"], plot["chain_edges"]["y"]
            unused.x, unused.y = plot["unused"]["x"], plot["unused"]["y"]
            qubits.x, qubits.y = plot["qubits"]["x"], plot["qubits"]["y"]
            qubits.marker.color, qubits.text = plot["qubits"]["color"], plot["qubits"]["text"]
            broken_trace.x, broken_trace.y = plot["broken"]["x"], plot["broken"]["y"]
            broken_trace.text = plot["broken"]["text"]
            self._draw_selected(plot["selected"])
            s = plot["stats"]
            self.fig.layout.title.text = f"{s['logical_variables']} variables on {s['topology']} ({s['qubits']} qubits)"
            self.fig.layout.annotations = ()
            self._zoom_to_chains(plot)
            self.show_read()
        self.show_stats()
        self.show_windows()
        self.sample_button.disabled = self.model is None
        self.inspect_button.disabled = self.model is None or self.sampleset is None

    def _zoom_to_chains(self, plot):
        """Axes around the chains (a small model is a speck on a P16); double-click shows the whole graph."""
        xy = np.column_stack([plot["qubits"]["x"], plot["qubits"]["y"]])
        every = np.vstack([xy, np.column_stack([plot["unused"]["x"], plot["unused"]["y"]])])
        low, high = xy.min(axis=0), xy.max(axis=0)
        pad = 0.08 * np.maximum(high - low, 0.15 * (every.max(axis=0) - every.min(axis=0)))
        self.fig.layout.xaxis.range = (low[0] - pad[0], high[0] + pad[0])
        self.fig.layout.yaxis.range = (low[1] - pad[1], high[1] + pad[1])

    def show_stats(self, note=""):
        s = self.plot["stats"]
        text = (f"<b>{s['logical_variables']}</b> logical variables on <b>{s['qubits_used']}</b> qubits; "
                f"chains: max {s['max_chain_length']}, mean {s['mean_chain_length']:.2f}")
        if "chain_break_fraction" in s:
            text += f"; chain-break fraction <b>{s['chain_break_fraction']:.1%}</b>"
        self.stats.value = (text + (f" <span style='color:#c60'>{note}</span>" if note else "")
                            + "<br><span style='color:#888'>zoomed to the chains: double-click the plot for the "
                            "whole QPU, click a chain to select its variable</span>")

    def highlight(self):
        """Ring the chain of the state's selected variable (nothing when it has no chain)."""
        if self.target is None:
            return
        selected = self.state.selected_label
        k = self.plot["labels"].index(selected) if selected is not None and selected in self.chains else -1
        chosen = self.plot["qubits"]["label_index"] == k
        with self.fig.batch_update():
            self._draw_selected({"x": self.plot["qubits"]["x"][chosen], "y": self.plot["qubits"]["y"][chosen]})

    def _publish_reads(self, model, sampleset, labels, broken):
        """The mock-QPU reads as the lab's last reads (neuron models), the lowest chosen: the read stepper walks
        them."""
        if not isinstance(model, NeuronEncoding):
            return
        i = self.sample_index
        data = self.state.data
        reads = Reads.decode(model.network, data.X_train[i:i + 1], data.y_train[i:i + 1], [i],
                             model.decode(sampleset).states, chains=(labels, broken[:, None, :]),
                             sampleset=sampleset)
        self.state.show_reads(reads, chosen=0)      # the lowest read, as the read stepper starts

    def show_read(self):
        """The chosen read (``LabState.selected_read``) on the chains: its spins, and the chains broken in it."""
        reads, k, plot = self.state.last_reads, self.state.selected_read, self.plot
        up = down = np.zeros(0, int)
        broken = None
        if plot is not None and isinstance(reads, Reads) and k is not None and k < len(reads) and \
                isinstance(self.model, NeuronEncoding) and \
                [s.shape[-1] for s in reads.states] == self.model.network.spin_sizes:
            r, p = reads.locate(k)
            n_layers = len(reads.states)
            spins = np.array([reads.states[layer][r, p, unit] if sample == 0 else 0.0
                              for sample, layer, unit in (locate(label, n_layers) for label in plot["labels"])])
            point = spins[plot["qubits"]["label_index"]]
            up, down = np.flatnonzero(point > 0), np.flatnonzero(point < 0)
            if reads.chains is not None and list(reads.chains[0]) == list(plot["labels"]):
                broken = np.asarray(reads.chains[1][r, p])[plot["qubits"]["label_index"]]
        q = plot["qubits"] if plot is not None else {"x": np.zeros(0), "y": np.zeros(0), "text": []}
        with self.fig.batch_update():
            self.fig.data[6].x, self.fig.data[6].y = q["x"][up], q["y"][up]
            self.fig.data[7].x, self.fig.data[7].y = q["x"][down], q["y"][down]
            if plot is not None:
                b = plot["broken"] if broken is None else {
                    "x": q["x"][broken], "y": q["y"][broken],
                    "text": [f"{t} · broken in this read" for t, on in zip(q["text"], broken) if on]}
                self.fig.data[4].x, self.fig.data[4].y, self.fig.data[4].text = b["x"], b["y"], b["text"]

    def _draw_selected(self, xy):
        self.fig.data[5].x, self.fig.data[5].y = xy["x"], xy["y"]

    def _on_chain_click(self, trace, points, selector):
        index = self.plot["qubits"]["label_index"] if self.plot is not None else []
        if points.point_inds and points.point_inds[0] < len(index):     # not a click on an old drawing
            k = index[points.point_inds[0]]
            self.state.selected_label = self.plot["labels"][k]

    def _model_structure(self):
        s = self.state
        return (s.encoding, tuple(s.layers), s.network.output_replicas, s.bits if s.encoding == "weights" else None)

    def _on_model_change(self, change):
        self.show_windows()
        if self.model is not None and self._model_structure() != self._structure:
            self.model = self.sampleset = self.physical = None
            self.sample_button.disabled = self.inspect_button.disabled = True
            self.show_stats("(the model changed: press Embed again)")

    def show_windows(self):
        """Table of the spins per training window for the lab's network and the chosen minibatch.

        Once a model is embedded, it also estimates the qubits at that embedding's mean chain
        length (red where the estimate exceeds the QPU's qubits).
        """
        rows = window_spins(self.state.network.spin_sizes, self.state.embed_minibatch)
        top = max(r["spins"] for r in rows)
        stats = self.plot["stats"] if self.plot is not None else None
        head = "<tr><th>k layers</th><th>largest window</th><th>spins</th>"
        if stats:
            head += f"<th>≈ qubits (chains of {stats['mean_chain_length']:.2f})</th>"
        cells = ""
        for r in rows:
            cells += (f"<tr><td>{r['k']}</td><td>{', '.join(r['layers'])}</td>"
                      f"<td style='text-align:right'>{r['spins']}</td>")
            if stats:
                qubits = round(r["spins"] * stats["mean_chain_length"])
                color = "#c00" if qubits > stats["qubits"] else "inherit"
                cells += f"<td style='text-align:right;color:{color}'>{qubits}</td>"
            cells += (f"<td><div style='background:#1f77b4;height:10px;width:{150 * r['spins'] / top:.0f}px'>"
                      "</div></td></tr>")
        self.windows.value = f"<table>{head}<th></th></tr>{cells}</table>"
