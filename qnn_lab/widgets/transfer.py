"""Files between the lab and the browser (not the server): downloads, uploads, figures, one's own points.

Downloads: the lab state (JSON, the format of Save), the network (``Network.to_dict`` JSON, a torch
state file, ONNX), the training history (CSV), the reads of the last Sample (CSV), and each figure as
PNG or SVG. Uploads: a state file (the whole lab comes back, curves included) and a CSV file of
one's own data. On 2-D data a click on the decision-boundary plot adds a point of the chosen class.
A bad file is explained beside its upload and changes nothing.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json

import anywidget
import ipywidgets as w
import numpy as np
import traitlets as tl

from ..data.csv import read_csv
from .common import ErrorNote, error_text, figures_below, shows_errors

__all__ = ["Browser", "TransferPanel", "history_csv", "reads_csv"]

_ESM = """
function save(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
}
function fitWidth(model, el, selector, trait) {
  // the width the page gives a part of the lab (the network column, the tabs' contents), so the kernel
  // draws that part's figures that wide
  const lab = el.closest(".qnn-lab");
  const part = lab && lab.querySelector(selector);
  if (!part) { setTimeout(() => fitWidth(model, el, selector, trait), 200); return; }
  let timer = null;
  new ResizeObserver(([entry]) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const width = Math.floor(entry.contentRect.width);
      if (width > 0 && Math.abs(width - model.get(trait)) >= 8) {
        model.set(trait, width);
        model.save_changes();
      }
    }, 100);
  }).observe(part);
}
function render({ model, el }) {
  el.classList.add("qnn-browser");
  model.set("href", window.location.href);
  model.save_changes();
  fitWidth(model, el, ".qnn-network", "network_width");
  fitWidth(model, el, ".qnn-tabs", "tabs_width");
  model.on("msg:custom", (msg, buffers) => {
    if (msg.kind === "file") {
      save(new Blob([buffers[0]], { type: msg.mime }), msg.name);
    } else if (msg.kind === "figure") {      // the figure whose first trace has this uid
      const root = el.closest(".qnn-lab") || document;
      const gd = [...root.querySelectorAll(".js-plotly-plot")].find(
          g => g.data && g.data.length && g.data[0].uid === msg.uid);
      const button = gd && gd.querySelector('.modebar-btn[data-title^="Download plot"]');
      if (!button) {
        model.send({ error: "the figure is not drawn yet" });
        return;
      }
      gd._context.toImageButtonOptions = { format: msg.format, filename: msg.name };
      button.click();
    }
  });
}
export default { render };
"""


class Browser(anywidget.AnyWidget):
    """The page side: the page's address (``href``), the widths of the lab's network column
    (``network_width``) and of its tabs (``tabs_width``), file downloads and plotly's image export."""

    _esm = _ESM
    href = tl.Unicode("").tag(sync=True)
    network_width = tl.Int(0).tag(sync=True)
    tabs_width = tl.Int(0).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(layout={"width": "0px", "height": "0px"}, **kwargs)
        self.errors = []
        self.on_msg(lambda _, content, buffers: self.errors.append(content.get("error")))

    def download(self, name, data, mime="application/octet-stream"):
        """Save ``data`` (bytes or text) as file ``name`` in the browser's downloads."""
        if isinstance(data, str):
            data = data.encode()
        self.send({"kind": "file", "name": name, "mime": mime}, [bytes(data)])

    def figure_image(self, fig, fmt, name):
        """Let plotly export FigureWidget ``fig`` as ``fmt`` ("png" or "svg"); the page finds it by its first
        trace's uid."""
        self.send({"kind": "figure", "uid": fig.data[0].uid, "format": fmt, "name": name})


def history_csv(history):
    """The training history's numbers as CSV: one row per epoch, one column per scalar field."""
    columns = []
    for record in history:
        columns += [k for k, v in record.items() if k not in columns and (v is None or
                                                                          isinstance(v, (bool, int, float, str)))]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    return out.getvalue()


def reads_csv(reads):
    """The last sampling's reads (``LabState.last_reads``) as CSV: one row per read of each sample, lowest
    energy first, with its sample, label, energy, the clamped target's energy, decoded class, and spins."""
    if reads is None:
        raise ValueError("no reads yet: press Sample in the Energies tab")
    R, P = reads.energies.shape
    spins = np.concatenate([s.reshape(R, P, -1) for s in reads.states], axis=-1)        # (R, P, n_spins)
    names = [f"h{l + 1}_{j}" if l < len(reads.states) - 1 else f"o_{j}"
             for l, s in enumerate(reads.states) for j in range(s.shape[-1])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["read", "sample", "label", "energy", "target_energy", "class", "right", *names])
    for flat in np.argsort(reads.energies, axis=None, kind="stable"):
        r, p = divmod(int(flat), P)
        writer.writerow([r, int(reads.indices[p]), int(reads.y[p]), repr(float(reads.energies[r, p])),
                         repr(float(reads.clamped[p])), int(reads.classes[r, p]),
                         int(reads.classes[r, p] == reads.y[p]), *spins[r, p].astype(int).tolist()])
    return out.getvalue()


