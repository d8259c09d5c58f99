"""TrainingView: play / pause / step / reset, accuracy curves, decision boundary, glass -> order."""
from __future__ import annotations

import threading

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import BackpropTrainer, ContrastiveTrainer, QuboTrainer
from ..analysis import energy_gaps
from .common import shows_errors

__all__ = ["TrainingView"]

PROBE_SIZE = 32          # training samples whose landscape is tracked
GAP_BINS = np.linspace(-20, 20, 41)
GRID = 60                # decision-boundary resolution per axis
MAX_POINTS = 400         # curves and heatmap columns shown; longer runs are thinned evenly


def thin(n, limit=MAX_POINTS):
    """Indices of at most ``limit`` evenly spread items out of n (always the last one)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


class TrainingView(w.VBox):
    """Train the lab's network live; each epoch updates the curves and every other view."""

    def __init__(self, state):
        self.state = state
        guard = shows_errors(state)
        self.trainer_choice = w.Dropdown(options=["contrastive", "qubo", "backprop"], value="contrastive",
                                         description="trainer")
        self.learning_rate = w.BoundedFloatText(value=0.03, min=1e-5, max=10, step=0.005, description="rate")
        self.batch_size = w.BoundedIntText(value=4, min=1, max=4096, description="batch")
        self.play_button = w.Button(description="Play", icon="play", button_style="success")
        self.pause_button = w.Button(description="Pause", icon="pause", disabled=True)
        self.step_button = w.Button(description="Step", icon="step-forward")
        self.reset_button = w.Button(description="Reset", icon="refresh")
        self.epoch_label = w.HTML("epoch 0")
        self.play_button.on_click(guard(lambda _: self.play()))
        self.pause_button.on_click(guard(lambda _: self.pause()))
        self.step_button.on_click(guard(lambda _: self.step()))
        self.reset_button.on_click(guard(lambda _: self.reset()))
        for control in (self.trainer_choice, self.learning_rate, self.batch_size):
            control.observe(guard(lambda _: self.reset()), "value")
        self.curves = go.FigureWidget(make_subplots(rows=1, cols=3, subplot_titles=(
            "accuracy", "heads per sample", "E_free - E_clamped of a probe set")))
        self.curves.add_traces([go.Scatter(name="train", mode="lines+markers"),
                                go.Scatter(name="test", mode="lines+markers")], rows=1, cols=1)
        self.curves.add_trace(go.Scatter(name="heads", mode="lines+markers", showlegend=False), row=1, col=2)
        self.curves.add_trace(go.Heatmap(colorscale="Viridis", showscale=False, name="gaps",
                                         y=(GAP_BINS[:-1] + GAP_BINS[1:]) / 2), row=1, col=3)
        self.curves.update_layout(height=300, margin={"l": 40, "r": 10, "t": 30, "b": 30}, template="plotly_white")
        self.curves.update_yaxes(range=[0, 1.02], row=1, col=1)
        self.boundary = go.FigureWidget()
        self.boundary.add_traces([go.Heatmap(colorscale="RdBu", showscale=False, opacity=0.5, hoverinfo="skip"),
                                  go.Scatter(mode="markers", marker={"size": 5, "line": {"width": 0.5}},
                                             hoverinfo="skip")])
        self.boundary.update_layout(height=300, width=320, margin={"l": 30, "r": 10, "t": 30, "b": 30},
                                    title="decision boundary", template="plotly_white")
        self.boundary_box = w.Box([self.boundary])
        self._pause = threading.Event()
        self._thread = None
        self._own_update = False
        state.observe(self._on_network, names="network_version")
        super().__init__([w.HBox([self.trainer_choice, self.learning_rate, self.batch_size]),
                          w.HBox([self.play_button, self.pause_button, self.step_button, self.reset_button,
                                  self.epoch_label]),
                          w.HBox([self.curves, self.boundary_box])])
        self.reset()

    # ------------------------------------------------------------------ control
    def make_trainer(self):
        state, kind = self.state, self.trainer_choice.value
        common = {"batch_size": self.batch_size.value, "random_state": state.seed, "epochs": 1}
        if kind == "backprop":
            return BackpropTrainer(state.network, learning_rate=self.learning_rate.value, **common)
        if kind == "qubo":
            return QuboTrainer(state.network, bits=state.bits, random_state=state.seed, epochs=1)
        return ContrastiveTrainer(state.network, sampler=state.make_sampler(), learning_rate=self.learning_rate.value,
                                  keep_best=False, **common)

    def reset(self):
        """A fresh trainer on the state's current network; curves cleared."""
        if self.running:
            return
        self.trainer = self.make_trainer()
        self.gap_rows, self.gap_epochs = [], []
        self.epoch_label.value = "epoch 0"
        with self.curves.batch_update():
            for trace in self.curves.data[:3]:
                trace.x, trace.y = [], []
            self.curves.data[3].z = None
        self._draw_boundary()

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def play(self, max_epochs=None, block=False):
        """Train epoch after epoch until Pause (or ``max_epochs``); a second Play is ignored."""
        self._start(max_epochs, block)

    def step(self, block=False):
        """Exactly one epoch (partial_fit)."""
        self._start(1, block)

    def pause(self):
        """Stop after the current minibatch; weights and history stay at the last completed step."""
        self._pause.set()
        if hasattr(self.trainer, "stop"):
            self.trainer.stop()

    def wait(self, timeout=None):
        if self._thread is not None:
            self._thread.join(timeout)

    def _start(self, max_epochs, block):
        if self.running or self.state.running:
            return
        self._pause.clear()
        self.state.running = True
        self._buttons(running=True)
        if block:
            self._loop(max_epochs)
        else:
            self._thread = threading.Thread(target=self._loop, args=(max_epochs,), daemon=True)
            self._thread.start()

    def _loop(self, max_epochs):
        data = self.state.data
        try:
            done = 0
            while not self._pause.is_set() and (max_epochs is None or done < max_epochs):
                self.trainer.partial_fit(data.X_train, data.y_train, data.X_test, data.y_test)
                done += 1
                self._after_epoch()
        except Exception as exc:            # shown in the lab's message area
            self.state.message = f"{type(exc).__name__}: {exc}"
        finally:
            self.state.running = False
            self._buttons(running=False)

    def _buttons(self, running):
        self.play_button.disabled = self.step_button.disabled = self.reset_button.disabled = running
        self.pause_button.disabled = not running
        for control in (self.trainer_choice, self.learning_rate, self.batch_size):
            control.disabled = running

    # ------------------------------------------------------------------ views
    def _on_network(self, change):
        if not self._own_update and not self.running:
            self.reset()

    def _after_epoch(self):
        tr, state = self.trainer, self.state
        self._own_update = True
        try:
            state.set_network(tr.network_)
        finally:
            self._own_update = False
        keep = thin(len(tr.history_))
        h = [tr.history_[i] for i in keep]
        epochs = [r["epoch"] for r in h]
        if isinstance(tr, ContrastiveTrainer):
            probe = slice(0, PROBE_SIZE)
            gaps = energy_gaps(tr.network_, state.data.X_train[probe], state.data.y_train[probe], tr.sampler_,
                               num_reads=8, seed=state.seed)
            self.gap_rows.append(np.histogram(np.clip(gaps, GAP_BINS[0], GAP_BINS[-1]), GAP_BINS)[0])
            self.gap_epochs.append(tr.epoch_)
            if len(self.gap_rows) > 2 * MAX_POINTS:          # bounded memory in long sessions
                self.gap_rows, self.gap_epochs = self.gap_rows[::2], self.gap_epochs[::2]
        with self.curves.batch_update():
            self.curves.data[0].x, self.curves.data[0].y = epochs, [r["train_accuracy"] for r in h]
            self.curves.data[1].x, self.curves.data[1].y = epochs, [r.get("test_accuracy") for r in h]
            self.curves.data[2].x, self.curves.data[2].y = epochs, [r.get("heads_per_sample", 0) for r in h]
            if self.gap_rows:
                cols = thin(len(self.gap_rows))
                self.curves.data[3].z = np.array(self.gap_rows)[cols].T
                self.curves.data[3].x = np.array(self.gap_epochs)[cols]
        last = h[-1] if h else {}
        self.epoch_label.value = (f"epoch {tr.epoch_}: train {last.get('train_accuracy', 0):.3f}, "
                                  f"test {last.get('test_accuracy', 0):.3f}")
        self._draw_boundary()

    def _draw_boundary(self):
        data = self.state.data
        self.boundary_box.layout.display = None if data.n_features == 2 else "none"
        if data.n_features != 2:
            return
        X = data.X_train
        lo, hi = X.min(0) - 0.2, X.max(0) + 0.2
        gx, gy = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
        grid = np.column_stack([np.repeat(gx, GRID), np.tile(gy, GRID)])
        model = self.trainer if hasattr(self.trainer, "network_") else self.state.network
        z = model.predict(grid).reshape(GRID, GRID).T
        with self.boundary.batch_update():
            self.boundary.data[0].x, self.boundary.data[0].y, self.boundary.data[0].z = gx, gy, z
            self.boundary.data[1].x, self.boundary.data[1].y = X[:, 0], X[:, 1]
            self.boundary.data[1].marker.color = data.y_train
            self.boundary.data[1].marker.colorscale = "RdBu"
