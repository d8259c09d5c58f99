import numpy as np
import pytest

import qnn_lab as ql
from qnn_lab.training import find_heads


@pytest.fixture(scope="module")
def xor():
    return ql.load_dataset("xor", n_samples=200, noise=0.0, random_state=0)


@pytest.fixture(scope="module")
def digits():
    return ql.load_dataset("digits", random_state=0)


def test_find_heads_picks_distinct_deep_wrong_states():
    # one sample, 5 reads over 2 spins; read 0 and 1 are the same wrong state
    states = np.array([[[1, -1]], [[1, -1]], [[-1, -1]], [[1, 1]], [[-1, 1]]], float)
    energies = np.array([[-3.0], [-3.0], [-1.0], [-5.0], [-2.0]])
    targets = np.array([[False], [False], [False], [True], [False]])     # read 3 is the clamped target
    classes = np.array([[1], [1], [1], [0], [1]])
    w = find_heads(states, energies, targets, classes, np.array([0]), np.array([-5.0]), margin=0.0, max_heads=2)
    assert w[:, 0].tolist() == [0.5, 0.0, 0.0, 0.0, 0.5]                # deepest two distinct heads
    w1 = find_heads(states, energies, targets, classes, np.array([0]), np.array([-5.0]), margin=0.0, max_heads=9)
    assert np.count_nonzero(w1) == 3 and w1.sum() == pytest.approx(1.0)


def test_find_heads_margin_makes_close_right_states_heads():
    states = np.array([[[1, -1]], [[1, 1]]], float)
    energies = np.array([[-4.5], [-5.0]])
    targets = np.array([[False], [True]])
    classes = np.array([[0], [0]])                                      # right class, outputs not the code
    args = (states, energies, targets, classes, np.array([0]), np.array([-5.0]))
    assert find_heads(*args, margin=1.0, max_heads=1)[0, 0] == 1.0
    assert find_heads(*args, margin=0.1, max_heads=1)[0, 0] == 0.0


def test_update_is_contrastive_hebbian_with_one_head():
    """With one read whose free state is the only head: dW = eta (h_c x^T - h_f x^T) per sample."""
    net = ql.Network([2, 3, 2], random_state=0)
    tr = ql.ContrastiveTrainer(net, num_reads=1, heads_per_sample=1, learning_rate=0.1, batch_size=1, random_state=0)
    tr._check_params()
    tr._initialize()
    X = np.array([[0.5, -1.0]])
    pos = [np.ones((1, 1, 3)), np.array([[[1.0, -1.0]]])]
    neg = [-np.ones((1, 1, 3)), np.array([[[-1.0, 1.0]]])]
    before = [w.copy() for w in tr.network_.weights]
    tr._update(X, pos, neg, np.ones((1, 1)), 0.1)
    np.testing.assert_allclose(tr.network_.weights[0] - before[0], 0.1 * 2 * np.outer(np.ones(3), X[0]))
    np.testing.assert_allclose(tr.network_.weights[1] - before[1],
                               0.1 * (np.outer([1, -1], np.ones(3)) - np.outer([-1, 1], -np.ones(3))))


@pytest.mark.parametrize("sampler", ["layered", "sa"])
def test_contrastive_training_learns_xor(xor, sampler):
    net = ql.Network([2, 64, 2], output_replicas=4, random_state=0)
    tr = ql.ContrastiveTrainer(net, sampler=sampler, learning_rate=0.03, batch_size=4,
                               epochs=20, random_state=0).fit(xor.X_train, xor.y_train)
    assert tr.score(xor.X_test, xor.y_test) >= 0.9
    assert len(tr.history_) == 20
    assert tr.history_[-1]["heads_per_sample"] < tr.history_[0]["heads_per_sample"]


def test_nudged_variant_learns(xor):
    net = ql.Network([2, 64, 2], output_replicas=4, random_state=0)
    tr = ql.ContrastiveTrainer(net, variant="nudged", learning_rate=0.03, batch_size=4, epochs=20,
                               random_state=0).fit(xor.X_train, xor.y_train)
    assert tr.score(xor.X_test, xor.y_test) >= 0.9


def test_contrastive_layered_reaches_093_on_digits_quickly(digits):
    net = ql.Network([64, 120, 10], output_replicas=4, random_state=0)
    tr = ql.ContrastiveTrainer(net, sampler="layered", epochs=6, random_state=0)
    tr.fit(digits.X_train, digits.y_train, digits.X_test, digits.y_test)
    assert max(h["test_accuracy"] for h in tr.history_) >= 0.93


