"""Errors and input checks shared by the public API.

Every message names the parameter, the value and what is allowed, e.g.
``'num_reads' should be an integer >= 1: value = 0``.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

__all__ = [
    "ModelTooLargeError",
    "QnnLabError",
    "UnknownNameError",
    "check_choice",
    "check_finite_array",
    "check_float",
    "check_int",
    "check_random_state",
    "warn_unknown_kwargs",
]


class QnnLabError(Exception):
    """Base class of qnn_lab's own errors."""


class ModelTooLargeError(QnnLabError, ValueError):
    """A model has more variables than a solver accepts."""


class UnknownNameError(QnnLabError, ValueError):
    """A name (sampler, dataset, trainer) is not one of the known ones."""


def check_int(name, value, *, low=None, high=None):
    """Return ``value`` as an int; TypeError if not integral, ValueError if out of range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name!r} should be an integer{_range(low, high)}: value = {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name!r} should be an integer{_range(low, high)}: value = {value!r}")
    return value


def check_float(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite float within the given (closed or open) bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name!r} should be a real number{_range(low, high, low_open, high_open)}: "
                        f"value = {value!r}")
    value = float(value)
    bad = not np.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        raise ValueError(f"{name!r} should be a finite number{_range(low, high, low_open, high_open)}: "
                         f"value = {value!r}")
    return value


def check_bool(name, value):
    """Return ``value`` if it is a bool (numpy's too) as a bool; TypeError otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name!r} should be True or False: value = {value!r}")
    return bool(value)


def check_choice(name, value, choices, *, error=UnknownNameError):
    """Return ``value`` if it is one of ``choices``; the error lists them."""
    if not isinstance(value, str) or value not in choices:
        raise error(f"{name!r} should be one of {', '.join(map(repr, choices))}: value = {value!r}")
    return value


def check_finite_array(name, value, *, ndim=None, columns=None, dtype=float):
    """Return ``value`` as a numpy array of ``dtype``; refuse NaN, inf, wrong shape."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name!r} should be an array of numbers: {exc}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name!r} should be a {ndim}-D array: shape = {arr.shape}")
    if columns is not None and arr.shape[-1] != columns:
        raise ValueError(f"{name!r} should have {columns} columns (the network's input width): "
                         f"shape = {arr.shape}")
    if arr.size and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name!r} should hold finite numbers: value at {tuple(int(i) for i in bad)} "
                         f"is {arr[tuple(bad)]!r}")
    return arr


def check_random_state(random_state):
    """Turn None, an int seed or a Generator into a numpy Generator."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"'random_state' should be None, an integer >= 0 or a numpy Generator: "
                             f"value = {random_state!r}")
        return np.random.default_rng(int(random_state))
    raise TypeError(f"'random_state' should be None, an integer >= 0 or a numpy Generator: "
                    f"value = {random_state!r}")


def warn_unknown_kwargs(owner, kwargs, known=()):
    """Warn (SamplerUnknownArgWarning-like) about keyword arguments that are ignored."""
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        warnings.warn(f"{owner} ignores unknown keyword argument(s): {', '.join(unknown)}",
                      UserWarning, stacklevel=3)
    return {k: v for k, v in kwargs.items() if k in known}


def _range(low, high, low_open=False, high_open=False):
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""
