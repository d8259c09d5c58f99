"""Lab: every panel in one layout, a message area, and save / load of the lab's state."""
from __future__ import annotations

import html
import json
from copy import deepcopy
from pathlib import Path

import ipywidgets as w
import numpy as np
from plotly.basewidget import BaseFigureWidget

from ..network import Network
from .builder import NetworkBuilder
from .common import ErrorNote, shows_errors
from .embedding_view import EmbeddingView
from .histogram import EnergyHistogram
from .qubo_view import QuboView
from .sampler_panel import SamplerPanel
from .state import STATE_VERSION, LabState, LabValueError, migrate
from .training_view import TrainingView

__all__ = ["STATE_FORMAT", "STATE_VERSION", "Lab"]

STATE_FORMAT = "qnn_lab.state"


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
        self.file_note = ErrorNote()
        file_guard = shows_errors(self.state, self.file_note)
        self.saved_note = w.HTML()
        self.save_button.on_click(file_guard(lambda _: self._saved(self.save(self.path.value))))
        self.load_button.on_click(file_guard(lambda _: self._loaded(self.path.value)))
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
            w.HBox([self.path, self.save_button, self.load_button, self.saved_note]), self.file_note,
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

    def _saved(self, where):
        self.saved_note.value = f"saved to <code>{html.escape(where)}</code>"

    def _loaded(self, path):
        self.saved_note.value = ""
        self.load(path)
        self.saved_note.value = f"loaded <code>{html.escape(str(Path(path).expanduser().resolve()))}</code>"

    def _show_message(self, change):
        text = change["new"]
        self.message.value = f"<span style='color:#c00'>{text}</span>" if text else ""
        self.dismiss.layout.display = None if text else "none"

    # ------------------------------------------------------------ save / load
    def to_dict(self):
        """The lab's state: every setting (``LabState.to_dict``), the network with its weights and the
        training history (no data, no secrets)."""
        return {"format": STATE_FORMAT, **self.state.to_dict(), "network": self.state.network.to_dict(),
                "history": self.training.history}

    def save(self, path):
        """Write the state as JSON to ``path``; says where in ``saved_to``."""
        path = Path(path).expanduser().resolve()
        path.write_text(json.dumps(self.to_dict(), indent=1, default=_plain))
        self.saved_to = str(path)
        return self.saved_to

    def load(self, path):
        """Read a state file; a damaged or newer file is refused and nothing changes."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"'path' should be a readable qnn_lab state file: {str(path)!r} ({exc})") from None
        self.apply(data)

    def apply(self, data):
        """Restore a state dict (``to_dict()`` output of this or an older version) after checking all of it."""
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError(f"the file should be a {STATE_FORMAT!r} file: format = "
                             f"{data.get('format') if isinstance(data, dict) else type(data).__name__!r}")
        data = dict(data)
        data.pop("format")
        try:
            network = Network.from_dict(data.pop("network"))
            history = data.pop("history", None)
            if history is None:                                  # version 1 kept it under "training"
                history = data.get("training", {}).get("history", [])
            settings = migrate(data)
            probe = LabState.from_dict(settings)                 # validates every setting
        except LabValueError as exc:
            if "'version'" in str(exc):
                raise ValueError(f"the state file's {exc}") from None
            raise ValueError(f"the state file is damaged: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the state file is damaged: {type(exc).__name__}: {exc}") from None
        if network.layers != probe.layers:
            raise ValueError(f"the state file is damaged: network layers {network.layers} do not match the "
                             f"settings {probe.layers}")
        if not isinstance(history, list) or not all(isinstance(r, dict) and "epoch" in r for r in history):
            raise ValueError("the state file is damaged: 'history' should be a list of epoch records")
        self.state.apply(settings)
        self.state.set_network(network)          # the training view starts a new run on these weights ...
        self.training.set_history(history)       # ... whose past is the saved history

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