def test_history_records_have_their_keys(xor):
    net = ql.Network([2, 8, 2], random_state=0)
    tr = ql.ContrastiveTrainer(net, epochs=2, random_state=0).fit(xor.X_train, xor.y_train, xor.X_test, xor.y_test)
    keys = {"epoch", "train_accuracy", "test_accuracy", "free_energy", "clamped_energy", "heads_per_sample",
            "sampler_seconds", "wall_seconds"}
    assert keys <= set(tr.history_[0])


def test_fit_leaves_the_given_network_alone_and_same_seed_same_result(xor):
    net = ql.Network([2, 8, 2], random_state=0)
    w0 = net.weights[0].copy()
    a = ql.ContrastiveTrainer(net, epochs=2, random_state=3).fit(xor.X_train, xor.y_train)
    b = ql.ContrastiveTrainer(net, epochs=2, random_state=3).fit(xor.X_train, xor.y_train)
    np.testing.assert_array_equal(net.weights[0], w0)
    np.testing.assert_array_equal(a.network_.weights[0], b.network_.weights[0])
    assert not np.array_equal(a.network_.weights[0], w0)


def test_partial_fit_is_one_epoch_and_callback_follows(xor):
    events = []
    tr = ql.ContrastiveTrainer(ql.Network([2, 8, 2], random_state=0), batch_size=30, random_state=0,
                               callback=lambda t, r: events.append(r["event"]))
    tr.partial_fit(xor.X_train, xor.y_train).partial_fit(xor.X_train, xor.y_train)
    assert tr.epoch_ == 2 and events.count("epoch") == 2 and events.count("batch") == 2 * 5


def test_stop_ends_after_the_current_step_and_keeps_weights(xor):
    def stop_after_two(trainer, record):
        if record["event"] == "batch" and record["step"] == 2:
            trainer.stop()

    tr = ql.ContrastiveTrainer(ql.Network([2, 8, 2], random_state=0), batch_size=10, epochs=5, random_state=0,
                               callback=stop_after_two).fit(xor.X_train, xor.y_train)
    assert tr.n_steps_ == 2 and tr.history_[-1]["completed"] is False
    tr.callback = None
    tr.partial_fit(xor.X_train, xor.y_train)                          # resumes from there
    assert tr.n_steps_ == 2 + 15


def test_qubo_trainer_learns_circles():
    ds = ql.load_dataset("circles", random_state=0)
    net = ql.Network([2, 64, 2], output_replicas=4, random_state=0)
    tr = ql.QuboTrainer(net, sampler="sa", epochs=2, random_state=0).fit(ds.X_train, ds.y_train)
    assert tr.score(ds.X_test, ds.y_test) >= 0.9
    levels = np.unique(tr.network_.weights[-1])
    assert len(levels) <= 2**3 * 2                                    # K-bit weights (per-layer range)


def test_qubo_trainer_passes_sampler_params_to_a_sampler_object():
    import dimod
    from dwave.samplers import SimulatedAnnealingSampler
    spy = dimod.TrackingComposite(SimulatedAnnealingSampler())
    ds = ql.load_dataset("xor", n_samples=40, random_state=0)
    ql.QuboTrainer(ql.Network([2, 4, 2]), sampler=spy, sampler_params={"num_sweeps": 7}, epochs=1,
                   random_state=0).fit(ds.X_train, ds.y_train)
    assert spy.inputs and all(call["num_sweeps"] == 7 for call in spy.inputs)


def test_qubo_trainer_refuses_layered_sampler():
    with pytest.raises(ValueError, match="'sampler' should not be 'layered'"):
        ql.QuboTrainer(ql.Network([2, 4, 2]), sampler="layered").fit(np.zeros((4, 2)), [0, 1, 0, 1])


