"""ScheduleEditor: draw the anneal schedule s(t) by dragging its points; A(s(t)) and B(s(t)) below.

A small anywidget (plain SVG, no build step, nothing fetched at run time) shows the points;
drag one to move it, click the plot to add one, double-click a point to remove it. The text
form beside it follows both ways, and both write ``sampler_params["anneal_schedule"]`` of
the lab's state. The QPU's rules (``AnnealSchedule`` and its ``validate`` with an Advantage
QPU's limits) are checked on every move; the broken rule is written under the plot and its
segment or point drawn in red.
"""
from __future__ import annotations

import anywidget
import ipywidgets as w
import numpy as np
import traitlets as tl

from ..samplers import sampler_spec
from ..samplers.schedules import ADVANTAGE_PROPERTIES, AnnealSchedule, EnergyScales, ScheduleError
from .common import ErrorNote
from .state import LabValueError, kept_parameters

__all__ = ["ScheduleCanvas", "ScheduleEditor", "parse_points", "schedule_text"]

DEFAULT_POINTS = [[0.0, 0.0], [20.0, 1.0]]      # what the canvas offers when the sampler has no schedule yet
QPU_SAMPLERS = ("qpu", "mock-qpu")              # they refuse what breaks the QPU's rules; others only follow s(t)
SCALE_POINTS = 200

