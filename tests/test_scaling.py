import json
import math

import numpy as np
import pytest

import qnn_lab as ql
from qnn_lab.studies import QpuTimeModel, ScalingStudy, fit_power_law, fit_scaling, scaling_study
from qnn_lab.studies.scaling import _fit_study, _ratio, power_law_rows

COSTS = np.geomspace(10, 1e4, 15)


def synthetic_curves(alpha, seeds=8, noise=0.15, prefactor=3.0, rng=None):
    """Per-seed learning curves error = A_s * cost**-alpha * lognormal noise (A_s varies per seed)."""
    rng = np.random.default_rng(0) if rng is None else rng
    cost = np.tile(COSTS, (seeds, 1))
    scale = prefactor * np.exp(0.2 * rng.standard_normal((seeds, 1)))
    return cost, scale * cost ** -alpha * np.exp(noise * rng.standard_normal(cost.shape))


@pytest.fixture(scope="module")
def tiny_study():
    """Two trainers, two seeds, one epoch on a small teacher task: seconds, not minutes."""
    return scaling_study("teacher", dataset_params={"n_inputs": 16, "alpha": 10}, seeds=2, epochs=1, batch_size=8,
                         budgets=6, hidden=8, replicas=2, n_bootstrap=50)


def test_power_law_fit_is_exact_on_a_noiseless_power_law():
    alpha, log_a, n = fit_power_law(COSTS, 0.3 * COSTS ** -1.01)
    assert alpha == pytest.approx(1.01) and math.exp(log_a) == pytest.approx(0.3) and n == len(COSTS)


def test_fit_uses_only_points_inside_the_window():
    error = np.where(COSTS < 100, COSTS ** -0.2, 100 ** 0.58 * COSTS ** -0.78)   # a knee at cost 100
    assert fit_power_law(COSTS, error, window=(100, 1e4))[0] == pytest.approx(0.78)
    assert fit_power_law(COSTS, error)[0] < 0.7
    straight = fit_scaling(np.tile(COSTS, (2, 1)), np.tile(error, (2, 1)), window=(100, 1e4), n_bootstrap=10)
    bent = fit_scaling(np.tile(COSTS, (2, 1)), np.tile(error, (2, 1)), window=(10, 1e4), n_bootstrap=10)
    assert straight.log_rms < 1e-9 < 0.05 < bent.log_rms


def test_power_law_rows_are_numpys_least_squares_lines_row_by_row():
    rng = np.random.default_rng(3)
    cost = COSTS * np.exp(0.1 * rng.standard_normal((50, len(COSTS))))
    error = 0.3 * cost ** -0.8 * np.exp(0.1 * rng.standard_normal(cost.shape))
    error[:3, 2:] = 0                                    # rows left with fewer than two points in the window
    error[3, 0] = np.nan
    window = (20, 5e3)
    rows = power_law_rows(cost, error, window)
    for c, e, fit in zip(cost, error, rows):
        keep = (c >= window[0]) & (c <= window[1]) & (e > 0)
        if keep.sum() < 2:
            assert np.isnan(fit).all()
            continue
        slope, intercept = np.polyfit(np.log(c[keep]), np.log(e[keep]), 1)
        np.testing.assert_allclose(fit, (-slope, intercept), rtol=1e-10, atol=1e-12)
    assert np.isnan(rows[:3]).all() and np.isfinite(rows[3:]).all()


@pytest.mark.parametrize("alpha", [0.5, 0.78, 1.01, 2.0])
def test_bootstrap_ci_covers_the_true_exponent_and_rejects_a_wrong_one(alpha):
    cost, error = synthetic_curves(alpha)
    fit = fit_scaling(cost, error, window=(10, 1e4), n_bootstrap=500, random_state=1)
    assert fit.alpha == pytest.approx(alpha, abs=0.05)
    assert fit.covers(alpha)
    assert not fit.covers(alpha + 0.15) and not fit.covers(alpha - 0.15)
    assert fit.ci[0] < fit.alpha < fit.ci[1]


