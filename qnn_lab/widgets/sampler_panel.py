"""SamplerPanel: choose a sampler; its controls come from the sampler's parameter schema."""
from __future__ import annotations

import ipywidgets as w

from ..samplers import list_samplers, sampler_spec
from .common import shows_errors

__all__ = ["SamplerPanel", "control_for"]


def control_for(p, value):
    """An ipywidget for one schema Parameter (None for callables, which have no control)."""
    style = {"description_width": "140px"}
    common = {"description": p.name, "tooltip": p.doc, "style": style}
    if p.kind == "int":
        return w.BoundedIntText(value=value, min=p.low, max=p.high, **common)
    if p.kind == "float":
        return w.BoundedFloatText(value=value, min=p.low, max=p.high, **common)
    if p.kind == "bool":
        return w.Checkbox(value=bool(value), **common)
    if p.kind == "choice":
        return w.Dropdown(options=list(p.choices), value=value, **common)
    if p.kind in ("seed", "range"):      # text: empty means None (automatic)
        text = "" if value is None else (", ".join(map(str, value)) if p.kind == "range" else str(value))
        placeholder = "auto" if p.kind == "range" else "random"
        return w.Text(value=text, placeholder=placeholder, **common)
    return None


def _parse(p, control):
    value = control.value
    if p.kind == "seed":
        return None if not value.strip() else int(value) if value.strip().lstrip("-").isdigit() else value
    if p.kind == "range":
        if not value.strip():
            return None
        try:
            return tuple(float(v) for v in value.split(","))
        except ValueError:
            return value
    return value


class SamplerPanel(w.VBox):
    """Sampler dropdown and a control for each of its parameters; errors show inline."""

    def __init__(self, state):
        self.state = state
        self.guard = shows_errors(state)
        self.choice = w.Dropdown(options=list_samplers(), value=state.sampler, description="sampler")
        self.doc = w.HTML()
        self.controls = w.VBox()
        self.error = w.HTML()
        self.choice.observe(self.guard(lambda ch: setattr(state, "sampler", ch["new"])), "value")
        state.observe(lambda _: self.rebuild(), names="sampler")
        state.observe(self._lock, names="running")
        super().__init__([self.choice, self.doc, self.controls, self.error])
        self.rebuild()

    def rebuild(self):
        """One control per parameter of the chosen sampler."""
        spec = sampler_spec(self.state.sampler)
        self.choice.value = spec.name
        self.doc.value = f"<i>{spec.doc}</i>"
        values = {**spec.defaults(), **self.state.sampler_params}
        self.widgets = {}
        for p in spec.parameters:
            control = control_for(p, values.get(p.name))
            if control is not None:
                control.observe(self._on_change, "value")
                self.widgets[p.name] = control
        self.controls.children = list(self.widgets.values())
        self.error.value = ""

    def _on_change(self, change):
        spec = sampler_spec(self.state.sampler)
        params = {p.name: _parse(p, self.widgets[p.name]) for p in spec.parameters if p.name in self.widgets}
        try:
            self.state.sampler_params = {k: v for k, v in params.items() if v != spec.parameter(k).default}
            self.error.value = ""
        except Exception as exc:     # the rule it breaks, inline; the last valid parameters stay
            self.error.value = f"<span style='color:#c00'>{exc}</span>"

    def _lock(self, change):
        for control in [self.choice, *self.widgets.values()]:
            control.disabled = change["new"]
