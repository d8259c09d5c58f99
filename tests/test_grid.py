"""Studies as grids of cells: serial, on a Dask LocalCluster, resumed, after a worker dies, with bad input."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import qnn_lab as ql
from qnn_lab import cli
from qnn_lab.studies import ScalingStudy, grid, scaling_study
from qnn_lab.studies.deep import layerwise_study
from qnn_lab.studies.grid import ResultsFileError, connect

TINY = {"dataset_params": {"n_inputs": 16, "alpha": 10}, "seeds": 3, "epochs": 1, "batch_size": 8, "budgets": 6,
        "hidden": 8, "replicas": 2, "n_bootstrap": 50}
QUICK = ["scaling", "--quick", "--quiet"]


def same_numbers(a, b):
    """Identical curves (but the measured train_seconds) and identical fits."""
    assert a.curves.keys() == b.curves.keys()
    for name in a.curves:
        for axis in a.curves[name]:
            if axis != "train_seconds":
                assert np.array_equal(a.curves[name][axis], b.curves[name][axis]), (name, axis)
    assert {n: f.to_dict() for n, f in a.fits.items()} == {n: f.to_dict() for n, f in b.fits.items()}
    assert a.ratios == b.ratios


@pytest.fixture(scope="module")
def serial():
    return scaling_study("teacher", **TINY)


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    with connect(workers=2) as client:
        yield client


def cells_in(path):
    return [json.loads(line)["cell"] for line in path.read_text().splitlines()]


def test_two_workers_give_the_serial_numbers_and_stream_every_cell(serial, client, tmp_path):
    results, seen = tmp_path / "study.cells.jsonl", []
    study = scaling_study("teacher", client=client, results=results, progress=lambda *a: seen.append(a), **TINY)
    same_numbers(serial, study)
    assert sorted(map(json.dumps, cells_in(results))) == sorted(
        json.dumps({"task": "teacher", "trainer": t, "seed": s}) for s in range(3) for t in ("contrastive", "backprop"))
    assert seen[0][:2] == (0, 6) and [a[0] for a in seen[1:]] == [1, 2, 3, 4, 5, 6]
    assert study.config["fingerprint"] == json.loads(results.read_text().splitlines()[0])["study"]


def test_a_killed_worker_is_replaced_and_the_study_ends_with_the_same_numbers(serial, client):
    before = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(done, total, label):
        busy = [address for address, keys in client.processing().items() if keys]
        if 1 <= done and busy and not killed:
            os.kill(before[busy[0]], signal.SIGKILL)          # the worker dies in the middle of a cell
            killed.append(busy[0])

    study = scaling_study("teacher", client=client, progress=kill_a_busy_worker, **TINY)
    assert killed
    same_numbers(serial, study)
    client.wait_for_workers(2, timeout=60)
    assert set(client.run(os.getpid).values()) != set(before.values())       # the nanny started a new one


def test_workers_run_one_thread_without_dasks_malloc_trim_setting(client):
    """Dask's MALLOC_TRIM_THRESHOLD_ made numpy's temporaries cost a page fault each (a cell 1.7x slower)."""
    environ = client.run(lambda: {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")})
    assert len(environ) == 2 and all(e == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"}
                                     for e in environ.values()), environ


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_new_workers_start_with_torch_and_the_kernel_loaded():
    """Forked from this process: no worker imports torch or loads the kernel anew."""
    pytest.importorskip("distributed")

    def loaded():
        from qnn_lab.samplers import kernel
        return "torch.nn" in sys.modules and bool(kernel._anneal_tiles.overloads)

    with connect(workers=1) as fresh:
        assert list(fresh.run(loaded).values()) == [True]


@pytest.fixture
def finished(tmp_path):
    """A results file with the tiny study's first two cells."""
    results = tmp_path / "study.cells.jsonl"

    def interrupt(done, total, label):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scaling_study("teacher", results=results, progress=interrupt, **TINY)
    return results


