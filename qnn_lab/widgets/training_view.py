"""TrainingView: play / pause / step / reset, accuracy curves, decision boundary, glass -> order."""
from __future__ import annotations

import contextlib
import inspect
import threading
import time

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..training import list_trainers, trainer_spec
from ..training.contrastive import MARGIN_PER_SPIN
from ..training.landscape import landscape_metrics
from .common import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    TAB_WIDTH,
    WHOLE_EPOCH_TICKS,
    BackgroundJob,
    ErrorNote,
    Throttle,
    bind,
    error_text,
    figure,
    png_url,
    shows_errors,
    sync_figures,
    thin,
)
from .landscape_view import LANDSCAPE_NOTE, draw_landscape, draw_melting, landscape_figure, landscape_series
from .sampler_panel import control_for, parse_value, shown_value
from .words import add_tooltip

__all__ = ["TAB_WIDTH", "TrainingView"]    # the deeper views' width, for the lab

#: Play, Step and Reset's tooltip while the Energies tab samples.
BUSY = "waiting for the Sample in the Energies tab to end (its Stop button ends it)"
PROBE_SIZE = 32          # training samples whose landscape the trainer tracks
PROBE_READS = 8          # reads per probe sample (the contrastive trainer's default probe_reads)
LABELS = {"num_reads": "reads per training step", "epochs": "epochs per Play", "batch_size": "batch",
          "learning_rate": "rate", "heads_per_sample": "heads cut"}
