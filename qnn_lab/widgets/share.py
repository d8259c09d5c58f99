"""Share links: a lab's settings as a URL query, and teacher mode.

The query's keys are ``LabState`` setting names (``?dataset=xor&hidden=8,8&replicas=2&sampler=sa&seed=3``;
lists comma-separated; one entry of a dict setting as ``sampler_params.num_sweeps=50``, values read as
JSON where they parse, else as text), plus ``hide=`` (panels or settings not shown), ``lock=`` (shown but
disabled) and ``lesson=`` (a lesson to open). Voila hands a page's query to the kernel as ``QUERY_STRING``,
so ``notebooks/lab.ipynb`` opened as ``.../voila/render/notebooks/lab.ipynb?dataset=xor`` builds that lab.
Unknown keys and refused values are named in the lab's message and ignored; the rest applies.
"""
from __future__ import annotations

import contextlib
import html
import json
import math
import urllib.parse
from dataclasses import dataclass, field
from importlib import metadata

import ipywidgets as w
import traitlets as tl

from ..samplers import sampler_spec
from ..samplers.schedules import AnnealSchedule
from .common import controls_of
from .lessons import list_lessons
from .state import SETTINGS, LabState, kept_parameters, trainer_defaults

__all__ = ["LINK_KEYS", "PANELS", "Link", "ShareControl", "apply_teacher_mode", "binder_link", "lab_from_link",
           "link_query", "read_link", "voila_link"]

#: Keys of a link besides the settings.
LINK_KEYS = ("hide", "lock", "lesson")
#: Query keys of the server, not of the lab (Jupyter's ?token=): passed over in silence.
SERVER_KEYS = ("token",)
#: Settings that do not travel in links (one's own data: share the lab state file instead).
NOT_IN_LINKS = ("own_data",)
#: Panel names for hide= and lock=, and the Lab attribute holding each panel.
PANELS = {"network": "builder", "model": "qubo", "sampler": "sampler", "energies": "histogram",
          "training": "training", "qpu": "embedding", "files": "transfer", "share": "share"}
#: Settings shown by controls that ``bind`` does not attach: the Lab attributes holding them.
EXTRA_CONTROLS = {"hidden": ("builder.add_layer", "builder.remove_layer", "builder.layer_rows")}
#: The notebook a Voila link renders, relative to the repository (and to a Binder session).
NOTEBOOK = "notebooks/lab.ipynb"
DEFAULT_SERVER = "http://localhost:8888/"
_DICTS = ("sampler_params", "trainer_params")
_NONE = ("", "none", "None", "null")


@dataclass
class Link:
    """A read link: the settings that apply (checked), hide / lock names, the lesson, and the problems."""

    settings: dict = field(default_factory=dict)
    hide: list = field(default_factory=list)
    lock: list = field(default_factory=list)
    lesson: str | None = None
    problems: list = field(default_factory=list)


def _query_of(url_or_query):
    if not isinstance(url_or_query, str):
        raise TypeError(f"'url_or_query' should be a link or its query string: type = {type(url_or_query).__name__}")
    text = url_or_query.strip()
    if "?" in text:
        text = text.split("?", 1)[1]
    return text.split("#", 1)[0]


def _parse_value(name, text):
    """The typed value of setting ``name`` from its link text (ValueError naming it otherwise)."""
    trait = LabState.class_traits()[name]
    try:
        if isinstance(trait, tl.Int):
            if trait.allow_none and text in _NONE:
                return None
            return int(text)
        if isinstance(trait, tl.Float):
            value = float(text)
            if not math.isfinite(value):
                raise ValueError
            return value
        if isinstance(trait, tl.List):
            items = [t.strip() for t in text.split(",") if t.strip()]
            return [int(t) for t in items] if isinstance(trait._trait, tl.Int) else items
        if isinstance(trait, tl.Dict):
            value = json.loads(text)
            if not isinstance(value, dict):
                raise ValueError
            return value
        if isinstance(trait, tl.Any):                 # selected_label: a model variable like 0,h,1,2
            if text in _NONE:
                return None
            return tuple(int(t) if t.strip().lstrip("-").isdigit() else t.strip() for t in text.split(","))
        return text
    except (ValueError, OverflowError):
        kind = {tl.Int: "an integer", tl.Float: "a finite number", tl.List: "a comma-separated list",
                tl.Dict: "a JSON object"}
        what = next((v for k, v in kind.items() if isinstance(trait, k)), "a value")
        raise ValueError(f"{name!r} should be {what}: value = {text!r}") from None


