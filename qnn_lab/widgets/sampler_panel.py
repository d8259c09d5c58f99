"""SamplerPanel: choose a sampler; its controls come from the sampler's parameter schema."""
from __future__ import annotations

import contextlib
import html

import ipywidgets as w

from ..samplers import list_samplers, sampler_spec
from ..samplers.schedules import PRESETS, AnnealSchedule
from .common import ErrorNote, bind
from .schedule_editor import ScheduleEditor
from .state import kept_parameters
from .words import add_tooltip, shown_parameters

__all__ = ["SamplerPanel", "control_for", "parse_value", "preset_name", "shown_value"]


CUSTOM = "(drawn)"      # the schedule preset box when the schedule is none of the presets
REVERSE_NOTE = ("<div class='qnn-note'>A reverse anneal starts from each sample's right answer (its clamped "
                "state), goes part of the way back and anneals again: it finds the wrong states near the right one "
                "(Sample in the Energies tab and training both start there).</div>")


def preset_name(schedule):
    """The preset a schedule is ("(none)" for no schedule, CUSTOM for one drawn or typed)."""
    if schedule is None:
        return "(none)"
    points = AnnealSchedule(schedule).to_list()
    return next((name for name in PRESETS if AnnealSchedule.preset(name).to_list() == points), CUSTOM)


def control_for(p, value):
    """An ipywidget for one schema Parameter (None for callables, which have no control)."""
    style = {"description_width": "140px"}
    common = {"description": p.name, "tooltip": p.doc, "style": style}
    if p.kind in ("int", "float") and p.default is None:     # text: empty means None (the owner's choice)
        return w.Text(value=shown_value(p, value), placeholder="auto", **common)
    if p.kind == "int":
        return w.BoundedIntText(value=value, min=p.low, max=p.high, **common)
    if p.kind == "float":
        return w.BoundedFloatText(value=value, min=p.low, max=p.high, **common)
    if p.kind == "bool":
        return w.Checkbox(value=bool(value), **common)
    if p.kind == "choice":
        return w.Dropdown(options=list(p.choices), value=value, **common)
    if p.kind == "schedule":             # presets here; the drawing and the text form in the ScheduleEditor
        return w.Dropdown(options=["(none)", *PRESETS, CUSTOM], value=preset_name(value),
                          **{**common, "description": "schedule preset"})
    if p.kind in ("seed", "range"):      # text: empty means None (automatic)
        text = "" if value is None else (", ".join(map(str, value)) if p.kind == "range" else str(value))
        placeholder = "auto" if p.kind == "range" else "random"
        return w.Text(value=text, placeholder=placeholder, **common)
    return None


def parse_value(p, value):
    """A control's value as the parameter's value (text forms of seeds, ranges and schedules)."""
    if p.kind == "schedule":
        return None if value == "(none)" else AnnealSchedule.preset(value).to_list()
    if p.kind == "seed":
        return None if not value.strip() else int(value) if value.strip().lstrip("-").isdigit() else value
    if p.kind == "range":
        if not value.strip():
            return None
        try:
            return tuple(float(v) for v in value.split(","))
        except ValueError:
            return value
    if p.kind in ("int", "float") and p.default is None:
        if not value.strip():
            return None
        try:
            return (int if p.kind == "int" else float)(value)
        except ValueError:
            return value
    return value


def shown_value(p, value):
    """A parameter's value in its control's form (the inverse of ``_parse``)."""
    if p.kind == "schedule":
        return preset_name(value)
    if p.kind == "seed":
        return "" if value is None else str(value)
    if p.kind == "range":
        return "" if value is None else ", ".join(f"{v:g}" for v in value)
    if p.kind in ("int", "float") and p.default is None:
        return "" if value is None else f"{value:g}"
    return value