_ESM = r"""
const NS = "http://www.w3.org/2000/svg";
const W = 420, L = 44, R = 12, T = 10, H1 = 140, GAP = 34, H2 = 80, B = 30;
const HEIGHT = T + H1 + GAP + H2 + B;

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(vmax) {
  const raw = vmax / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * p).find(v => v >= raw);
  const out = [];
  for (let v = 0; v <= vmax + 1e-9; v += step) out.push(+v.toPrecision(6));
  return out;
}

function render({ model, el: root }) {
  root.classList.add("qnn-schedule");
  const svg = el("svg", { viewBox: `0 0 ${W} ${HEIGHT}`, width: W, height: HEIGHT, role: "img" });
  root.appendChild(svg);
  const message = document.createElement("div");
  message.className = "qnn-schedule-message";
  root.appendChild(message);
  let pts = model.get("points").map(p => p.slice());
  let tmax = niceMax(Math.max(...pts.map(p => p[0])) * 1.15);
  let dragging = null, moved = false, pending = false;

  const x = t => L + (t / tmax) * (W - L - R);
  const y = s => T + (1 - s) * H1;
  const y2 = (v, vmax) => T + H1 + GAP + (1 - v / vmax) * H2;

  function send() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      model.set("points", pts.map(p => p.slice()));
      model.save_changes();
    });
  }

  function toData(evt) {
    const m = svg.getScreenCTM().inverse();
    const q = new DOMPoint(evt.clientX, evt.clientY).matrixTransform(m);
    const t = Math.max(0, ((q.x - L) / (W - L - R)) * tmax);
    const s = Math.min(1, Math.max(0, 1 - (q.y - T) / H1));
    return [Math.round(t * 100) / 100, Math.round(s * 1000) / 1000];
  }

  function axes() {
    el("rect", { x: L, y: T, width: W - L - R, height: H1, class: "qnn-plot-area" }, svg);
    el("rect", { x: L, y: T + H1 + GAP, width: W - L - R, height: H2, class: "qnn-plot-frame" }, svg);
    for (const t of ticks(tmax)) {
      el("line", { x1: x(t), x2: x(t), y1: T, y2: T + H1, class: "qnn-grid" }, svg);
      el("line", { x1: x(t), x2: x(t), y1: T + H1 + GAP, y2: T + H1 + GAP + H2, class: "qnn-grid" }, svg);
      el("text", { x: x(t), y: T + H1 + GAP + H2 + 13, class: "qnn-tick", "text-anchor": "middle" }, svg)
        .textContent = t;
      el("text", { x: x(t), y: T + H1 + 13, class: "qnn-tick", "text-anchor": "middle" }, svg).textContent = t;
    }
    for (const s of [0, 0.5, 1]) {
      el("line", { x1: L, x2: W - R, y1: y(s), y2: y(s), class: "qnn-grid" }, svg);
      el("text", { x: L - 9, y: y(s) + 4, class: "qnn-tick", "text-anchor": "end" }, svg).textContent = s;
    }
    el("text", { x: 12, y: T + H1 / 2, class: "qnn-label", transform: `rotate(-90 12 ${T + H1 / 2})`,
                 "text-anchor": "middle" }, svg).textContent = "s(t)";
    el("text", { x: W - R, y: T + H1 + 26, class: "qnn-label", "text-anchor": "end" }, svg)
      .textContent = "t (µs): drag a point, click to add, double-click to remove";
    el("text", { x: 12, y: T + H1 + GAP + H2 / 2, class: "qnn-label", "text-anchor": "middle",
                 transform: `rotate(-90 12 ${T + H1 + GAP + H2 / 2})` }, svg).textContent = "GHz";
    el("text", { x: W - R, y: HEIGHT - 3, class: "qnn-label", "text-anchor": "end" }, svg)
      .textContent = "t (µs)";
  }

  function scales() {
    const sc = model.get("scales") || {};
    if (!sc.t || !sc.t.length) return;
    const vmax = niceMax(Math.max(...sc.A, ...sc.B));
    for (const [key, cls, label] of [["A", "qnn-A", "A(s(t)): transverse field"],
                                     ["B", "qnn-B", "B(s(t)): problem"]]) {
      const d = sc.t.map((t, i) => `${i ? "L" : "M"}${x(t).toFixed(1)},${y2(sc[key][i], vmax).toFixed(1)}`);
      el("path", { d: d.join(""), class: cls }, svg);
      el("text", { x: key === "A" ? L : L + 170, y: HEIGHT - 3, class: `qnn-legend ${cls}-text` }, svg)
        .textContent = label;                      // beside the axis title, off the curves
    }
    el("text", { x: L - 9, y: y2(vmax, vmax) + 4, class: "qnn-tick", "text-anchor": "end" }, svg)
      .textContent = +vmax.toPrecision(2);
    el("text", { x: L - 9, y: y2(0, vmax) + 4, class: "qnn-tick", "text-anchor": "end" }, svg).textContent = 0;
  }

  function draw() {
    svg.replaceChildren();
    axes();
    scales();
    const bad = model.get("bad") || [];
    const disabled = model.get("disabled");
    for (let k = 0; k + 1 < pts.length; k++) {
      const broken = bad.length === 2 && bad[0] === k && bad[1] === k + 1;
      el("line", { x1: x(pts[k][0]), y1: y(pts[k][1]), x2: x(pts[k + 1][0]), y2: y(pts[k + 1][1]),
                   class: broken ? "qnn-segment qnn-broken" : "qnn-segment" }, svg);
    }
    pts.forEach((p, i) => {
      const broken = bad.length === 1 && bad[0] === i;
      const c = el("circle", { cx: x(p[0]), cy: y(p[1]), r: 6, "data-index": i,
                               class: broken ? "qnn-point qnn-broken-point" : "qnn-point" }, svg);
      const title = el("title", {}, c);
      title.textContent = `point ${i}: t = ${p[0]} µs, s = ${p[1]}`;
      if (disabled) return;
      c.addEventListener("pointerdown", evt => {
        dragging = i; moved = false;
        evt.stopPropagation(); evt.preventDefault();
      });
      c.addEventListener("dblclick", evt => {
        evt.stopPropagation();
        if (pts.length > 2) { pts.splice(i, 1); draw(); send(); }
      });
    });
    const error = model.get("error");
    message.textContent = error || model.get("status");
    message.className = "qnn-schedule-message" + (error ? " qnn-has-error" : "");
    root.classList.toggle("qnn-disabled", !!disabled);
  }

  svg.addEventListener("pointermove", evt => {
    if (dragging === null) return;
    if (!moved) svg.setPointerCapture(evt.pointerId);    // a drag, not a click: follow the pointer anywhere
    const [t, s] = toData(evt);
    pts[dragging] = [dragging === 0 ? 0 : t, s];
    moved = true;
    draw();
    send();
  });
  svg.addEventListener("pointerup", evt => {
    if (dragging === null) return;
    dragging = null;
    if (!moved) return;                                  // a click on a point (maybe half a double-click)
    tmax = niceMax(Math.max(...pts.map(p => p[0])) * 1.15);
    draw();
    send();
  });
  svg.addEventListener("click", evt => {
    if (moved) { moved = false; return; }
    if (model.get("disabled") || evt.target.tagName === "circle") return;
    const [t, s] = toData(evt);
    if (t <= 0 || t > tmax) return;
    let k = pts.findIndex(p => p[0] > t);
    if (k < 0) k = pts.length;
    pts.splice(k, 0, [t, s]);
    draw();
    send();
  });
  model.on("change:points", () => {
    if (dragging !== null) return;
    pts = model.get("points").map(p => p.slice());
    tmax = niceMax(Math.max(...pts.map(p => p[0])) * 1.15);
    draw();
  });
  for (const name of ["bad", "error", "status", "scales", "disabled"]) model.on(`change:${name}`, draw);
  draw();
}
export default { render };
"""

