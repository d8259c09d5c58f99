"""Parameter schemas: what a dataset, sampler or trainer takes, in a form a UI and the CLI turn into controls."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import dimod
import numpy as np

from .exceptions import UnknownNameError, check_choice, check_float, check_int

__all__ = ["MAX_SEED", "Parameter", "Registry", "resolve_parameters"]

KINDS = ("int", "float", "bool", "choice", "range", "seed", "callable", "schedule", "object")

#: Largest seed every sampler accepts (dwave-samplers takes seeds below 2**31).
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Parameter:
    """One parameter of a dataset, sampler or trainer.

    ``kind`` is one of int, float, bool, choice, range (a (low, high) pair of floats or
    None for automatic), seed (None or an int >= 0), schedule (an AnnealSchedule or its
    points, None for none, checked by ``check(name, value, reverse_ok)``), callable (not shown
    in a UI), object (a Python object that ``check(name, value)`` checks and returns, e.g.
    EnergyScales; not shown in a UI). An int or float parameter whose default is None also
    takes None (the owner's automatic choice); ``low_open`` excludes ``low`` itself (floats).
    """

    name: str
    kind: str
    default: object = None
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    doc: str = ""
    reverse_ok: bool = False
    low_open: bool = False
    check: object = field(default=None, repr=False, compare=False)

    def validate(self, value):
        """Return the checked value; TypeError/ValueError naming this parameter otherwise."""
        if value is None and self.default is None and self.kind in ("int", "float"):
            return None
        if self.kind == "int":
            return check_int(self.name, value, low=self.low, high=self.high)
        if self.kind == "float":
            return check_float(self.name, value, low=self.low, high=self.high, low_open=self.low_open)
        if self.kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{self.name!r} should be True or False: value = {value!r}")
            return bool(value)
        if self.kind == "choice":
            return check_choice(self.name, value, self.choices, error=ValueError)
        if self.kind == "seed":
            if value is None:
                return None
            return check_int(self.name, value, low=0, high=MAX_SEED)
        if self.kind == "range":
            if value is None:
                return None
            if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
                raise TypeError(f"{self.name!r} should be None or a pair (low, high): value = {value!r}")
            lo = check_float(f"{self.name}[0]", value[0], low=0, low_open=True)
            hi = check_float(f"{self.name}[1]", value[1], low=0, low_open=True)
            if lo > hi:
                raise ValueError(f"{self.name!r} should be a pair (low, high) with 0 < low <= high: "
                                 f"value = {tuple(value)!r}")
            return (lo, hi)
        if self.kind == "schedule":
            return None if value is None else self.check(self.name, value, self.reverse_ok)
        if self.kind == "object":
            return self.check(self.name, value)
        if self.kind == "callable":
            if value is not None and not callable(value):
                raise TypeError(f"{self.name!r} should be None or a callable: value = {value!r}")
            return value
        raise AssertionError(self.kind)

    def to_dict(self):
        """JSON-ready description (for UIs and the CLI)."""
        return {"name": self.name, "kind": self.kind, "default": self.default, "low": self.low,
                "high": self.high, "low_open": self.low_open, "choices": list(self.choices), "doc": self.doc}


def resolve_parameters(owner, parameters, params, *, stacklevel=3):
    """Validate ``params`` against ``parameters``; unknown names warn (dimod's
    SamplerUnknownArgWarning) and are dropped."""
    by_name = {p.name: p for p in parameters}
    unknown = sorted(set(params) - set(by_name))
    if unknown:
        warnings.warn(f"sampler {owner!r} ignores unknown parameter(s) {', '.join(unknown)}; "
                      f"it takes {', '.join(by_name)}", dimod.exceptions.SamplerUnknownArgWarning,
                      stacklevel=stacklevel)
    return {k: by_name[k].validate(v) for k, v in params.items() if k in by_name}


class Registry:
    """Named entries (datasets, samplers, trainers), each with a one-line doc and Parameter specs.

    Iterating gives the names in registration order (read at each use, so a later
    registration shows everywhere). ``kind`` names what is registered in errors
    ("'sampler' should be one of ..."); ``lookup(name, option)`` names an argument or a CLI
    option instead.
    """

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def register(self, entry):
        """Add (or replace) ``entry``, which has a ``name``; returns it."""
        self._entries[entry.name] = entry
        return entry

    def unregister(self, name):
        """Remove the entry ``name`` (UnknownNameError if there is none); returns it."""
        return self._entries.pop(self.lookup(name).name)

    def names(self):
        return list(self._entries)

    def __iter__(self):
        return iter(list(self._entries))

    def __len__(self):
        return len(self._entries)

    def __contains__(self, name):
        return name in self._entries

    def __getitem__(self, name):
        return self.lookup(name)

    def lookup(self, name, option=None):
        """The entry ``name``; UnknownNameError naming ``option`` (default: the kind), the value and the names."""
        if not isinstance(name, str) or name not in self._entries:
            raise UnknownNameError(f"{option or self.kind!r} should be one of "
                                   f"{', '.join(map(repr, self._entries))}: value = {name!r}")
        return self._entries[name]
