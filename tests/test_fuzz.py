"""Generated bad inputs at the public API and the CLI: only the documented exceptions come out.

Documented: TypeError and ValueError (qnn_lab's own errors subclass them); a UserWarning
for ignored keyword arguments. Anything else (IndexError, KeyError, ZeroDivisionError,
a numpy RuntimeWarning, which pytest turns into an error here) fails the test.
"""
import subprocess
import sys
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnn_lab as ql

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
junk = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=6), st.lists(st.integers(-5, 300), max_size=4), st.just(np.nan), st.just(()))
EXPECTED = (TypeError, ValueError)
CALLS = {"ok": 0, "refused": 0}
COSTLY = ("num_reads", "num_sweeps", "epochs", "timeout", "batch_size")


def bounded(kwargs):
    """Large valid counts only make a run long, not wrong: cap them so the suite stays quick."""
    return {k: min(v, 20) if k in COSTLY and isinstance(v, int) and not isinstance(v, bool) else v
            for k, v in kwargs.items()}


def call(fn, *args, **kwargs):
    """Run fn; a documented refusal is fine, anything else propagates and fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)          # ignored kwargs warn by design
        warnings.simplefilter("ignore", ql.parameters.dimod.exceptions.SamplerUnknownArgWarning)
        try:
            fn(*args, **kwargs)
            CALLS["ok"] += 1
        except EXPECTED as exc:
            assert str(exc), f"{type(exc).__name__} without a message"
            CALLS["refused"] += 1


@FUZZ
@given(name=st.one_of(st.sampled_from(ql.list_datasets()), junk), n_samples=junk, noise=junk, test_fraction=junk,
       random_state=junk)
def test_load_dataset(name, n_samples, noise, test_fraction, random_state):
    call(ql.load_dataset, name, n_samples=n_samples, noise=noise, test_fraction=test_fraction,
         random_state=random_state)


@FUZZ
@given(layers=st.one_of(junk, st.lists(junk, max_size=4)), replicas=junk, scale=junk, seed=junk)
def test_network(layers, replicas, scale, seed):
    call(ql.Network, layers, output_replicas=replicas, init_scale=scale, random_state=seed)


@FUZZ
@given(X=st.one_of(junk, st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4), max_size=3)),
       clamp=st.one_of(st.none(), junk), nudge=st.one_of(st.none(), junk), strength=junk)
def test_encode_neurons(X, clamp, nudge, strength):
    net = ql.Network([3, 4, 2], output_replicas=2, random_state=0)
    call(ql.encode_neurons, net, X, clamp=clamp, nudge=nudge, nudge_strength=strength)


@FUZZ
@given(layer=junk, bits=junk, reg=junk, weight_range=junk, target_scale=junk)
def test_encode_weights(layer, bits, reg, weight_range, target_scale):
    net = ql.Network([3, 4, 2], random_state=0)
    data = (np.random.default_rng(0).normal(size=(6, 3)), [0, 1, 0, 1, 1, 0])
    call(ql.encode_weights, net, data, layer=layer, bits=bits, reg=reg, weight_range=weight_range,
         target_scale=target_scale)


@FUZZ
@given(name=st.one_of(st.sampled_from(ql.list_samplers()), junk),
       options=st.dictionaries(st.sampled_from(["num_reads", "num_sweeps", "beta_range", "seed", "timeout", "update",
                                                "beta_schedule_type", "bogus"]), junk, max_size=3))
def test_get_sampler_and_sample(name, options):
    net = ql.Network([2, 3, 2], random_state=0)
    bqm = ql.encode_neurons(net, [[0.5, -0.5]]).bqm
    call(lambda: ql.get_sampler(name, **bounded(options)).sample(bqm))


@FUZZ
@given(kwargs=st.dictionaries(st.sampled_from(["num_reads", "heads_per_sample", "learning_rate", "lr_decay", "margin",
                                               "variant", "nudge", "batch_size", "epochs", "sampler", "random_state"]),
                              junk, max_size=3))
def test_contrastive_trainer(kwargs):
    net = ql.Network([2, 3, 2], random_state=0)
    X = np.random.default_rng(0).normal(size=(8, 2))
    y = np.array([0, 1] * 4)
    kwargs = bounded({"epochs": 1, **kwargs})
    call(lambda: ql.ContrastiveTrainer(net, **kwargs).fit(X, y))


@settings(max_examples=25, deadline=None)
@given(argv=st.lists(st.sampled_from(["train", "--dataset", "--layers", "--epochs", "--sampler", "--trainer", "--seed",
                                      "--replicas", "--noise", "-1", "0", "x", "2,0,2", "digits", "sa", "nan", "1e9",
                                      "--sampler-param", "num_reads=0", "bench", "--only", "B7"]),
                     min_size=1, max_size=6))
def test_cli_exits_0_or_2_without_a_traceback(argv):
    if "bench" in argv and "--only" not in argv:
        return                                                       # the full benchmark is not a fuzz case
    if argv[0] == "train":
        argv = ["train", "--quiet", "--epochs", "1", *argv[1:]]       # later options win; keeps runs short
    proc = subprocess.run([sys.executable, "-m", "qnn_lab.cli", *argv], capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]


@FUZZ
@given(points=st.one_of(junk, st.lists(st.one_of(junk, st.tuples(junk, junk),
                                                 st.tuples(st.floats(-5, 3000), st.floats(-0.5, 1.5))), max_size=14)),
       props=st.sampled_from([None, {"annealing_time_range": [0.5, 2000.0], "max_anneal_schedule_points": 12}]))
def test_anneal_schedule(points, props):
    from qnn_lab.samplers.schedules import AnnealSchedule
    call(lambda: AnnealSchedule(points).validate(props))


@FUZZ
@given(kind=st.sampled_from(["qubo", "backprop"]),
       kwargs=st.dictionaries(st.sampled_from(["bits", "reg", "weight_range", "target_scale", "num_reads", "optimizer",
                                               "learning_rate", "weight_decay", "batch_size", "epochs"]), junk,
                              max_size=3))
def test_qubo_and_backprop_trainers(kind, kwargs):
    net = ql.Network([2, 3, 2], random_state=0)
    X = np.random.default_rng(0).normal(size=(8, 2))
    y = np.array([0, 1] * 4)
    trainer = ql.QuboTrainer if kind == "qubo" else ql.BackpropTrainer
    if kind == "backprop":
        kwargs = {k: v for k, v in kwargs.items() if k in ("optimizer", "learning_rate", "weight_decay",
                                                           "batch_size", "epochs")}
    else:
        kwargs = {k: v for k, v in kwargs.items() if k in ("bits", "reg", "weight_range", "target_scale",
                                                           "num_reads", "batch_size", "epochs")}
    kwargs = bounded({"epochs": 1, **kwargs})
    call(lambda: trainer(net, **kwargs).fit(X, y))


def test_zz_report_counts():
    """Say how many generated calls ran and how many were refused (read with -rP)."""
    print(f"fuzz calls: {CALLS['ok']} accepted, {CALLS['refused']} refused with TypeError/ValueError")
    assert CALLS["ok"] + CALLS["refused"] > 0