_CSS = """
.qnn-schedule { font: 11px var(--jp-ui-font-family, sans-serif); color: var(--jp-ui-font-color1, #222); }
.qnn-schedule svg { display: block; touch-action: none; user-select: none; }
.qnn-schedule .qnn-plot-area { fill: var(--jp-layout-color0, #fff); stroke: var(--jp-border-color1, #bbb);
  cursor: crosshair; }
.qnn-schedule .qnn-plot-frame { fill: none; stroke: var(--jp-border-color1, #bbb); }
.qnn-schedule .qnn-grid { stroke: var(--jp-border-color2, #e4e4e4); stroke-width: 1; pointer-events: none; }
.qnn-schedule .qnn-tick, .qnn-schedule .qnn-label, .qnn-schedule .qnn-legend {
  fill: var(--jp-ui-font-color1, #333); font-size: 10px; pointer-events: none; }
.qnn-schedule .qnn-label { fill: var(--jp-ui-font-color2, #666); }
.qnn-schedule .qnn-segment { stroke: #0072B2; stroke-width: 2.5; pointer-events: none; }
.qnn-schedule .qnn-broken { stroke: #D55E00; stroke-width: 5; stroke-dasharray: 6 3; }
.qnn-schedule .qnn-point { fill: #0072B2; stroke: var(--jp-layout-color0, #fff); stroke-width: 2; cursor: grab; }
.qnn-schedule .qnn-broken-point { fill: #D55E00; }
.qnn-schedule .qnn-A { fill: none; stroke: #E69F00; stroke-width: 2; }
.qnn-schedule .qnn-B { fill: none; stroke: #009E73; stroke-width: 2; }
.qnn-schedule .qnn-A-text { fill: #b07800; }
.qnn-schedule .qnn-B-text { fill: #007a5a; }
.qnn-schedule .qnn-schedule-message { min-height: 1.3em; max-width: 420px; overflow-wrap: anywhere;
  color: var(--jp-ui-font-color2, #666); }
.qnn-schedule .qnn-schedule-message.qnn-has-error { color: #c00; }
.qnn-schedule.qnn-disabled .qnn-point { fill: #999; cursor: default; }
"""


def schedule_text(points):
    """Points as the text form: 't, s; t, s; ...'."""
    return "; ".join(f"{t:g}, {s:g}" for t, s in points)


