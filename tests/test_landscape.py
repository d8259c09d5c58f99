"""Landscape metrics on hand-made landscapes (a pure glass, a single minimum) and during training."""
import json

import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler

import qnn_lab as ql
from qnn_lab.training import (
    OVERLAP_EDGES,
    distinct_counts,
    landscape_metrics,
    lowest_share,
    overlap_distribution,
    overlaps,
)

#: SA this hot returns random states: the landscape is then seen only through the descent polish.
RANDOM_STARTS = {"beta_range": [1e-4, 2e-4], "num_sweeps": 1}


def random_states(num_reads, n_samples, n_spins, seed=0):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(num_reads, n_samples, n_spins))


# ------------------------------------------------------------------ pure functions on hand-made states
def test_overlaps_of_hand_made_reads():
    states = np.array([[[1, 1, -1, -1]], [[1, -1, -1, 1]], [[-1, -1, 1, 1]]], float)
    q = overlaps(states)[:, 0]                               # pairs (0, 1), (0, 2), (1, 2)
    assert q.tolist() == [0.0, -1.0, 0.0]


def test_pure_glass_has_broad_overlaps_many_minima_and_a_low_lowest_share():
    states = random_states(64, 5, 200)                       # 64 reads, each in its own random minimum
    p = overlap_distribution(states)
    mid = (OVERLAP_EDGES[:-1] + OVERLAP_EDGES[1:]) / 2
    assert p.sum() == pytest.approx(1.0)
    assert p[np.abs(mid) < 0.3].sum() > 0.95 and p[-1] == 0.0   # P(q) around 0, nothing near q = 1
    assert abs(overlaps(states).mean()) < 0.02
    assert distinct_counts(states).tolist() == [64] * 5
    np.testing.assert_allclose(lowest_share(states, np.zeros((64, 5))), 1 / 64)    # degenerate minima


def test_single_minimum_has_overlaps_at_one_one_minimum_and_every_read_in_it():
    one = random_states(1, 5, 200)
    states = np.repeat(one, 32, axis=0)
    p = overlap_distribution(states)
    assert p[-1] == 1.0
    assert distinct_counts(states).tolist() == [1] * 5
    assert lowest_share(states, np.zeros((32, 5))).tolist() == [1.0] * 5


def test_lowest_share_counts_the_deepest_state_not_the_commonest():
    a, b = [1.0, 1.0, -1.0], [1.0, -1.0, -1.0]
    states = np.array([[a], [a], [a], [b]])
    assert lowest_share(states, np.array([[-1.0], [-1.0], [-1.0], [-2.0]]))[0] == 0.25
    assert lowest_share(states, np.array([[-3.0], [-3.0], [-3.0], [-2.0]]))[0] == 0.75


def test_distinct_counts_sees_a_single_spin_past_a_byte_boundary():
    states = np.ones((3, 1, 9))
    states[1, 0, 8] = -1                                     # read 1 differs from 0 and 2 only in spin 9
    assert distinct_counts(states)[0] == 2


def test_bad_states_are_refused_with_their_shape():
    with pytest.raises(ValueError, match="num_reads = 1"):
        overlap_distribution(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match=r"'states'.*shape = \(4, 3\)"):
        overlaps(np.ones((4, 3)))


# ------------------------------------------------------------------ landscape_metrics on hand-made networks
def single_minimum_network():
    """Strong input fields fix the hidden layer; the outputs then have one ground state, t(0)."""
    net = ql.Network([2, 6, 2], output_replicas=3, random_state=0)
    h = np.array([1, -1, 1, 1, -1, -1], float)
    t = net.target_codes([0])[0]
    net.weights[0] = 10.0 * np.outer(h, [1.0, 0.0])
    net.biases[0] = np.zeros(6)
    net.weights[1] = np.outer(t, h)
    net.biases[1] = np.zeros(6)
    return net


def glass_network():
    """No input field and random bipartite couplings: a spin glass with many minima."""
    net = ql.Network([2, 40, 2], output_replicas=20, random_state=0)
    net.weights[0][:] = 0.0
    net.biases = [np.zeros(40), np.zeros(40)]
    net.weights[1] = np.random.default_rng(1).standard_normal((40, 40))
    return net


def test_metrics_of_a_single_minimum_landscape():
    net = single_minimum_network()
    X, y = np.array([[1.0, 0.3], [1.0, -0.5]]), np.array([0, 0])
    m = landscape_metrics(net, X, y, SimulatedAnnealingSampler(), 16, seed=0, sampler_params=RANDOM_STARTS)
    assert m.distinct_minima == 1.0 and m.lowest_share == 1.0
    assert m.overlap_distribution[-1] == 1.0 and m.mean_overlap == 1.0
    assert m.head_gap is None and m.head_below_target == 0.0 and m.heads_per_sample == 0.0
    centres = (np.array(m.gap_edges[:-1]) + np.array(m.gap_edges[1:])) / 2
    assert sum(m.gap_counts) == 32 and abs(centres[np.argmax(m.gap_counts)]) < 0.03   # every read is the target