class SamplerPanel(w.VBox):
    """Sampler dropdown and a control for each parameter the lab keeps; each error shows beside its control.

    Reads are not a sampler setting in the lab: the "reads per Sample click" box here edits
    ``state.sample_reads`` (the Energies panel's Sample button uses it); training steps use
    the trainer's own reads.
    """

    def __init__(self, state):
        self.state = state
        self.note = ErrorNote()
        self.choice = w.Dropdown(options=list_samplers(), description="sampler")
        self.doc = w.HTML()
        self.left_out = w.HTML()
        self.reverse_note = w.HTML()     # where a reverse anneal starts
        self.reads = w.BoundedIntText(min=1, max=100_000, description="reads per Sample click",
                                      style={"description_width": "initial"},
                                      tooltip="reads the Energies panel's Sample button draws")
        self.reads_note = ErrorNote()
        self.controls = w.VBox()
        self.schedule = ScheduleEditor(state)          # s(t) drawn and typed; a broken rule blocks Sample
        self.schedule.observe(self._on_schedule_valid, "valid")
        self.wanted = None           # (sampler, its parameters) of the user's choice while the model refuses it
        self._following = False
        self.follow_model()
        bind(state, "sampler", self.choice, self.note)
        state.observe(self._chosen, names="sampler")
        state.observe(lambda _: self.follow_model(), names=["network_version", "encoding", "bits", "sample_index"])
        bind(state, "sample_reads", self.reads, self.reads_note)
        state.observe(lambda _: self.rebuild(), names=["sampler", "mode"])
        state.observe(self._show_params, names="sampler_params")
        state.observe(self._lock, names="running")
        super().__init__([self.choice, self.note, self.left_out, self.doc, self.reads, self.reads_note,
                          self.controls, self.reverse_note, self.schedule])
        self.rebuild()
        self._show_params({"new": state.sampler_params})

    def follow_model(self):
        """Offer only the samplers that can sample the shown model; say why the others are left out.

        When the chosen sampler cannot take a new model, the first one that can is chosen; the
        user's choice (with its parameters) comes back as soon as a model allows it again."""
        state = self.state
        problems = state.sampler_problems()
        usable = [name for name in list_samplers() if name not in problems]
        before = (state.sampler, dict(state.sampler_params))
        self._following = True
        try:
            self.choice.options = usable             # (the dropdown jumps to its first option)
            if self.wanted is not None and self.wanted[0] in usable:
                self._set_sampler(*self.wanted)
                self.wanted = None
            elif before[0] in usable:
                self._set_sampler(*before)
            elif usable:                             # a chosen sampler left out: the first usable one stands in
                self.wanted = self.wanted or before
                self._set_sampler(usable[0])
            self.choice.value = state.sampler
        finally:
            self._following = False
        self.left_out.value = "".join(f"<div class='qnn-note'>{html.escape(name)} is left out: "
                                      f"{html.escape(why)}</div>" for name, why in problems.items())

    def _set_sampler(self, name, params=None):
        """Choose a sampler for the model (inside ``follow_model``: not the user's choice)."""
        if self.state.sampler != name:
            self.state.sampler = name
        if params is not None:
            with contextlib.suppress(ValueError):       # parameters the model no longer allows: defaults
                self.state.sampler_params = params

    def _chosen(self, change):
        """A sampler chosen by the user (or a load, a link, a lesson) replaces the remembered choice."""
        if not self._following:
            self.wanted = None

    def rebuild(self):
        """One control per kept parameter of the chosen sampler."""
        spec = sampler_spec(self.state.sampler)
        self.doc.value = f"<i>{spec.doc}</i>"
        self.params = {p.name: p for p in kept_parameters(spec)}
        self.widgets, self.notes = {}, {}
        self.state.refused = {k: v for k, v in self.state.refused.items() if k == "anneal_schedule"}
        rows = []
        for p in shown_parameters(spec.name, list(self.params.values()), self.state.mode):
            control = control_for(p, self.state.sampler_params.get(p.name))
            if control is None:
                continue
            if p.name == "seed":
                control.description = "seed (Sample clicks)"
                control.tooltip = "seed of the Sample button's reads (empty: random); training draws its seeds " \
                                  "from the data seed"
            with contextlib.suppress(KeyError):          # a parameter of a sampler registered elsewhere
                add_tooltip(control, "sampler", p.name)
            note = ErrorNote()
            control.observe(lambda ch, p=p, c=control: self._on_change(p, c, ch["new"]), "value")
            self.widgets[p.name], self.notes[p.name] = control, note
            rows += [control, note]
        hidden = len(self.params) - len(self.widgets)
        more = (f"<div class='qnn-note'>simple mode: {hidden} more setting{'s' * (hidden > 1)} in expert mode</div>"
                if hidden and self.state.mode == "simple" else "")
        self.controls.children = rows + ([w.HTML(more)] if more else [])
        self._lock()

    def _on_change(self, p, control, value):
        if self.widgets.get(p.name) is not control:      # a late edit from the page to a control of an earlier
            return                                        # sampler or mode, no longer shown
        if p.kind == "schedule" and value == CUSTOM:      # the drawn schedule: nothing to set
            return
        before = self.state.sampler_params
        try:
            parsed = parse_value(p, value)
            if parsed != before.get(p.name):
                self.state.sampler_params = {**before, p.name: parsed}
        except Exception as exc:     # the rule it breaks, beside the control; the last valid parameters stay
            if self.state.sampler_params is not before:
                raise                # taken, but a view following it failed: a bug, not a refused value
            self.notes[p.name].show(str(exc))
            self._refused(p.name, str(exc))
            return
        self.notes[p.name].show("")
        self._refused(p.name, "")

    def _on_schedule_valid(self, change):
        editor = self.schedule
        why = "" if change["new"] else (editor.note.text or editor.canvas.error or "the schedule breaks a rule")
        self._refused("anneal_schedule", why)

    def _refused(self, name, reason):
        """Tell the state which typed sampler setting is refused (Sample and Play wait for it)."""
        refused = {k: v for k, v in self.state.refused.items() if k != name}
        self.state.refused = {**refused, name: reason} if reason else refused

    def _show_params(self, change):
        """Controls follow the setting (a load, a link, another panel); a reverse schedule says where it starts."""
        schedule = change["new"].get("anneal_schedule")
        reverse = schedule is not None and AnnealSchedule(schedule).kind == "reverse"
        self.reverse_note.value = REVERSE_NOTE if reverse else ""
        for name, control in self.widgets.items():
            shown = shown_value(self.params[name], change["new"].get(name))
            if name in change["new"] and control.value != shown and not self._shows(name, change["new"][name]):
                control.value = shown

    def _shows(self, name, value):
        """Whether the control of ``name`` already stands for ``value`` (a text it has but the setting parses
        differently; "(drawn)" stands for no preset, so never for a new schedule)."""
        try:
            return parse_value(self.params[name], self.widgets[name].value) == value
        except (TypeError, ValueError):
            return False

    @property
    def error(self):
        """The first error shown beside a parameter ("" when none)."""
        return next((n.text for n in self.notes.values() if n.value), "")

    def _lock(self, _change=None):
        """No sampler change while a run uses it (the state's value now: see NetworkBuilder._lock)."""
        for control in [self.choice, self.reads, *self.widgets.values()]:
            control.disabled = self.state.running