def test_bootstrap_ci_coverage_is_near_its_nominal_level():
    rng = np.random.default_rng(7)
    hits = [fit_scaling(*synthetic_curves(0.78, rng=rng), window=(10, 1e4), n_bootstrap=200,
                        random_state=k).covers(0.78) for k in range(40)]
    assert 0.8 <= np.mean(hits) <= 1.0


def test_a_flat_curve_leaves_the_ratio_undefined_not_infinite():
    falling = fit_scaling(*synthetic_curves(0.78), window=(10, 1e4), n_bootstrap=50)
    flat = fit_scaling(np.tile(COSTS, (4, 1)), np.full((4, len(COSTS)), 0.25), window=(10, 1e4), n_bootstrap=50)
    assert flat.alpha == pytest.approx(0, abs=1e-12) and not flat.boot_alpha.any()
    ratio = _ratio(falling, flat, 0.95)
    assert all(math.isnan(v) for v in ratio["ci"])
    assert _ratio(flat, falling, 0.95)["ci"] == [0, 0]


def test_ratio_of_exponents_has_a_ci_from_shared_seed_draws():
    curves = {}
    for name, alpha in (("contrastive", 1.01), ("backprop", 0.78)):
        cost, error = synthetic_curves(alpha, rng=np.random.default_rng(len(name)))
        curves[name] = {"samples_seen": cost, "error": error}
    study = _fit_study({}, curves, "samples_seen", (10, 1e4), "plateau", 500, 0.95, 0)
    ratio = study.ratios["contrastive/backprop"]
    assert ratio["value"] == pytest.approx(1.01 / 0.78, rel=0.05)
    assert ratio["ci"][0] < 1.01 / 0.78 < ratio["ci"][1] and ratio["ci"][0] > 1.0
    assert study.summary().startswith("contrastive: alpha = ") and "contrastive/backprop: 1.2" in study.summary()


def test_default_window_skips_the_initial_plateau():
    error = np.minimum(0.5, 20 * COSTS ** -0.9)           # chance level until cost ~ 60
    fit = fit_scaling(np.tile(COSTS, (3, 1)), np.tile(error, (3, 1)), n_bootstrap=20)
    assert fit.window[0] > 60 and fit.window[1] == COSTS[-1]
    assert fit.alpha == pytest.approx(0.9)


def test_floor_window_ends_before_the_curve_bends_onto_its_floor():
    error = np.minimum(0.5, 20 * COSTS ** -0.9) + 0.01        # chance level until cost ~ 60, floor 0.01
    fit = fit_scaling(np.tile(COSTS, (3, 1)), np.tile(error, (3, 1)), window_rule="floor", n_bootstrap=20)
    mean = error
    inside = (COSTS >= fit.window[0]) & (COSTS <= fit.window[1])
    assert fit.window[0] > 60 and fit.window[1] < COSTS[-1] and fit.window_rule == "floor"
    assert mean[inside].min() >= 2 * mean.min() and mean[COSTS > fit.window[1]].max() < 2 * mean.min()
    assert fit_scaling(np.tile(COSTS, (3, 1)), np.tile(error, (3, 1)), window=(100, 1000)).window_rule is None
    with pytest.raises(ValueError, match="'window_rule' should be one of 'plateau', 'floor': value = 'knee'"):
        fit_scaling(np.tile(COSTS, (3, 1)), np.tile(error, (3, 1)), window_rule="knee")


def test_digits_task_names_itself_in_every_cell_and_fits_with_its_rule(tmp_path):
    results = tmp_path / "cells.jsonl"
    study = scaling_study("digits", dataset_params={"n_samples": 200}, seeds=2, epochs=1, batch_size=16, budgets=5,
                          hidden=8, n_bootstrap=20, results=results)
    cells = [json.loads(line)["cell"] for line in results.read_text().splitlines()]
    assert len(cells) == 4 and study.config["task"] == "digits" and study.config["layers"] == [64, 8, 10]
    assert study.config["window_rule"] == "floor" and "twice the curve's lowest" in study.config["window_rule_text"]
    assert all(fit.window_rule == "floor" for fit in study.fits.values())


