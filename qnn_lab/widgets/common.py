"""Small pieces every panel uses: error reporting into the lab, throttling, background jobs, figures."""
from __future__ import annotations

import functools
import html
import re
import threading
import time
import traceback

import ipywidgets as w
import plotly.graph_objects as go

from .words import explain

__all__ = ["BackgroundJob", "ErrorNote", "Throttle", "bind", "figure", "shows_errors"]


class ErrorNote(w.HTML):
    """A red line beside a control or button: what went wrong there; hidden when empty."""

    def __init__(self):
        super().__init__(layout={"display": "none"})

    def show(self, text):
        self.value = f"<span class='qnn-error' style='color:#c00'>{html.escape(text)}</span>" if text else ""
        self.layout.display = None if text else "none"

    @property
    def text(self):
        return html.unescape(re.sub("<[^>]+>", "", self.value))


def shows_errors(state, note=None):
    """Decorator: an exception in a callback goes to ``note`` (beside its cause) or else to
    ``state.message``; a success clears ``note``. The lab keeps working either way."""
    def wrap(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:       # shown to the user, never swallowed
                text = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
                state.last_traceback = traceback.format_exc()
                if note is None:
                    state.message = text
                else:
                    note.show(text)
                return None
            if note is not None:
                note.show("")
            return result
        return call
    return wrap


def bind(state, name, control, note, *, key=None, parse=None, show=None):
    """Show setting ``name`` (or its entry ``key``, for the dict settings) in ``control`` and
    write the control's edits back; a refused value is explained in ``note``, the setting keeps
    its last valid value, and the next accepted value clears the note. A control without a
    tooltip gets the setting's plain words (``words.SETTINGS``)."""
    if not control.tooltip:
        control.tooltip = explain("setting", name)
    parse = parse or (lambda v: v)
    show = show or (lambda v: v)

    def current():
        value = getattr(state, name)
        return value.get(key) if key is not None else value

    def to_state(change):
        try:
            value = parse(change["new"])
            if key is None:
                setattr(state, name, value)
            elif value != current():
                setattr(state, name, {**getattr(state, name), key: value})
        except Exception as exc:       # shown beside the control; the setting stays valid
            note.show(str(exc))
            return
        note.show("")

    def to_control(change=None):
        value = show(current())
        if control.value != value:
            control.value = value

    control.observe(to_state, "value")
    state.observe(to_control, names=name)
    to_control()
    return to_control


class Throttle:
    """True at most ``rate`` times a second (and always when forced)."""

    def __init__(self, rate=8.0):
        self.period = 1.0 / rate
        self.last = 0.0

    def ready(self, force=False):
        now = time.perf_counter()
        if force or now - self.last >= self.period:
            self.last = now
            return True
        return False


class BackgroundJob:
    """Mixin for a panel that runs one job at a time in a daemon thread, so the kernel stays responsive."""

    _thread = None

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout=None):
        """Block until the running job ends (or ``timeout`` seconds pass)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _launch(self, job, block=False):
        """Run ``job()`` in a thread, or here and now when ``block``."""
        if block:
            job()
        else:
            self._thread = threading.Thread(target=job, daemon=True)
            self._thread.start()


def figure(height=300, width=None, **layout):
    """A FigureWidget with the lab's compact layout."""
    fig = go.FigureWidget()
    layout = {"margin": {"l": 40, "r": 10, "t": 30, "b": 30}, "template": "plotly_white", **layout}
    fig.update_layout(height=height, width=width, **layout)
    return fig
