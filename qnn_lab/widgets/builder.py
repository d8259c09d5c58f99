"""NetworkBuilder: the controls of the dataset and the network (layers typed or stepped, replicas, seed)."""
from __future__ import annotations

import ipywidgets as w

from ..parameters import MAX_SEED
from .common import ErrorNote, bind, shows_errors
from .state import MAX_HIDDEN, MAX_LAYERS, dataset_names, sized_by_the_lab
from .words import add_tooltip

__all__ = ["NetworkBuilder"]

class NetworkBuilder(w.VBox):
    """Controls that build the dataset and the network (the NetworkView draws it)."""

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
        self.seed.layout.width = "150px"
        self.regenerate.layout = w.Layout(width="auto", padding="0 8px")       # beside the seed, unclipped
        for button in (self.add_layer, self.remove_layer):
            button.layout = w.Layout(width="auto")
        self.regenerate.on_click(guard(lambda _: setattr(state, "seed", state.seed + 1)))
        self.add_layer.on_click(guard(lambda _: self._set_hidden([*state.hidden, state.hidden[-1] if state.hidden
                                                                   else 8])))
        self.remove_layer.on_click(guard(lambda _: self._set_hidden(state.hidden[:-1])))
        state.observe(lambda _: self.redraw(), names="network_version")
        state.observe(lambda _: self._show_data_options(), names="data_version")
        state.observe(self._lock, names="running")
        super().__init__([self.dataset, self.noise, self.n_samples, self.test_fraction,
                          w.HBox([self.seed, self.regenerate]), self.layer_rows,
                          w.HBox([self.add_layer, self.remove_layer]), self.replicas, self.note])
        self.redraw()
        self._show_data_options()

    def _show_data_options(self):
        """Only the data options the dataset takes: digits, teacher and csv have no "points" or "noise"."""
        takes = sized_by_the_lab(self.state.dataset)
        for name in ("noise", "n_samples"):
            getattr(self, name).layout.display = None if name in takes else "none"

    def _lock(self, _change=None):
        """No structural change while sampling or training runs (the state's value now, not the change's: runs
        end in their own threads, and an older change's call may come last)."""
        running = self.state.running
        controls = [self.dataset, self.noise, self.n_samples, self.test_fraction, self.seed, self.regenerate,
                    self.replicas, self.add_layer, self.remove_layer]
        for control in controls:
            control.disabled = running
        if not running:
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
        """Layer controls from the state (new rows only when layers come or go)."""
        state = self.state
        if len(self.layer_rows.children) != len(state.hidden):       # new widgets only when layers come or go
            self.layer_rows.children = [self._layer_row(l) for l in range(len(state.hidden))]
        for row, n in zip(self.layer_rows.children, state.hidden):
            _, size, minus, plus = row.children
            size.value, size.disabled = n, state.running
            minus.disabled, plus.disabled = n <= 1 or state.running, n >= MAX_HIDDEN or state.running
        self.add_layer.disabled = len(state.hidden) >= MAX_LAYERS or state.running
        self.remove_layer.disabled = not state.hidden or state.running
