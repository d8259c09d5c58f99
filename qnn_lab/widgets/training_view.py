"""TrainingView: play / pause / step / reset, accuracy curves, decision boundary, glass -> order."""
from __future__ import annotations

import inspect
import threading

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..training import list_trainers, trainer_spec
from .common import BackgroundJob, ErrorNote, bind, shows_errors
from .sampler_panel import control_for

__all__ = ["TrainingView"]

PROBE_SIZE = 32          # training samples whose landscape the trainer tracks
LABELS = {"num_reads": "reads per training step", "epochs": "epochs per Play", "batch_size": "batch",
          "learning_rate": "rate"}
GRID = 60                # decision-boundary resolution per axis
MAX_POINTS = 400         # curves and heatmap columns shown; longer runs are thinned evenly


def thin(n, limit=MAX_POINTS):
    """Indices of at most ``limit`` evenly spread items out of n (always the last one)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def landscape_series(history):
    """(epoch, landscape) pairs from a trainer's history_: the start (epoch 0) if recorded, then every epoch."""
    series = []
    if history and "landscape_initial" in history[0]:
        series.append((0, history[0]["landscape_initial"]))
    series += [(r["epoch"], r["landscape"]) for r in history if "landscape" in r]
    return series


class TrainingView(BackgroundJob, w.VBox):
    """Train the lab's network live; each epoch updates the curves and every other view."""

    def __init__(self, state):
        self.state = state
        self.note = ErrorNote()                    # errors of Play / Step / Reset, beside the buttons
        self.params_note = ErrorNote()
        guard = shows_errors(state, self.note)
        self.trainer_choice = w.Dropdown(options=list_trainers(), description="trainer")
        self.trainer_doc = w.HTML()
        self.param_box = w.HBox(layout={"flex_flow": "row wrap"})
        self.play_button = w.Button(description="Play", icon="play", button_style="success")
        self.pause_button = w.Button(description="Pause", icon="pause", disabled=True)
        self.step_button = w.Button(description="Step", icon="step-forward")
        self.reset_button = w.Button(description="Reset", icon="refresh",
                                     tooltip="fresh initial weights (from the seed); the curves start again")
        self.epoch_label = w.HTML("epoch 0")
        self.play_button.on_click(guard(lambda _: self.play()))
        self.pause_button.on_click(guard(lambda _: self.pause()))
        self.step_button.on_click(guard(lambda _: self.step()))
        self.reset_button.on_click(guard(lambda _: self.reset()))
        bind(state, "trainer", self.trainer_choice, self.params_note)
        state.observe(lambda _: self._param_controls(), names="trainer")
        state.observe(self._show_params, names="trainer_params")
        state.observe(lambda _: self._renew(), names=["trainer", "trainer_params", "sampler", "sampler_params"])
        self._param_controls()
        self.curves = go.FigureWidget(make_subplots(rows=2, cols=3, vertical_spacing=0.16, subplot_titles=(
            "accuracy", "heads per sample", "(E - E_target) per spin, probe set",
            "overlaps P(q) over training", "glass -> order", "P(q): start and now")))
        self.curves.add_traces([go.Scatter(name="train", mode="lines+markers"),
                                go.Scatter(name="test", mode="lines+markers")], rows=1, cols=1)
        self.curves.add_trace(go.Scatter(name="heads", mode="lines+markers", showlegend=False), row=1, col=2)
        self.curves.add_trace(go.Heatmap(colorscale="Viridis", showscale=False, name="gaps"), row=1, col=3)
        self.curves.add_trace(go.Heatmap(colorscale="Viridis", showscale=False, name="P(q)"), row=2, col=1)
        self.curves.add_traces([go.Scatter(name="reads in lowest state", mode="lines+markers"),
                                go.Scatter(name="distinct minima / reads", mode="lines+markers"),
                                go.Scatter(name="samples with a head below the target", mode="lines+markers")],
                               rows=2, cols=2)
        self.curves.add_traces([go.Scatter(name="P(q) start", mode="lines", line={"shape": "hvh", "dash": "dot"}),
                                go.Scatter(name="P(q) now", mode="lines", line={"shape": "hvh"})], rows=2, cols=3)
        self.curves.update_layout(height=560, width=1000, margin={"l": 40, "r": 10, "t": 30, "b": 30},
                                  template="plotly_white", legend={"font": {"size": 10}})
        for row, col in ((1, 1), (2, 2)):
            self.curves.update_yaxes(range=[0, 1.02], row=row, col=col)
        self.curves.update_xaxes(title_text="epoch", row=2, col=1)
        self.curves.update_xaxes(title_text="epoch", row=2, col=2)
        self.curves.update_xaxes(title_text="q", range=[-1.05, 1.05], row=2, col=3)
        self.boundary = go.FigureWidget()
        self.boundary.add_traces([go.Heatmap(colorscale="RdBu", showscale=False, opacity=0.5, hoverinfo="skip"),
                                  go.Scatter(mode="markers", marker={"size": 5, "line": {"width": 0.5}},
                                             hoverinfo="skip")])
        self.boundary.update_layout(height=300, width=320, margin={"l": 30, "r": 10, "t": 30, "b": 30},
                                    title="decision boundary", template="plotly_white")
        self.boundary_box = w.Box([self.boundary])
        self._pause = threading.Event()
        self._own_update = False
        self.past = []                     # history of earlier trainers of this run (other settings, a loaded file)
        state.observe(self._on_network, names="network_version")
        super().__init__([w.HBox([self.trainer_choice, self.trainer_doc]), self.param_box, self.params_note,
                          w.HBox([self.play_button, self.pause_button, self.step_button, self.reset_button,
                                  self.epoch_label]), self.note,
                          w.HBox([self.curves, self.boundary_box])])
        self.restart()

    # ------------------------------------------------------------------ settings
    def _param_controls(self):
        """One control per parameter of the chosen trainer (from its spec), labelled by what it sets."""
        spec = trainer_spec(self.state.trainer)
        self.trainer_doc.value = f"<i>{spec.doc}</i>"
        self.param_widgets = {}
        for p in spec.parameters:
            control = control_for(p, self.state.trainer_params.get(p.name, p.default))
            control.description = LABELS.get(p.name, p.name)
            control.style = {"description_width": "initial"}
            control.layout.width = "210px"
            control.observe(lambda ch, name=p.name: self._on_param(name, ch["new"]), "value")
            self.param_widgets[p.name] = control
        self.param_box.children = list(self.param_widgets.values())

    def _on_param(self, name, value):
        try:
            if self.state.trainer_params.get(name) != value:
                self.state.trainer_params = {**self.state.trainer_params, name: value}
        except Exception as exc:           # beside the controls; the last valid parameters stay
            self.params_note.show(str(exc))
            return
        self.params_note.show("")

    def _show_params(self, change):
        for name, control in self.param_widgets.items():
            if name in change["new"] and control.value != change["new"][name]:
                control.value = change["new"][name]

    # ------------------------------------------------------------------ control
    @property
    def history(self):
        """Every epoch record of this run: earlier trainers' (``past``) then the current one's, numbered on."""
        offset = self.past[-1]["epoch"] if self.past else 0
        return self.past + [{**r, "epoch": r["epoch"] + offset} for r in getattr(self.trainer, "history_", [])]

    def restart(self):
        """A fresh trainer on the state's network; the history and curves start again."""
        if self.running:
            return
        self.trainer = self.state.make_trainer(**self._extra())
        self.past = []
        self._draw()

    def reset(self):
        """Fresh initial weights from the seed (the views follow), curves cleared."""
        if self.running or self.state.running:
            return
        self.state.rebuild_network()          # -> _on_network -> restart

    def _renew(self):
        """Settings changed between epochs: a new trainer goes on from the current weights, the curves stay."""
        if self.running or not hasattr(self, "trainer"):
            return
        trainer = self.state.make_trainer(**self._extra())
        self.past, self.trainer = self.history, trainer

    def set_history(self, history):
        """Show a history (a loaded file's) as this run's past; training goes on from the state's network."""
        self.past = [dict(r) for r in history]
        self._draw()

    def _extra(self):
        """Lab-only arguments the chosen trainer takes: the landscape probe of the contrastive trainers, and
        no return to the best epoch (the lab shows the weights it has)."""
        takes = inspect.signature(trainer_spec(self.state.trainer).cls).parameters
        return {k: v for k, v in (("probe_size", PROBE_SIZE), ("keep_best", False)) if k in takes}

    def play(self, max_epochs=None, block=False):
        """Train up to ``max_epochs`` (the trainer's "epochs per Play") epochs until Pause; a second Play is ignored."""
        self._start(self.state.trainer_params["epochs"] if max_epochs is None else max_epochs, block)

    def step(self, block=False):
        """Exactly one epoch (partial_fit)."""
        self._start(1, block)

    def pause(self):
        """Stop after the current minibatch; weights and history stay at the last completed step."""
        self._pause.set()
        if hasattr(self.trainer, "stop"):
            self.trainer.stop()

    def _start(self, max_epochs, block):
        if self.running or self.state.running:
            return
        self._pause.clear()
        self.state.running = True
        self._buttons(running=True)
        self._launch(lambda: self._loop(max_epochs), block)

    def _loop(self, max_epochs):
        data = self.state.data
        try:
            done = 0
            while not self._pause.is_set() and (max_epochs is None or done < max_epochs):
                self.trainer.partial_fit(data.X_train, data.y_train, data.X_test, data.y_test)
                done += 1
                self._after_epoch()
            self.note.show("")
        except Exception as exc:            # shown beside the buttons
            self.note.show(f"{type(exc).__name__}: {exc}")
        finally:
            self.state.running = False
            self._buttons(running=False)

    def _buttons(self, running):
        self.play_button.disabled = self.step_button.disabled = self.reset_button.disabled = running
        self.pause_button.disabled = not running
        for control in (self.trainer_choice, *self.param_widgets.values()):
            control.disabled = running

    # ------------------------------------------------------------------ views
    def _on_network(self, change):
        if not self._own_update and not self.running:
            self.restart()

    def _after_epoch(self):
        self._own_update = True
        try:
            self.state.set_network(self.trainer.network_)
        finally:
            self._own_update = False
        self._draw()

    def _draw(self):
        """Curves, epoch line and decision boundary from ``history``."""
        history = self.history
        keep = thin(len(history))
        h = [history[i] for i in keep]
        epochs = [r["epoch"] for r in h]
        with self.curves.batch_update():
            if not history:
                for trace in self.curves.data:
                    if isinstance(trace, go.Heatmap):
                        trace.x, trace.y, trace.z = None, None, None
                    else:
                        trace.x, trace.y = [], []
            self.curves.data[0].x, self.curves.data[0].y = epochs, [r["train_accuracy"] for r in h]
            self.curves.data[1].x, self.curves.data[1].y = epochs, [r.get("test_accuracy") for r in h]
            self.curves.data[2].x, self.curves.data[2].y = epochs, [r.get("heads_per_sample", 0) for r in h]
            self._draw_landscape(landscape_series(history))
        last = h[-1] if h else {}
        self.epoch_label.value = (f"epoch {last['epoch']}: train {last.get('train_accuracy', 0):.3f}, "
                                  f"test {last.get('test_accuracy', 0):.3f}" if last else "epoch 0")
        self._draw_boundary()

    def _draw_landscape(self, series):
        """The glass -> order panels from the probe landscapes of ``history_``."""
        if not series:
            return
        keep = thin(len(series))
        epochs = [series[i][0] for i in keep]
        marks = [series[i][1] for i in keep]
        first, last = series[0][1], series[-1][1]
        gap_edges, q_edges = np.array(last["gap_edges"]), np.array(last["overlap_edges"])
        gaps = np.array([m["gap_counts"] for m in marks], float)
        d = self.curves.data
        d[3].x, d[3].y = epochs, (gap_edges[:-1] + gap_edges[1:]) / 2
        d[3].z = (gaps / np.maximum(gaps.sum(1, keepdims=True), 1)).T
        d[4].x, d[4].y = epochs, (q_edges[:-1] + q_edges[1:]) / 2
        d[4].z = np.array([m["overlap_distribution"] for m in marks]).T
        d[5].x, d[5].y = epochs, [m["lowest_share"] for m in marks]
        d[6].x, d[6].y = epochs, [m["distinct_minima"] / m["num_reads"] for m in marks]
        d[7].x, d[7].y = epochs, [m["head_below_target"] for m in marks]
        q_mid = (q_edges[:-1] + q_edges[1:]) / 2
        d[8].x, d[8].y = q_mid, first["overlap_distribution"]
        d[9].x, d[9].y = q_mid, last["overlap_distribution"]

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