def _json_or_text(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_link(url_or_query, **defaults):
    """Read a link against a lab with ``defaults``: every setting checked as the lab would check it.

    Returns a ``Link`` whose ``settings`` are ``defaults`` updated with the accepted values;
    ``problems`` names each unknown key and refused value (they are ignored).
    """
    pairs = urllib.parse.parse_qsl(_query_of(url_or_query), keep_blank_values=True)
    link, raw = Link(), {}
    for key, text in pairs:
        if key in SERVER_KEYS:
            continue
        if key in ("hide", "lock"):
            getattr(link, key).extend(t.strip() for t in text.split(",") if t.strip())
        elif key == "lesson":
            if text in list_lessons():
                link.lesson = text
            else:
                link.problems.append(f"'lesson' should be one of {', '.join(map(repr, list_lessons()))}: "
                                     f"value = {text!r}")
        elif key.split(".", 1)[0] in _DICTS and "." in key:
            head, entry = key.split(".", 1)
            raw.setdefault(head, {})[entry] = _json_or_text(text)
        elif key in SETTINGS and key not in NOT_IN_LINKS:
            try:
                raw[key] = _parse_value(key, text)
            except ValueError as exc:
                link.problems.append(str(exc))
        else:
            link.problems.append(f"unknown key {key!r}: a link takes the lab's settings "
                                 f"({', '.join(s for s in SETTINGS if s not in NOT_IN_LINKS)}) and "
                                 f"{', '.join(LINK_KEYS)}")
    probe = LabState(**defaults)
    with probe._batch():
        for name in SETTINGS:
            if name not in raw:
                continue
            entries = raw[name].items() if name in _DICTS and isinstance(raw[name], dict) else [(None, raw[name])]
            for entry, value in entries:
                new = value if entry is None else {**getattr(probe, name), entry: value}
                try:
                    setattr(probe, name, new)
                except (tl.TraitError, TypeError, ValueError) as exc:
                    link.problems.append(str(exc))
    given = set(raw) | {params for params, owner in (("sampler_params", "sampler"), ("trainer_params", "trainer"))
                        if owner in raw}      # another sampler / trainer: its own parameters, not the defaults
    link.settings = {**defaults, **{n: getattr(probe, n) for n in SETTINGS if n in given}}
    return link


def lab_from_link(lab_class, url_or_query, **defaults):
    """A lab (``lab_class``) built from a link: settings, hidden and locked controls, lesson, problems shown."""
    link = read_link(url_or_query, **defaults)
    try:
        lab = lab_class(**link.settings)
    except (tl.TraitError, ValueError) as exc:     # values fine alone, refused together
        link.problems.append(f"{exc} (the link's settings were not applied)")
        lab = lab_class(**defaults)
    lab.link_defaults = dict(defaults)
    if link.lesson is not None:
        player = _lesson_player(lab)
        player.start(link.lesson)                       # opens the tab its first step names, if any
        if not player.lesson.steps[0].tab:
            with contextlib.suppress(tl.TraitError):
                lab.state.tab = "lessons"
    link.problems += apply_teacher_mode(lab, hide=link.hide, lock=link.lock)
    if link.problems:
        lab.state.message = "This link: " + "; ".join(link.problems) + " (ignored; the rest applies)"
    return lab


def _lesson_player(lab):
    player = getattr(lab, "lessons", None)
    if player is None:
        from .lessons import LessonPlayer

        lab.lessons = player = LessonPlayer(lab.state)
        lab.children = (lab.children[0], player, *lab.children[1:])
    return player


# ------------------------------------------------------------ teacher mode
def _panel_box(lab, widget):
    """The box that shows ``widget`` as a panel (its header included): its parent in the lab's tree."""
    def find(node):
        for child in getattr(node, "children", ()):
            if child is widget:
                return node
            found = find(child)
            if found is not None:
                return found
        return None
    parent = find(lab)
    return widget if parent is None or parent is lab else parent


def _widgets(node):
    yield node
    for child in getattr(node, "children", ()):
        yield from _widgets(child)


def _keep_disabled(widget):
    widget.disabled = True
    widget.observe(lambda change: setattr(widget, "disabled", True) if not change["new"] else None, "disabled")


def _attribute(obj, path):
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return obj


def _setting_controls(lab):
    """{setting: [controls]} of this lab: the bound ones and ``EXTRA_CONTROLS``."""
    found = {name: list(controls) for name, controls in controls_of(lab.state).items()}
    for name, paths in EXTRA_CONTROLS.items():
        extra = [c for c in (_attribute(lab, p) for p in paths) if c is not None]
        if extra:
            found.setdefault(name, []).extend(extra)
    return found


def teacher_names(lab):
    """Names ``hide=`` and ``lock=`` take in this lab: its panels and the settings it shows."""
    panels = [name for name, attr in PANELS.items() if getattr(lab, attr, None) is not None]
    return panels + sorted(_setting_controls(lab))


def _hide_tab(lab, name):
    """A panel that is a tab of the lab also loses its tab title (by a style on the lab)."""
    tabs = getattr(lab, "tabs", None)
    titles = list(getattr(tabs, "titles", ()) or ())
    title = getattr(lab, "TAB_TITLES", {}).get(name) or _tab_titles().get(name)
    if tabs is None or title not in titles:
        return
    k = titles.index(title)
    css = f"qnn-hide-tab-{k}"
    lab.add_class(css)
    lab.children += (w.HTML(f"<style>.{css} > .widget-tab > .lm-TabBar .lm-TabBar-tab:nth-child({k + 1}) "
                            f"{{display: none !important}}</style>"),)


def _tab_titles():
    from . import lab

    return getattr(lab, "TAB_TITLES", {})


def _hold(state, name):
    """Keep setting ``name`` at its value: a locked setting changes back, saying why."""
    value = getattr(state, name)

    def revert(change):
        if change["new"] != value:
            setattr(state, name, value)
            state.message = f"{name!r} is locked in this lab"
    state.observe(revert, names=name)


def apply_teacher_mode(lab, hide=(), lock=()):
    """Hide panels or settings' controls, lock others (shown, disabled, and the setting held);
    returns the problems (unknown names)."""
    problems = []
    bound = _setting_controls(lab)
    for option, names in (("hide", hide), ("lock", lock)):
        for name in names:
            panel = getattr(lab, PANELS[name], None) if name in PANELS else None
            if panel is not None:
                widgets = [_panel_box(lab, panel)]
            elif name in bound:
                widgets = bound[name]
                if option == "lock":
                    _hold(lab.state, name)
            else:
                problems.append(f"{option!r} should name panels or settings of this lab "
                                f"({', '.join(teacher_names(lab))}): value = {name!r}")
                continue
            if option == "hide" and panel is not None:
                _hide_tab(lab, name)
            for widget in widgets:
                if option == "hide":
                    widget.layout.display = "none"
                else:
                    for inner in _widgets(widget):
                        if "disabled" in inner.trait_names():
                            _keep_disabled(inner)
    return problems


# ------------------------------------------------------------ making links
def _default_entries(name, kind):
    """Default values of the entries of dict setting ``kind`` for sampler/trainer ``name``."""
    if kind == "sampler_params":
        return {p.name: p.validate(p.default) for p in kept_parameters(sampler_spec(name))}
    return trainer_defaults(name)


def _text(value):
    if isinstance(value, AnnealSchedule):
        value = value.to_list()
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, str)) and not isinstance(v, bool) for v in value):
        return ",".join(map(str, value))
    if value is None:
        return "none"
    if isinstance(value, (dict, list, tuple, bool)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def link_query(state, *, hide=(), lock=(), lesson=None, always=()):
    """The query string of ``state``'s settings: those that differ from a new lab's, and those in ``always``."""
    fresh = _fresh_settings()
    pairs = []
    for name in SETTINGS:
        if name in NOT_IN_LINKS:
            continue
        value = getattr(state, name)
        if name in _DICTS:
            owner = state.sampler if name == "sampler_params" else state.trainer
            defaults = _default_entries(owner, name)
            pairs += [(f"{name}.{k}", _text(v)) for k, v in value.items() if k not in defaults or v != defaults[k]]
        elif name in always or value != fresh[name]:
            pairs.append((name, _text(value)))
    pairs += [(key, ",".join(names)) for key, names in (("hide", hide), ("lock", lock)) if names]
    if lesson:
        pairs.append(("lesson", lesson))
    return urllib.parse.urlencode(pairs, safe=",")


_FRESH = {}


def _fresh_settings():
    if not _FRESH:
        state = LabState()
        _FRESH.update({n: getattr(state, n) for n in SETTINGS})
    return _FRESH


def voila_link(query, page=None):
    """The Voila address of the lab with ``query``, on the server of ``page`` (the address the lab is shown at)."""
    parts = urllib.parse.urlsplit(page or DEFAULT_SERVER)
    path = parts.path
    if "/voila/render/" in path:
        target = path
    else:
        for marker in ("/lab/tree/", "/doc/tree/", "/notebooks/", "/tree/"):
            if marker in path:
                base, notebook = path.split(marker, 1)
                target = f"{base}/voila/render/{notebook}"
                break
        else:
            target = path if path.endswith(".ipynb") or page else f"{path.rstrip('/')}/voila/render/{NOTEBOOK}"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, target, query, ""))


