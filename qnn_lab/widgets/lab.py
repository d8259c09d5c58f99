"""Lab: every panel in one layout, a message area, and save / load of the lab's state."""
from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path

import ipywidgets as w
import numpy as np
from plotly.basewidget import BaseFigureWidget

from ..network import Network
from .builder import NetworkBuilder
from .common import shows_errors
from .embedding_view import EmbeddingView
from .histogram import EnergyHistogram
from .qubo_view import QuboView
from .sampler_panel import SamplerPanel
from .state import LabState
from .training_view import TrainingView

__all__ = ["STATE_FORMAT", "STATE_VERSION", "Lab"]

STATE_FORMAT = "qnn_lab.state"
STATE_VERSION = 1


class Lab(w.VBox):
    """The whole dashboard: build, encode, sample, train, embed on a QPU graph.

    Examples:
        >>> lab = Lab(dataset="xor", hidden=[8])
        >>> lab.state.layers
        [2, 8, 2]
    """

    def __init__(self, **choices):
        self.state = LabState(**choices)
        self.state.last_traceback = ""
        self.qubo = QuboView(self.state)              # observes first: the model view redraws first
        self.builder = NetworkBuilder(self.state)
        self.sampler = SamplerPanel(self.state)
        self.histogram = EnergyHistogram(self.state)
        self.training = TrainingView(self.state)
        self.embedding = EmbeddingView(self.state)    # .inspector: the "Open in inspector" callable
        self.message = w.HTML()
        self.dismiss = w.Button(description="dismiss", layout={"width": "80px"})
        self.path = w.Text(value="qnn_lab_state.json", description="file")
        self.save_button = w.Button(description="Save", icon="save")
        self.load_button = w.Button(description="Load", icon="folder-open")
        guard = shows_errors(self.state)
        self.save_button.on_click(guard(lambda _: self.save(self.path.value)))
        self.load_button.on_click(guard(lambda _: self.load(self.path.value)))
        self.dismiss.on_click(lambda _: setattr(self.state, "message", ""))
        self.state.observe(self._show_message, names="message")
        box = {"border": "1px solid #ddd", "padding": "6px", "margin": "3px"}
        super().__init__([
            w.HTML("<h3 style='margin:4px'>qnn_lab: training a neural network by annealing</h3>"),
            w.HBox([self.message, self.dismiss]),
            w.HBox([w.VBox([w.HTML("<b>1. Network</b>"), self.builder], layout=box),
                    w.VBox([w.HTML("<b>2. Ising / QUBO model</b>"), self.qubo], layout=box)]),
            w.HBox([w.VBox([w.HTML("<b>3. Sampler</b>"), self.sampler], layout=box),
                    w.VBox([w.HTML("<b>4. Energies of the reads</b>"), self.histogram], layout=box)]),
            w.VBox([w.HTML("<b>5. Training</b>"), self.training], layout=box),
            w.VBox([w.HTML("<b>6. On a QPU: minor embedding</b>"), self.embedding], layout=box),
            w.HBox([self.path, self.save_button, self.load_button]),
        ])
        self._show_message({"new": ""})

    def _repr_mimebundle_(self, **kwargs):
        """Display; first give every figure its current data as widget state.

        plotly does this only when a FigureWidget is displayed on its own; inside a Box its
        initial state stays empty, which Voila (state only, no replayed messages) shows.
        """
        for fig in _figures(self):
            fig._widget_layout = deepcopy(fig._layout_obj._props)
            fig._widget_data = deepcopy(fig._data)
        return super()._repr_mimebundle_(**kwargs)

    def _show_message(self, change):
        text = change["new"]
        self.message.value = f"<span style='color:#c00'>{text}</span>" if text else ""
        self.dismiss.layout.display = None if text else "none"

    # ------------------------------------------------------------ save / load
    def to_dict(self):
        """The lab's state: choices, the network with its weights, the training history (no secrets)."""
        tr = self.training.trainer
        return {"format": STATE_FORMAT, "version": STATE_VERSION, "choices": self.state.to_dict(),
                "network": self.state.network.to_dict(),
                "training": {"trainer": self.training.trainer_choice.value,
                             "learning_rate": self.training.learning_rate.value,
                             "batch_size": self.training.batch_size.value,
                             "history": getattr(tr, "history_", [])}}

    def save(self, path):
        """Write the state as JSON to ``path``."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, default=_plain))
        self.state.message = ""

    def load(self, path):
        """Read a state file; a damaged or newer file is refused and nothing changes."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"'path' should be a readable qnn_lab state file: {path!r} ({exc})") from None
        self.apply(data)

    def apply(self, data):
        """Restore a state dict (as made by ``to_dict``) after checking all of it."""
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError(f"the file should be a {STATE_FORMAT!r} file: format = "
                             f"{data.get('format') if isinstance(data, dict) else type(data).__name__!r}")
        if not isinstance(data.get("version"), int) or data["version"] > STATE_VERSION:
            raise ValueError(f"the state file's 'version' should be <= {STATE_VERSION}: value = "
                             f"{data.get('version')!r} (made by a newer qnn_lab?)")
        try:
            network = Network.from_dict(data["network"])
            choices = dict(data["choices"])
            probe = LabState(**{k: v for k, v in choices.items() if k != "sample_index"})   # validates all
            probe.sample_index = choices.get("sample_index", 0)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the state file is damaged: {type(exc).__name__}: {exc}") from None
        if network.layers != probe.layers:
            raise ValueError(f"the state file is damaged: network layers {network.layers} do not match the "
                             f"choices {probe.layers}")
        with self.state.hold_trait_notifications():
            for key, value in choices.items():
                if key != "sampler_params":
                    setattr(self.state, key, value)
        self.state.sampler_params = choices.get("sampler_params", {})
        training = data.get("training", {})
        self.training.trainer_choice.value = training.get("trainer", "contrastive")
        self.training.learning_rate.value = training.get("learning_rate", self.training.learning_rate.value)
        self.training.batch_size.value = training.get("batch_size", self.training.batch_size.value)
        self.state.set_network(network)          # the training view resets itself on a new network
        self.loaded_history = training.get("history", [])


def _figures(widget):
    """Every plotly FigureWidget below ``widget``."""
    if isinstance(widget, BaseFigureWidget):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from _figures(child)


def _plain(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (np.ndarray, tuple)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
