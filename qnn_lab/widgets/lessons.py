"""Guided lessons: small JSON files of steps (text, lab settings, a question), and a player for the lab.

A lesson file (``qnn_lab/lessons/*.json``, format in docs/lessons.md) holds a title, a summary,
the lab settings the lesson starts from and a list of steps. Each step has text, optional
settings (the keys of a saved lab, ``LabState`` setting names) and an optional question
with its answer. The settings of step k are the lab's defaults, then the lesson's settings,
then those of steps 1..k, so Back and Next always give the same lab.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import ipywidgets as w

from ..exceptions import QnnLabError
from .common import error_text
from .state import SETTINGS, TABS, LabState

__all__ = ["LESSON_KEYS", "STEP_KEYS", "Lesson", "LessonError", "LessonPlayer", "Step", "check_lesson",
           "list_lessons", "load_lesson", "step_settings"]

LESSON_KEYS = {"title": "required", "summary": "required", "settings": "optional", "steps": "required"}
STEP_KEYS = {"text": "required", "tab": "optional", "settings": "optional", "question": "optional",
             "choices": "optional", "answer": "optional", "explanation": "optional"}
#: Settings that only choose what is shown: a step keeps the student's choice unless it sets them.
VIEW_SETTINGS = ("selected_label", "selected_read", "mode", "tab")
#: Settings that rebuild the data or the network when they change (trained weights are lost).
REBUILDING = ("dataset", "features", "n_samples", "noise", "test_fraction", "seed", "hidden", "replicas")


class LessonError(QnnLabError, ValueError):
    """A lesson file that cannot be used; the message names the file, the step and the key."""


@dataclass(frozen=True)
class Step:
    """One step: text to read, settings to apply, and maybe a question."""

    text: str
    tab: str = ""
    settings: dict = field(default_factory=dict)
    question: str = ""
    choices: tuple = ()
    answer: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class Lesson:
    """A lesson: its file's stem as ``name``, a title, a summary, starting settings and steps."""

    name: str
    title: str
    summary: str
    settings: dict
    steps: tuple
    path: str = ""


def _lesson_dir():
    return resources.files("qnn_lab") / "lessons"


def list_lessons():
    """Names of the lessons shipped with qnn_lab (file stems, in file-name order)."""
    return sorted(p.name[:-5] for p in _lesson_dir().iterdir() if p.name.endswith(".json"))


