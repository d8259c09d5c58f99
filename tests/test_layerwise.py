import time

import dimod
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import qnn_lab as ql
from qnn_lab.encoding import window_model
from qnn_lab.encoding.labels import locate
from qnn_lab.training.layerwise import window_phase, window_positions


@st.composite
def nets_and_windows(draw):
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    net = ql.Network([draw(st.integers(1, 4)), *hidden, draw(st.integers(2, 3))],
                     output_replicas=draw(st.integers(1, 2)), random_state=draw(st.integers(0, 2**16)))
    L = len(net.spin_sizes)
    start = draw(st.integers(0, L - 1))
    return net, (start, draw(st.integers(start + 1, L)))


@pytest.fixture
def one_torch_thread():
    """The layered annealer on one thread: on a shared 2-core machine more threads only wait for each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_states(net, R, P, rng):
    return [np.where(rng.random((R, P, n)) < 0.5, -1.0, 1.0) for n in net.spin_sizes]


@settings(max_examples=60, deadline=None)
@given(case=nets_and_windows(), P=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_window_bqm_energy_equals_network_energy_with_outside_fixed(case, P, seed):
    """For random window states and random fixed outside spins: BQM energy == sum_i E(h, o | x_i)."""
    net, (start, stop) = case
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(P, net.n_inputs)) * 2
    outside = [s[0] for s in random_states(net, 1, P, rng)]
    enc = ql.encode_window(net, X, (start, stop), outside)
    reads = random_states(net, 4, P, rng)
    full = [reads[l] if start <= l < stop else np.broadcast_to(s, reads[l].shape) for l, s in enumerate(outside)]
    samples = np.concatenate(reads[start:stop], axis=-1).reshape(4, -1)
    expected = net.energy(X, full)
    np.testing.assert_allclose(enc.bqm.energies((samples, enc.labels)), expected.sum(-1), rtol=1e-10, atol=1e-9)
    model, constants = window_model(net, X, (start, stop), outside)
    np.testing.assert_allclose(model.energy(reads[start:stop]) + constants, expected, rtol=1e-10, atol=1e-9)
    decoded = enc.decode(dimod.SampleSet.from_samples_bqm((samples, enc.labels), enc.bqm))
    np.testing.assert_allclose(decoded.energies, expected, rtol=1e-10, atol=1e-9)
    for got, want in zip(decoded.states, full):
        np.testing.assert_array_equal(got, want)


def test_window_over_all_layers_is_the_neuron_encoding():
    net = ql.Network([3, 4, 5, 2], output_replicas=2, random_state=1)
    X = np.random.default_rng(0).normal(size=(3, 3))
    whole = ql.encode_window(net, X, (0, 3))
    assert whole.bqm == ql.encode_neurons(net, X).bqm
    top = ql.encode_window(net, X, (2, 3))
    assert top.bqm.num_interactions == 0 and set(top.bqm.variables) == {(i, "o", k) for i in range(3) for k in range(4)}
    assert "layers=1..2" in repr(ql.encode_window(net, X, (1, 3)))


@pytest.mark.parametrize("window", [0, 5, -1])
def test_bad_window_size_is_refused_naming_value_and_range(window):
    net = ql.Network([2, 4, 4, 4, 2], random_state=0)
    with pytest.raises(ValueError, match=rf"'window' should be an integer in \[1, 4\]: value = {window}"):
        ql.LayerwiseTrainer(net, window=window).fit([[0.0, 1.0]], [1])


@pytest.mark.parametrize("window", [1.5, "2", True])
def test_window_of_wrong_type_is_refused(window):
    net = ql.Network([2, 4, 2], random_state=0)
    with pytest.raises(TypeError, match=r"'window' should be an integer in \[1, 2\]"):
        ql.LayerwiseTrainer(net, window=window).fit([[0.0, 1.0]], [1])


def test_nudged_variant_is_refused():
    net = ql.Network([2, 4, 2], random_state=0)
    with pytest.raises(ValueError, match="'variant' should be 'contrastive' for layer-wise training"):
        ql.LayerwiseTrainer(net, window=1, variant="nudged").fit([[0.0, 1.0]], [1])


@pytest.mark.parametrize(("window", "error", "match"), [
    ((0, 4), ValueError, r"'window\[1\]' should be an integer in \[1, 3\]: value = 4"),
    ((2, 2), ValueError, r"'window\[1\]' should be an integer in \[3, 3\]: value = 2"),
    ((-1, 2), ValueError, r"'window\[0\]' should be an integer in \[0, 2\]: value = -1"),
    (2, TypeError, r"'window' should be a pair \(start, stop\).*value = 2"),
])
def test_encode_window_refuses_bad_windows(window, error, match):
    net = ql.Network([2, 3, 3, 2], random_state=0)
    with pytest.raises(error, match=match):
        ql.encode_window(net, [[0.0, 1.0]], window)


def test_encode_window_refuses_bad_outside_states():
    net = ql.Network([2, 3, 3, 2], random_state=0)
    with pytest.raises(ValueError, match="'outside' should hold a state for each of the 3 spin layers"):
        ql.encode_window(net, [[0.0, 1.0]], (0, 1), outside=[np.ones((1, 3))])
    with pytest.raises(ValueError, match=r"'outside\[1\]' should have shape \(1, 3\): shape = \(1, 2\)"):
        ql.encode_window(net, [[0.0, 1.0]], (0, 1), outside=[np.ones((1, 3)), np.ones((1, 2)), np.ones((1, 2))])


def test_window_positions_sweep_top_down():
    assert window_positions(4, 2) == [(2, 4), (1, 3), (0, 2)]
    assert window_positions(4, 4) == [(0, 4)]


@pytest.mark.parametrize("window", [(0, 1), (1, 3), (3, 4)])
def test_update_changes_only_the_weights_touching_the_window(window):
    net = ql.Network([4, 6, 6, 6, 3], output_replicas=2, random_state=3)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)
    tr = ql.LayerwiseTrainer(net, window=window[1] - window[0], margin=5.0, init_gains=(1, 1), random_state=0)
    tr._check_params()
    tr._initialize()
    record = tr._window_step(X, y, window)
    assert record["heads_per_sample"] > 0
    start, stop = window
    for l in range(4):
        assert np.array_equal(tr.network_.weights[l], net.weights[l]) != (start <= l <= stop), f"W{l + 1}"
        assert np.array_equal(tr.network_.biases[l], net.biases[l]) != (start <= l < stop), f"b{l + 1}"


@pytest.mark.parametrize("sampler", ["layered", "sa"])
def test_window_over_all_layers_takes_the_contrastive_trainers_steps(one_torch_thread, sampler):
    ds = ql.load_dataset("xor", n_samples=60, random_state=0)
    net = ql.Network([2, 6, 6, 2], output_replicas=2, random_state=0)
    common = dict(sampler=sampler, epochs=2, batch_size=8, margin=0.5, random_state=4)
    full = ql.ContrastiveTrainer(net, **common).fit(ds.X_train, ds.y_train)
    wise = ql.LayerwiseTrainer(net, window=None, **common).fit(ds.X_train, ds.y_train)
    strip = lambda h: [{k: v for k, v in r.items() if not k.endswith("seconds")} for r in h]   # noqa: E731
    assert wise.window_ == 3 and strip(wise.history_) == strip(full.history_)
    for a, b in zip(wise.network_.weights, full.network_.weights):
        np.testing.assert_array_equal(a, b)


def test_window_phase_through_a_bqm_sampler_returns_window_states():
    net = ql.Network([3, 4, 4, 2], output_replicas=2, random_state=0)
    X = np.random.default_rng(1).normal(size=(5, 3))
    ff = net.feedforward(X)
    reads = window_phase(net, X, (1, 3), ff, ql.get_sampler("sa", num_sweeps=50), num_reads=3, seed=2)
    assert [r.shape for r in reads] == [(3, 5, 4), (3, 5, 4)]
    random = window_phase(net, X, (0, 1), ff, dimod.RandomSampler(), num_reads=2, seed=0)
    assert [r.shape for r in random] == [(2, 5, 4)] and set(np.unique(random[0])) <= {-1.0, 1.0}


def test_layerwise_training_runs_on_a_bqm_sampler():
    ds = ql.load_dataset("xor", n_samples=40, random_state=0)
    net = ql.Network([2, 6, 6, 2], output_replicas=2, random_state=0)
    tr = ql.LayerwiseTrainer(net, sampler="sa", sampler_params={"num_sweeps": 10}, window=2, epochs=1,
                             random_state=0).fit(ds.X_train, ds.y_train)
    assert tr.window_spins_ == [10, 12] and tr.history_[0]["sampler_seconds"] > 0


@pytest.mark.parametrize(("dataset", "window", "accuracy"), [("xor", 2, 0.8), ("gauss", 1, 0.95)])
def test_deep_net_learns_a_few_layers_at_a_time(one_torch_thread, dataset, window, accuracy):
    """k = 2 learns xor with a two-hidden-layer net; k = 1 (uncoupled windows) only learns a linear task.

    (xor k = 2 at random_state 0: 0.90 under the default margin rule, 0.88 under the class rule; chance is 0.5.)"""
    ds = ql.load_dataset(dataset, n_samples=200, random_state=0)
    net = ql.Network([2, 32, 32, 2], output_replicas=4, random_state=0)
    t0 = time.perf_counter()
    tr = ql.LayerwiseTrainer(net, window=window, learning_rate=0.03, batch_size=16, epochs=10,
                             random_state=0).fit(ds.X_train, ds.y_train)
    assert time.perf_counter() - t0 < 30
    assert tr.score(ds.X_test, ds.y_test) >= accuracy


def test_layerwise_study_reports_accuracy_spins_and_embeddings(one_torch_thread):

    from qnn_lab.studies.deep import SAMPLER_SETTINGS, layerwise_study
    ds = ql.load_dataset("xor", n_samples=40, random_state=0)
    result = layerwise_study(ds, layers=(2, 4, 4, 2), output_replicas=2, epochs=1, batch_size=8, embed_batch=2,
                             backprop_epochs=1)
    assert [r["window"] for r in result["windows"]] == [1, 2, 3]
    k1, k2, k3 = result["windows"]
    assert k1["spins_per_sample"] == {"2..2": 4, "1..1": 4, "0..0": 4} and k1["max_spins_per_minibatch"] == 32
    assert k3["spins_per_sample"] == {"0..2": 12} and k3["embedded_variables"] == 24
    assert k1["embedded_couplings"] == 0 and k3["embedded_couplings"] == 2 * (16 + 16)
    for record in (k1, k2, k3):
        for stats in record["embedding"].values():
            assert stats["fits"] and stats["qubits_used"] >= record["embedded_variables"]
    assert k1["embedding"]["pegasus/heuristic"]["max_chain_length"] == 1
    assert 0 <= result["contrastive"]["test_accuracy"] <= 1 and result["contrastive"]["spins_per_sample"] == 12
    assert 0 <= result["backprop"]["test_accuracy"] <= 1
    assert {k: result["settings"][k] for k in SAMPLER_SETTINGS} == SAMPLER_SETTINGS     # pinned, not the defaults


def test_an_embedding_that_does_not_fit_is_reported():
    from functools import partial

    from dwave.graphs import pegasus_graph

    from qnn_lab.samplers.embedding import embed
    from qnn_lab.studies.deep import _embed_report
    clique = dimod.BQM({i: 0.0 for i in range(60)}, {(i, j): 1.0 for i in range(60) for j in range(i)}, 0, "SPIN")
    report = _embed_report(clique, partial(embed, target=pegasus_graph(2)), ["pegasus"], 0)   # 40 qubits
    assert report["pegasus/heuristic"]["fits"] is False and report["pegasus/clique"]["qubits_used"] is None


def test_rival_state_is_the_deepest_wrong_class_clamped_state():
    from qnn_lab.training.layerwise import rival_state
    net = ql.Network([3, 5, 5, 4], output_replicas=2, random_state=2)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 4, 6)
    rival = rival_state(net, X, y)
    classes = net.decode_outputs(rival[-1])
    assert np.all(classes != y)
    np.testing.assert_array_equal(rival[-1], net.target_codes(classes))
    energies = net.class_energies(X)
    energies[np.arange(6), y] = np.inf
    np.testing.assert_array_equal(classes, energies.argmin(1))
    np.testing.assert_allclose(net.energy(X, rival), energies.min(1))


@pytest.mark.parametrize("window", [(0, 1), (1, 2), (1, 3)])
def test_the_layered_sampler_takes_window_models(window):
    net = ql.Network([3, 4, 4, 2], output_replicas=2, random_state=0)
    bqm = ql.encode_window(net, np.random.default_rng(1).normal(size=(2, 3)), window).bqm
    ss = ql.get_sampler("layered", num_reads=50, seed=0).sample(bqm)
    np.testing.assert_allclose(ss.record.energy, bqm.energies(ss))
    assert ss.first.energy == pytest.approx(ql.get_sampler("exact").sample(bqm).first.energy)


def test_windows_stop_updating_once_the_rival_is_outside_the_margin(one_torch_thread):
    """Under the margin rule a window without the outputs runs out of heads; under "class" every read is one."""
    ds = ql.load_dataset("gauss", n_samples=120, random_state=0)
    heads = {}
    for rule in ("margin", "class"):
        tr = ql.LayerwiseTrainer(ql.Network([2, 16, 16, 2], output_replicas=2, random_state=0), window=1,
                                 head_rule=rule, margin=None if rule == "margin" else -1.0, batch_size=8, epochs=6,
                                 probe_size=0, keep_best=False, random_state=0).fit(ds.X_train, ds.y_train)
        heads[rule] = tr.history_[-1]["heads_per_sample"]
    assert heads["margin"] < 0.05 and heads["class"] > 0.6, heads


def test_a_reverse_schedule_starts_each_window_from_the_clamped_state():
    """A reverse anneal needs a start: each window starts from its spins of the sample's clamped state (the
    right answer), as the contrastive trainer does; it used to raise 'needs an initial state'."""
    ds = ql.load_dataset("xor", n_samples=40, random_state=0)
    net = ql.Network([2, 4, 4, 2], output_replicas=1, random_state=0)
    reverse = {"anneal_schedule": ql.AnnealSchedule.preset("reverse").to_list(), "num_sweeps": 20, "seed": 0}
    tr = ql.LayerwiseTrainer(net, sampler="sqa", sampler_params=reverse, window=1, epochs=1, batch_size=10,
                             num_reads=2, random_state=0).fit(ds.X_train, ds.y_train)
    assert tr.history_[-1]["epoch"] == 1
    X, y = ds.X_train[:3], ds.y_train[:3]
    outside, clamped = ql.training.phases.rival_state(net, X, y), net.clamped_state(X, y)
    sampler = ql.get_sampler("sqa", **reverse)
    starts, sample = [], sampler.sample
    sampler.sample = lambda bqm, **params: starts.append(params["initial_state"]) or sample(bqm, **params)
    for k, window in enumerate(window_positions(3, 1)):
        window_phase(net, X, window, outside, sampler, 2, seed=0, y=y)
        assert {locate(label, 3)[1] for label in starts[k]} == {window[0]}
        assert all(v == clamped[layer][p, unit] for label, v in starts[k].items()
                   for p, layer, unit in [locate(label, 3)])
