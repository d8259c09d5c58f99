"""Downloads and uploads of the lab (qnn_lab.widgets.transfer), without a browser: what each file holds."""
import csv
import io
import json
from datetime import datetime, timezone

import numpy as np
import pytest
import torch

from qnn_lab.network import Network
from qnn_lab.network.export import SpinNetworkModule
from qnn_lab.widgets import Lab

ort = pytest.importorskip("onnxruntime")


@pytest.fixture
def lab():
    lab = Lab(dataset="xor", hidden=[4], n_samples=60)
    lab.sent = {}
    lab.browser.download = lambda name, data, mime="": lab.sent.__setitem__(name, data)
    return lab


def download(lab, label):
    lab.sent.clear()
    lab.transfer.download_buttons[label].click()
    assert lab.transfer.note.text == "", lab.transfer.note.text
    (name, data), = lab.sent.items()
    assert f"download='{name}'" in lab.transfer.saved_link.value
    return name, data


def upload(widget, name, content):
    widget.value = ({"name": name, "type": "", "size": len(content), "last_modified": datetime.now(timezone.utc),
                     "content": memoryview(content)},)


def test_network_downloads_predict_like_the_lab(lab):
    net = lab.state.network
    X = lab.state.data.X_test
    name, data = download(lab, "network (JSON)")
    assert name.endswith(".json") and Network.from_dict(json.loads(data)).to_dict() == net.to_dict()
    name, data = download(lab, "network (torch)")
    module = SpinNetworkModule.from_state_dict(torch.load(io.BytesIO(data)))
    np.testing.assert_array_equal(module(torch.tensor(X)).argmax(-1).numpy(), net.predict(X))
    name, data = download(lab, "network (ONNX)")
    label = ort.InferenceSession(data).run(["label"], {"x": X})[0]
    np.testing.assert_array_equal(label, net.predict(X))


def test_state_download_and_upload_bring_the_lab_back_with_its_curves(lab):
    lab.training.play(max_epochs=2, block=True)
    history = lab.training.history
    assert len(history) == 2
    name, data = download(lab, "lab state (JSON)")
    assert json.loads(data)["format"] == "qnn_lab.state"
    _, csv_text = download(lab, "training history (CSV)")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert float(rows[1]["train_accuracy"]) == history[1]["train_accuracy"]
    other = Lab(dataset="circles", hidden=[3])
    upload(other.transfer.state_upload, name, data.encode())
    assert other.transfer.state_note.text == ""
    assert other.state.to_dict() == lab.state.to_dict()
    assert other.training.history == history
    assert other.state.network.to_dict() == lab.state.network.to_dict()


def test_a_bad_state_file_is_named_beside_the_upload_and_changes_nothing(lab):
    before = lab.state.to_dict()
    upload(lab.transfer.state_upload, "notes.json", b"{not json")
    assert "notes.json should be a qnn_lab state file" in lab.transfer.state_note.text
    upload(lab.transfer.state_upload, "other.json", b'{"format": "something"}')
    assert "'qnn_lab.state'" in lab.transfer.state_note.text
    assert lab.state.to_dict() == before


def test_reads_csv_after_sampling(lab):
    lab.transfer.download_buttons["reads (CSV)"].click()
    assert "no reads yet" in lab.transfer.note.text
    lab.state.sample_reads = 20
    lab.histogram.run(block=True)
    _, text = download(lab, "reads (CSV)")
    reads = lab.state.last_reads
    rows = list(csv.DictReader(io.StringIO(text)))
    energies = [float(r["energy"]) for r in rows]
    assert energies == sorted(energies) and len(rows) == reads.energies.size
    assert len(rows[0]) == 7 + reads.n_spins
    assert all(int(r["right"]) == (r["class"] == r["label"]) for r in rows)


def test_csv_upload_makes_the_lab_train_on_it_and_a_bad_one_changes_nothing(lab):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (40, 3))
    good = "a,b,c,kind\n" + "".join(f"{a},{b},{c},{'yes' if a + b > 0 else 'no'}\n" for a, b, c in X)
    before = lab.state.to_dict()
    upload(lab.transfer.csv_upload, "bad.csv", b"a,b,kind\n1,2,x\n3,oops,y\n")
    assert "bad.csv: row 3, column 2 ('b'): 'oops' is not a number" in lab.transfer.csv_note.text
    assert lab.state.to_dict() == before
    upload(lab.transfer.csv_upload, "mine.csv", good.encode())
    assert lab.transfer.csv_note.text == ""
    assert lab.transfer.csv_info.value == "mine.csv: 40 rows, 3 features, classes no, yes"
    assert lab.state.dataset == "csv" and lab.state.layers == [3, 4, 2] and lab.state.data.classes == ("no", "yes")
    lab.training.play(max_epochs=1, block=True)
    assert len(lab.training.history) == 1


def test_clicks_add_points_of_the_chosen_class_and_clear_removes_them(lab):
    n = len(lab.state.data.y_train) + len(lab.state.data.y_test)
    lab.transfer.point_class.value = 1
    lab.transfer.add_point(0.25, -0.5, lab.transfer.point_class.value)
    data = lab.state.data
    X = np.vstack([data.X_train, data.X_test])
    y = np.concatenate([data.y_train, data.y_test])
    assert lab.state.dataset == "csv" and len(y) == n + 1
    assert y[np.flatnonzero((X == [0.25, -0.5]).all(1))].tolist() == [1]
    lab.transfer.clear_points()
    assert lab.state.dataset == "xor" and lab.state.own_data == ""
    assert len(lab.state.data.y_train) + len(lab.state.data.y_test) == n


def test_a_click_on_the_boundary_adds_a_point_of_the_offered_class(lab):
    """The class chooser started empty, and a click on the boundary said 'the label is empty'."""
    boundary, n = lab.training.boundary, len(lab.state.data.y_train) + len(lab.state.data.y_test)
    assert lab.transfer.point_class.value == 0
    boundary._handler_js2py_pointsCallback({"new": {            # what plotly's page code sends for a click
        "event_type": "plotly_click", "points": {"xs": [0.1], "ys": [0.2], "point_indexes": [[30, 30]],
                                                 "trace_indexes": [0]}}})
    assert lab.transfer.points_note.text == "" and lab.state.dataset == "csv"
    assert len(lab.state.data.y_train) + len(lab.state.data.y_test) == n + 1
    lab.transfer.point_class.value = 1
    lab.state.seed += 1                                        # new data with the same classes: the choice stays
    assert lab.transfer.point_class.value == 1


def test_figures_are_named_for_export(lab):
    before = len(lab.transfer.figures)
    lab.state.tab = "energies"                       # a tab builds its figures when it opens
    assert len(lab.transfer.figures) > before >= 3
    names = list(lab.transfer.figures)
    assert any("decision boundary" in n for n in names)
    assert names[0] == "1. network"                                # untitled: named by its meta
    uids = {fig.data[0].uid for fig, _ in lab.transfer.figures.values()}   # the page finds a figure by this
    assert len(uids) == len(names) and lab.transfer.figure_choice.value == names[0]
    sent = []
    lab.browser.send = lambda content, buffers=None: sent.append(content)
    lab.transfer.svg_button.click()
    fig = lab.transfer.figures[names[0]][0]
    assert sent == [{"kind": "figure", "uid": fig.data[0].uid, "format": "svg", "name": "qnn_lab_network"}]
