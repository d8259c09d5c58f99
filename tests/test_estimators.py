"""scikit-learn's estimator contract, for every registered trainer."""
import inspect

import numpy as np
import pytest
from sklearn.base import clone

import qnn_lab as ql
from qnn_lab.training import list_trainers, make_trainer, trainer_spec

#: Small settings of each trainer (a trainer registered later gets only epochs and batch_size).
SMALL = {"contrastive": {"probe_size": 4, "probe_reads": 2, "sampler_params": {"num_sweeps": 10}},
         "layerwise": {"window": 1, "probe_size": 0, "sampler_params": {"num_sweeps": 10}},
         "qubo": {"bits": 2, "num_reads": 2, "sampler_params": {"num_sweeps": 20}}}


@pytest.fixture(scope="module")
def data():
    ds = ql.load_dataset("xor", n_samples=24, random_state=0)
    return ds.X_train, ds.y_train


def _trainer(name):
    net = ql.Network([2, 4, 3, 2], output_replicas=2, random_state=0)
    # a numpy int: a fit that rewrote its parameters (check_int returns a Python int) would show
    return make_trainer(name, net, epochs=2, batch_size=np.int64(6), random_state=0, **SMALL.get(name, {}))


def _same(a, b):
    """Deep equality of parameter values (networks by their weights, dicts and sequences by items)."""
    if isinstance(a, ql.Network):
        return (isinstance(b, ql.Network) and a.layers == b.layers and a.output_replicas == b.output_replicas
                and all(np.array_equal(x, y) for x, y in zip(a.weights + a.biases, b.weights + b.biases)))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _weights(trainer):
    return [w.copy() for w in trainer.network_.weights + trainer.network_.biases]


@pytest.mark.parametrize("name", list_trainers())
def test_is_an_estimator_whose_init_stores_every_argument(name):
    trainer = _trainer(name)
    signature = inspect.signature(type(trainer).__init__).parameters
    assert not any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in signature.values())
    params = trainer.get_params()
    assert list(params) == sorted(n for n in signature if n != "self")
    for key, value in SMALL.get(name, {}).items():
        assert params[key] is value                      # stored as given, not a copy or a checked version


@pytest.mark.parametrize("name", list_trainers())
def test_get_params_set_params_round_trip(name):
    trainer = _trainer(name)
    params = trainer.get_params()
    again = type(trainer)(**params)
    assert _same(again.get_params(), params)
    assert trainer.set_params(epochs=5) is trainer and trainer.epochs == 5
    with pytest.raises(ValueError, match="Invalid parameter"):
        trainer.set_params(no_such_parameter=1)


@pytest.mark.parametrize("name", list_trainers())
def test_fit_leaves_the_parameters_unchanged(name, data):
    trainer = _trainer(name)
    before = clone(trainer).get_params()
    trainer.fit(*data)
    assert _same(trainer.get_params(), before)
    assert _same(trainer.network, before["network"])     # the network passed in is never trained in place


@pytest.mark.parametrize("name", list_trainers())
def test_clone_trains_the_same_way(name, data):
    trainer = _trainer(name)
    copy = clone(trainer)
    assert copy is not trainer and copy.network is not trainer.network
    assert _same(copy.get_params(), trainer.get_params())
    trained = trainer.fit(*data)
    fitted_clone = clone(trained)
    assert not hasattr(fitted_clone, "network_")          # a clone is unfitted
    first, again, cloned = _weights(trained), _weights(trainer.fit(*data)), _weights(fitted_clone.fit(*data))
    for a, b, c in zip(first, again, cloned):
        np.testing.assert_array_equal(a, b)                 # refitting gives the same network
        np.testing.assert_array_equal(a, c)


def test_qubo_batch_size_none_stays_none(data):
    trainer = make_trainer("qubo", ql.Network([2, 3, 2], random_state=0), epochs=1, bits=2, num_reads=2)
    assert trainer.fit(*data).batch_size is None
    assert trainer.n_steps_ == 1                           # the whole training set in one step


@pytest.mark.parametrize("name", list_trainers())
def test_spec_defaults_are_the_trainers_own(name):
    spec = trainer_spec(name)
    defaults = {k: v.default for k, v in inspect.signature(spec.cls).parameters.items()}
    for p in spec.parameters:
        assert p.name in defaults, f"{name}: the spec offers {p.name!r}, which the trainer does not take"
        assert _same(p.default, defaults[p.name]), (name, p.name)