def test_backprop_baseline_learns_digits(digits):
    net = ql.Network([64, 120, 10], output_replicas=4, random_state=0)
    tr = ql.BackpropTrainer(net, epochs=5, random_state=0).fit(digits.X_train, digits.y_train)
    assert tr.score(digits.X_test, digits.y_test) >= 0.93


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_backprop_steps_are_torch_optims_own(xor, optimizer):
    import torch

    net = ql.Network([2, 6, 2], output_replicas=2, random_state=0)
    ours, theirs = (ql.BackpropTrainer(net, optimizer=optimizer, learning_rate=0.05, weight_decay=0.01,
                                       random_state=0) for _ in range(2))
    for trainer in (ours, theirs):
        trainer._check_params()
        trainer._initialize()
    torch_optim = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(
        theirs.model_.parameters(), lr=0.05, weight_decay=0.01)
    batches = np.random.default_rng(0).integers(len(xor.X_train), size=(20, 4))
    for batch in batches:
        for trainer, step in ((ours, ours._update), (theirs, torch_optim.step)):
            trainer.model_.zero_grad()
            logits = trainer._logits(xor.X_train[batch])
            torch.nn.functional.cross_entropy(logits, torch.as_tensor(xor.y_train[batch])).backward()
            step()
    start = ql.BackpropTrainer(net, random_state=0)
    start._check_params()
    start._initialize()
    for a, b, before in zip(ours.model_.parameters(), theirs.model_.parameters(), start.model_.parameters()):
        assert not torch.allclose(a, before)
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"num_reads": 0}, ValueError, ["'num_reads'", ">= 1", "0"]),
    ({"learning_rate": -0.1}, ValueError, ["'learning_rate'", "-0.1"]),
    ({"variant": "wake-sleep"}, ValueError, ["'variant'", "'contrastive', 'nudged'", "wake-sleep"]),
    ({"sampler": "qa"}, ValueError, ["'sampler'", "'layered'", "'qa'"]),
    ({"batch_size": 0}, ValueError, ["'batch_size'", "0"]),
    ({"epochs": 2.5}, TypeError, ["'epochs'", "2.5"]),
    ({"head_states": "rival"}, ValueError, ["'head_states'", "'reads', 'classes'", "'rival'"]),
    ({"head_rule": "energy"}, ValueError, ["'head_rule'", "'class', 'margin'", "energy"]),
    ({"optimizer": "lbfgs"}, ValueError, ["'optimizer'", "'sgd', 'momentum', 'adam'", "lbfgs"]),
    ({"lr_schedule": "step"}, ValueError, ["'lr_schedule'", "'inverse', 'cosine'", "step"]),
    ({"weight_decay": -1}, ValueError, ["'weight_decay'", "-1"]),
    ({"normalize": "yes"}, TypeError, ["'normalize'", "True or False", "yes"]),
    ({"zero_temperature": 1}, TypeError, ["'zero_temperature'", "True or False", "1"]),
    ({"init_gains": (0, 1)}, ValueError, ["'init_gains[0]'", "> 0", "0"]),
    ({"init_gains": 3}, TypeError, ["'init_gains'", "pair", "3"]),
])
def test_bad_trainer_parameters_are_named(kwargs, exc, words):
    tr = ql.ContrastiveTrainer(ql.Network([2, 4, 2]), **kwargs)
    with pytest.raises(exc) as info:
        tr.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    for word in words:
        assert word in str(info.value)


def test_bad_training_data_is_named():
    tr = ql.ContrastiveTrainer(ql.Network([2, 4, 2]))
    with pytest.raises(ValueError, match=r"'X' should have shape \(n_samples, 2\)"):
        tr.fit(np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="'y' should hold labels in 0..1: value 2"):
        tr.fit(np.zeros((4, 2)), [0, 1, 2, 1])
    with pytest.raises(ValueError, match="'X' should hold finite numbers"):
        tr.fit(np.full((4, 2), np.nan), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="not fitted yet"):
        tr.predict(np.zeros((1, 2)))


def test_keep_best_ends_with_the_best_epoch_on_training_data(xor):
    tr = ql.ContrastiveTrainer(ql.Network([2, 16, 2], random_state=0), batch_size=8, epochs=6,
                               random_state=1).fit(xor.X_train, xor.y_train)
    best = max(tr.history_, key=lambda h: h["train_accuracy"])
    assert tr.best_epoch_ == best["epoch"]
    assert tr.score(xor.X_train, xor.y_train) == pytest.approx(best["train_accuracy"])
    last = ql.ContrastiveTrainer(ql.Network([2, 16, 2], random_state=0), batch_size=8, epochs=6, keep_best=False,
                                 random_state=1).fit(xor.X_train, xor.y_train)
    assert last.score(xor.X_train, xor.y_train) == pytest.approx(last.history_[-1]["train_accuracy"])


def test_keyboard_interrupt_leaves_weights_and_history_at_the_last_completed_step(xor):
    def interrupt_at(step):
        def callback(trainer, record):
            if record["event"] == "batch" and record["step"] == step:
                raise KeyboardInterrupt
        return callback

    reference = ql.ContrastiveTrainer(ql.Network([2, 8, 2], random_state=0), batch_size=10, random_state=0,
                                      callback=lambda t, r: r["event"] == "batch" and r["step"] == 2 and t.stop())
    reference.partial_fit(xor.X_train, xor.y_train)
    tr = ql.ContrastiveTrainer(ql.Network([2, 8, 2], random_state=0), batch_size=10, random_state=0,
                               callback=interrupt_at(2))
    with pytest.raises(KeyboardInterrupt):
        tr.partial_fit(xor.X_train, xor.y_train)
    assert tr.n_steps_ == 2 and tr.history_ == []
    for a, b in zip(tr.network_.weights + tr.network_.biases, reference.network_.weights + reference.network_.biases):
        np.testing.assert_array_equal(a, b)
    tr.callback = None
    tr.partial_fit(xor.X_train, xor.y_train)                          # training resumes from there
    assert tr.epoch_ == 1 and tr.n_steps_ == 2 + 15