def _text(where, key, value):
    """A text field: a string, or a list of strings (paragraphs, joined by blank lines)."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        value = "\n\n".join(value)
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}: {key!r} should be a non-empty string (or a list of strings): value = {value!r}")
    return value.strip()


def _settings(where, value):
    if not isinstance(value, dict):
        raise LessonError(f"{where}: 'settings' should be a JSON object of lab settings: value = {value!r}")
    unknown = [k for k in value if k not in SETTINGS]
    if unknown:
        raise LessonError(f"{where}: 'settings' key {unknown[0]!r} should be one of the lab's settings: "
                          f"{', '.join(SETTINGS)}")
    if "tab" in value:
        raise LessonError(f"{where}: 'settings' should not set 'tab': give the step a 'tab' key (one of "
                          f"{', '.join(TABS)}), which opens that tab when the step is shown")
    return dict(value)


def _keys(where, data, allowed):
    if not isinstance(data, dict):
        raise LessonError(f"{where}: should be a JSON object: value = {data!r}")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise LessonError(f"{where}: key {unknown[0]!r} should be one of {', '.join(allowed)}")
    missing = [k for k, need in allowed.items() if need == "required" and k not in data]
    if missing:
        raise LessonError(f"{where}: the key {missing[0]!r} is missing")


def _step(where, data):
    _keys(where, data, STEP_KEYS)
    step = {"text": _text(where, "text", data["text"]), "settings": _settings(where, data.get("settings", {}))}
    if "tab" in data:
        if data["tab"] not in TABS:
            raise LessonError(f"{where}: 'tab' should be one of {', '.join(map(repr, TABS))}: value = {data['tab']!r}")
        step["tab"] = data["tab"]
    if "question" in data:
        step["question"] = _text(where, "question", data["question"])
        if "answer" not in data:
            raise LessonError(f"{where}: a step with a 'question' needs an 'answer'")
    elif any(k in data for k in ("choices", "answer")):
        raise LessonError(f"{where}: 'choices' and 'answer' need a 'question'")
    if "choices" in data:
        choices = data["choices"]
        if (not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) and c for c in choices)
                or len(set(choices)) != len(choices)):
            raise LessonError(f"{where}: 'choices' should be a list of at least 2 distinct strings: "
                              f"value = {choices!r}")
        step["choices"] = tuple(choices)
        if data["answer"] not in choices:
            raise LessonError(f"{where}: 'answer' should be one of the choices {choices!r}: value = {data['answer']!r}")
    if "answer" in data:
        step["answer"] = _text(where, "answer", data["answer"])
    if "explanation" in data:
        step["explanation"] = _text(where, "explanation", data["explanation"])
    return Step(**step)


def load_lesson(source):
    """Read and check a lesson: a shipped lesson's name (``list_lessons()``) or a path to a JSON file.

    The structure and the setting names are checked here; ``check_lesson`` also checks the values.
    LessonError naming the file, the step and the key otherwise.
    """
    if isinstance(source, str) and not source.endswith(".json") and source in list_lessons():
        path = _lesson_dir() / f"{source}.json"
    else:
        path = Path(source)
    name = Path(str(path)).name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LessonError(f"lesson file {name!r} cannot be read ({exc}); shipped lessons: "
                          f"{', '.join(list_lessons())}") from None
    except json.JSONDecodeError as exc:
        raise LessonError(f"lesson file {name!r} is not valid JSON: {exc}") from None
    where = f"lesson file {name!r}"
    _keys(where, data, LESSON_KEYS)
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise LessonError(f"{where}: 'steps' should be a non-empty list of steps: value = {steps!r}")
    return Lesson(name=name[:-5] if name.endswith(".json") else name, title=_text(where, "title", data["title"]),
                  summary=_text(where, "summary", data["summary"]),
                  settings=_settings(where, data.get("settings", {})),
                  steps=tuple(_step(f"{where}, step {k + 1}", s) for k, s in enumerate(steps)), path=str(path))


def _defaults():
    traits = LabState.class_traits()
    return {name: traits[name].default() for name in SETTINGS if name not in VIEW_SETTINGS}


#: Parameter dicts a step adds to (unless it also changes the sampler or trainer they belong to).
_PARAMS_OF = {"sampler_params": "sampler", "trainer_params": "trainer"}


def step_settings(lesson, k):
    """The lab settings of step ``k`` (0-based): the defaults, the lesson's, then steps 1..k+1's.

    A step's ``sampler_params`` / ``trainer_params`` update the ones before it, unless the same
    step names another ``sampler`` / ``trainer``: then they start from its defaults.
    """
    if not 0 <= k < len(lesson.steps):
        raise IndexError(f"'step' should be in [0, {len(lesson.steps) - 1}]: value = {k!r}")
    settings = _defaults()
    for layer in (lesson.settings, *(step.settings for step in lesson.steps[:k + 1])):
        for name, value in layer.items():
            owner = _PARAMS_OF.get(name)
            if owner and owner not in layer:
                value = {**settings[name], **value}
            settings[name] = value
        for name, owner in _PARAMS_OF.items():
            if owner in layer and name not in layer:
                settings[name] = {}
    return settings


def _probe(lesson, k):
    """A fresh LabState with step k's settings (checks every value); LessonError naming file and step."""
    try:
        return LabState(**step_settings(lesson, k))
    except (ValueError, TypeError) as exc:         # LabValueError and the registries' errors name the setting
        raise LessonError(f"lesson file {lesson.name + '.json'!r}, step {k + 1}: {exc}") from None