def test_an_interrupted_study_resumes_with_only_the_missing_cells(serial, finished):
    results, first = finished, cells_in(finished)
    assert len(first) == 2
    ran = []
    study = scaling_study("teacher", results=results, resume=True, progress=lambda d, t, label: ran.append(label),
                          **TINY)
    assert ran[0] == "2 cells resumed" and len(ran) == 1 + 4
    assert cells_in(results)[:2] == first and len(cells_in(results)) == 6
    same_numbers(serial, study)
    again = scaling_study("teacher", results=results, resume=True, progress=lambda *a: ran.append(a), **TINY)
    same_numbers(serial, again)                       # everything read back, nothing trained
    assert len(ran) == 6 and len(cells_in(results)) == 6


def test_an_interrupted_dask_study_resumes_serially_with_the_same_numbers(serial, client, tmp_path):
    results = tmp_path / "study.cells.jsonl"

    def interrupt(done, total, label):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scaling_study("teacher", client=client, results=results, progress=interrupt, **TINY)
    assert len(cells_in(results)) == 3
    same_numbers(serial, scaling_study("teacher", results=results, resume=True, **TINY))


def test_more_seeds_reuse_the_finished_cells(serial, tmp_path):
    results = tmp_path / "study.cells.jsonl"
    scaling_study("teacher", results=results, **{**TINY, "seeds": 2})
    ran = []
    study = scaling_study("teacher", results=results, resume=True, progress=lambda *a: ran.append(a), **TINY)
    assert len(ran) == 1 + 2 and len(cells_in(results)) == 6
    same_numbers(serial, study)


@pytest.mark.parametrize("change, kwargs, words", [
    (None, {"hidden": 9}, ["belongs to another study", "line 1", "fingerprint"]),
    (lambda text: text + '{"study": "x", "cell": {"trainer": "backprop", "seed": 2}, "res',
     {}, ["line 3", "not a complete cell record", "delete that line"]),
    (lambda text: text.replace("}}\n", "]}\n", 1), {}, ["line 1", "not a complete cell record"]),
    (None, {"resume": False}, ["already holds finished cells", "--resume"]),
])
def test_a_results_file_that_does_not_fit_is_refused_and_kept(finished, change, kwargs, words):
    if change is not None:
        finished.write_text(change(finished.read_text()))
    before = finished.read_text()
    ran = []
    with pytest.raises(ResultsFileError) as info:
        scaling_study("teacher", results=finished, progress=lambda *a: ran.append(a),
                      **{**TINY, "resume": True, **kwargs})
    for word in [str(finished), *words]:
        assert word in str(info.value)
    assert not ran and finished.read_text() == before


def test_resume_without_a_results_file_names_it():
    with pytest.raises(ValueError, match="'resume' needs a results file"):
        scaling_study("teacher", resume=True, **TINY)
    assert cli.main([*QUICK, "--resume"]) == 2


def test_an_unwritable_results_path_fails_before_any_training(tmp_path):
    ran = []
    for path in (tmp_path / "no" / "such" / "folder.jsonl", tmp_path):
        with pytest.raises(ValueError, match=f"'results' should be a (writable file|file path).*{path.name}"):
            scaling_study("teacher", results=path, progress=lambda *a: ran.append(a), **TINY)
    assert not ran


def test_a_trainer_object_in_the_params_is_refused_before_any_training():
    with pytest.raises(TypeError, match="'trainer_params' should hold names and numbers"):
        scaling_study("teacher", trainer_params={"contrastive": {"sampler": ql.get_sampler("sa")}}, **TINY)