@pytest.mark.parametrize("call, words", [
    (lambda: fit_power_law([1, 2], [0.5, 0.0]), ["two or more costs", "found 1"]),
    (lambda: fit_power_law(COSTS, COSTS ** -1.0, window=(1e5, 1e6)), ["inside the window", "[1e+05, 1e+06]"]),
    (lambda: fit_scaling(np.ones((2, 3)), np.ones((2, 4))), ["'costs' and 'errors'", "(2, 3), (2, 4)"]),
    (lambda: fit_scaling(*synthetic_curves(1.0), window=(5, 1)), ["'window'", "low < high"]),
    (lambda: fit_scaling(*synthetic_curves(1.0), window="wide"), ["'window'", "'wide'"]),
    (lambda: fit_scaling(*synthetic_curves(1.0), confidence=1.5), ["'confidence'", "1.5"]),
    (lambda: fit_scaling(*synthetic_curves(1.0), n_bootstrap=0), ["'n_bootstrap'", "0"]),
])
def test_bad_fit_inputs_name_the_parameter(call, words):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("kwargs, words", [
    ({"cost": "anneals"}, ["'anneals'", "'backprop'", "epochs, samples_seen, train_seconds"]),
    ({"cost": "flops"}, ["'cost'", "'flops'", "'qpu_seconds'"]),
    ({"trainers": ["contrastive", "sgd"]}, ["'trainers'", "'sgd'"]),
    ({"trainers": "backprop"}, ["'trainers'", "list"]),
    ({"seeds": 1}, ["'seeds'", ">= 2"]),
    ({"trainer_params": {"qubo": {}}}, ["'trainer_params'", "'qubo'"]),
    ({"trainer_params": {"backprop": {"learning_rate": -1.0}}}, ["'learning_rate'", "-1.0"]),
    ({"trainer_params": {"contrastive": {"epochs": 9}}}, ["'trainer_params'", "'epochs'"]),
    ({"random_state": -1}, ["'random_state'", "-1"]),
    ({"qpu_model": {"anneal_us": 20}}, ["'qpu_model'", "QpuTimeModel"]),
    ({"task": "mnist"}, ["'task'", "'mnist'", "'teacher', 'digits' or a data set name"]),
])
def test_bad_study_inputs_fail_before_any_training(kwargs, words):
    seen = []
    with pytest.raises((TypeError, ValueError)) as info:
        scaling_study(**{"dataset_params": {"n_inputs": 8, "alpha": 4}, **kwargs},
                      progress=lambda *a: seen.append(a))
    assert not seen
    for word in words:
        assert word in str(info.value)


def test_trainers_count_their_cost_in_history():
    ds = ql.load_dataset("teacher", n_inputs=8, alpha=6, random_state=0)
    net = ql.Network([8, 6, 2], output_replicas=2, random_state=0)
    n = len(ds.y_train)
    tr = ql.ContrastiveTrainer(net, num_reads=3, batch_size=10, epochs=2, random_state=0).fit(ds.X_train, ds.y_train)
    calls = 2 * math.ceil(n / 10)
    last = tr.history_[-1]
    assert (last["samples_seen"], last["sampler_calls"], last["reads"], last["anneals"]) == (2 * n, calls, 3 * calls,
                                                                                         3 * 2 * n)
    assert tr.history_[0]["samples_seen"] == n
    assert 0 < last["train_seconds"] <= sum(h["wall_seconds"] for h in tr.history_)
    bp = ql.BackpropTrainer(net, batch_size=10, epochs=1, random_state=0).fit(ds.X_train, ds.y_train)
    assert bp.history_[-1]["samples_seen"] == n and "sampler_calls" not in bp.history_[-1]
    qb = ql.QuboTrainer(net, num_reads=2, epochs=1, random_state=0, sampler_params={"num_sweeps": 10})
    qb.fit(ds.X_train, ds.y_train)
    assert (qb.history_[-1]["sampler_calls"], qb.history_[-1]["reads"], qb.history_[-1]["anneals"]) == (2, 4, 4)