def check_lesson(source):
    """Load a lesson and apply every step's settings to a fresh lab state; returns the Lesson."""
    lesson = source if isinstance(source, Lesson) else load_lesson(source)
    for k in range(len(lesson.steps)):
        _probe(lesson, k)
    return lesson


def apply_step(state, lesson, k):
    """Set ``state`` to step k's settings, changing only what differs (a trained network survives a step
    that keeps the data and network settings). Returns the names of the settings changed."""
    if getattr(state, "running", False):
        raise LessonError("a run is in progress: stop it before moving to another step")
    target = _probe(lesson, k).to_dict()
    current = state.to_dict()
    wanted = step_settings(lesson, k)
    changed = [name for name in SETTINGS if name in wanted and target[name] != current[name]]
    try:
        _set(state, target, changed)
    except Exception:                  # a step that fails halfway leaves the lab as it was, not half set up
        _set(state, current, changed)
        raise
    return changed


def _set(state, settings, names):
    """Set ``names`` of ``state`` to their values in ``settings`` (a ``to_dict()``); rebuilds the data and
    network once when any of them needs it."""
    if any(name in REBUILDING for name in names):
        state.apply({"version": settings["version"], **{name: settings[name] for name in names}})
    else:
        for name in names:
            setattr(state, name, settings[name])


def _paragraphs(text):
    return "".join(f"<p style='margin:4px 0;line-height:1.4'>{html.escape(p)}</p>" for p in text.split("\n\n"))