def test_metrics_of_a_glass_landscape():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    m = landscape_metrics(glass_network(), X, y, SimulatedAnnealingSampler(), 32, seed=0,
                          sampler_params=RANDOM_STARTS)
    mid = (OVERLAP_EDGES[:-1] + OVERLAP_EDGES[1:]) / 2
    assert m.distinct_minima > 0.8 * 32 and m.lowest_share < 0.1
    assert np.asarray(m.overlap_distribution)[np.abs(mid) < 0.5].sum() > 0.8 and abs(m.mean_overlap) < 0.1
    assert m.head_below_target == 1.0 and m.head_gap < 0 and m.heads_per_sample > 0.8 * 32


def test_descent_polish_turns_noisy_reads_of_one_minimum_into_one_state():
    """Random starts are all different; polished, the single-minimum network keeps one of them."""
    net = single_minimum_network()
    X, y = np.array([[1.0, 0.0]]), np.array([1])            # the minimum is t(0): it is a head for label 1
    m = landscape_metrics(net, X, y, SimulatedAnnealingSampler(), 8, seed=0, sampler_params=RANDOM_STARTS)
    assert m.distinct_minima == 1.0 and m.heads_per_sample == 1.0
    assert m.head_below_target == 1.0 and m.head_gap < 0


def test_metrics_are_plain_json_and_the_same_for_the_same_seed():
    net = ql.Network([2, 8, 2], output_replicas=2, random_state=0)
    X, y = np.random.default_rng(0).normal(size=(5, 2)), np.array([0, 1, 1, 0, 1])
    a = landscape_metrics(net, X, y, ql.get_sampler("sa"), 6, seed=3).to_dict()
    b = landscape_metrics(net, X, y, ql.get_sampler("sa"), 6, seed=3).to_dict()
    assert json.loads(json.dumps(a)) == a == b


def test_landscape_metrics_refuses_bad_arguments():
    net = ql.Network([2, 4, 2], random_state=0)
    with pytest.raises(ValueError, match="'num_reads'.*value = 1"):
        landscape_metrics(net, [[0.0, 1.0]], [0], ql.get_sampler("layered"), 1)
    with pytest.raises(ValueError, match="'y'"):
        landscape_metrics(net, [[0.0, 1.0]], [2], ql.get_sampler("layered"), 4)


# ------------------------------------------------------------------ during training
@pytest.fixture(scope="module")
def xor():
    return ql.load_dataset("xor", n_samples=80, noise=0.0, random_state=0)


def test_trainer_records_the_probe_landscape_every_epoch(xor):
    net = ql.Network([2, 8, 2], output_replicas=2, random_state=0)
    tr = ql.ContrastiveTrainer(net, epochs=3, batch_size=8, probe_size=10, probe_reads=4, random_state=0)
    tr.fit(xor.X_train, xor.y_train)
    assert "landscape_initial" in tr.history_[0] and all("landscape_initial" not in r for r in tr.history_[1:])
    for record in tr.history_:
        assert record["landscape"]["n_samples"] == 10 and record["landscape"]["num_reads"] == 4
        assert record["probe_seconds"] > 0
    assert sum(tr.history_[0]["landscape_initial"]["gap_counts"]) == 40
    assert json.loads(json.dumps(tr.history_)) == tr.history_
    start = landscape_metrics(net, xor.X_train[:10], xor.y_train[:10], tr.sampler_, 4, margin=tr.margin_,
                              head_rule=tr.head_rule, seed=0).to_dict()
    assert tr.history_[0]["landscape_initial"] == start                # the untrained network, same seed


def test_probe_off_records_nothing_and_does_not_change_training(xor):
    net = ql.Network([2, 8, 2], output_replicas=2, random_state=0)
    fits = [ql.ContrastiveTrainer(net, epochs=2, batch_size=8, probe_size=size, keep_best=False, random_state=0)
            .fit(xor.X_train, xor.y_train) for size in (0, 16)]
    assert all("landscape" not in r and "probe_seconds" not in r for r in fits[0].history_)
    for a, b in zip(fits[0].network_.weights, fits[1].network_.weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("param", "value"), [("probe_size", -1), ("probe_reads", 1), ("probe_size", 2.5)])
