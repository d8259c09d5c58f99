"""Registering a dataset, a sampler and a trainer is the whole extension: the CLI and the studies offer them.

The ``new_entries`` fixture (conftest.py) registers them; the lab's tests use the same fixture.
"""
import json

import pytest

import qnn_lab as ql
from qnn_lab import cli


def _help(capsys, *argv):
    with pytest.raises(SystemExit):
        cli.main([*argv, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_the_cli_offers_the_new_names(new_entries, capsys):
    train = _help(capsys, "train")
    for kind in ("dataset", "sampler", "trainer"):
        assert new_entries[kind] in train
    scaling = _help(capsys, "scaling")
    assert new_entries["dataset"] in scaling and new_entries["trainer"] in scaling
    for command, kind in (("datasets", "dataset"), ("samplers", "sampler"), ("trainers", "trainer")):
        assert cli.main([command]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert new_entries[kind] in listed and listed[new_entries[kind]]["parameters"]


def test_the_cli_trains_with_the_new_dataset_and_trainer(new_entries, tmp_path):
    out = tmp_path / "r.json"
    argv = ["train", "--dataset", "stripes", "--dataset-param", "width=0.8", "--n-samples", "40", "--trainer", "delta",
            "--learning-rate", "0.2", "--epochs", "3", "--quiet", "--json", str(out)]
    assert cli.main(argv) == 0
    result = json.loads(out.read_text())
    assert result["config"]["dataset"] == {"name": "stripes", "test_fraction": 0.25, "random_state": 0,
                                           "n_samples": 40, "width": 0.8}
    assert result["config"]["trainer"] == "delta" and result["config"]["layers"] == [2, cli.DEFAULT_HIDDEN, 3]
    assert len(result["history"]) == 3 and result["config"]["sampler"] is None


def test_the_cli_trains_with_the_new_sampler(new_entries, tmp_path):
    out = tmp_path / "r.json"
    argv = ["train", "--dataset", "stripes", "--layers", "2,4,3", "--sampler", "random-test", "--epochs", "1",
            "--num-reads", "2", "--quiet", "--json", str(out)]
    assert cli.main(argv) == 0
    assert json.loads(out.read_text())["config"]["sampler"] == "random-test"


def test_the_cli_checks_the_new_entries_parameters(new_entries, capsys):
    assert cli.main(["train", "--dataset", "stripes", "--dataset-param", "width=0", "--quiet"]) == 2
    assert "'--dataset-param width' should be a finite number in (0.0, 2.0]: value = 0" in capsys.readouterr().err
    assert cli.main(["train", "--dataset", "stripes", "--trainer", "delta", "--num-reads", "3", "--quiet"]) == 2
    assert "'--num-reads' does not apply to trainer 'delta'" in capsys.readouterr().err


def test_the_scaling_study_runs_the_new_trainer_on_the_new_dataset(new_entries):
    study = ql.scaling_study("stripes", trainers=["delta", "backprop"], seeds=2, epochs=2, batch_size=8, budgets=4,
                             hidden=4, replicas=1, dataset_params={"n_samples": 80}, n_bootstrap=20)
    assert set(study.fits) == {"delta", "backprop"} and "delta/backprop" in study.ratios
    with pytest.raises(ValueError, match="'cost' = 'reads' is not defined for trainer 'delta'"):
        ql.scaling_study("stripes", trainers=["delta"], cost="reads", seeds=2)


def test_the_scaling_command_takes_the_new_trainer(new_entries, tmp_path):
    out = tmp_path / "s.json"
    argv = ["scaling", "--task", "stripes", "--dataset-param", "n_samples=80", "--trainers", "delta,contrastive",
            "--sampler", "random-test", "--seeds", "2", "--epochs", "1", "--budgets", "3", "--hidden", "4",
            "--bootstrap", "20", "--quiet", "--json", str(out)]
    assert cli.main(argv) == 0
    result = json.loads(out.read_text())
    assert set(result["fits"]) == {"delta", "contrastive"}
    assert result["config"]["trainer_params"] == {"contrastive": {"sampler": "random-test"}}


def test_unregister_removes_a_name():
    from qnn_lab.training import TRAINERS, TrainerSpec
    TRAINERS.register(TrainerSpec("backprop-again", "Backprop under another name.", (), ql.BackpropTrainer, False))
    assert "backprop-again" in ql.list_trainers()
    assert TRAINERS.unregister("backprop-again").cls is ql.BackpropTrainer
    assert "backprop-again" not in ql.list_trainers()
    with pytest.raises(ql.UnknownNameError, match="'trainer' should be one of .*: value = 'backprop-again'"):
        TRAINERS.unregister("backprop-again")