def repository():
    """OWNER/NAME of the repository, from the package's [project.urls] Source."""
    for entry in metadata.metadata("qnn_lab").get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        if label.strip().lower() == "source" and "github.com/" in url:
            return url.strip().split("github.com/", 1)[1].strip("/")
    raise LookupError("qnn_lab's package metadata has no [project.urls] Source on GitHub")


def binder_link(query, ref="main"):
    """The Binder address that opens the lab with ``query`` in Voila."""
    urlpath = f"voila/render/{NOTEBOOK}" + (f"?{query}" if query else "")
    return f"https://mybinder.org/v2/gh/{repository()}/{ref}?urlpath={urllib.parse.quote(urlpath, safe='')}"


# ------------------------------------------------------------ the control
class ShareControl(w.VBox):
    """"Share": the link of the lab's current settings, in its Voila and Binder forms, with hide / lock.

    ``page`` (a ``transfer.Browser``) knows the page's address, so the Voila link names this server.
    """

    def __init__(self, lab, page=None):
        self.lab = lab
        self.page = page
        self.button = w.Button(description="Share", icon="share-alt", tooltip="the link of these settings")
        self.hide = w.Text(description="hide", placeholder="e.g. qpu,training",
                           tooltip="panels or settings the link's lab does not show")
        self.lock = w.Text(description="lock", placeholder="e.g. dataset,hidden",
                           tooltip="panels or settings the link's lab shows but does not let change")
        self.names = w.HTML()
        self.voila = w.Textarea(description="Voila", layout={"width": "95%"}, rows=2)
        self.binder = w.Textarea(description="Binder", layout={"width": "95%"}, rows=2)
        self.open_link = w.HTML()
        self.button.on_click(lambda _: self.refresh())
        self.hide.observe(lambda _: self.refresh(), "value")
        self.lock.observe(lambda _: self.refresh(), "value")
        super().__init__([w.HBox([self.button, self.hide, self.lock]), self.names, self.voila, self.binder,
                          self.open_link])
        self.add_class("qnn-share")

    def refresh(self):
        """Write the links for the current settings."""
        def names(text):
            return [t.strip() for t in text.split(",") if t.strip()]

        query = link_query(self.lab.state, hide=names(self.hide.value), lock=names(self.lock.value),
                           always=tuple(getattr(self.lab, "link_defaults", {})))
        page = self.page.href if self.page is not None and self.page.href else None
        self.voila.value = voila_link(query, page)
        try:
            self.binder.value = binder_link(query)
        except LookupError as exc:
            self.binder.value = str(exc)
        self.open_link.value = (f"<a href='{html.escape(self.voila.value)}' target='_blank' class='qnn-share-open'>"
                           f"open this link</a>")
        self.names.value = ("<small>hide / lock take: " + ", ".join(teacher_names(self.lab)) +
                            (" &mdash; your own data is not in links: download the lab state instead"
                             if self.lab.state.dataset == "csv" else "") + "</small>")
