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
    (["train", "--sampler", "qa"], ["'--sampler' should be one of", "'layered'", "'qa'"]),
    (["train", "--trainer", "magic"], ["'--trainer' should be one of", "'layerwise'", "'magic'"]),
    (["train", "--dataset", "nope"], ["'--dataset' should be one of 'xor', 'circles'", "'csv': value = 'nope'"]),
    (["train", "--layers", "64,x,10"], ["'--layers'", "64,x,10"]),
    (["train", "--layers", "3,8,10"], ["'--layers'", "64 features"]),
    (["train", "--epochs", "-1", "--dataset", "xor"], ["'--epochs' should be an integer", "-1"]),
    (["train", "--batch-size", "0"], ["'--batch-size'", "0"]),
    (["train", "--learning-rate", "-1"], ["'--learning-rate'", "-1"]),
    (["train", "--num-reads", "0"], ["'--num-reads'", "0"]),
    (["train", "--replicas", "0"], ["'--replicas'", "0"]),
    (["train", "--seed", "-3"], ["'--seed'", "-3"]),
    (["train", "--dataset", "digits", "--noise", "0.1"], ["'--noise' does not apply to dataset 'digits'", "classes"]),
    (["train", "--dataset", "xor", "--n-samples", "2"], ["'--n-samples'", "2"]),
    (["train", "--dataset-param", "classes=[3,3]"], ["'--dataset-param classes'", "[3, 3]"]),
    (["train", "--dataset-param", "colour=red"], ["'--dataset-param' should name a parameter of dataset 'digits'",
                                                  "'colour'"]),
    (["train", "--trainer", "backprop", "--num-reads", "3"], ["'--num-reads' does not apply to trainer 'backprop'"]),
    (["train", "--trainer", "backprop", "--sampler", "sa"], ["'--sampler'", "'backprop'", "calls no sampler"]),
    (["train", "--trainer", "layerwise", "--trainer-param", "window=0"], ["'--trainer-param window'", "0"]),
    (["train", "--sampler-param", "num_sweeps=x"], ["'--sampler-param num_sweeps'", "'x'"]),
    (["train", "--sampler", "sa", "--sampler-param", "sweeps=5"], ["'--sampler-param'", "sampler 'sa'", "'sweeps'"]),
    (["train", "--sampler-param", "num_sweeps"], ["--sampler-param", "NAME=VALUE"]),
    (["train", "--dataset", "spiral", "--dataset-param", "features=x1,r"],
     ["'--dataset-param features'", "sin(x1)", "x1,r"]),
])
def test_bad_values_print_the_message_and_exit_2(argv, words, capsys):
    try:
        status = cli.main([*argv, "--quiet"])
    except SystemExit as exc:                 # argparse's own errors (a malformed NAME=VALUE)
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err


