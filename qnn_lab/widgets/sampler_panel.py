"""SamplerPanel: choose a sampler; its controls come from the sampler's parameter schema."""
from __future__ import annotations

import ipywidgets as w
import plotly.graph_objects as go
import traitlets as tl

from ..samplers import list_samplers, sampler_spec
from ..samplers.schedules import PRESETS, AnnealSchedule
from .common import figure, shows_errors

__all__ = ["SamplerPanel", "ScheduleEditor", "control_for"]


def schedule_text(schedule):
    return "" if schedule is None else "; ".join(f"{t:g}, {s:g}" for t, s in AnnealSchedule(schedule).points)


def parse_points(text):
    """'0, 0; 10, 0.5; 20, 1' -> [(0, 0), (10, 0.5), (20, 1)]; blank -> None; unparsable -> the text."""
    if not text.strip():
        return None
    try:
        return [tuple(float(v) for v in point.split(",")) for point in text.split(";") if point.strip()]
    except ValueError:
        return text


class ScheduleEditor(w.VBox):
    """Points of an anneal schedule as text, presets, a live plot of s(t), the rule a schedule breaks."""

    value = tl.Unicode("")

    def __init__(self, value=None, description="anneal_schedule", tooltip=""):
        self.preset = w.Dropdown(options=["(none)", *PRESETS], value="(none)", description="schedule preset",
                                 style={"description_width": "140px"})
        self.text = w.Text(value=schedule_text(value), placeholder="t_us, s; ... (empty: beta_range)",
                           description=description, tooltip=tooltip, style={"description_width": "140px"})
        self.error = w.HTML()
        self.fig = figure(height=160, width=360, xaxis={"title": "t (us)"}, yaxis={"title": "s", "range": [0, 1.05]},
                          margin={"l": 40, "r": 10, "t": 10, "b": 35})
        self.fig.add_trace(go.Scatter(mode="lines+markers"))
        self.preset.observe(self._on_preset, "value")
        self.text.observe(self._on_text, "value")
        super().__init__([self.preset, self.text, self.error, self.fig])
        self._on_text({"new": self.text.value})

    def _on_preset(self, change):
        if change["new"] != "(none)":
            self.text.value = schedule_text(AnnealSchedule.preset(change["new"]))

    def _on_text(self, change):
        points = parse_points(change["new"])
        try:
            schedule = None if points is None else AnnealSchedule(points)
        except (TypeError, ValueError) as exc:
            self.error.value = f"<span style='color:#c00'>{exc}</span>"
            return
        self.error.value = ""
        with self.fig.batch_update():
            self.fig.data[0].x = [] if schedule is None else schedule.t
            self.fig.data[0].y = [] if schedule is None else schedule.s
        self.value = change["new"]


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
    if p.kind == "schedule":
        return ScheduleEditor(value, description=p.name, tooltip=p.doc)
    if p.kind in ("seed", "range"):      # text: empty means None (automatic)
        text = "" if value is None else (", ".join(map(str, value)) if p.kind == "range" else str(value))
        placeholder = "auto" if p.kind == "range" else "random"
        return w.Text(value=text, placeholder=placeholder, **common)
    return None


def _parse(p, control):
    value = control.value
    if p.kind == "schedule":
        return parse_points(value)
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
