"""Deployment: ONNX (run by onnxruntime) and torch exports predict exactly what Network.predict does,
also through the CLI (train --save, export, predict)."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import qnn_lab as ql
from qnn_lab import cli
from qnn_lab.network import descent
from qnn_lab.network.export import SpinNetworkModule

ort = pytest.importorskip("onnxruntime", reason="the export extra: pip install 'qnn_lab[export]'")


def run_onnx(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    scores, label = session.run(["scores", "label"], {"x": np.asarray(X, dtype=np.float64)})
    return scores, label


@pytest.mark.parametrize("hidden", [[], [7], [8, 6], [8, 6, 5]], ids=["0 hidden", "1 hidden", "2 hidden", "3 hidden"])
def test_onnx_equals_predict_on_the_test_set(hidden, tmp_path):
    ds = ql.load_dataset("spiral", n_samples=400, noise=0.1, random_state=1)
    net = ql.Network([2, *hidden, 2], output_replicas=3, init_scale=2.0, random_state=5)
    model = net.to_onnx(tmp_path / "net.onnx")
    assert [o.name for o in model.graph.output] == ["scores", "label"]
    scores, label = run_onnx(tmp_path / "net.onnx", ds.X_test)
    np.testing.assert_array_equal(label, net.predict(ds.X_test))
    np.testing.assert_allclose(scores, -net.class_energies(ds.X_test), rtol=0, atol=1e-12)
    assert label.dtype == np.int64 and scores.dtype == np.float64


def test_deep_export_needs_more_than_one_sweep_and_matches(tmp_path, monkeypatch):
    """The descent of this net runs several sweeps: a graph with a single sweep would not match."""
    X = ql.load_dataset("xor", n_samples=300, random_state=2).X_test
    net = ql.Network([2, 8, 6, 5, 2], output_replicas=3, init_scale=2.0, random_state=2)
    full = net.class_energies(X)
    monkeypatch.setattr(descent, "MAX_DESCENT_SWEEPS", 1)
    assert not np.array_equal(net.class_energies(X), full)
    monkeypatch.undo()
    net.to_onnx(tmp_path / "deep.onnx")
    scores, label = run_onnx(tmp_path / "deep.onnx", X)
    np.testing.assert_allclose(scores, -full, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(label, full.argmin(-1))


def test_torch_state_file_rebuilds_the_module(tmp_path):
    ds = ql.load_dataset("digits", classes=[0, 1, 2], random_state=0)
    net = ql.Network([64, 10, 6, 3], output_replicas=2, random_state=0)
    torch.save(net.to_torch().state_dict(), tmp_path / "net.pt")
    module = SpinNetworkModule.from_state_dict(torch.load(tmp_path / "net.pt"))
    with torch.no_grad():
        predicted = module(torch.tensor(ds.X_test)).argmax(-1).numpy()
    np.testing.assert_array_equal(predicted, net.predict(ds.X_test))


def test_cli_train_save_export_predict_round_trip(tmp_path, capsys):
    """qnn-lab train --save, export --format onnx|torch, predict: all agree with Network.predict."""
    saved, onnx_path, torch_path = tmp_path / "net.json", tmp_path / "net.onnx", tmp_path / "net.pt"
    assert cli.main(["train", "--dataset", "xor", "--layers", "2,8,2", "--epochs", "3", "--seed", "1", "--quiet",
                     "--save", str(saved)]) == 0
    net = ql.Network.from_dict(json.loads(saved.read_text()))
    ds = ql.load_dataset("xor", random_state=1)
    assert net.score(ds.X_test, ds.y_test) > 0.6                   # the trained weights, not the initial ones
    assert cli.main(["export", str(saved), "--format", "onnx", "-o", str(onnx_path)]) == 0
    assert cli.main(["export", str(saved), "--format", "torch", "-o", str(torch_path)]) == 0
    expected = net.predict(ds.X_test)
    np.testing.assert_array_equal(run_onnx(onnx_path, ds.X_test)[1], expected)
    module = SpinNetworkModule.from_state_dict(torch.load(torch_path))
    np.testing.assert_array_equal(module(torch.tensor(ds.X_test)).argmax(-1).numpy(), expected)
    data = tmp_path / "test.csv"
    data.write_text("x0,x1\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in ds.X_test))
    capsys.readouterr()
    assert cli.main(["predict", str(saved), "--data", str(data)]) == 0
    assert capsys.readouterr().out.split() == [str(c) for c in expected]
    assert cli.main(["predict", str(saved), "--data", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected.tolist()


def test_cli_csv_dataset_keeps_its_label_names(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (80, 2))
    data = tmp_path / "mine.csv"
    data.write_text("a,b,kind\n" + "".join(f"{a:.5f},{b:.5f},{'top' if b > 0 else 'bottom'}\n" for a, b in X))
    saved = tmp_path / "net.json"
    assert cli.main(["train", "--dataset", "csv", "--data", str(data), "--layers", "2,8,2", "--epochs", "3",
                     "--quiet", "--save", str(saved)]) == 0
    assert json.loads(saved.read_text())["classes"] == ["bottom", "top"]
    capsys.readouterr()
    assert cli.main(["predict", str(saved), "--data", str(data)]) == 0
    assert set(capsys.readouterr().out.split()) <= {"top", "bottom"}


@pytest.mark.parametrize("argv, words", [
    (["export", "NET", "--format", "tf", "-o", "x"], ["'--format'", "'torch', 'onnx'", "'tf'"]),
    (["export", "nothere.json", "--format", "onnx", "-o", "x"], ["'network'", "nothere.json"]),
    (["predict", "NET", "--data", "BAD"], ["row 2", "column 2", "'z' is not a number"]),
    (["train", "--dataset", "csv"], ["'--data'", "--dataset csv"]),
    (["train", "--dataset", "csv", "--data", "BAD"], ["row 2", "column 2", "'z'"]),
    (["train", "--dataset", "csv", "--data", "missing.csv"], ["'--data' should be a readable CSV file", "missing.csv"]),
    (["train", "--dataset", "xor", "--data", "BAD"], ["'--data' does not apply to dataset 'xor'"]),
])
def test_bad_export_and_predict_values_exit_2(argv, words, tmp_path):
    net = tmp_path / "net.json"
    net.write_text(json.dumps(ql.Network([2, 3, 2]).to_dict()))
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,a\n3,z,b\n")
    argv = [{"NET": str(net), "BAD": str(bad)}.get(a, a) for a in argv]
    proc = subprocess.run([sys.executable, "-m", "qnn_lab.cli", *argv], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr
