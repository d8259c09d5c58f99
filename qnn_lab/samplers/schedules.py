"""Anneal schedules in the QPU's format, their rules, presets, and the energy scales behind them.

D-Wave's convention: H(s) = -A(s)/2 sum_i X_i + B(s)/2 H_Ising, with s(t) given as points
(t in microseconds, s in [0, 1]). A forward anneal starts at (0, 0) with s never
decreasing; a reverse anneal starts at s = 1 (from a given initial state), goes back and
returns; both end at s = 1. The hardware limits (point count, total time, slope) come
from a sampler's properties; dwave-system's ``DWaveSampler.validate_anneal_schedule`` is
the reference for these rules.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from pathlib import Path

import dimod
import numpy as np

__all__ = ["ADVANTAGE_PROPERTIES", "PRESETS", "AnnealSchedule", "EnergyScales", "ScheduleError", "beta_schedule_from",
           "check_initial_state", "check_schedule", "start_state", "sweep_s"]

#: Limits of an Advantage-class QPU (as dwave-system's MockDWaveSampler reports them).
ADVANTAGE_PROPERTIES = {"annealing_time_range": [0.5, 2000.0], "max_anneal_schedule_points": 12}

PRESETS = ("standard", "pause", "quench", "reverse")


class ScheduleError(ValueError):
    """A broken schedule rule; ``points`` are the indices of the points it concerns (two: a segment)."""

    def __init__(self, message, points=()):
        super().__init__(message)
        self.points = tuple(int(k) for k in points)


class AnnealSchedule:
    """Points [(t_us, s)] of an anneal; ``ValueError`` naming the rule if they break one.

    Examples:
        >>> AnnealSchedule([(0, 0), (10, 0.5), (20, 1)]).kind
        'forward'
        >>> AnnealSchedule([(0, 0), (10, 0.7), (5, 1)])
        Traceback (most recent call last):
        ...
        qnn_lab.samplers.schedules.ScheduleError: 'anneal_schedule' times should increase ... (points 1 and 2)
    """

    def __init__(self, points):
        if isinstance(points, AnnealSchedule):
            points = points.points
        if isinstance(points, (str, bytes)) or not hasattr(points, "__len__"):
            raise TypeError(f"'anneal_schedule' should be a list of (t_us, s) points: value = {points!r}")
        parsed = []
        for k, point in enumerate(points):
            if isinstance(point, (str, bytes)) or not hasattr(point, "__len__") or len(point) != 2 or not all(
                    isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v) for v in point):
                raise ScheduleError(f"'anneal_schedule' point {k} should be a pair of finite numbers (t_us, s): "
                                    f"value = {point!r}", [k])
            parsed.append((float(point[0]), float(point[1])))
        if len(parsed) < 2:
            raise ValueError(f"'anneal_schedule' should have at least 2 points: it has {len(parsed)}")
        t, s = np.array(parsed).T
        if t[0] != 0:
            raise ScheduleError(f"'anneal_schedule' should start at t = 0: t = {t[0]:g}", [0])
        bad = np.flatnonzero(np.diff(t) <= 0)
        if bad.size:
            k = int(bad[0])
            raise ScheduleError(f"'anneal_schedule' times should increase from point to point: t = {t[k]} then "
                                f"{t[k + 1]} (points {k} and {k + 1})", [k, k + 1])
        if np.any((s < 0) | (s > 1)):
            k = int(np.flatnonzero((s < 0) | (s > 1))[0])
            raise ScheduleError(f"'anneal_schedule' s should lie in [0, 1]: s = {s[k]:g} at point {k}", [k])
        if s[-1] != 1:
            raise ScheduleError(f"'anneal_schedule' should end at s = 1: s = {s[-1]:g}", [len(s) - 1])
        if s[0] not in (0, 1):
            raise ScheduleError(f"'anneal_schedule' should start at s = 0 (forward) or s = 1 (reverse): s = {s[0]:g}",
                                [0])
        if s[0] == 0 and np.any(np.diff(s) < 0):
            k = int(np.flatnonzero(np.diff(s) < 0)[0])
            raise ScheduleError(f"'anneal_schedule' s should never decrease in a forward anneal: s = {s[k]:g} then "
                                f"{s[k + 1]:g} (points {k} and {k + 1})", [k, k + 1])
        self.points = parsed
        self.t, self.s = t, s

    @property
    def kind(self):
        return "forward" if self.s[0] == 0 else "reverse"

    @property
    def duration(self):
        """Total anneal time in microseconds."""
        return float(self.t[-1])

    def __repr__(self):
        return f"AnnealSchedule({self.points!r})"

    def __eq__(self, other):
        return isinstance(other, AnnealSchedule) and self.points == other.points

    def to_list(self):
        """The points as a list of [t_us, s] (JSON and dwave-system ``anneal_schedule``)."""
        return [list(p) for p in self.points]

    def s_at(self, t):
        """s(t) by linear interpolation between the points."""
        return np.interp(t, self.t, self.s)

    def validate(self, properties=None, initial_state=None):
        """Check the hardware rules of a sampler's ``properties`` (default: an Advantage QPU); returns self.

        A reverse anneal also needs an ``initial_state`` when one is asked for (not None
        means the caller supplies it).
        """
        props = ADVANTAGE_PROPERTIES if properties is None else properties
        lo, hi = props["annealing_time_range"]
        max_points = props["max_anneal_schedule_points"]
        if len(self.points) > max_points:
            raise ValueError(f"'anneal_schedule' should have at most {max_points} points on this sampler: "
                             f"it has {len(self.points)}")
        if self.duration > hi:
            raise ScheduleError(f"'anneal_schedule' should last at most {hi:g} us on this sampler: it lasts "
                                f"{self.duration:g} us", [len(self.points) - 1])
        slopes = np.abs(np.diff(self.s) / np.diff(self.t))
        if np.round(slopes.max(), 10) > 1.0 / lo:
            k = int(np.argmax(slopes))
            raise ScheduleError(f"'anneal_schedule' slope |ds/dt| should be at most {1 / lo:g} per us on this "
                                f"sampler: {slopes[k]:g} between points {k} and {k + 1}", [k, k + 1])
        if self.kind == "reverse" and initial_state is False:
            raise ValueError("a reverse 'anneal_schedule' needs an initial state to start from (initial_state)")
        return self

    @classmethod
    def preset(cls, name, anneal_time=20.0, s_pause=0.45, pause_time=10.0, s_quench=0.6, s_reverse=0.45,
               hold_time=10.0):
        """A named schedule: standard, pause, quench or reverse (times in microseconds)."""
        if name not in PRESETS:
            raise ValueError(f"'preset' should be one of {', '.join(map(repr, PRESETS))}: value = {name!r}")
        T = anneal_time
        if name == "standard":
            return cls([(0, 0), (T, 1)])
        if name == "pause":
            t1 = s_pause * T
            return cls([(0, 0), (t1, s_pause), (t1 + pause_time, s_pause), (T + pause_time, 1)])
        if name == "quench":       # as fast as an Advantage allows (slope 1 / 0.5 us) after s_quench
            t1 = s_quench * T
            return cls([(0, 0), (t1, s_quench), (t1 + (1 - s_quench) * 0.5, 1)])
        ramp = (1 - s_reverse) * T / 2
        return cls([(0, 1), (ramp, s_reverse), (ramp + hold_time, s_reverse), (2 * ramp + hold_time, 1)])


class EnergyScales:
    """A(s) and B(s) in GHz (h = 1), from a table of points or the default Advantage model.

    The default is a smooth model of an Advantage-class QPU, not any one chip's data:
    A(s) = 6.5 exp(-6 s) GHz (transverse field) and B(s) = 6.1 s^1.3 GHz (problem scale),
    which cross near s = 0.28. ``from_csv`` reads D-Wave's published per-QPU schedule
    tables (columns s, A(s) (GHz), B(s) (GHz), C (normalized)).
    """

    def __init__(self, s=None, A=None, B=None):
        if s is None:
            s = np.linspace(0, 1, 1001)
            A, B = 6.5 * np.exp(-6 * s), 6.1 * s ** 1.3
        self.s, self.A_table, self.B_table = (np.asarray(v, dtype=float) for v in (s, A, B))
        if self.s.ndim != 1 or len(self.s) < 2 or np.any(np.diff(self.s) <= 0):
            raise ValueError("'s' of an energy-scale table should increase from row to row")

    @classmethod
    def from_csv(cls, path):
        """Read a published schedule table: a header line, then rows s, A(s), B(s)[, C]."""
        try:
            rows = np.loadtxt(Path(path), delimiter=",", skiprows=1, usecols=(0, 1, 2), ndmin=2)
        except (OSError, ValueError) as exc:
            raise ValueError(f"'path' should be a CSV schedule table with columns s, A(s), B(s): {exc}") from None
        return cls(rows[:, 0], rows[:, 1], rows[:, 2])

    def A(self, s):
        return np.interp(s, self.s, self.A_table)

    def B(self, s):
        return np.interp(s, self.s, self.B_table)


def beta_schedule_from(schedule, num_sweeps, beta_max, scales=None):
    """One beta per sweep for a classical annealer following ``schedule``.

    Sweeps are spread evenly over the schedule's duration (``sweep_s``); at time t the inverse
    temperature is beta_max * B(s(t)) / B(1): the problem term's weight in D-Wave's
    Hamiltonian, so a pause holds beta, a quench jumps it, and a reverse anneal lowers it
    and brings it back. (A classical annealer has no transverse field: A(s) is dropped.)
    """
    schedule = AnnealSchedule(schedule)
    scales = scales or EnergyScales()
    return beta_max * scales.B(sweep_s(schedule, num_sweeps)) / scales.B(1.0)


def sweep_s(schedule, num_sweeps):
    """s at each of ``num_sweeps`` sweeps spread evenly over the schedule, first and last point
    included (a single sweep runs at the end, s = s(duration))."""
    t = np.linspace(0, schedule.duration, num_sweeps) if num_sweeps > 1 else np.array([schedule.duration])
    return schedule.s_at(t)


def check_schedule(name, value, reverse_ok):
    """``value`` as an AnnealSchedule for parameter ``name``; reverse anneals only where ``reverse_ok``."""
    schedule = AnnealSchedule(value)
    if schedule.kind == "reverse" and not reverse_ok:
        raise ValueError(f"{name!r}: a reverse anneal needs an initial state, which this sampler "
                         "does not take; use a forward schedule (or 'sqa', 'mock-qpu' or 'qpu', which take one)")
    return schedule


def check_initial_state(name, value):
    """``value`` as the start state of a reverse anneal: None, or one sample as {variable: value}."""
    if value is None:
        return None
    try:
        samples, labels = dimod.as_samples(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name!r} should be None or one sample, a dict {{variable: spin}}: {exc}") from None
    if samples.dtype.kind not in "biuf":
        raise TypeError(f"{name!r} should be None or one sample, a dict {{variable: spin}}: value = {value!r}")
    if len(samples) != 1:
        raise ValueError(f"{name!r} should be one sample: it has {len(samples)}")
    return dict(zip(labels, samples[0].tolist()))


def start_state(bqm, schedule, state):
    """A reverse anneal's start as values of ``bqm``'s vartype in bqm.variables order; None for a
    forward anneal (which takes no start state)."""
    if schedule is None or schedule.kind == "forward":
        if state is not None:
            raise ValueError("'initial_state' is only for a reverse 'anneal_schedule' (a forward anneal "
                             "starts in the transverse field's ground state)")
        return None
    if state is None:
        raise ValueError("a reverse 'anneal_schedule' needs an initial state to start from (initial_state)")
    if not isinstance(state, Mapping) or set(state) != set(bqm.variables):
        raise ValueError(f"'initial_state' should give a value for every variable of the model and no others: "
                         f"{len(set(bqm.variables) - set(state))} missing, "
                         f"{len(set(state) - set(bqm.variables))} unknown")
    values = np.array([state[v] for v in bqm.variables])
    allowed = (-1, 1) if bqm.vartype is dimod.SPIN else (0, 1)
    if not np.all(np.isin(values, allowed)):
        raise ValueError(f"'initial_state' values should be {allowed[0]} or {allowed[1]} for a "
                         f"{bqm.vartype.name} model: found {sorted(set(values.tolist()) - set(allowed))}")
    return values.astype(np.int8)
