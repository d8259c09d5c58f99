"""EnergyHistogram: the energy landscape the network gives its samples, filled live from the sampler.

By default the reads anneal the free network on the probe set (the first training samples,
the ones the trainer's landscape probe uses) and the plot shows each read's gap to its
sample's clamped target, per spin: left of zero the network prefers that state to the right
answer; reads that decode to a wrong class there are the heads contrastive training pushes up.
"""
from __future__ import annotations

import threading

import dimod
import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..encoding import NeuronEncoding, encode_neurons
from ..samplers import sample_in_chunks
from ..samplers.schedules import AnnealSchedule
from .common import BackgroundJob, ErrorNote, FigureBox, Throttle, bind, error_text, figure, shows_errors
from .landscape_view import landscape_series
from .reads import Reads
from .training_view import PROBE_SIZE

__all__ = ["HEAD_COLOR", "RIGHT_COLOR", "EnergyHistogram", "fit_bins"]

RIGHT_COLOR, HEAD_COLOR = "#009E73", "#D55E00"     # Okabe-Ito green / vermillion: colour-blind safe
MAX_BINS = 40
MIN_BIN_WIDTH = 0.005      # per spin: a tenth of a typical single-flip gap on the default network
EXACT_MAX_VARIABLES = 20
KEPT_READS = 500           # reads whose spins are kept for the read stepper (the histogram counts every read)
VIEWS = (("probe set", "probe"), ("one sample", "sample"))


def count_title(n_samples):
    """The count axis's title: each read of n samples gives n gaps (200 reads of 32 samples: 6,400)."""
    return "reads" if n_samples == 1 else "reads x samples"


def fit_bins(values, min_width=MIN_BIN_WIDTH, max_bins=MAX_BINS):
    """Bin edges over the values and zero, at multiples of one width (zero is an edge).

    The width is the span / ``max_bins`` but at least ``min_width``, so a spike of equal
    values still gets a bar of a readable width and every bar is >= 1 / (max_bins + 2) of the axis.
    """
    values = np.asarray(values, dtype=float)
    lo = min(float(values.min(initial=0.0)), 0.0)
    hi = max(float(values.max(initial=0.0)), 0.0)
    width = max((hi - lo) / max_bins, min_width)
    first, last = np.floor(lo / width), np.floor(hi / width) + 1
    return np.arange(first, last + 1) * width


class EnergyHistogram(FigureBox, BackgroundJob, w.VBox):
    """Gaps of the reads to their clamped targets, coloured right class / wrong class (heads below zero).

    ``view`` picks the probe set (default) or the chosen sample alone; ``history`` is a callable
    giving the current training run's history (the trainer's ``history_``) for the replay of
    the probe landscape epoch by epoch. With ``autostart`` the panel samples once as it is
    built (in a thread), so it opens on the landscape of the current network.
    """

    def __init__(self, state, history=None, height=300, autostart=False):
        self.state = state
        self.history = history or list
        self.note = ErrorNote()                    # errors of this panel's controls and buttons
        guard = shows_errors(state, self.note)
        self.num_reads = w.BoundedIntText(min=1, max=100_000, description="reads per Sample click",
                                          style={"description_width": "initial"}, layout={"width": "250px"})
        self.chunk_size = w.BoundedIntText(min=1, max=10_000, description="reads per redraw",
                                           style={"description_width": "initial"}, layout={"width": "180px"},
                                           tooltip="the reads are drawn in calls of this many; the plot "
                                                   "redraws after each call")
        bind(state, "sample_reads", self.num_reads, self.note)
        bind(state, "sample_chunk", self.chunk_size, self.note)
        self.view = w.ToggleButtons(options=VIEWS, value="probe", style={"button_width": "96px"},
                                    tooltips=[f"the first {PROBE_SIZE} training samples at once (as the trainer's "
                                              "probe)", "only the sample chosen in the model view"])
        self.run_button = w.Button(description="Sample", button_style="primary", icon="play")
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.progress = w.FloatProgress(value=0, min=0, max=1, layout={"width": "140px"})
        self.status = w.HTML()
        self.replay = w.IntSlider(value=0, min=0, max=0, description="replay epoch", disabled=True,
                                  style={"description_width": "initial"}, continuous_update=True)
        self.replay_play = w.Play(interval=500, min=0, max=0, disabled=True, tooltip="replay the training run")
        w.jslink((self.replay_play, "value"), (self.replay, "value"))
        self.replay_note = w.HTML()
        self.run_button.on_click(guard(lambda _: self.run()))
        self.stop_button.on_click(guard(lambda _: self.stop()))
        self.replay.observe(guard(lambda _: self.show_epoch()), "value")
        self.fig = figure(height=height, barmode="stack", bargap=0.05, showlegend=True,
                          margin={"l": 50, "r": 10, "t": 10, "b": 40},
                          legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 11}},
                          xaxis={"title": {"text": "(E<sub>read</sub> - E<sub>target</sub>) per spin", "standoff": 4},
                                 "zeroline": False},
                          yaxis={"title": {"text": "reads", "standoff": 4}, "rangemode": "tozero"},
                          annotations=[{"text": "no reads yet: press Sample", "showarrow": False, "xref": "paper",
                                        "yref": "paper", "x": 0.5, "y": 0.5, "font": {"size": 13}}])  # until drawn
        self.fig.add_traces([go.Bar(name="right class", marker={"color": RIGHT_COLOR, "line": {"width": 0}}),
                             go.Bar(name="wrong class (a head below 0)",
                                    marker={"color": HEAD_COLOR, "line": {"width": 0}})])
        self._sampling = False                 # this panel's run (state.running is the training's too)
        state.observe(self._show_ready, names=["refused", "running"])
        self._show_ready()
        self._stop = threading.Event()
        self._ground = (None, None)            # (model key, exact ground gap)
        self.gaps, self.right = np.zeros(0), np.zeros(0, bool)     # every read's gap and whether it is right
        self._new = []                         # (gaps, right) of the chunks since the last drawing
        self.marks = {}
        state.observe(lambda _: self._mark_selected(), names=["selected_read", "last_reads"])
        state.observe(lambda _: self.refresh_replay(), names="network_version")
        super().__init__([
            w.HBox([self.num_reads, self.chunk_size]), self.note,
            w.HBox([self.view, self.run_button, self.stop_button, self.progress]),
            w.HTML("<span style='color:#666;font-size:12px'>Each read's energy minus its sample's right answer "
                   "(the clamped target), per spin. Left of 0 the network prefers the read to the right answer; "
                   "wrong-class reads there are <i>heads</i>.</span>"),
            self.fig, self.status, w.HBox([self.replay_play, self.replay, self.replay_note])])
        self.refresh_replay()
        if autostart:
            self.run()

    # ------------------------------------------------------------ sampling
    def probe(self):
        """Training-set indices the reads anneal: the probe set, or the chosen sample."""
        if self.view.value == "sample":
            return np.array([self.state.sample_index])
        return np.arange(min(PROBE_SIZE, len(self.state.data.X_train)))

    def run(self, block=False):
        """Sample the free network on the probe (in a thread unless ``block``); a second Run is ignored."""
        if self.running or self.state.running:
            return
        self.state.check_runnable()
        state = self.state
        sampler = state.make_sampler()
        if state.encoding == "weights":
            enc, indices = state.current_model(), None
        else:
            indices = self.probe()
            enc = encode_neurons(state.network, state.data.X_train[indices])
        start = self._reverse_start(enc, indices)         # (refused before anything changes)
        self._stop.clear()
        self.gaps, self.right, self._new, self._states = np.zeros(0), np.zeros(0, bool), [], []
        self._marks(enc, indices)
        self._sampling = True
        state.running = True
        self.stop_button.disabled = False
        self.progress.value = 0
        reads, chunk, seed = state.sample_reads, state.sample_chunk, state.sampler_params.get("seed")
        self._launch(lambda: self._sample(enc, indices, sampler, reads, chunk, seed, start), block)

    def _reverse_start(self, enc, indices):
        """A reverse anneal's start: each probe sample's right answer (its clamped state); {} otherwise."""
        schedule = self.state.sampler_params.get("anneal_schedule")
        if schedule is None or AnnealSchedule(schedule).kind != "reverse":
            return {}
        if indices is None:
            raise ValueError("a reverse anneal starts from each sample's right answer: it runs on the neuron "
                             "model (choose 'neurons' in the model tab) or choose a forward schedule")
        data = self.state.data
        return {"initial_state": enc.sample_of(enc.network.clamped_state(data.X_train[indices],
                                                                          data.y_train[indices]))}

    def _show_ready(self, _change=None):
        """Sample waits, and says why, while a typed sampler setting is refused (the reason is beside that
        setting) or the network trains; it is off while this panel samples."""
        refused = self.state.refused
        training = self.state.running and not self._sampling
        self.run_button.disabled = bool(refused) or training or self._sampling
        self.run_button.tooltip = ("waiting for a valid " + ", ".join(refused) + " in the Sampler tab" if refused
                                   else "waiting for the training to pause (Pause, on the first screen)"
                                   if training else "")

    def stop(self):
        """Stop after the current chunk; what was drawn stays."""
        self._stop.set()

    def _sample(self, enc, indices, sampler, num_reads, chunk_size, seed, start=None):
        throttle = Throttle(rate=10)

        def on_chunk(part, progress):
            self._collect(enc, part)
            if throttle.ready(force=progress >= 1):
                self._draw()
                self.progress.value = progress

        try:
            result = sample_in_chunks(sampler, enc.bqm, num_reads, chunk_size=chunk_size, callback=on_chunk,
                                      stop=self._stop, seed=seed, **(start or {}))
            done = result.info["num_reads_done"]
            self.progress.value = done / num_reads
            with self.fig.batch_update():                  # the last bars and the chosen read's mark: one redraw
                self._draw()
                if indices is not None and self._states:
                    data = self.state.data
                    states = [np.concatenate([s[l] for s in self._states]) for l in range(len(self._states[0]))]
                    reads = Reads.decode(enc.network, data.X_train[indices], data.y_train[indices], indices,
                                         states, sampleset=result)   # the first KEPT_READS reads, for the stepper
                    self.state.show_reads(reads, chosen=0)   # the lowest, where the read stepper starts
                else:
                    self.state.show_reads(None)
            self.status.value = self._summary(done, num_reads, result.info["stopped"])
            self.note.show("")
        except Exception as exc:           # shown beside the buttons
            self.note.show(error_text(exc))
        finally:
            self._sampling = False
            self.state.running = False
            self.stop_button.disabled = True
            self._show_ready()

    def _collect(self, enc, new):
        """Keep the gaps (and classes) of the new reads, for the next drawing."""
        if isinstance(enc, NeuronEncoding):
            dec = enc.decode(new)
            gaps = (dec.energies - self._clamped[None, :]) / enc.network.n_spins
            right = dec.classes == self._labels[None, :]
            kept = sum(len(part[0]) for part in self._states)
            if kept < KEPT_READS:
                self._states.append([np.asarray(layer[:KEPT_READS - kept], dtype=np.int8) for layer in dec.states])
            gaps, right = gaps.ravel(), right.ravel()
        else:
            gaps, right = new.record.energy - self._reference, np.ones(len(new), bool)
        self._new.append((gaps, right))

    def _summary(self, done, num_reads, stopped):
        if not done:
            return "no reads"
        text = f"{done} of {num_reads} reads" + (" (stopped)" if stopped else "")
        if self.state.encoding == "weights":
            return text + f"; lowest energy {self.gaps.min() + self._reference:.4g}"
        heads = (~self.right) & (self.gaps < 0)
        n = len(self._labels)
        return (text + f" of {n} sample{'s' if n > 1 else ''}: <b>{heads.mean():.0%}</b> are heads "
                f"(wrong class below the target), {(self.gaps < 0).mean():.0%} lie below the target")

    # ------------------------------------------------------------ drawing
    def _draw_bars(self, gaps, right, min_width=MIN_BIN_WIDTH, edges=None):
        edges = fit_bins(np.append(gaps, list(self.marks.values())), min_width) if edges is None else edges
        right_counts, _ = np.histogram(gaps[right], edges)
        wrong_counts, _ = np.histogram(gaps[~right], edges)
        centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
        with self.fig.batch_update():
            for trace, counts in zip(self.fig.data, (right_counts, wrong_counts)):
                trace.x, trace.y, trace.width = centres, counts, width
            self.fig.layout.xaxis.range = (edges[0] - width, edges[-1] + width)
        return edges

    def _draw(self):
        """Draw the reads collected since the last drawing with all before them (nothing new: nothing sent)."""
        if not self._new:
            return
        gaps, right = zip(*self._new)                 # joined here, at most 10 times a second, not at every chunk
        self.gaps, self.right = np.concatenate([self.gaps, *gaps]), np.concatenate([self.right, *right])
        self._new = []
        if self.gaps.size:
            self.edges = self._draw_bars(self.gaps, self.right)

    def _ground_gap(self, enc):
        """The exact ground state's gap of one small sample's model (enumerated once per model)."""
        st = self.state
        key = (st.data_version, st.network_version, st.sample_index)
        if self._ground[0] != key:
            ground = float(dimod.ExactSolver().sample(enc.bqm).first.energy)
            self._ground = (key, (ground - self._clamped[0]) / enc.network.n_spins)
        return self._ground[1]

    def _marks(self, enc, indices):
        """The zero line (the clamped targets, or the current weights) and, for one small model, the ground state."""
        data = self.state.data
        if isinstance(enc, NeuronEncoding):
            X, y = data.X_train[indices], data.y_train[indices]
            self._clamped = enc.network.energy(X, enc.network.clamped_state(X, y))
            self._labels = y
            marks = {"target": 0.0}
            if len(indices) == 1 and enc.bqm.num_variables <= EXACT_MAX_VARIABLES:
                marks["ground state"] = float(self._ground_gap(enc))
        else:
            self._reference = enc.loss(self.state.network.get_layer(-1))
            marks = {"current weights": 0.0}
        self.marks = marks
        self._draw_marks()
        with self.fig.batch_update():
            for trace in self.fig.data:
                trace.x, trace.y = [], []
            self.fig.layout.xaxis.title.text = ("(E<sub>read</sub> - E<sub>target</sub>) per spin"
                                                if isinstance(enc, NeuronEncoding)
                                                else "E<sub>read</sub> - E<sub>current weights</sub>")
            self.fig.layout.yaxis.title.text = count_title(1 if indices is None else len(indices))

    def _draw_marks(self, chosen=None):
        shapes, notes = [], []
        colors = {"target": "#000", "current weights": "#000", "ground state": "#777", "chosen read": "#6a3d9a"}
        marks = dict(self.marks)
        if chosen is not None:
            marks["chosen read"] = chosen
        lo, hi = self.fig.layout.xaxis.range or (min(marks.values(), default=0) - 1, max(marks.values(), default=0) + 1)
        for k, (name, x) in enumerate(marks.items()):
            shapes.append({"type": "line", "x0": x, "x1": x, "yref": "paper", "y0": 0, "y1": 1,
                           "line": {"color": colors[name], "dash": "solid" if name == "target" else "dot",
                                    "width": 1.5}})
            left = x > (lo + hi) / 2                      # the label on the side with room: never off the plot
            notes.append({"x": x, "yref": "paper", "y": 0.98 - 0.08 * k, "text": name, "showarrow": False,
                          "xanchor": "right" if left else "left", "xshift": -3 if left else 3,
                          "font": {"color": colors[name], "size": 10}})
        with self.fig.batch_update():
            self.fig.layout.shapes, self.fig.layout.annotations = shapes, notes

    def _mark_selected(self):
        reads, k = self.state.last_reads, self.state.selected_read
        if isinstance(reads, Reads) and k is not None and k < len(reads):
            r, p = reads.locate(k)
            self._draw_marks(float(reads.gaps[r, p]))
        else:
            self._draw_marks()

    # ------------------------------------------------------------ replay
    def refresh_replay(self):
        """Follow the training run: the slider spans its recorded probe landscapes."""
        series = landscape_series(self.history())
        n = len(series)
        self.replay.max = self.replay_play.max = max(n - 1, 0)
        self.replay.disabled = self.replay_play.disabled = n == 0
        self.replay_note.value = ("<span style='color:#888'>no training run yet: its probe landscapes replay here"
                                  "</span>" if n == 0 else f"<span style='color:#888'>{n} landscapes recorded</span>")

    def show_epoch(self, index=None):
        """Draw the probe landscape recorded at one point of the training run (the slider's by default)."""
        series = landscape_series(self.history())
        if not series:
            return
        index = self.replay.value if index is None else index
        epoch, m = series[min(index, len(series) - 1)]
        edges = np.asarray(m["gap_edges"])
        counts = np.asarray(m["gap_counts"])
        wrong = np.asarray(m.get("gap_counts_wrong", np.zeros_like(counts)))
        used = np.flatnonzero(counts)
        lo, hi = min(used.min(initial=len(counts)), np.searchsorted(edges, 0) - 1), \
            max(used.max(initial=0), np.searchsorted(edges, 0))
        centres = (edges[:-1] + edges[1:]) / 2
        gaps = np.repeat(np.concatenate([centres, centres]), np.concatenate([counts - wrong, wrong]))
        right = np.repeat([True, False], [int((counts - wrong).sum()), int(wrong.sum())])
        self.marks = {"target": 0.0}
        self._draw_marks()
        self.fig.layout.yaxis.title.text = count_title(m["n_samples"])
        self._draw_bars(gaps, right, edges=edges[max(lo - 1, 0):hi + 2])
        heads = wrong[centres < 0].sum() / max(counts.sum(), 1)
        self.status.value = (f"training replay: epoch {epoch} ({'before training' if epoch == 0 else 'after it'}), "
                             f"{m['num_reads']} reads x {m['n_samples']} probe samples, polished to their local "
                             f"minima: <b>{heads:.0%}</b> heads")
