"""Lab: the core loop on one screen, the deeper views as tabs built when first opened, save / load."""
from __future__ import annotations

import html
import json
import threading
from pathlib import Path

import ipywidgets as w
import numpy as np

from ..network import Network
from ..samplers.inspector import use_page_address
from .builder import NetworkBuilder
from .common import THEME_CSS, ErrorNote, FigureBox, PlotlyCode, bind, figures_below, shows_errors, sync_figures
from .embedding_view import EmbeddingView
from .histogram import EnergyHistogram
from .lessons import LessonPlayer
from .network_view import NetworkView
from .qubo_view import QuboView
from .read_stepper import ReadStepper
from .sampler_panel import SamplerPanel
from .share import ShareControl, lab_from_link
from .state import STATE_VERSION, LabState, LabValueError, migrate
from .training_view import TAB_WIDTH, TrainingView
from .transfer import Browser, TransferPanel
from .words import Glossary, explain, help_note

__all__ = ["STATE_FORMAT", "STATE_VERSION", "Lab"]

STATE_FORMAT = "qnn_lab.state"
TAB_MARGIN = 24          # px between the tabs' width and their figures' (the tab's padding and border)


#: The deeper views under the first screen, in tab order (``LabState.tab`` names them).
TAB_TITLES = {"model": "Ising/QUBO", "sampler": "Sampler", "energies": "Energies", "landscape": "Landscape",
              "qpu": "QPU", "lessons": "Lessons"}


#: Below the save row, opened on demand: the browser-side files and the share link.
EXTRA_TITLES = {"files": "Your files: downloads, uploads, your own data", "share": "Share: a link to this lab"}


def _heading(title, panel):
    return w.HBox([w.HTML(f"<b>{title}</b>"), help_note("panel", panel)], layout={"align_items": "center"})