def test_find_heads_margin_rule_ignores_wrong_class_states_far_above_the_target():
    states = np.array([[[1, -1]], [[-1, 1]]], float)
    energies = np.array([[-1.0], [-4.5]])                               # read 0: wrong class, 4 above the target
    targets = np.array([[False], [False]])
    classes = np.array([[1], [0]])
    args = (states, energies, targets, classes, np.array([0]), np.array([-5.0]), 1.0, 2)
    assert find_heads(*args, rule="class")[:, 0].tolist() == [0.5, 0.5]
    assert find_heads(*args, rule="margin")[:, 0].tolist() == [0.0, 1.0]


def test_default_margin_is_per_spin_of_the_network():
    from qnn_lab.training.contrastive import MARGIN_PER_SPIN
    tr = ql.ContrastiveTrainer(ql.Network([2, 10, 2], output_replicas=3), epochs=0)
    tr.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    assert tr.margin_ == pytest.approx(MARGIN_PER_SPIN * 16)
    tr = ql.ContrastiveTrainer(ql.Network([2, 10, 2]), margin=2.5, epochs=0)
    assert tr.fit(np.zeros((4, 2)), [0, 1, 0, 1]).margin_ == 2.5


def test_a_short_last_minibatch_steps_in_proportion_to_its_samples():
    """Each sample weighs 1 / batch_size: a last minibatch of 4 out of 32 weighed its samples eight times as
    much, and on digits that one step sent every prediction to one class (first epoch at 0.10-0.13)."""
    steps = {}
    for batch_size in (1, 8):
        tr = ql.ContrastiveTrainer(ql.Network([2, 3, 2], random_state=0), num_reads=1, batch_size=batch_size)
        tr._check_params()
        tr._initialize()
        X = np.array([[0.5, -1.0], [1.0, 0.25]])
        pos = [np.ones((1, 2, 3)), np.tile([[[1.0, -1.0]]], (1, 2, 1))]
        neg = [-np.ones((1, 2, 3)), np.tile([[[-1.0, 1.0]]], (1, 2, 1))]
        before = tr.network_.weights[0].copy()
        tr._update(X, pos, neg, np.ones((1, 2)), 0.1)
        steps[batch_size] = tr.network_.weights[0] - before
    np.testing.assert_allclose(steps[1], 0.1 * 2 * np.outer(np.ones(3), X.sum(0)) / 2)    # a full batch: the mean
    np.testing.assert_allclose(steps[8], steps[1] * 2 / 8)                               # 2 of 8: a quarter of it


def _one_step(**params):
    """A trainer after one _update with a single sample whose only read is a head."""
    tr = ql.ContrastiveTrainer(ql.Network([2, 3, 2], random_state=0), num_reads=1, batch_size=1, **params)
    tr._check_params()
    tr._initialize()
    X = np.array([[0.5, -1.0]])
    pos = [np.ones((1, 1, 3)), np.array([[[1.0, -1.0]]])]
    neg = [-np.ones((1, 1, 3)), np.array([[[-1.0, 1.0]]])]
    return tr, X, pos, neg


def test_adam_first_step_is_eta_times_the_sign_of_the_gradient():
    tr, X, pos, neg = _one_step(optimizer="adam")
    before = tr.network_.weights[0].copy()
    tr._update(X, pos, neg, np.ones((1, 1)), 0.01)
    np.testing.assert_allclose(tr.network_.weights[0] - before, 0.01 * np.sign(np.outer(np.ones(3), X[0])), rtol=1e-6)


def test_momentum_repeats_and_accumulates_the_step():
    tr, X, pos, neg = _one_step(optimizer="momentum")
    w0 = tr.network_.weights[0].copy()
    tr._update(X, pos, neg, np.ones((1, 1)), 0.1)
    w1 = tr.network_.weights[0].copy()
    tr._update(X, pos, neg, np.ones((1, 1)), 0.1)
    np.testing.assert_allclose(tr.network_.weights[0] - w1, 1.9 * (w1 - w0))