def is_schedule(points):
    try:
        AnnealSchedule(points)
    except (TypeError, ValueError):
        return False
    return True


def parse_points(text):
    """The text form back to points; ValueError naming the field for anything else."""
    try:
        points = [[float(v) for v in point.split(",")] for point in text.split(";") if point.strip()]
    except ValueError:
        raise ValueError(f"'anneal_schedule' should be points 't_us, s; t_us, s; ...': value = {text[:80]!r}"
                         ) from None
    if any(len(p) != 2 for p in points):
        raise ValueError(f"'anneal_schedule' points should be pairs 't_us, s': value = {text[:80]!r}")
    return points


class ScheduleCanvas(anywidget.AnyWidget):
    """The SVG drawing: ``points`` [[t_us, s], ...] (dragged in the browser), the broken rule and A, B."""

    _esm = _ESM
    _css = _CSS
    points = tl.List(default_value=DEFAULT_POINTS).tag(sync=True)
    bad = tl.List(tl.Int()).tag(sync=True)            # indices of the points the broken rule concerns
    error = tl.Unicode("").tag(sync=True)              # the broken rule (red under the drawing)
    status = tl.Unicode("").tag(sync=True)             # what the schedule is, when nothing is broken
    scales = tl.Dict().tag(sync=True)                  # {"t": [...], "A": [...], "B": [...]} in GHz
    disabled = tl.Bool(False).tag(sync=True)