class TransferPanel(w.VBox):
    """Download and upload buttons for ``lab``, figure export, one's own data (upload or click)."""

    def __init__(self, lab, browser):
        self.lab = lab
        self.state = lab.state
        self.browser = browser              # shown by the lab itself, so it works while this panel is hidden
        self.note = ErrorNote()
        guard = shows_errors(self.state, self.note)
        files = {
            "lab state (JSON)": self._state_file,
            "network (JSON)": lambda: ("qnn_lab_network.json", json.dumps(self.state.network.to_dict()),
                                       "application/json"),
            "network (torch)": self._torch_file,
            "network (ONNX)": lambda: ("qnn_lab_network.onnx", self.state.network.to_onnx().SerializeToString(),
                                       "application/octet-stream"),
            "training history (CSV)": lambda: ("qnn_lab_history.csv", history_csv(self.lab.training.history),
                                               "text/csv"),
            "reads (CSV)": lambda: ("qnn_lab_reads.csv", reads_csv(self.state.last_reads), "text/csv"),
        }
        self.saved_link = w.HTML()         # the same file as a link, where a browser holds the automatic download
        self.download_buttons = {}
        for label, make in files.items():
            button = w.Button(description=label, icon="download", layout={"width": "auto"},
                              tooltip=f"download the {label} to this computer")
            button.on_click(guard(lambda _, make=make: self._download(make)))
            self.download_buttons[label] = button
        self.figures = {}
        self.figure_choice = w.Dropdown(description="figure", layout={"width": "320px"})
        self.png_button = w.Button(description="PNG", icon="image", layout={"width": "80px"})
        self.svg_button = w.Button(description="SVG", icon="image", layout={"width": "80px"})
        self.png_button.on_click(guard(lambda _: self._figure("png")))
        self.svg_button.on_click(guard(lambda _: self._figure("svg")))
        self.state_upload = w.FileUpload(accept=".json", description="lab state", multiple=False)
        self.state_note = ErrorNote()
        self.state_upload.observe(shows_errors(self.state, self.state_note)(self._load_state), "value")
        self.csv_upload = w.FileUpload(accept=".csv,.txt", description="your data (CSV)", multiple=False)
        self.csv_note = ErrorNote()
        self.csv_info = w.HTML()
        self.csv_upload.observe(shows_errors(self.state, self.csv_note)(self._load_csv), "value")
        self.point_class = w.Dropdown(description="click adds", layout={"width": "220px"},
                                      tooltip="class of the points a click on the decision boundary adds")
        self.clear_button = w.Button(description="Clear added points", icon="eraser", disabled=True)
        self.clear_button.on_click(guard(lambda _: self.clear_points()))
        self.points_note = ErrorNote()
        self._before_points = None          # (dataset, own_data) before the first added point
        super().__init__([
            w.HBox(list(self.download_buttons.values()), layout={"flex_flow": "row wrap"}), self.saved_link,
            self.note,
            w.HBox([self.figure_choice, self.png_button, self.svg_button]),
            w.HBox([self.state_upload, self.state_note]),
            w.HBox([self.csv_upload, self.csv_info, self.csv_note]),
            w.HBox([self.point_class, self.clear_button, self.points_note]),
        ])
        self.add_class("qnn-transfer")
        self._figure_widgets = []
        self._name_figures()
        self.state.observe(self._name_figures, names="tab")
        self.state.observe(self._show_classes, names="data_version")
        self._show_classes()
        boundary = lab.training.boundary.data[0]
        boundary.hoverinfo = "none"                  # plotly reports clicks only where it hovers
        boundary.on_click(lambda trace, points, state: self._clicked(points))

    # ------------------------------------------------------------ downloads
    def _download(self, make):
        """Make the file, download it in the browser, and offer it as a link too."""
        self.saved_link.value = ""
        name, data, mime = make()
        self.browser.download(name, data, mime)
        raw = data.encode() if isinstance(data, str) else bytes(data)
        self.saved_link.value = (f"<a class='qnn-saved' download='{html.escape(name)}' "
                                 f"href='data:{mime};base64,{base64.b64encode(raw).decode()}'>save {html.escape(name)}"
                                 f"</a> <small>(if your browser held the download back)</small>")

    def _state_file(self):
        from .lab import _plain

        return "qnn_lab_state.json", json.dumps(self.lab.to_dict(), indent=1, default=_plain), "application/json"

    def _torch_file(self):
        import torch

        buffer = io.BytesIO()
        torch.save(self.state.network.to_torch().state_dict(), buffer)
        return "qnn_lab_network.pt", buffer.getvalue(), "application/octet-stream"

    def _name_figures(self, change=None):
        """Give every figure of the lab a CSS class and a name in the figure chooser (again when a tab
        opens: tabs build their figures on first use)."""
        known = {id(fig) for fig in self._figure_widgets}
        for fig in figures_below(self.lab):
            if id(fig) in known:
                continue
            self._figure_widgets.append(fig)
            k = len(self._figure_widgets)
            name = fig.layout.title.text or fig.layout.meta or f"figure {k}"      # meta: an untitled one's name
            self.figures[f"{k}. {name}"] = (fig, name)
        if list(self.figure_choice.options) != list(self.figures):
            chosen = self.figure_choice.value
            self.figure_choice.options = list(self.figures)
            self.figure_choice.value = chosen if chosen in self.figures else next(iter(self.figures), None)

    def _figure(self, fmt):
        fig, name = self.figures[self.figure_choice.value]
        stem = "".join(c if c.isalnum() else "_" for c in name).strip("_") or "figure"
        self.browser.figure_image(fig, fmt, f"qnn_lab_{stem}")

    # ------------------------------------------------------------ uploads
    @staticmethod
    def _upload(change):
        value = change["new"]
        if not value:
            return None
        item = value[0]
        return item["name"], bytes(item["content"])

    def _load_state(self, change):
        upload = self._upload(change)
        if upload is None:
            return
        name, content = upload
        try:
            data = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"{name} should be a qnn_lab state file (JSON): {exc}") from None
        self.lab.apply(data)
        self.state_note.show("")

    def _load_csv(self, change):
        upload = self._upload(change)
        if upload is None:
            return
        name, content = upload
        self.csv_info.value = ""
        try:
            ds = read_csv(content, test_fraction=self.state.test_fraction, random_state=self.state.seed)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        self._use_data(content.decode("utf-8-sig"))
        self._before_points = None
        self.clear_button.disabled = True
        self.csv_info.value = html.escape(f"{name}: {len(ds.y_train) + len(ds.y_test)} rows, {ds.n_features} "
                                          f"features, classes {', '.join(map(str, ds.classes))}")

    def _use_data(self, text):
        """Make ``text`` (checked CSV) the lab's data."""
        with self.state._batch():
            self.state.own_data = text
            self.state.dataset = "csv"
        self.state.rebuild_dataset()

    # ------------------------------------------------------------ points
    def _show_classes(self, change=None):
        data = self.state.data
        names = data.classes or tuple(range(data.n_classes))
        chosen = self.point_class.value
        self.point_class.options = [(str(c), c) for c in names]
        self.point_class.value = chosen if chosen in names else names[0]     # never none: a click needs a class
        self.point_class.disabled = data.n_features != 2

    def _clicked(self, points):
        try:
            if not points.xs:
                return
            self.add_point(points.xs[0], points.ys[0], self.point_class.value)
        except Exception as exc:              # a click has no caller: show it beside the controls
            self.points_note.show(error_text(exc))
        else:
            self.points_note.show("")

    def add_point(self, x, y, label):
        """Add the point (x, y) of class ``label`` to the data (2-D data only); the network starts anew."""
        data = self.state.data
        if data.n_features != 2:
            raise ValueError(f"points can be added to 2-D data only: this dataset has {data.n_features} features")
        if self._before_points is None:
            self._before_points = (self.state.dataset, self.state.own_data)
        X = np.vstack([data.X_train, data.X_test, [[float(x), float(y)]]])
        names = data.classes or tuple(range(data.n_classes))
        labels = [names[c] for c in np.concatenate([data.y_train, data.y_test])] + [label]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["x1", "x2", "label"])
        writer.writerows([repr(a), repr(b), c] for (a, b), c in zip(X.tolist(), labels))
        self._use_data(out.getvalue())
        self.clear_button.disabled = False

    def clear_points(self):
        """Remove the points added by clicks: the data as it was before the first one."""
        if self._before_points is None:
            return
        dataset, own = self._before_points
        with self.state._batch():
            self.state.own_data = own
            self.state.dataset = dataset
        self.state.rebuild_dataset()
        self._before_points = None
        self.clear_button.disabled = True