class Lab(FigureBox, w.VBox):
    """The whole lab on one screen: data and network, the network, its answers, Play / Step / Reset and
    the accuracy curve; under them the deeper views as tabs, each built when first opened.

    Examples:
        >>> lab = Lab(dataset="xor", hidden=[8])
        >>> lab.state.layers
        [2, 8, 2]
    """

    def __init__(self, **settings):
        PlotlyCode.ensure()              # first: the page evaluates plotly's code while the rest is built
        self.state = state = LabState(**settings)
        state.last_traceback = ""
        self.builder = NetworkBuilder(state)
        self.network = NetworkView(state, height=400, width=360, boundary=False, fixed_height=True)   # the
        # output beside it draws the boundary; the page reports the network column's width and it fits that
        self.training = TrainingView(state)
        self.mode = w.ToggleButtons(options=[("simple", "simple"), ("expert", "expert")],
                                    tooltips=[explain("setting", "mode")] * 2,
                                    style={"button_width": "64px"})
        self.mode_note = ErrorNote()
        bind(state, "mode", self.mode, self.mode_note)
        self.message = w.HTML()
        self.dismiss = w.Button(description="dismiss", layout={"width": "80px"})
        self.path = w.Text(value="qnn_lab_state.json", description="file", style={"description_width": "30px"},
                           layout={"width": "240px"})
        self.save_button = w.Button(description="Save", icon="save", layout={"width": "auto"})
        self.load_button = w.Button(description="Load", icon="folder-open", layout={"width": "auto"})
        self.file_note = ErrorNote()
        file_guard = shows_errors(state, self.file_note)
        self.saved_note = w.HTML()
        self.save_button.on_click(file_guard(lambda _: self._saved(self.save(self.path.value))))
        self.load_button.on_click(file_guard(lambda _: self._loaded(self.path.value)))
        self.dismiss.on_click(lambda _: setattr(state, "message", ""))
        state.observe(self._show_message, names="message")
        column = {"flex": "0 0 auto", "margin": "0 6px 0 0"}
        controls = w.VBox([_heading("Data and network", "network"), self.builder, _heading("Training", "training"),
                           self.training], layout={**column, "width": "262px"}).add_class("qnn-controls")
        network = w.VBox([self.network], layout={**column, "flex": "1 1 300px", "min_width": "300px"})
        network.add_class("qnn-network")          # takes the width the notebook gives beyond the two fixed columns
        output = w.VBox([_heading("Output", "output"), self.training.output,
                         w.Box([self.training.accuracy]).add_class("qnn-accuracy")], layout=column)
        core = w.HBox([controls, network, output.add_class("qnn-output")],
                      layout={"flex_flow": "row wrap", "align_items": "flex-start", "width": "100%"})
        core.add_class("qnn-core")
        self._panels = {}
        self._wide = []                  # the built tabs' figures that take the tabs' width
        self.lesson_bar = w.VBox().add_class("qnn-lesson-bar")    # a running lesson's step, above whichever tab
        self.tabs = w.Tab(children=[w.VBox() for _ in TAB_TITLES], titles=list(TAB_TITLES.values()),
                          selected_index=None)
        self.tabs.add_class("qnn-tabs")
        self.tabs.observe(shows_errors(state)(self._on_tab), "selected_index")   # a panel that fails says so
        state.observe(self._show_tab, names="tab")
        self.browser = Browser()                      # the page side of downloads and of the Share link
        self.browser.observe(lambda ch: use_page_address(ch["new"]), "href")     # the inspector on a hub
        self.browser.observe(_load_kernel, "href")            # the page is drawn: now the annealer's kernel
        self.browser.observe(lambda change: self.network.fit(change["new"]), "network_width")
        self.browser.observe(lambda _: self._fit_tabs(), "tabs_width")
        self.extras = w.Accordion(children=[w.VBox(), w.VBox()], titles=list(EXTRA_TITLES.values()),
                                  selected_index=None)
        self.extras.observe(lambda ch: ch["new"] is not None and self._extra(list(EXTRA_TITLES)[ch["new"]]),
                            "selected_index")
        super().__init__([
            w.HTML(THEME_CSS),
            w.HBox([w.HTML("<b style='font-size:15px'>qnn_lab</b> <span class='qnn-note'>training a neural network "
                           "by annealing</span>", layout={"flex": "1 1 auto"}),
                    self.message, self.dismiss, self.mode_note, self.mode],      # simple / expert at the right edge
                   layout={"flex_flow": "row wrap", "align_items": "center"}),
            core, self.lesson_bar, self.tabs,
            w.HBox([self.path, self.save_button, self.load_button, self.saved_note], layout={"flex_flow": "row wrap"}),
            self.file_note, self.extras, self.browser,
        ])
        self.add_class("qnn-lab")
        self._show_message({"new": ""})
        self._show_tab({"new": state.tab})

    # ------------------------------------------------------------ tabs, built when first opened
    def panel(self, name):
        """The deeper view ``name`` (a key of TAB_TITLES), built on first use."""
        if name not in self._panels:
            state = self.state
            build = {"model": lambda: QuboView(state), "sampler": lambda: SamplerPanel(state),
                     "energies": self._energies, "landscape": self.training.landscape_panel,
                     "qpu": lambda: EmbeddingView(state),
                     "lessons": lambda: w.VBox([LessonPlayer(state), _heading("Glossary", "glossary"), Glossary()])}
            widget = build[name]()
            for fig in figures_below(widget):
                if fig.layout.width is None or fig.layout.width >= TAB_WIDTH:   # a tab-wide figure (plotly would
                    self._wide.append(fig)                                       # take 700 px, drawn while hidden)
                    fig.layout.width = self._tab_figure_width()
            sync_figures(widget)
            self._panels[name] = widget
            if name == "lessons":        # the step's text and buttons stay in view when a step opens another tab
                player = widget.children[0]
                player.children = tuple(c for c in player.children if c is not player.lesson_box)
                self.lesson_bar.children = [player.lesson_box]
            box = self.tabs.children[list(TAB_TITLES).index(name)]
            box.children = [w.HTML(f"<div class='qnn-note'>{explain('panel', name)}</div>"), widget]
        return self._panels[name]

    def _tab_figure_width(self):
        """The tabs' figures fill the width the page gives the tabs (TAB_WIDTH until it says)."""
        width = self.browser.tabs_width - TAB_MARGIN
        return width if width >= 300 else TAB_WIDTH

    def _fit_tabs(self):
        width = self._tab_figure_width()
        for fig in self._wide:
            if fig.layout.width != width:
                fig.layout.width = width

    def _energies(self):
        histogram = EnergyHistogram(state=self.state, history=lambda: self.training.history)
        self.read_stepper = ReadStepper(self.state)
        return w.VBox([histogram, _heading("Read stepper", "read_stepper"), self.read_stepper])

    def _extra(self, name):
        """Your files (downloads, uploads, own data) or Share (links, teacher mode), built on first open."""
        if name not in self._panels:
            widget = (TransferPanel if name == "files" else ShareControl)(self, self.browser)
            self._panels[name] = widget
            self.extras.children[list(EXTRA_TITLES).index(name)].children = [widget]
        return self._panels[name]

    @property
    def transfer(self):
        return self._extra("files")

    @property
    def share(self):
        return self._extra("share")

    @property
    def lessons(self):
        """The lesson player of the Lessons tab."""
        return self.panel("lessons").children[0]

    @property
    def qubo(self):
        return self.panel("model")

    @property
    def sampler(self):
        return self.panel("sampler")

    @property
    def histogram(self):
        return self.panel("energies").children[0]

    @property
    def embedding(self):
        return self.panel("qpu")

    def _on_tab(self, change):
        if change["new"] is not None:
            name = list(TAB_TITLES)[change["new"]]
            self.panel(name)
            self.state.tab = name

    def _show_tab(self, change):
        index = list(TAB_TITLES).index(change["new"]) if change["new"] else None
        if self.tabs.selected_index != index:
            self.tabs.selected_index = index

    @classmethod
    def from_link(cls, url_or_query, **defaults):
        """The lab a share link describes (see ``qnn_lab.widgets.share``); ``defaults`` apply where it is silent.

        Examples:
            >>> lab = Lab.from_link("?dataset=xor&hidden=8,8&replicas=3&hide=qpu&colour=red")
            >>> lab.state.layers, lab.state.replicas
            ([2, 8, 8, 2], 3)
            >>> lab.state.message
            "This link: unknown key 'colour': ..."
        """
        return lab_from_link(cls, url_or_query, **defaults)

    def _saved(self, where):
        self.saved_note.value = f"saved to <code>{html.escape(where)}</code>"

    def _loaded(self, path):
        self.saved_note.value = ""
        self.load(path)
        self.saved_note.value = f"loaded <code>{html.escape(str(Path(path).expanduser().resolve()))}</code>"

    def _show_message(self, change):
        text = change["new"]
        self.message.value = f"<span style='color:#c00'>{text}</span>" if text else ""
        self.dismiss.layout.display = None if text else "none"

    # ------------------------------------------------------------ save / load
    def to_dict(self):
        """The lab's state: every setting (``LabState.to_dict``), the network with its weights and the
        training history (no data, no secrets)."""
        return {"format": STATE_FORMAT, **self.state.to_dict(), "network": self.state.network.to_dict(),
                "history": self.training.history}

    def save(self, path):
        """Write the state as JSON to ``path`` (a .json name; ".json" is added to a name without a suffix, and any
        other suffix is refused, so Save never writes over a notebook); says where in ``saved_to``."""
        path = _json_path(path)
        if path.suffix.lower() != ".json":
            raise ValueError(f"'path' should be a .json file name (the lab's state), so no other file is "
                             f"overwritten: {str(path)!r}")
        text, path = json.dumps(self.to_dict(), indent=1, default=_plain), path.resolve()
        try:
            path.write_text(text)
        except OSError as exc:
            raise ValueError(f"'path' should be a file this kernel can write: {str(path)!r} ({exc.strerror})") from None
        self.saved_to = str(path)
        return self.saved_to

    def load(self, path):
        """Read a state file (``name`` finds ``name.json``); a damaged or newer file is refused and nothing changes."""
        path = Path(path).expanduser()
        path = path if path.exists() else _json_path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"'path' should be a readable qnn_lab state file: {str(path)!r} ({exc})") from None
        self.apply(data)

    def apply(self, data):
        """Restore a state dict (``to_dict()`` output of this or an older version) after checking all of it."""
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError(f"the file should be a {STATE_FORMAT!r} file: format = "
                             f"{data.get('format') if isinstance(data, dict) else type(data).__name__!r}")
        data = dict(data)
        data.pop("format")
        try:
            network = Network.from_dict(data.pop("network"))
            history = data.pop("history", None)
            if history is None:                                  # version 1 kept it under "training"
                history = data.get("training", {}).get("history", [])
            settings = migrate(data)
            probe = LabState.from_dict(settings)                 # validates every setting
        except LabValueError as exc:
            if "'version'" in str(exc):
                raise ValueError(f"the state file's {exc}") from None
            raise ValueError(f"the state file is damaged: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the state file is damaged: {type(exc).__name__}: {exc}") from None
        if network.layers != probe.layers:
            raise ValueError(f"the state file is damaged: network layers {network.layers} do not match the "
                             f"settings {probe.layers}")
        if not isinstance(history, list) or not all(isinstance(r, dict) and "epoch" in r for r in history):
            raise ValueError("the state file is damaged: 'history' should be a list of epoch records")
        self.state.apply(settings)
        self.state.set_network(network)          # the training view starts a new run on these weights ...
        self.training.set_history(history)       # ... whose past is the saved history


def _json_path(path):
    """The path typed, with ".json" added when it has no suffix."""
    path = Path(path).expanduser()
    return path.with_suffix(".json") if path.name and not path.suffix else path


def _load_kernel(_change=None):
    """Load the annealer's compiled kernel in the background, so that the first Play or Sample need not
    (about 0.5 s from numba's cache; the first run on a machine compiles it, which takes far longer)."""
    def load():
        from ..samplers import kernel
        kernel.warm_up()
    threading.Thread(target=load, name="qnn_lab-load-kernel", daemon=True).start()


def _plain(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (np.ndarray, tuple)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