def test_weight_decay_and_normalize_bound_the_layers():
    tr, X, pos, neg = _one_step(normalize=True)
    norms = [np.sqrt(np.sum(W ** 2) + np.sum(b ** 2)) for W, b in zip(tr.network_.weights, tr.network_.biases)]
    for _ in range(5):
        tr._update(X, pos, neg, np.ones((1, 1)), 1.0)
    after = [np.sqrt(np.sum(W ** 2) + np.sum(b ** 2)) for W, b in zip(tr.network_.weights, tr.network_.biases)]
    np.testing.assert_allclose(after, norms)
    tr, X, pos, neg = _one_step(weight_decay=0.5)
    before = tr.network_.weights[1].copy()
    tr._update(X, pos, neg, np.zeros((1, 1)), 0.1)                    # no heads: decay alone
    np.testing.assert_allclose(tr.network_.weights[1], before * 0.95)


def test_cosine_schedule_starts_at_eta_and_falls_towards_zero():
    tr = ql.ContrastiveTrainer(ql.Network([2, 3, 2]), learning_rate=0.1, lr_schedule="cosine", epochs=10)
    tr._check_params()
    tr._initialize()
    assert tr._eta() == pytest.approx(0.1)
    tr.epoch_ = 9
    assert tr._eta() == pytest.approx(0.1 * 0.5 * (1 + np.cos(0.9 * np.pi)))


def test_zero_temperature_free_phase_is_made_of_local_minima(xor):
    net = ql.Network([2, 8, 2], random_state=0)
    tr = ql.ContrastiveTrainer(net, zero_temperature=True, sampler_params={"num_sweeps": 2}, random_state=0)
    tr._check_params()
    tr._initialize()
    states, _ = tr._free_phase(xor.X_train[:4])
    R = states[0].shape[0]
    again = tr.network_.descend(np.tile(xor.X_train[:4], (R, 1)), [s.reshape(R * 4, -1) for s in states])
    for s, a in zip(states, again):
        np.testing.assert_array_equal(s.reshape(R * 4, -1), a)


def test_deep_networks_start_with_the_input_and_output_layers_scaled_up():
    """2-32-32-2 on circles (seed 2, 4 epochs): 0.97 with the deep gains, 0.81 without (the input drowned in
    the feedback of the second hidden layer, see the ContrastiveTrainer docstring)."""
    ds = ql.load_dataset("circles", random_state=0)
    net = ql.Network([2, 32, 32, 2], output_replicas=2, random_state=2)
    common = dict(batch_size=4, epochs=4, keep_best=False, probe_size=0, random_state=2)
    deep = ql.ContrastiveTrainer(net, **common).fit(ds.X_train, ds.y_train)
    assert deep.init_gains_ == (3.0, 2.0) and deep.score(ds.X_test, ds.y_test) >= 0.95
    assert np.array_equal(deep._start.weights[0], 3 * net.weights[0])          # the network passed in is kept
    assert np.array_equal(deep._start.biases[-1], 2 * net.biases[-1])
    unscaled = ql.ContrastiveTrainer(net, init_gains=(1, 1), **common).fit(ds.X_train, ds.y_train)
    assert unscaled.score(ds.X_test, ds.y_test) <= 0.9
    shallow = ql.ContrastiveTrainer(ql.Network([2, 8, 2], random_state=0), epochs=0).fit(ds.X_train, ds.y_train)
    assert shallow.init_gains_ == (1.0, 1.0)


def test_deep_networks_cut_the_clamped_states_of_the_heads_classes():
    """With two hidden layers every head is the clamped state of its class (or the rival's): predict's states."""
    from qnn_lab.training.phases import rival_state

    ds = ql.load_dataset("xor", n_samples=40, random_state=0)
    X, y = ds.X_train[:8], ds.y_train[:8]
    deep = ql.ContrastiveTrainer(ql.Network([2, 6, 6, 2], output_replicas=2, random_state=0), random_state=0)
    shallow = ql.ContrastiveTrainer(ql.Network([2, 6, 2], output_replicas=2, random_state=0), random_state=0)
    for tr in (deep, shallow):
        tr._check_params()
        tr._initialize()
    assert deep.head_states_ == "classes" and shallow.head_states_ == "reads"
    net = deep.network_
    reads, _ = deep._free_phase(X)
    states = deep._class_states(X, y, reads)
    assert states[0].shape[0] == reads[0].shape[0] + 1
    for l, rival in enumerate(rival_state(net, X, y)):
        assert np.array_equal(states[l][-1], rival)
    classes = net.decode_outputs(reads[-1])
    for r in range(len(reads[0])):
        for l, clamped in enumerate(net.clamped_state(X, classes[r])):
            assert np.array_equal(states[l][r], clamped)