SIMPLE = ("epochs", "learning_rate", "num_reads")    # the trainer settings simple mode shows
GRID = 60                # decision-boundary resolution per axis


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
        state.observe(lambda _: self._param_controls(), names=["trainer", "mode"])
        state.observe(self._show_params, names="trainer_params")
        state.observe(lambda _: self._renew(), names=["trainer", "trainer_params", "sampler", "sampler_params"])
        self._param_controls()
        self.accuracy = figure(height=180, width=290, title="accuracy", showlegend=True,     # legend clear of the
                               legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 0.02,  # toolbar's corner
                                       "yanchor": "bottom", "font": {"size": 10}},
                               xaxis={"title": "epoch", "fixedrange": True}, dragmode=False,   # a stray drag
                               yaxis={"title": "share right", "range": [0, 1.02], "fixedrange": True},  # zooms not
                               margin={"l": 48, "r": 16, "t": 30, "b": 38})
        self.accuracy.add_traces([go.Scatter(name="train", mode="lines+markers", line={"color": BLUE}),
                                  go.Scatter(name="test", mode="lines+markers", line={"color": ORANGE, "dash": "dot"})])
        self.output = OutputView(state, self)
        self.curves = None                 # the landscape panels: built when their tab first opens
        self.measured = []                 # [(epoch, landscape)] measured by "Measure now" (no run recorded one)
        self._pause = threading.Event()
        self._training = False             # this view's run (state.running is the Sample's too)
        self._tooltips = [(b, b.tooltip or "") for b in (self.play_button, self.step_button, self.reset_button)]
        state.observe(self._on_running, names="running")
        self._own_update = False
        self.past = []                     # history of earlier trainers of this run (other settings, a loaded file)
        state.observe(self._on_network, names="network_version")
        compact = {"width": "auto", "padding": "0 6px"}
        for button in (self.play_button, self.pause_button, self.step_button, self.reset_button):
            button.layout = compact
        self.trainer_choice.layout.width = "250px"
        self.trainer_choice.style = {"description_width": "60px"}
        super().__init__([w.HBox([self.play_button, self.pause_button, self.step_button, self.reset_button],
                                 layout={"flex_flow": "row wrap"}),
                          self.epoch_label, self.note, self.trainer_choice, self.param_box, self.params_note])
        self.param_box.layout.width = "270px"
        self.restart()

    @property
    def boundary(self):
        """The decision-boundary figure of the output view (clicks on it add points of one's own data)."""
        return self.output.boundary

    def landscape_panel(self):
        """The glass -> order panels (built on first call; the Landscape tab calls it when opened).

        Before any training they show the network as it is (measured at once with the layered
        annealer, else by "Measure now"), so the tab is never empty without saying why."""
        if self.curves is None:
            self.measure_button = w.Button(description="Measure now", icon="search", layout={"width": "auto"},
                                           tooltip=f"anneal the network as it is now on the {PROBE_SIZE} probe "
                                                   f"samples ({PROBE_READS} reads each) and draw its landscape")
            self.measure_note = w.HTML()
            self.measure_error = ErrorNote()
            self.measure_button.on_click(shows_errors(self.state, self.measure_error)(lambda _: self.measure()))
            self.state.observe(lambda _: setattr(self.measure_button, "disabled", self.state.running), names="running")
            self.curves = landscape_figure()
            if (not landscape_series(self.history) and self.state.sampler == "layered" and not self.state.refused
                    and not self.state.running):
                self.measure()                            # milliseconds on the layered annealer's fast path
            self._draw()
            self._landscape_box = w.VBox([w.HTML(f"<div class='qnn-note'>{LANDSCAPE_NOTE}</div>"),
                                          w.HBox([self.measure_button, self.measure_note],
                                                 layout={"align_items": "center", "flex_flow": "row wrap"}),
                                          self.measure_error, self.curves])
        return self._landscape_box

    def measure(self):
        """The landscape of the network as it is now, on the probe set (drawn where no training run has one)."""
        if self._training or self.state.running:
            raise ValueError("the landscape is measured between runs: press Pause first")
        self.state.check_runnable()
        state, n = self.state, min(PROBE_SIZE, len(self.state.data.X_train))
        metrics = landscape_metrics(state.network, state.data.X_train[:n], state.data.y_train[:n],
                                    state.make_sampler(), PROBE_READS, margin=MARGIN_PER_SPIN * state.network.n_spins,
                                    head_rule="margin", seed=state.seed)
        history = self.history
        self.measured = [(history[-1]["epoch"] if history else 0, metrics.to_dict())]
        self._draw()

    # ------------------------------------------------------------------ settings
    def _param_controls(self):
        """One control per parameter of the chosen trainer (from its spec), labelled by what it sets."""
        spec = trainer_spec(self.state.trainer)
        self.trainer_doc.value = f"<i>{spec.doc}</i>"
        self.param_widgets = {}
        self.param_specs = {p.name: p for p in spec.parameters}
        for p in spec.parameters:
            if self.state.mode == "simple" and p.name not in SIMPLE:
                continue
            control = control_for(p, self.state.trainer_params.get(p.name, p.default))
            control.description = LABELS.get(p.name, p.name)
            control.style = {"description_width": "150px"}
            control.layout.width = "250px"
            with contextlib.suppress(KeyError):           # a parameter of a trainer registered elsewhere
                add_tooltip(control, "trainer", p.name)
            control.observe(lambda ch, p=p: self._on_param(p.name, parse_value(p, ch["new"])), "value")
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
            shown = shown_value(self.param_specs[name], change["new"].get(name))
            if name in change["new"] and control.value != shown:
                control.value = shown

    # ------------------------------------------------------------------ control
    @property
    def history(self):
        """Every epoch record of this run: earlier trainers' (``past``) then the current one's, numbered on."""
        offset = self.past[-1]["epoch"] if self.past else 0
        return self.past + [{**r, "epoch": r["epoch"] + offset} for r in getattr(self.trainer, "history_", [])]

    def restart(self):
        """A fresh trainer on the state's network; the history and curves start again."""
        if self._training:
            return
        self.trainer = self.state.make_trainer(**self._extra())
        self.past = []
        self.measured = []
        self._draw()

    def reset(self):
        """Fresh initial weights from the seed (the views follow), curves cleared."""
        if self._training or self.state.running:
            return
        self.state.rebuild_network()          # -> _on_network -> restart

    def _renew(self):
        """Settings changed between epochs: a new trainer goes on from the current weights, the curves stay."""
        if self._training or not hasattr(self, "trainer"):
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
        if self._training or self.state.running:
            return
        self.state.check_runnable()
        self._pause.clear()
        self._training = True
        self.state.running = True
        self._buttons(running=True)
        self._launch(lambda: self._loop(max_epochs), block)

    def _loop(self, max_epochs):
        data, throttle = self.state.data, Throttle(rate=4)
        try:
            done = 0
            while not self._pause.is_set() and (max_epochs is None or done < max_epochs):
                self.trainer.partial_fit(data.X_train, data.y_train, data.X_test, data.y_test)
                done += 1
                last = self._pause.is_set() or done == max_epochs
                self._after_epoch(draw=throttle.ready(force=last))
                time.sleep(0.005)            # the kernel's main thread takes clicks (Pause) between epochs
            self.note.show("")
        except Exception as exc:            # shown beside the buttons
            self.note.show(error_text(exc))
        finally:
            self._training = False
            self.state.running = False
            self._buttons(running=False)

    def _on_running(self, _change=None):
        """While the Energies tab samples, Play, Step and Reset wait and say why (the state's value now: see
        NetworkBuilder._lock)."""
        if self._training:
            return
        running = self.state.running
        for button, tooltip in self._tooltips:
            button.disabled = running
            button.tooltip = BUSY if running else tooltip

    def _buttons(self, running):
        self.play_button.disabled = self.step_button.disabled = self.reset_button.disabled = running
        self.pause_button.disabled = not running
        for control in (self.trainer_choice, *self.param_widgets.values()):
            control.disabled = running

    # ------------------------------------------------------------------ views
    def _on_network(self, change):
        if not self._own_update and not self._training:
            self.restart()

    def _after_epoch(self, draw=True):
        """The trained weights go to every view; the curves redraw (at most a few times a second)."""
        self._own_update = True
        try:
            self.state.set_network(self.trainer.network_)
        finally:
            self._own_update = False
        if draw:
            self._draw()

    def _draw(self):
        """Curves, epoch line and decision boundary from ``history``."""
        history = self.history
        keep = thin(len(history))
        h = [history[i] for i in keep]
        epochs = [r["epoch"] for r in h]
        with self.accuracy.batch_update():
            self.accuracy.data[0].x, self.accuracy.data[0].y = epochs, [r["train_accuracy"] for r in h]
            self.accuracy.data[1].x, self.accuracy.data[1].y = epochs, [r.get("test_accuracy") for r in h]
            self.accuracy.layout.xaxis.dtick = 1 if len(history) <= WHOLE_EPOCH_TICKS else None   # no epoch 1.5
            self.accuracy.layout.xaxis.update(autorange=bool(history), range=None if history else [0, 6])  # not -1
        if self.curves is not None:
            with self.curves.batch_update():
                for trace in self.curves.data if not history and not self.measured else ():
                    if isinstance(trace, go.Heatmap):
                        trace.x, trace.y, trace.z = None, None, None
                    else:
                        trace.x, trace.y = [], []
                series = landscape_series(history)
                if not series and self.measured:           # no run recorded a landscape: the one measured
                    series = self.measured
                if series:           # the probe's heads: one measure from the start (epoch 0) on
                    heads = [e for e, _ in series], [m["heads_per_sample"] for _, m in series]
                else:                # a trainer without the probe: the heads its steps cut
                    heads = epochs, [r.get("heads_per_sample", 0) for r in h]
                self.curves.data[0].x, self.curves.data[0].y = heads       # (one assignment each in a batch)
                draw_landscape(self.curves, series)
                draw_melting(self.curves, history)
                self._landscape_status(series)
        last = h[-1] if h else {}
        self.epoch_label.value = (f"epoch {last['epoch']}: train {last.get('train_accuracy', 0):.3f}, "
                                  f"test {last.get('test_accuracy', 0):.3f}" if last else "epoch 0")
        self.output.redraw()

    def _landscape_status(self, series):
        if series and series is self.measured:
            epoch, m = series[-1]
            text = (f"the network as it is now (epoch {epoch}): {m['head_below_target']:.0%} of the {m['n_samples']} "
                    f"probe samples have a wrong state below the right answer. Press Play to follow it epoch by "
                    f"epoch.")
        elif series:
            text = f"{len(series)} landscapes of this training run (epoch 0 is before training)."
        else:
            text = "No landscape yet: press Measure now to see the network as it is, or Play to follow training."
        self.measure_note.value = f"<span class='qnn-note'>{text}</span>"


