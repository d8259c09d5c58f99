import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import qnn_lab as ql


def all_spin_states(n):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))


def test_network_shapes_and_replicas():
    net = ql.Network([64, 120, 10], output_replicas=4, random_state=0)
    assert net.spin_sizes == [120, 40]
    assert [w.shape for w in net.weights] == [(120, 64), (40, 120)]
    assert net.n_spins == 160


def test_target_codes_put_plus_one_on_the_class_replicas():
    net = ql.Network([2, 3, 3], output_replicas=2, random_state=0)
    np.testing.assert_array_equal(net.target_codes([1]), [[-1, -1, 1, 1, -1, -1]])
    assert net.decode_outputs(net.target_codes([2, 0])).tolist() == [2, 0]


@pytest.mark.parametrize("layers", [[3, 2], [3, 4, 2], [3, 4, 3, 2]])
def test_class_energies_are_the_minimum_over_hidden_states(layers, rng):
    """E_min(c|x) equals brute-force minimisation over every hidden state (exact for 0/1 hidden layers)."""
    net = ql.Network(layers, output_replicas=2, random_state=3)
    X = rng.normal(size=(5, 3))
    got = net.class_energies(X)
    hidden_sizes = net.spin_sizes[:-1]
    for c in range(net.n_classes):
        t = net.target_codes([c])
        best = np.full(len(X), np.inf)
        combos = [all_spin_states(n) for n in hidden_sizes]
        for hs in itertools.product(*[range(len(s)) for s in combos]):
            states = [np.broadcast_to(combos[l][i], (len(X), hidden_sizes[l])) for l, i in enumerate(hs)]
            best = np.minimum(best, net.energy(X, [*states, np.repeat(t, len(X), 0)]))
        if len(hidden_sizes) <= 1:
            np.testing.assert_allclose(got[:, c], best, atol=1e-12)
        else:   # layered descent: a local minimum, never below the true minimum
            assert np.all(got[:, c] >= best - 1e-12)


def test_class_energies_computed_in_chunks_equal_the_clamped_ground_states(rng):
    """More rows than one chunk (and not a multiple of it): each row is the energy of its clamped ground state."""
    from qnn_lab.network.network import CHUNK
    net = ql.Network([2, 7, 3], output_replicas=2, random_state=1)
    X = rng.normal(size=(2 * CHUNK + 5, 2))
    got = net.class_energies(X)
    for c in range(net.n_classes):
        y = np.full(len(X), c)
        np.testing.assert_allclose(got[:, c], net.energy(X, net.clamped_state(X, y)), atol=1e-12)


def test_clamped_state_is_ground_state_for_one_hidden_layer(small_net, rng):
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=6)
    h = small_net.clamped_state(X, y)
    t = small_net.target_codes(y)
    H = all_spin_states(4)
    energies = np.stack([small_net.energy(X, [np.broadcast_to(s, (6, 4)), t]) for s in H])
    np.testing.assert_allclose(small_net.energy(X, h), energies.min(0))


def test_descent_never_raises_energy(rng):
    net = ql.Network([5, 6, 6, 6, 2], output_replicas=2, random_state=0)
    X = rng.normal(size=(8, 5))
    start = [np.where(rng.random((8, n)) < 0.5, -1.0, 1.0) for n in net.spin_sizes]
    end = net.descend(X, start)
    assert np.all(net.energy(X, end) <= net.energy(X, start) + 1e-12)


@settings(max_examples=25, deadline=None)
@given(layers=st.lists(st.integers(1, 6), min_size=0, max_size=3), replicas=st.integers(1, 3),
       seed=st.integers(0, 10_000))
def test_torch_export_predicts_identically(layers, replicas, seed):
    net = ql.Network([4, *layers, 3], output_replicas=replicas, random_state=seed)
    X = np.random.default_rng(seed).normal(size=(20, 4))
    module = net.to_torch()
    with torch.no_grad():
        scores = module(torch.as_tensor(X))
    np.testing.assert_array_equal(scores.argmax(-1).numpy(), net.predict(X))
    np.testing.assert_allclose(-scores.numpy(), net.class_energies(X), atol=1e-9)


def test_get_and_set_layer_round_trip(small_net):
    W = small_net.get_layer(-1)
    other = small_net.copy()
    other.set_layer(-1, W * 2)
    np.testing.assert_array_equal(other.weights[-1], 2 * small_net.weights[-1])
    np.testing.assert_array_equal(other.biases[-1], 2 * small_net.biases[-1])


def test_to_dict_round_trip(small_net):
    again = ql.Network.from_dict(small_net.to_dict())
    for a, b in zip(again.weights + again.biases, small_net.weights + small_net.biases):
        np.testing.assert_array_equal(a, b)


def test_same_seed_same_weights():
    a, b = ql.Network([4, 5, 2], random_state=7), ql.Network([4, 5, 2], random_state=7)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])


@pytest.mark.parametrize("layers, exc, words", [
    ([4, 0, 2], ValueError, ["layers[1]", "0"]),
    ([4, 2.5, 2], TypeError, ["layers[1]", "2.5"]),
    ([4, -3, 2], ValueError, ["layers[1]", "-3"]),
    ([4], ValueError, ["layers", "[4]"]),
    ([4, 5, 1], ValueError, ["layers[-1]", "1"]),
    ("4,5,2", TypeError, ["layers"]),
])
def test_bad_layer_sizes_name_the_parameter(layers, exc, words):
    with pytest.raises(exc) as info:
        ql.Network(layers)
    for word in words:
        assert word in str(info.value)


def test_input_width_nan_and_labels_are_checked(small_net):
    with pytest.raises(ValueError, match=r"'X' should have shape \(n_samples, 3\).*\(2, 5\)"):
        small_net.predict(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"'X' should hold finite numbers.*nan"):
        small_net.predict([[0.0, np.nan, 1.0]])
    with pytest.raises(ValueError, match=r"'X' should hold finite numbers.*inf"):
        small_net.predict([[0.0, np.inf, 1.0]])
    with pytest.raises(ValueError, match=r"'y' should hold labels in 0..1.*7"):
        small_net.score(np.zeros((2, 3)), [0, 7])
    with pytest.raises(ValueError, match="'output_replicas'.*>= 1.*0"):
        ql.Network([3, 2], output_replicas=0)