class ScheduleEditor(w.VBox):
    """The lab's anneal schedule, drawn and typed: both edit ``sampler_params["anneal_schedule"]``.

    ``valid`` is False while the drawn or typed schedule breaks a rule the sampler enforces
    (the state then keeps the last valid one; a Sample button should wait for a valid one).
    """

    valid = tl.Bool(True)

    def __init__(self, state, scales=None, properties=None):
        self.state = state
        self.energy_scales = scales or EnergyScales()
        self.properties = properties or ADVANTAGE_PROPERTIES
        self.canvas = ScheduleCanvas()
        self.text = w.Text(description="s(t) points", placeholder="t_us, s; t_us, s; ...",
                           tooltip="the schedule as text: pairs 't in µs, s' separated by ';'",
                           style={"description_width": "80px"}, layout={"width": "420px"})
        self.note = ErrorNote()
        self._echoing = False
        self.canvas.observe(lambda ch: self._echoing or self._on_points(ch["new"]), "points")
        self.text.observe(self._on_text, "value")
        state.observe(self._on_state, names=["sampler_params", "sampler"])
        super().__init__([
            w.HTML("<span style='color:#666;font-size:12px'>The anneal schedule s(t): the QPU's H(s) = "
                   "-A(s)/2 &Sigma;X + B(s)/2 H<sub>Ising</sub>; early the transverse field A mixes states, late "
                   "the problem B decides. Pauses hold s, quenches jump it.</span>"),
            self.canvas, self.text, self.note])
        self._from_state()

    @property
    def takes_schedule(self):
        return any(p.name == "anneal_schedule" for p in kept_parameters(sampler_spec(self.state.sampler)))

    def _on_state(self, _change):
        unchanged = self.state.sampler_params.get("anneal_schedule") == self._shown
        if unchanged and not self.valid and self.takes_schedule:
            return                   # another setting changed: the refused edit stays, and its reason beside it
        if not unchanged:
            self._drop_refused_drawing()     # a new schedule (a preset, a load) replaces it
        self._from_state()

    def _drop_refused_drawing(self):
        """A refused drawing gives way to the default points when another schedule, or none, is chosen."""
        if not is_schedule(self.canvas.points):
            self._echo(self.canvas, "points", DEFAULT_POINTS)

    def _from_state(self):
        """Show the state's schedule (a preset, a load, another panel); the default when there is none."""
        takes, schedule = self.takes_schedule, self.state.sampler_params.get("anneal_schedule")
        self._shown = schedule
        self.canvas.disabled = self.text.disabled = not takes
        if not takes:                # nothing here can block this sampler
            self.canvas.bad, self.canvas.error = [], ""
            self.canvas.status = f"the {self.state.sampler!r} sampler follows no anneal schedule"
            self.note.show("")
            self.valid = True
            return
        if schedule is None:
            if not is_schedule(self.canvas.points):       # a refused drawing kept from before: refused again
                self.check(self.canvas.points)
                return
            self._draw_scales(AnnealSchedule(self.canvas.points))
            self.canvas.bad, self.canvas.error = [], ""
            self.canvas.status = "no schedule set: the sampler anneals its own way; drag or click to make one"
            return
        points = AnnealSchedule(schedule).to_list()
        if points != self.canvas.points:
            self.canvas.points = points
        else:
            self._on_points(points)

    def _on_points(self, points):
        """Points from a drag or the text: keep the text in step, check the rules, set the state if they hold."""
        text = schedule_text(points)
        if self.text.value != text:
            self._echo(self.text, "value", text)
        self.check(points)

    def _echo(self, widget, name, value):
        """Set the drawing or the text from the other one, unseen by the editor's own observers."""
        self._echoing = True
        try:
            setattr(widget, name, value)
        finally:
            self._echoing = False

    def _on_text(self, change):
        if self._echoing:
            return
        if not change["new"].strip() and self.takes_schedule:       # no schedule: the sampler's own annealing
            self._drop_refused_drawing()
            self.note.show("")
            self.valid = True
            self.state.sampler_params = {**self.state.sampler_params, "anneal_schedule": None}
            self._from_state()
            return
        try:
            points = parse_points(change["new"])
        except ValueError as exc:
            self._show_error(str(exc), [], beside_text=True)
            return
        if points != self.canvas.points:
            self.canvas.points = points
        else:
            self.check(points)

    def check(self, points):
        """The rules a schedule breaks, shown on its segment; the state gets it when the sampler takes it."""
        try:
            schedule = AnnealSchedule(points)
        except (TypeError, ValueError) as exc:
            self._show_error(str(exc), getattr(exc, "points", ()))
            return False
        self._draw_scales(schedule)
        qpu_rule = None
        try:
            schedule.validate(self.properties)
        except ScheduleError as exc:
            qpu_rule = exc
        if qpu_rule is not None and self.state.sampler in QPU_SAMPLERS:
            self._show_error(str(qpu_rule), qpu_rule.points)
            return False
        if self.takes_schedule:
            current = self.state.sampler_params.get("anneal_schedule")
            if current is None or AnnealSchedule(current) != schedule:
                try:
                    self.state.sampler_params = {**self.state.sampler_params, "anneal_schedule": schedule.to_list()}
                except LabValueError as exc:
                    self._show_error(str(exc), [])
                    return False
        if qpu_rule is not None:
            self.canvas.bad, self.canvas.error = list(qpu_rule.points), f"a QPU would refuse it: {qpu_rule}"
        else:
            self.canvas.bad, self.canvas.error = [], ""
            self.canvas.status = f"{schedule.kind} anneal of {schedule.duration:g} µs (the QPU's rules hold)"
        self.note.show("")
        self.valid = True
        return True

    def _show_error(self, text, points, beside_text=False):
        """A broken rule under the drawing (its points in red); text that is no schedule beside the text box."""
        self.canvas.bad, self.canvas.error = list(points), "" if beside_text else text
        self.note.show(text if beside_text else "")
        self.valid = False

    def _draw_scales(self, schedule):
        t = np.linspace(0, schedule.duration, SCALE_POINTS)
        s = schedule.s_at(t)
        sc = self.energy_scales
        self.canvas.scales = {"t": np.round(t, 4).tolist(), "A": np.round(sc.A(s), 4).tolist(),
                              "B": np.round(sc.B(s), 4).tolist()}