class OutputView(w.VBox):
    """What the network answers now: the decision boundary over the data (2-D), or the chosen sample's
    image and the energy of each class (digits and other wide inputs)."""

    def __init__(self, state, training):
        self.state, self.training = state, training
        self.note = ErrorNote()
        self.boundary = figure(height=230, width=290, title="decision boundary", showlegend=False, dragmode=False,
                               xaxis={"title": "x1", "fixedrange": True}, yaxis={"title": "x2", "fixedrange": True},
                               margin={"l": 44, "r": 16, "t": 28, "b": 36})
        # the answers are a layout image, which plotly redraws on its own (a heatmap's new values redraw the
        # figure with its 300 dots: 22 -> 2 ms); the heatmap under it is blank and only takes the clicks
        self.boundary.add_traces([go.Heatmap(colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                                             showscale=False, hoverinfo="skip"),
                                  go.Scatter(mode="markers", hoverinfo="skip",
                                             marker={"size": 5, "line": {"width": 0.5, "color": "#fff"}})])
        self.boundary_note = w.HTML("<div class='qnn-note'>shade: the network's answer at each point; dots: "
                                    "training data, coloured by their class</div>",
                                    layout={"width": "290px"})
        self.sample = w.IntSlider(min=0, max=len(state.data.X_train) - 1, description="sample",
                                  style={"description_width": "50px"}, layout={"width": "290px"})
        bind(state, "sample_index", self.sample, self.note)
        self._digit = None                 # the sample's figure: built when data without a plane first come
        self._dots_of = None               # the data whose points the boundary shows
        self.answers = None                # the network's class at each point of the boundary's grid
        self.digit_note = w.HTML("<div class='qnn-note'>left: the sample's pixels (dark = ink); right: the "
                                 "network's energy for each class, the lowest (blue) is its answer</div>",
                                 layout={"width": "290px"})
        state.observe(lambda _: self.redraw(), names=["sample_index", "data_version"])
        state.observe(lambda _: setattr(self.sample, "max", len(state.data.X_train) - 1), names="data_version")
        self.planar_box = w.VBox([self.boundary, self.boundary_note])
        self.sample_box = w.VBox([self.sample])
        super().__init__([self.planar_box, self.sample_box, self.note])

    @property
    def digit(self):
        """The sample's image and its class energies (built on first use: 2-D data never need it)."""
        if self._digit is None:
            fig = figure(height=230, width=290, title="sample", showlegend=False, dragmode=False,
                         fig=make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.16),
                         margin={"l": 30, "r": 16, "t": 28, "b": 36})
            fig.add_trace(go.Heatmap(colorscale="Greys", colorbar={      # under the image, clear of the class axis
                "orientation": "h", "thickness": 6, "len": 0.4, "x": 0.2, "xanchor": "center", "y": -0.06,
                "yanchor": "top", "nticks": 3, "title": {"text": "ink", "side": "top"}}), row=1, col=1)
            fig.add_trace(go.Bar(orientation="h", hoverinfo="x+y"), row=1, col=2)
            fig.update_yaxes(autorange="reversed", scaleanchor="x", visible=False, row=1, col=1)
            fig.update_xaxes(visible=False, row=1, col=1)
            fig.update_xaxes(title_text="energy E(class)", row=1, col=2)
            fig.update_yaxes(title_text="class", dtick=1, autorange="reversed", row=1, col=2)
            fig.update_xaxes(fixedrange=True)
            fig.update_yaxes(fixedrange=True)
            self._digit = fig
        return self._digit

    def redraw(self):
        data = self.state.data
        planar = data.n_features == 2
        self.planar_box.layout.display = None if planar else "none"
        self.sample_box.layout.display = "none" if planar else None
        if planar:
            self._draw_boundary()
        else:
            self._draw_sample()

    def _draw_boundary(self):
        data = self.state.data
        X = data.X_train
        lo, hi = X.min(0) - 0.2, X.max(0) + 0.2
        gx, gy = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
        grid = np.column_stack([np.repeat(gx, GRID), np.tile(gy, GRID)])
        # the trainer's own predict (backprop: its torch model) while the lab shows the trainer's network; new
        # data is drawn before the trainer follows the new network
        trainer = self.training.trainer
        model = trainer if getattr(trainer, "network_", None) is self.state.network else self.state.network
        self.answers = model.predict(grid).reshape(GRID, GRID).T         # rows: x2 upwards
        colors = [BLUE, ORANGE, GREEN, "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
        palette = [(0, 0, 0)] + [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colors]
        dx, dy = gx[1] - gx[0], gy[1] - gy[0]
        with self.boundary.batch_update():
            self.boundary.layout.images = [{
                "source": png_url((self.answers[::-1] % len(colors) + 1).astype(np.uint8), palette),
                "xref": "x", "yref": "y", "x": gx[0] - dx / 2, "y": gy[-1] + dy / 2, "sizex": GRID * dx,
                "sizey": GRID * dy, "sizing": "stretch", "layer": "below", "opacity": 0.35}]
            if self._dots_of is not data:         # the data's points: sent again only with new data
                self._dots_of = data
                self.boundary.data[0].x, self.boundary.data[0].y = gx, gy
                self.boundary.data[0].z = np.zeros((GRID, GRID), np.uint8)
                self.boundary.data[1].x, self.boundary.data[1].y = X[:, 0], X[:, 1]
                self.boundary.data[1].marker.color = [colors[c % len(colors)] for c in data.y_train]

    def _draw_sample(self):
        st = self.state
        i = st.sample_index
        x = st.data.X_train[i]
        energies = st.network.class_energies(x[None, :])[0]
        side = int(round(np.sqrt(x.size)))
        image = x.reshape(side, side) if side * side == x.size else x[None, :]
        answer = int(np.argmin(energies))
        with self.digit.batch_update():
            self.digit.data[0].z = image
            bars = self.digit.data[1]
            bars.x, bars.y = energies, np.arange(len(energies))
            bars.marker.color = [BLUE if c == answer else GREY for c in range(len(energies))]
            self.digit.layout.title.text = f"sample {i}: label {st.data.y_train[i]}, answer {answer}"
        if len(self.sample_box.children) == 1:          # first drawing: shown with its data as widget state
            sync_figures(self.digit)
            self.sample_box.children = [self.sample, self.digit, self.digit_note]