def test_an_unreachable_or_malformed_scheduler_is_named(monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr(grid, "CONNECT_SECONDS", 1)
    assert cli.main([*QUICK, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "'--scheduler' = 'tcp://127.0.0.1:9'" in err and "no Dask scheduler answered within 1 s" in err
    assert cli.main([*QUICK, "--scheduler", "nonsense"]) == 2
    assert "'--scheduler' should be a Dask scheduler address" in capsys.readouterr().err
    assert cli.main([*QUICK, "--workers", "0"]) == 2
    assert "'--workers' should be an integer >= 1: value = 0" in capsys.readouterr().err
    assert cli.main([*QUICK, "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "not both" in capsys.readouterr().err


def test_without_dask_a_distributed_study_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert cli.main([*QUICK, "--workers", "2"]) == 2
    assert "install qnn_lab[distributed]" in capsys.readouterr().err
    assert scaling_study("teacher", **{**TINY, "seeds": 2}).fits          # serial needs no Dask


def test_cli_study_is_the_same_serially_and_on_a_running_cluster(client, tmp_path):
    tiny = ["--dataset-param", "n_inputs=16", "--seeds", "2", "--budgets", "5", "--hidden", "8", "--bootstrap", "40"]
    runs = {}
    for name, extra in (("serial", []), ("scheduler", ["--scheduler", client.scheduler.address])):
        out = tmp_path / f"{name}.json"
        assert cli.main([*QUICK, *tiny, *extra, "--json", str(out)]) == 0
        runs[name] = ScalingStudy.from_dict(json.loads(out.read_text()))
        assert len(cells_in(tmp_path / f"{name}.cells.jsonl")) == 4
    same_numbers(runs["serial"], runs["scheduler"])
    again = [*QUICK, *tiny, "--json", str(tmp_path / "serial.json")]
    assert cli.main(again) == 2                                         # finished cells are kept
    assert cli.main([*again, "--resume"]) == 0


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_cells_and_resume_runs_the_rest(tmp_path):
    argv = [*QUICK, "--dataset-param", "n_inputs=16", "--seeds", "8", "--budgets", "4", "--hidden", "6",
            "--bootstrap", "20"]
    out = tmp_path / "study.json"
    cells = out.with_suffix(".cells.jsonl")
    proc = subprocess.Popen([sys.executable, "-m", "qnn_lab.cli", *argv, "--json", str(out)], text=True,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (cells.exists() and cells.read_text().count("\n")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "rerun with --resume" in err and "Traceback" not in err
    finished = cells_in(cells)
    assert 1 <= len(finished) < 16 and not out.exists()
    assert cli.main([*argv, "--json", str(out), "--resume"]) == 0      # identical end: see the test above
    assert cells_in(cells)[:len(finished)] == finished and len(cells_in(cells)) == 16
    assert json.loads(out.read_text())["config"]["seeds"] == list(range(8))


@pytest.mark.slow
def test_cli_quick_study_is_the_same_on_two_workers(tmp_path):
    pytest.importorskip("distributed")
    runs = {}
    for name, extra in (("serial", []), ("workers", ["--workers", "2"])):
        out = tmp_path / f"{name}.json"
        assert cli.main([*QUICK, *extra, "--json", str(out)]) == 0
        runs[name] = ScalingStudy.from_dict(json.loads(out.read_text()))
    same_numbers(runs["serial"], runs["workers"])


def test_deep_study_cells_give_the_same_numbers_on_dask(client, tmp_path):
    ds = ql.load_dataset("xor", n_samples=40, random_state=0)
    kwargs = {"layers": (2, 4, 4, 2), "output_replicas": 2, "windows": [1, 2], "seeds": 2, "epochs": 1,
              "batch_size": 8, "backprop_epochs": 1, "topologies": ["zephyr"]}
    serial = layerwise_study(ds, **kwargs)
    results = tmp_path / "deep.cells.jsonl"
    distributed = layerwise_study("xor", dataset_params={"n_samples": 40}, client=client, results=results, **kwargs)
    assert len(cells_in(results)) == 2 * 2 + 2 * 2               # windows x seeds, backprop and full per seed
    for a, b in zip(serial["windows"], distributed["windows"]):
        assert (a["window"], a["seed"], a["test_accuracy_per_epoch"]) == (b["window"], b["seed"],
                                                                          b["test_accuracy_per_epoch"])
        assert a["embedding"]["zephyr/clique"]["qubits_used"] == b["embedding"]["zephyr/clique"]["qubits_used"]
    for name in ("contrastive", "backprop"):
        assert serial[name] == distributed[name] and len(serial[name]["test_accuracy_per_seed"]) == 2