def test_bad_probe_parameters_are_refused(xor, param, value):
    net = ql.Network([2, 4, 2], random_state=0)
    tr = ql.ContrastiveTrainer(net, epochs=1, **{param: value})
    with pytest.raises((TypeError, ValueError), match=f"'{param}'"):
        tr.fit(xor.X_train, xor.y_train)
    assert not hasattr(tr, "history_")


@pytest.mark.slow
def test_digits_training_moves_the_landscape_from_glass_to_order():
    ds = ql.load_dataset("digits", random_state=0)
    net = ql.Network([64, 120, 10], output_replicas=4, random_state=0)
    tr = ql.ContrastiveTrainer(net, epochs=3, random_state=0).fit(ds.X_train, ds.y_train)
    start, end = tr.history_[0]["landscape_initial"], tr.history_[-1]["landscape"]
    assert start["lowest_share"] < 0.5 < end["lowest_share"]
    assert start["distinct_minima"] > 2 * end["distinct_minima"]
    assert start["overlap_distribution"][-1] < 0.5 < end["overlap_distribution"][-1]
    assert start["head_below_target"] > 0.8 > 0.5 > end["head_below_target"]


# ------------------------------------------------------------------ melting temperature of the trained order
def test_melting_temperature_of_free_spins_in_a_field_is_h_over_artanh_half():
    """Spins in a field h alone: q(T) = tanh(h / T), so the overlap falls below 1/2 at T = h / artanh(1/2)."""
    from qnn_lab.training.landscape import melting_temperature

    h = 0.7
    net = ql.Network([2, 4, 2], random_state=0)
    net.weights = [np.zeros_like(W) for W in net.weights]
    net.biases = [np.full(4, h), h * net.target_codes([0])[0]]
    X, y = np.zeros((64, 2)), np.zeros(64, dtype=int)
    t_melt, temperatures, q = melting_temperature(net, X, y, num_reads=64, temperatures=40, seed=0)
    assert t_melt == pytest.approx(h / np.arctanh(0.5), rel=0.04)
    assert q[0] > 0.99 and q[-1] < 0.45 and temperatures == sorted(temperatures)


def test_melting_temperature_is_none_without_order():
    from qnn_lab.training.landscape import melting_temperature

    net = ql.Network([2, 4, 2], random_state=0)
    net.biases[-1] = -10 * net.target_codes([0])[0]                    # the free outputs flip away from t(0)
    net.weights[-1] = np.zeros_like(net.weights[-1])
    net.weights[0] = np.zeros_like(net.weights[0])
    net.biases[0] = np.array([5.0, -5.0, 5.0, -5.0])
    X = np.zeros((4, 2))
    # hidden spins follow their field (q = +1 on 4 spins), the outputs sit at -t(0) (q = -1 on 2): mean q = 1/3
    assert melting_temperature(net, X, np.zeros(4, dtype=int), seed=0)[0] is None


def hot_end(network, X):
    """The hottest temperature of the melting scan: a melting temperature there is the scan's cap, not a crossing."""
    from qnn_lab.samplers import default_beta_range
    from qnn_lab.samplers.layered import LayeredModel

    return 1 / default_beta_range(LayeredModel.from_network(network, X))[0]


def test_training_on_circles_raises_the_melting_temperature():
    ds = ql.load_dataset("circles", random_state=0)
    net = ql.Network([2, 64, 2], output_replicas=2, random_state=0)
    tr = ql.ContrastiveTrainer(net, batch_size=4, epochs=4, keep_best=False, random_state=0).fit(ds.X_train, ds.y_train)
    melt = [tr.history_[0]["melting_temperature_initial"]] + [r["melting_temperature"] for r in tr.history_]
    assert all(isinstance(m, float) for m in melt)
    assert min(melt[1:]) > melt[0] and melt[-1] > 1.25 * melt[0], melt       # measured: 0.68 -> 0.87 .. 0.95
    assert melt[-1] < 0.2 * hot_end(tr.network_, ds.X_train[:tr.probe_size])  # a crossing, far below the scan's top


@pytest.mark.slow
def test_digits_training_raises_the_melting_temperature():
    ds = ql.load_dataset("digits", random_state=0)
    net = ql.Network([64, 120, 10], output_replicas=4, random_state=0)
    tr = ql.ContrastiveTrainer(net, epochs=5, keep_best=False, random_state=0).fit(ds.X_train, ds.y_train)
    melt = [tr.history_[0]["melting_temperature_initial"]] + [r["melting_temperature"] for r in tr.history_]
    assert melt[-1] > 1.2 * melt[0] and max(melt[:2]) < melt[-1], melt
    assert melt[-1] < 0.2 * hot_end(tr.network_, ds.X_train[:tr.probe_size])