class LessonPlayer(w.VBox):
    """Walk a lesson in the lab: its text, Back / Next (each step sets the lab up), a question to answer.

    ``lessons``: names of shipped lessons or paths of lesson files (default: every shipped one).

    Examples:
        >>> player = LessonPlayer(LabState(dataset="xor", hidden=[4]))
        >>> player.start("01_spin_glass")
        >>> player.step, player.state.dataset
        (0, 'digits')
    """

    def __init__(self, state, lessons=None):
        self.state = state
        self.lesson = None
        self.step = 0
        self.lessons = {}
        self.choose = w.Dropdown(description="lesson", layout={"width": "auto", "max_width": "520px"})
        for source in list_lessons() if lessons is None else lessons:
            self.add(source)
        self.start_button = w.Button(description="Start", button_style="primary", icon="play",
                                     tooltip="set the lab up for the lesson's first step")
        self.summary = w.HTML()
        self.progress = w.HTML()
        self.text = w.HTML()
        self.question = w.HTML()
        self.choices = w.RadioButtons(options=[], layout={"width": "auto"})
        self.check_button = w.Button(description="Check", tooltip="is the chosen answer right?")
        self.answer_button = w.Button(description="Show answer", tooltip="show the answer and why")
        self.feedback = w.HTML()
        self.back_button = w.Button(description="Back", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.again_button = w.Button(description="Set up again", icon="refresh",
                                     tooltip="put back this step's settings (after you changed some)")
        self.status = w.HTML()
        self.start_button.on_click(lambda _: self._guard(self.start, self.choose.value))
        self.check_button.on_click(lambda _: self._guard(self.check))
        self.answer_button.on_click(lambda _: self._guard(self.show_answer))
        self.back_button.on_click(lambda _: self._guard(self.go, self.step - 1))
        self.next_button.on_click(lambda _: self._guard(self.go, self.step + 1))
        self.again_button.on_click(lambda _: self._guard(self.go, self.step, True))
        self.choose.observe(lambda _: self._show_summary(), "value")
        self.lesson_box = w.VBox([self.progress, self.text, self.question, self.choices,
                                  w.HBox([self.check_button, self.answer_button]), self.feedback,
                                  w.HBox([self.back_button, self.next_button, self.again_button])])
        super().__init__([w.HBox([self.choose, self.start_button]), self.summary, self.lesson_box, self.status])
        self.add_class("qnn-lessons")
        self._show_summary()
        self.lesson_box.layout.display = "none"

    def add(self, source):
        """Offer another lesson: a shipped lesson's name or the path of a teacher's lesson file."""
        lesson = load_lesson(source)
        self.lessons[lesson.name] = lesson
        self.choose.options = [(item.title, name) for name, item in self.lessons.items()]
        if self.choose.value is None:            # new options leave the dropdown empty: offer the first lesson
            self.choose.index = 0
        return lesson

    def _guard(self, fn, *args):
        """Run a button's action; an error shows beside the buttons (and clears on the next success)."""
        try:
            fn(*args)
        except Exception as exc:          # shown to the student, never swallowed
            self.status.value = f"<span style='color:#c00'>{html.escape(error_text(exc))}</span>"
        else:
            self.status.value = ""

    def _show_summary(self):
        lesson = self.lessons.get(self.choose.value)
        self.summary.value = _paragraphs(lesson.summary) if lesson else "<i>no lessons found</i>"

    def start(self, name):
        """Open lesson ``name`` at its first step (and set the lab up for it)."""
        if name not in self.lessons:
            raise LessonError(f"'lesson' should be one of {', '.join(map(repr, self.lessons))}: value = {name!r}")
        self.lesson = self.lessons[name]
        if self.choose.value != name:
            self.choose.value = name
        self.step = 0
        self.go(0, force=True)

    def go(self, k, force=False):
        """Show step ``k`` (0-based) and apply its settings to the lab."""
        if self.lesson is None:
            raise LessonError("no lesson started: choose one and press Start")
        if not 0 <= k < len(self.lesson.steps):
            raise LessonError(f"'step' should be in [1, {len(self.lesson.steps)}]: value = {k + 1}")
        if k == self.step and not force:
            return
        apply_step(self.state, self.lesson, k)
        self.step = k
        self._show_step()
        if self.lesson.steps[k].tab:
            self.state.tab = self.lesson.steps[k].tab          # the tab the step talks about

    def next(self):
        self.go(self.step + 1)

    def back(self):
        self.go(self.step - 1)

    def _show_step(self):
        lesson, step = self.lesson, self.lesson.steps[self.step]
        n = len(lesson.steps)
        self.lesson_box.layout.display = None
        self.progress.value = f"<b>{html.escape(lesson.title)}</b> &middot; step {self.step + 1} of {n}"
        self.text.value = _paragraphs(step.text)
        self.question.value = f"<b>Question:</b> {html.escape(step.question)}" if step.question else ""
        self.choices.options = list(step.choices)
        self.choices.value = None
        self.choices.layout.display = None if step.choices else "none"
        self.check_button.layout.display = None if step.choices else "none"
        self.answer_button.layout.display = None if step.question else "none"
        self.feedback.value = ""
        self.back_button.disabled = self.step == 0
        self.next_button.disabled = self.step == n - 1

    def check(self):
        """Say whether the chosen answer is right (the explanation follows a right answer)."""
        step = self.lesson.steps[self.step]
        if not step.choices:
            raise LessonError("this step has no choices to check: press Show answer")
        if self.choices.value is None:
            raise LessonError("choose an answer first")
        if self.choices.value == step.answer:
            self.feedback.value = ("<span style='color:#1a7f37'><b>Right.</b></span> "
                                   + html.escape(step.explanation))
        else:
            self.feedback.value = ("<span style='color:#b35900'><b>Not quite</b>: look again, "
                                   "or press Show answer.</span>")
        return self.choices.value == step.answer

    def show_answer(self):
        step = self.lesson.steps[self.step]
        self.feedback.value = f"<b>Answer:</b> {html.escape(step.answer)}" + (
            f" {html.escape(step.explanation)}" if step.explanation else "")