def test_a_bad_value_exits_2_without_a_traceback_from_the_installed_command():
    proc = subprocess.run([sys.executable, "-m", "qnn_lab.cli", "train", "--dataset", "nope"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "qnn-lab: error: '--dataset' should be one of" in proc.stderr


def test_train_takes_playground_features(tmp_path):
    out = tmp_path / "r.json"
    assert cli.main(["train", "--dataset", "spiral", "--dataset-param", "features=x1,x2,x1*x2", "--epochs", "1",
                     "--quiet", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["config"]["layers"][0] == 3 and result["config"]["dataset"]["features"] == "x1,x2,x1*x2"


def test_samplers_lists_schemas(capsys):
    assert cli.main(["samplers"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "layered" in result and result["sa"]["parameters"][0]["name"] == "num_reads"


def test_datasets_and_trainers_list_their_registries(capsys):
    import qnn_lab as ql
    assert cli.main(["datasets"]) == 0
    datasets = json.loads(capsys.readouterr().out)
    assert list(datasets) == ql.list_datasets()
    assert [p["name"] for p in datasets["teacher"]["parameters"]] == ["n_inputs", "alpha"]
    assert cli.main(["trainers"]) == 0
    trainers = json.loads(capsys.readouterr().out)
    assert list(trainers) == ql.list_trainers() and "window" in [p["name"] for p in trainers["layerwise"]["parameters"]]


def test_layerwise_trains_from_the_cli(tmp_path):
    out = tmp_path / "r.json"
    argv = ["train", "--dataset", "xor", "--layers", "2,6,6,2", "--trainer", "layerwise", "--trainer-param", "window=1",
            "--n-samples", "40", "--epochs", "1", "--quiet", "--json", str(out)]
    assert cli.main(argv) == 0
    config = json.loads(out.read_text())["config"]
    assert config["trainer"] == "layerwise" and config["trainer_params"] == {"window": 1}
    assert config["sampler"] == "layered" and config["batch_size"] == 4      # the 2-D sets' preset


def test_lab_copies_the_shipped_notebooks_it_lacks_and_never_overwrites(tmp_path):
    shipped = sorted(p.name for p in cli.shipped_notebooks().glob("*.ipynb"))
    assert "lab.ipynb" in shipped
    folder = tmp_path / "work"
    assert cli.copy_notebooks(folder) == shipped                    # first run: all of them
    (folder / "lab.ipynb").write_text("my edits")
    (folder / "00_quickstart.ipynb").unlink()
    assert cli.copy_notebooks(folder) == ["00_quickstart.ipynb"]    # only what is missing
    assert (folder / "lab.ipynb").read_text() == "my edits"
    assert cli.copy_notebooks(cli.shipped_notebooks()) == []          # the source folder itself: nothing to copy
    (tmp_path / "file").write_text("")
    with pytest.raises(cli.CliError, match="'--dir' should be a folder"):
        cli.copy_notebooks(tmp_path / "file")


def test_lab_command_starts_jupyterlab_on_the_notebooks_and_prints_the_url(tmp_path):
    import socket
    import time
    import urllib.error
    import urllib.request

    pytest.importorskip("jupyterlab")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "qnn_lab.cli", "lab", "--no-browser", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
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
    assert f"qnn_lab_notebooks at http://localhost:{port}/lab" in err
    assert (tmp_path / "qnn_lab_notebooks" / "lab.ipynb").is_file()


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
    assert result["config"]["task"] == "teacher" and result["config"]["window_rule"] == "plateau"
    assert set(result["qpu_seconds_fits"]) == {"contrastive"}
    assert result["config"]["qpu_model"]["programming_us"] == 1000
    assert "plotly" in html.read_text()[:100_000].lower()


@pytest.mark.parametrize("argv, words", [
    (["scaling", "--cost", "anneals"], ["'anneals'", "'backprop'", "epochs, samples_seen, train_seconds"]),
    (["scaling", "--trainers", "contrastive,magic"], ["'--trainers' should be one of", "'magic'"]),
    (["scaling", "--task", "nope"], ["'--task' should be one of", "'teacher', 'digits' or a data set", "'nope'"]),
    (["scaling", "--dataset-param", "alpha=0"], ["'--dataset-param alpha'", "0"]),
    (["scaling", "--sampler", "nope"], ["'--sampler' should be one of", "'nope'"]),
    (["scaling", "--sampler-param", "num_sweeps=0"], ["'--sampler-param num_sweeps'", "0"]),
    (["scaling", "--window", "10"], ["'--window'", "'10'"]),
    (["scaling", "--qpu-readout-us", "-5"], ["'readout_us'", "-5.0"]),
    (["scaling", "--json", "/no/such/folder/study.json"], ["'--json'", "writable folder", "/no/such/folder"]),
    (["scaling", "--html", "/no/such/f.html"], ["'--html'", "/no/such/f.html"]),
])
def test_scaling_bad_values_exit_2(argv, words, capsys):
    assert cli.main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err
