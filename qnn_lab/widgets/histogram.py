"""EnergyHistogram: sample the current model in a worker thread and watch the energies pile up."""
from __future__ import annotations

import threading

import dimod
import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..encoding import NeuronEncoding
from ..samplers import sample_in_chunks
from .common import BLUE, ORANGE, BackgroundJob, ErrorNote, Throttle, bind, figure, shows_errors

__all__ = ["EnergyHistogram"]

N_BINS = 40
EXACT_MAX_VARIABLES = 20


class EnergyHistogram(BackgroundJob, w.VBox):
    """Energy histogram of the reads, filled live; reads coloured right class / head.

    Marks the clamped target state's energy (neurons) or the current weights' loss
    (weights), and the exact ground state when the model is small enough to enumerate.
    """

    def __init__(self, state):
        self.state = state
        self.note = ErrorNote()                    # errors of this panel's controls and buttons
        guard = shows_errors(state, self.note)
        self.num_reads = w.BoundedIntText(min=1, max=100_000, description="reads per Sample click",
                                          style={"description_width": "initial"})
        self.chunk_size = w.BoundedIntText(min=1, max=10_000, description="reads per redraw",
                                           style={"description_width": "initial"},
                                           tooltip="the reads are drawn in calls of this many; the plot "
                                                   "redraws after each call")
        bind(state, "sample_reads", self.num_reads, self.note)
        bind(state, "sample_chunk", self.chunk_size, self.note)
        self.run_button = w.Button(description="Sample", button_style="primary", icon="play")
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.progress = w.FloatProgress(value=0, min=0, max=1, description="progress")
        self.status = w.HTML()
        self.run_button.on_click(guard(lambda _: self.run()))
        self.stop_button.on_click(guard(lambda _: self.stop()))
        self.fig = figure(height=300, barmode="stack", title="energies of the reads",
                          xaxis={"title": "energy"}, yaxis={"title": "reads"})
        self.fig.add_traces([go.Bar(name="right class", marker={"color": BLUE}),
                             go.Bar(name="head (wrong class)", marker={"color": ORANGE})])
        self._stop = threading.Event()
        self._ground = (None, None)          # (model key, exact ground energy)
        super().__init__([w.HBox([self.num_reads, self.chunk_size]), self.note,
                          w.HBox([self.run_button, self.stop_button]),
                          self.progress, self.fig, self.status])

    def run(self, block=False):
        """Start sampling the state's current model (in a thread unless ``block``); a second Run is ignored."""
        if self.running or self.state.running:
            return
        enc = self.state.current_model()
        sampler = self.state.make_sampler()
        self._stop.clear()
        self.energies = np.zeros(0)
        self.right = np.zeros(0, bool)
        self._marks(enc)
        self.state.running = True
        self.run_button.disabled, self.stop_button.disabled = True, False
        self.progress.value = 0
        job = lambda: self._sample(enc, sampler, self.state.sample_reads, self.state.sample_chunk)   # noqa: E731
        self._launch(job, block)

    def stop(self):
        """Stop after the current chunk; what was drawn stays."""
        self._stop.set()

    def _sample(self, enc, sampler, num_reads, chunk_size):
        throttle = Throttle(rate=10)
        seed = self.state.sampler_params.get("seed")

        def on_chunk(partial, progress):
            self._collect(enc, partial)
            if throttle.ready(force=progress >= 1):
                self._draw(progress)

        try:
            result = sample_in_chunks(sampler, enc.bqm, num_reads, chunk_size=chunk_size, callback=on_chunk,
                                      stop=self._stop, seed=seed)
            done = result.info["num_reads_done"]
            self.state.last_reads = result
            self._draw(done / num_reads)
            self.status.value = (f"{done} of {num_reads} reads" + (" (stopped)" if result.info["stopped"] else "")
                                 + f"; lowest energy {self.energies.min():.4g}" if done else "no reads")
            self.note.show("")
        except Exception as exc:           # shown beside the buttons
            self.note.show(f"{type(exc).__name__}: {exc}")
        finally:
            self.state.running = False
            self.run_button.disabled, self.stop_button.disabled = False, True

    def _collect(self, enc, sampleset):
        """Add the reads not seen yet (the sampleset holds every read so far, in order)."""
        new = sampleset.slice(len(self.energies), len(sampleset), sorted_by=None)
        if isinstance(enc, NeuronEncoding):
            dec = enc.decode(new)
            energies = dec.energies[:, 0]
            right = dec.classes[:, 0] == self.state.data.y_train[self.state.sample_index]
        else:
            energies, right = new.record.energy, np.ones(len(new), bool)
        self.energies = np.concatenate([self.energies, energies])
        self.right = np.concatenate([self.right, right])

    def _draw(self, progress):
        e = self.energies
        if e.size == 0:
            return
        lo, hi = float(e.min()), float(e.max())
        edges = np.linspace(lo - 0.5, hi + 0.5, N_BINS + 1) if hi - lo < 1e-9 else np.linspace(lo, hi, N_BINS + 1)
        right, _ = np.histogram(e[self.right], edges)
        wrong, _ = np.histogram(e[~self.right], edges)
        centers = (edges[:-1] + edges[1:]) / 2
        with self.fig.batch_update():
            self.fig.data[0].x, self.fig.data[0].y = centers, right
            self.fig.data[1].x, self.fig.data[1].y = centers, wrong
            self.fig.data[0].width = self.fig.data[1].width = edges[1] - edges[0]
        self.progress.value = progress

    def _ground_energy(self, enc):
        """The exact ground energy of the shown model, enumerated once per model (2**20 states take ~1 s)."""
        st = self.state
        key = (st.data_version, st.network_version, st.encoding, st.sample_index, st.bits)
        if self._ground[0] != key:
            self._ground = (key, float(dimod.ExactSolver().sample(enc.bqm).first.energy))
        return self._ground[1]

    def _marks(self, enc):
        """Vertical lines: the clamped target (or current weights) and the exact ground state."""
        shapes, annotations = [], []
        if isinstance(enc, NeuronEncoding):
            i = self.state.sample_index
            X, y = self.state.data.X_train[i:i + 1], self.state.data.y_train[i:i + 1]
            marks = [("clamped target", float(enc.network.energy(X, enc.network.clamped_state(X, y))[0]), "#1f77b4")]
        else:
            marks = [("current weights", enc.loss(self.state.network.get_layer(-1)), "#1f77b4")]
        if enc.bqm.num_variables <= EXACT_MAX_VARIABLES:
            marks.append(("exact ground state", self._ground_energy(enc), "#000"))
        for name, x, color in marks:
            shapes.append({"type": "line", "x0": x, "x1": x, "yref": "paper", "y0": 0, "y1": 1,
                           "line": {"color": color, "dash": "dash"}})
            annotations.append({"x": x, "yref": "paper", "y": 1.02, "text": name, "showarrow": False,
                                "font": {"color": color, "size": 10}})
        self.marks = dict((name, x) for name, x, _ in marks)
        with self.fig.batch_update():
            self.fig.layout.shapes = shapes
            self.fig.layout.annotations = annotations
            for trace in self.fig.data:
                trace.x, trace.y = [], []
