import json
import subprocess
import sys

import pytest

from qnn_lab import cli


def test_train_writes_json_with_its_keys(tmp_path):
    out = tmp_path / "r.json"
    status = cli.main(["train", "--dataset", "xor", "--epochs", "2", "--quiet", "--json", str(out)])
    assert status == 0
    result = json.loads(out.read_text())
    assert {"config", "train_accuracy", "test_accuracy", "history", "wall_time_s"} <= set(result)
    assert result["config"]["trainer"] == "contrastive" and len(result["history"]) == 2


def test_train_options_reach_the_run(tmp_path):
    out = tmp_path / "r.json"
    argv = ["train", "--dataset", "xor", "--layers", "2,5,2", "--replicas", "3", "--sampler", "sa",
            "--sampler-param", "num_sweeps=50", "--num-reads", "2", "--batch-size", "8", "--learning-rate", "0.05",
            "--n-samples", "60", "--epochs", "1", "--quiet", "--json", str(out)]
    assert cli.main(argv) == 0
    config = json.loads(out.read_text())["config"]
    assert config["layers"] == [2, 5, 2] and config["replicas"] == 3 and config["sampler"] == "sa"
    assert config["sampler_params"] == {"num_sweeps": 50} and config["dataset"]["n_samples"] == 60
    assert (config["num_reads"], config["batch_size"], config["learning_rate"]) == (2, 8, 0.05)


def test_train_json_to_stdout_via_the_installed_command():
    proc = subprocess.run([sys.executable, "-m", "qnn_lab.cli", "train", "--dataset", "gauss", "--trainer", "backprop",
                           "--epochs", "2", "--json", "-"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["config"]["trainer"] == "backprop"
    assert "backprop on gauss" in proc.stderr


@pytest.mark.parametrize("argv, words", [
    (["train", "--sampler", "qa"], ["'sampler' should be one of", "'layered'", "'qa'"]),
    (["train", "--trainer", "magic"], ["'--trainer'", "'magic'"]),
    (["train", "--dataset", "mnist"], ["'mnist'", "'digits'"]),
    (["train", "--layers", "64,x,10"], ["'--layers'", "64,x,10"]),
    (["train", "--layers", "3,8,10"], ["'--layers'", "64 features"]),
    (["train", "--epochs", "-1", "--dataset", "xor"], ["'epochs'", "-1"]),
])
def test_bad_values_print_the_message_and_exit_2(argv, words):
    proc = subprocess.run([sys.executable, "-m", "qnn_lab.cli", *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr


def test_samplers_lists_schemas(capsys):
    assert cli.main(["samplers"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "layered" in result and result["sa"]["parameters"][0]["name"] == "num_reads"


def test_lab_command_starts_jupyterlab_on_the_notebooks_and_prints_the_url():
    import socket
    import time
    import urllib.error
    import urllib.request

    pytest.importorskip("jupyterlab")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "qnn_lab.cli", "lab", "--no-browser", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        status, deadline = None, time.time() + 90
        while status is None and time.time() < deadline and proc.poll() is None:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2).status
            except urllib.error.HTTPError as exc:      # up, asking for its token
                status = exc.code
            except OSError:
                time.sleep(0.5)
        assert status in (200, 403), "JupyterLab did not answer"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"notebooks at http://localhost:{port}/lab" in err


def test_scaling_writes_fits_json_and_an_interactive_figure(tmp_path):
    out, html = tmp_path / "s.json", tmp_path / "s.html"
    status = cli.main(["scaling", "--quick", "--dataset-param", "n_inputs=16", "--dataset-param", "alpha=8",
                       "--seeds", "2", "--budgets", "5", "--hidden", "8", "--bootstrap", "40", "--quiet",
                       "--qpu-programming-us", "1000", "--json", str(out), "--html", str(html)])
    assert status == 0
    result = json.loads(out.read_text())
    assert result["cost"] == "samples_seen" and set(result["fits"]) == {"contrastive", "backprop"}
    assert len(result["fits"]["contrastive"]["ci"]) == 2 and "contrastive/backprop" in result["ratios"]
    assert result["config"]["dataset"] == {"name": "teacher", "n_inputs": 16, "alpha": 8}
    assert result["config"]["qpu_model"]["programming_us"] == 1000
    assert "plotly" in html.read_text()[:100_000].lower()


@pytest.mark.parametrize("argv, words", [
    (["scaling", "--cost", "anneals"], ["'anneals'", "'backprop'", "epochs, samples_seen, train_seconds"]),
    (["scaling", "--trainers", "contrastive,magic"], ["'trainers'", "'magic'"]),
    (["scaling", "--window", "10"], ["'--window'", "'10'"]),
    (["scaling", "--qpu-readout-us", "-5"], ["'readout_us'", "-5.0"]),
    (["scaling", "--json", "/no/such/folder/study.json"], ["'--json'", "writable folder", "/no/such/folder"]),
    (["scaling", "--html", "/no/such/f.html"], ["'--html'", "/no/such/f.html"]),
])
def test_scaling_bad_values_exit_2(argv, words):
    proc = subprocess.run([sys.executable, "-m", "qnn_lab.cli", *argv, "--quiet"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr
