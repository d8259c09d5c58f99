import itertools

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnn_lab as ql

nets = st.builds(
    lambda n_in, hidden, classes, replicas, seed: ql.Network([n_in, *hidden, classes], output_replicas=replicas,
                                                            random_state=seed),
    st.integers(1, 5), st.lists(st.integers(1, 5), max_size=3), st.integers(2, 3), st.integers(1, 2),
    st.integers(0, 2**16))


def random_states(net, R, P, rng):
    return [np.where(rng.random((R, P, n)) < 0.5, -1.0, 1.0) for n in net.spin_sizes]


def as_samples(enc, states):
    """(samples array, labels) of per-layer states (R, P, n_l) for the variables of ``enc``."""
    per_layer = states[:len(enc.layer_sizes)]
    flat = np.concatenate(per_layer, axis=-1).reshape(len(states[0]), -1)
    return flat, enc.labels


@settings(max_examples=60, deadline=None)
@given(net=nets, P=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_neuron_bqm_energy_equals_network_energy(net, P, seed):
    """BQM energy of a minibatch state == sum over samples of E(h, o | x)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(P, net.n_inputs)) * 2
    enc = ql.encode_neurons(net, X)
    states = random_states(net, 3, P, rng)
    samples = as_samples(enc, states)
    np.testing.assert_allclose(enc.bqm.energies(samples), net.energy(X, states).sum(-1), rtol=1e-10, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(net=nets, P=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_clamped_bqm_energy_equals_energy_with_outputs_at_targets(net, P, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(P, net.n_inputs))
    y = rng.integers(0, net.n_classes, size=P)
    enc = ql.encode_neurons(net, X, clamp=y)
    states = random_states(net, 2, P, rng)
    states[-1] = np.broadcast_to(net.target_codes(y), states[-1].shape)
    if enc.bqm.num_variables == 0:
        np.testing.assert_allclose(enc.bqm.offset, net.energy(X, states)[0].sum())
        return
    np.testing.assert_allclose(enc.bqm.energies(as_samples(enc, states)), net.energy(X, states).sum(-1),
                               rtol=1e-10, atol=1e-9)


def test_nudge_adds_a_field_along_the_targets(small_net, rng):
    X = rng.normal(size=(2, 3))
    y = np.array([0, 1])
    free, nudged = ql.encode_neurons(small_net, X), ql.encode_neurons(small_net, X, nudge=y, nudge_strength=0.5)
    t = small_net.target_codes(y)
    for i in range(2):
        for k in range(4):
            assert nudged.bqm.get_linear((i, "o", k)) == pytest.approx(free.bqm.get_linear((i, "o", k)) - 0.5 * t[i, k])


def test_labels_say_what_each_variable_is(small_net):
    enc = ql.encode_neurons(small_net, np.zeros((2, 3)))
    assert (0, "h", 1, 3) in enc.bqm.variables and (1, "o", 3) in enc.bqm.variables
    assert enc.bqm.num_variables == 2 * 8
    assert enc.bqm.num_interactions == 2 * 4 * 4       # disjoint samples, dense between layers


def test_minibatch_is_disjoint_union(small_net, rng):
    X = rng.normal(size=(3, 3))
    enc = ql.encode_neurons(small_net, X)
    for u, v in enc.bqm.quadratic:
        assert u[0] == v[0]


def test_decode_returns_states_classes_and_energies(small_net, rng):
    X = rng.normal(size=(3, 3))
    enc = ql.encode_neurons(small_net, X)
    ss = dimod.ExactSolver().sample(ql.encode_neurons(small_net, X[:1]).bqm)
    enc1 = ql.encode_neurons(small_net, X[:1])
    dec = enc1.decode(ss)
    assert dec.hidden[0].shape == (len(ss), 1, 4) and dec.output.shape == (len(ss), 1, 4)
    np.testing.assert_allclose(dec.energies[:, 0], ss.record.energy)
    assert set(np.unique(dec.classes)) <= {0, 1}
    with pytest.raises(ValueError, match="'sampleset' should hold the 24 variables"):
        enc.decode(ss)


def test_decode_follows_variable_order_of_the_sampleset(small_net, rng):
    X = rng.normal(size=(2, 3))
    enc = ql.encode_neurons(small_net, X)
    ss = ql.get_sampler("sa", num_reads=2, num_sweeps=50, seed=3).sample(enc.bqm)
    shuffled = dimod.SampleSet.from_samples_bqm([dict(reversed(list(s.items()))) for s in ss.samples()], enc.bqm)
    np.testing.assert_allclose(enc.decode(shuffled).energies.sum(-1), shuffled.record.energy)


def test_describe_says_where_terms_come_from(small_net):
    enc = ql.encode_neurons(small_net, np.ones((1, 3)))
    text = enc.describe((0, "h", 1, 2), (0, "o", 3))
    assert text.startswith("coupling h1[2]-o[3] (sample 0) = -W2[3,2] = ")
    assert f"{-small_net.weights[1][3, 2]:.4g}" in text
    assert "W1[1,:] . x_0 + b1[1]" in enc.describe((0, "h", 1, 1))
    with pytest.raises(ValueError, match="should be variables of this model"):
        enc.describe(("nope",))


# ------------------------------------------------------------------ weights
@settings(max_examples=40, deadline=None)
@given(n_hidden=st.integers(1, 4), bits=st.integers(1, 3), reg=st.floats(0, 2), layer=st.sampled_from([0, -1]),
       seed=st.integers(0, 2**16))
def test_weight_bqm_energy_equals_loss_for_every_assignment(n_hidden, bits, reg, layer, seed):
    rng = np.random.default_rng(seed)
    net = ql.Network([2, n_hidden, 2], random_state=seed)
    X, y = rng.normal(size=(7, 2)), rng.integers(0, 2, 7)
    enc = ql.encode_weights(net, (X, y), layer=layer, bits=bits, reg=reg)
    n = enc.bqm.num_variables
    q = rng.integers(0, 2, size=(min(2**n, 64), n)) if n > 6 else np.array(list(itertools.product([0, 1], repeat=n)))
    losses = [enc.loss(enc.decode(row)) for row in q]
    np.testing.assert_allclose(enc.bqm.energies((q, enc.labels)), losses, rtol=1e-9, atol=1e-8)


@pytest.mark.parametrize("hidden, replicas, bits", [([], 1, 1), ([3], 2, 2), ([5, 4], 3, 3)])
def test_weight_qubo_couplings_counts_the_built_qubos_couplings(hidden, replicas, bits, rng):
    from qnn_lab.encoding.weights import weight_qubo_couplings
    net = ql.Network([3, *hidden, 2], output_replicas=replicas, random_state=0)
    X, y = rng.normal(size=(9, 3)), rng.integers(0, 2, 9)
    enc = ql.encode_weights(net, (X, y), layer=-1, bits=bits)
    assert weight_qubo_couplings(([3] + hidden)[-1], 2 * replicas, bits) == enc.bqm.num_interactions


def test_weight_encoding_levels_span_the_range(small_net, rng):
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, 10)
    enc = ql.encode_weights(small_net, (X, y), layer=-1, bits=2, weight_range=0.6)
    zeros = {v: 0 for v in enc.bqm.variables}
    ones = {v: 1 for v in enc.bqm.variables}
    assert np.all(enc.decode(zeros) == -0.6) and np.allclose(enc.decode(ones), 0.6)
    binary = ql.encode_weights(small_net, (X, y), bits=1, weight_range=1.0)
    assert set(np.unique(binary.decode(ones))) == {1.0}


def test_weight_labels_and_block_structure(small_net, rng):
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, 10)
    enc = ql.encode_weights(small_net, (X, y), layer=-1, bits=2)
    assert ("w", 2, 3, 4, 1) in enc.bqm.variables          # output 3, bias column 4, bit 1
    for u, v in enc.bqm.quadratic:
        assert u[2] == v[2]                                  # one independent block per output unit
    assert enc.bqm.num_variables == 4 * 5 * 2


def test_best_weights_takes_each_blocks_best_read(small_net, rng):
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    enc = ql.encode_weights(small_net, (X, y), layer=-1, bits=2)
    ss = ql.get_sampler("sa", num_reads=5, seed=0).sample(enc.bqm)
    W = enc.best_weights(ss)
    per_read = enc.column_losses(enc.w0 + enc.bits_array(ss) @ enc.c)
    np.testing.assert_allclose(enc.column_losses(W), per_read.min(0))
    assert enc.loss(W) <= ss.first.energy + 1e-9


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"bits": 0}, ValueError, ["'bits'", "[1, 8]", "0"]),
    ({"bits": 9}, ValueError, ["'bits'", "9"]),
    ({"bits": 1.5}, TypeError, ["'bits'", "1.5"]),
    ({"reg": -1.0}, ValueError, ["'reg'", "-1.0"]),
    ({"layer": 5}, ValueError, ["'layer'", "5"]),
    ({"weight_range": 0.0}, ValueError, ["'weight_range'", "0.0"]),
])
def test_bad_weight_encoding_arguments(small_net, kwargs, exc, words):
    with pytest.raises(exc) as info:
        ql.encode_weights(small_net, (np.zeros((4, 3)), [0, 1, 0, 1]), **kwargs)
    for word in words:
        assert word in str(info.value)


def test_bad_neuron_encoding_arguments(small_net):
    with pytest.raises(ValueError, match="'clamp' should hold labels in 0..1.*5"):
        ql.encode_neurons(small_net, np.zeros((2, 3)), clamp=[0, 5])
    with pytest.raises(ValueError, match="'clamp' and 'nudge' should not both be given"):
        ql.encode_neurons(small_net, np.zeros((1, 3)), clamp=[0], nudge=[0])
    with pytest.raises(ValueError, match="'nudge_strength'.*-1"):
        ql.encode_neurons(small_net, np.zeros((1, 3)), nudge=[0], nudge_strength=-1)