def test_qpu_time_model_uses_its_constants():
    default = QpuTimeModel()
    assert default.seconds(1, 0) == pytest.approx(0.015)
    assert default.seconds(0, 1000) == pytest.approx(1000 * 190e-6)
    slow = QpuTimeModel(programming_us=20_000, readout_us=200, anneal_us=2000, delay_us=0)
    assert slow.seconds(np.array([1, 2]), np.array([10, 20])) == pytest.approx([0.042, 0.084])
    with pytest.raises(TypeError, match="'anneal_us'"):
        QpuTimeModel(anneal_us="20")


def test_a_tiny_study_records_curves_and_fits_every_trainer(tiny_study):
    study = tiny_study
    assert set(study.fits) == {"contrastive", "backprop"} and study.cost == "samples_seen"
    curves = study.curves["contrastive"]
    assert curves["error"].shape == curves["samples_seen"].shape and curves["error"].shape[0] == 2
    assert np.all(np.diff(curves["samples_seen"], axis=1) > 0)
    for fit in study.fits.values():
        assert np.isfinite(fit.alpha) and fit.ci[0] <= fit.ci[1]
    assert "contrastive/backprop" in study.ratios
    result = json.loads(json.dumps(study.to_dict()))
    assert result["fits"]["backprop"]["n_bootstrap"] == 50 and result["config"]["layers"] == [16, 8, 2]
    again = ScalingStudy.from_dict(result)
    assert again.fits["contrastive"].alpha == study.fits["contrastive"].alpha
    assert again.ratios == study.ratios


def test_refit_changes_the_axis_without_training(tiny_study):
    by_epochs = tiny_study.refit("epochs")
    assert by_epochs.fits["backprop"].alpha == pytest.approx(tiny_study.fits["backprop"].alpha)  # a rescaled axis
    with pytest.raises(ValueError, match="'qpu_seconds' is not defined for trainer"):
        tiny_study.refit("qpu_seconds")
    annealing = tiny_study.refit("qpu_seconds", trainers=["contrastive"])
    assert list(annealing.fits) == ["contrastive"] and annealing.ratios == {}
    with pytest.raises(ValueError, match="'trainers' should be .* value = \\['qubo'\\]"):
        tiny_study.refit(trainers=["qubo"])
    narrow = tiny_study.refit("epochs", window=(0.5, 2))
    again = ScalingStudy.from_dict(json.loads(json.dumps(narrow.to_dict())))        # keeps the refit's window
    assert again.fits["backprop"].window == narrow.fits["backprop"].window
    assert again.fits["backprop"].alpha == pytest.approx(narrow.fits["backprop"].alpha)


def test_qpu_axis_of_an_annealing_study_follows_the_model():
    model = QpuTimeModel(programming_us=1000, anneal_us=10, readout_us=100, delay_us=10)
    study = scaling_study("teacher", trainers=["contrastive"], cost="qpu_seconds", dataset_params={"n_inputs": 8,
                          "alpha": 8}, seeds=2, epochs=1, batch_size=8, budgets=4, hidden=6, replicas=2,
                          trainer_params={"contrastive": {"num_reads": 2}}, qpu_model=model, n_bootstrap=20)
    c = study.curves["contrastive"]
    assert np.allclose(c["qpu_seconds"], model.seconds(c["sampler_calls"], c["reads"]))
    assert np.array_equal(c["reads"], 2 * c["sampler_calls"]) and np.array_equal(c["anneals"], 2 * c["samples_seen"])
    assert study.ratios == {} and study.config["qpu_model"]["programming_us"] == 1000
    per_cell = model.seconds(c["sampler_calls"][:, -1], c["reads"][:, -1]).mean()
    assert study.qpu_seconds_per_cell() == {"contrastive": pytest.approx(per_cell)}
    assert f"contrastive on a QPU (time model): {per_cell:.3g} s per cell, {2 * per_cell:.3g} s for 2 cells" \
        in study.summary()


def test_figure_shows_fits_and_bands(tiny_study):
    pytest.importorskip("plotly")
    from qnn_lab.widgets.scaling_view import scaling_figure
    fig = scaling_figure(tiny_study)
    names = [t.name for t in fig.data]
    assert any(n.startswith("contrastive: alpha = ") for n in names) and "backprop 95% band" in names
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
