import threading
import warnings

import dimod
import numpy as np
import pytest
from dimod.testing import assert_sampler_api, assert_sampleset_energies
from dwave.samplers.sa.sampler import default_beta_range as dwave_default_beta_range

import qnn_lab as ql
from qnn_lab.encoding import LayeredModel
from qnn_lab.parameters import KINDS
from qnn_lab.samplers import LayeredAnnealer, default_beta_range

FAST = {"sa": {"num_sweeps": 200}, "tabu": {"timeout": 5}, "steepest": {}, "exact": {}, "layered": {"num_sweeps": 200}}


@pytest.fixture
def tiny_model(small_net):
    return ql.encode_neurons(small_net, np.array([[0.3, -1.0, 0.5]]))


def test_registry_lists_the_samplers():
    assert ql.list_samplers()[:7] == ["sa", "tabu", "steepest", "exact", "layered", "sqa", "mock-qpu"]


@pytest.mark.parametrize("name", ["sa", "tabu", "steepest", "exact", "layered"])
def test_each_sampler_passes_dimod_conformance(name, tiny_model):
    sampler = ql.get_sampler(name, **FAST[name])
    assert_sampler_api(sampler)
    ss = sampler.sample(tiny_model.bqm)
    assert_sampleset_energies(ss, tiny_model.bqm)
    assert set(ss.variables) == set(tiny_model.bqm.variables)


@pytest.mark.parametrize("name", ["sa", "tabu", "steepest", "exact", "layered"])
def test_each_sampler_has_a_schema_a_ui_can_use(name):
    spec = ql.sampler_spec(name)
    assert spec.doc
    for p in spec.parameters:
        d = p.to_dict()
        assert d["kind"] in KINDS and d["doc"]
        if p.kind != "callable":
            assert p.validate(p.default) == p.default


@pytest.mark.parametrize("name", ["sa", "layered", "tabu"])
def test_ground_states_agree_with_the_exact_solver(name, small_net, rng):
    X = rng.normal(size=(1, 3))
    for enc in (ql.encode_neurons(small_net, X), ql.encode_neurons(small_net, X, clamp=[1])):
        exact = ql.get_sampler("exact").sample(enc.bqm).first.energy
        found = ql.get_sampler(name, num_reads=20, seed=5, **FAST[name]).sample(enc.bqm).first.energy
        assert found == pytest.approx(exact, abs=1e-9)


def test_layered_minibatch_ground_states_match_exact_per_sample(small_net, rng):
    X = rng.normal(size=(4, 3))
    enc = ql.encode_neurons(small_net, X)
    dec = enc.decode(ql.get_sampler("layered", num_reads=20, num_sweeps=300, seed=2).sample(enc.bqm))
    for i in range(4):
        exact = ql.get_sampler("exact").sample(ql.encode_neurons(small_net, X[i:i + 1]).bqm).first.energy
        assert dec.energies[:, i].min() == pytest.approx(exact)


@pytest.mark.parametrize("name", ["sa", "tabu", "steepest", "layered"])
def test_same_seed_same_samples(name, tiny_model):
    a = ql.get_sampler(name, seed=11, num_reads=4, **FAST[name]).sample(tiny_model.bqm)
    b = ql.get_sampler(name, seed=11, num_reads=4, **FAST[name]).sample(tiny_model.bqm)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)


@pytest.mark.parametrize("update", ["heat-bath", "metropolis"])
def test_layered_samples_the_boltzmann_distribution(small_net, update):
    """At fixed beta the state frequencies match exp(-beta E)/Z (chi-square, 10 spins, 1024 states)."""
    from scipy import stats
    enc = ql.encode_neurons(small_net, np.array([[0.3, -1.0, 0.5]]))
    exact = dimod.ExactSolver().sample(enc.bqm)
    beta = 0.7
    p = np.exp(-beta * (exact.record.energy - exact.record.energy.min()))
    p /= p.sum()
    n = 40_000
    ss = LayeredAnnealer().sample(enc.bqm, num_reads=n, num_sweeps=30, beta_range=(beta, beta), seed=0, update=update)
    index = {tuple(row): i for i, row in enumerate(exact.record.sample)}
    order = [exact.variables.index(v) for v in ss.variables]
    counts = np.bincount([index[tuple(r)] for r in ss.record.sample[:, np.argsort(order)]], minlength=len(p))
    expected = n * p
    big = expected >= 5
    observed = np.append(counts[big], counts[~big].sum())
    expect = np.append(expected[big], expected[~big].sum())
    _, pvalue = stats.chisquare(observed, expect)
    assert pvalue > 1e-3


def test_default_beta_range_matches_dwave_samplers(rng):
    net = ql.Network([5, 7, 3, 3], output_replicas=2, random_state=0)
    X = rng.normal(size=(4, 5))
    enc = ql.encode_neurons(net, X)
    np.testing.assert_allclose(default_beta_range(LayeredModel.from_network(net, X)), dwave_default_beta_range(enc.bqm))
    np.testing.assert_allclose(default_beta_range(LayeredModel.from_bqm(enc.bqm)), dwave_default_beta_range(enc.bqm))


def test_layered_refuses_models_not_from_encode_neurons():
    with pytest.raises(ValueError, match="takes models made by encode_neurons"):
        ql.get_sampler("layered").sample(dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN"))
    bqm = dimod.BQM({(0, "h", 1, 0): 1.0, (0, "h", 1, 1): 0.5}, {((0, "h", 1, 0), (0, "h", 1, 1)): 1.0}, 0, "SPIN")
    with pytest.raises(ValueError, match="no couplings inside a layer"):
        ql.get_sampler("layered").sample(bqm)


def test_layered_reads_models_in_any_variable_order(tiny_model):
    bqm = tiny_model.bqm
    shuffled = dimod.BQM(dimod.SPIN)
    for v in reversed(list(bqm.variables)):
        shuffled.add_variable(v, bqm.get_linear(v))
    shuffled.add_quadratic_from(bqm.quadratic)
    ss = ql.get_sampler("layered", num_reads=20, seed=1).sample(shuffled)
    assert_sampleset_energies(ss, shuffled)
    assert ss.first.energy == pytest.approx(ql.get_sampler("exact").sample(shuffled).first.energy)


def test_layered_model_from_bqm_matches_the_network_model_again_and_again(small_net, rng):
    """from_bqm keeps the last structure it read: a new model of that structure, or the same labels with other
    couplings, is still read right (and a bad one still refused)."""
    for X in (rng.normal(size=(3, 3)), rng.normal(size=(3, 3))):
        got, want = LayeredModel.from_bqm(ql.encode_neurons(small_net, X).bqm), LayeredModel.from_network(small_net, X)
        for a, b in zip(got.fields + got.couplings, want.fields + want.couplings):
            np.testing.assert_allclose(a, b)
    bqm = ql.encode_neurons(small_net, X).bqm
    u, v = next(iter(bqm.quadratic))
    bqm.set_quadratic(u, v, bqm.get_quadratic(u, v) + 1.0)
    with pytest.raises(ValueError, match="the same couplings for every sample"):
        LayeredModel.from_bqm(bqm)
    h = [v for v in bqm.variables if v[1] == "h"]
    bqm.add_quadratic(h[0], h[1], 0.5)
    with pytest.raises(ValueError, match="no couplings inside a layer"):
        LayeredModel.from_bqm(bqm)


def test_layered_takes_binary_models(tiny_model):
    ss = ql.get_sampler("layered", num_reads=3, seed=1).sample(tiny_model.bqm.binary)
    assert ss.vartype is dimod.BINARY
    assert_sampleset_energies(ss, tiny_model.bqm.binary)


def test_exact_refuses_large_models(small_net):
    enc = ql.encode_neurons(small_net, np.zeros((3, 3)))
    with pytest.raises(ql.ModelTooLargeError, match="at most 20 variables: this one has 24"):
        ql.get_sampler("exact").sample(enc.bqm)


def test_unknown_sampler_lists_the_known_ones():
    with pytest.raises(ql.UnknownNameError,
                       match="'sampler' should be one of 'sa', 'tabu'.*'layered', 'sqa', 'mock-qpu': value = 'qa'"):
        ql.get_sampler("qa")


@pytest.mark.parametrize("name", ["sa", "layered", "tabu", "steepest"])
def test_num_reads_below_one_is_refused(name):
    with pytest.raises(ValueError, match=r"'num_reads' should be an integer in \[1, 100000\]: value = 0"):
        ql.get_sampler(name, num_reads=0)


def test_bad_parameter_values_name_parameter_and_value(tiny_model):
    s = ql.get_sampler("sa")
    with pytest.raises(TypeError, match="'num_sweeps' should be an integer.*'many'"):
        s.sample(tiny_model.bqm, num_sweeps="many")
    with pytest.raises(ValueError, match=r"'beta_range' should be a pair.*\(2.0, 1.0\)"):
        s.sample(tiny_model.bqm, beta_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="'update' should be one of 'metropolis', 'heat-bath'"):
        ql.get_sampler("layered", update="glauber")


def test_unknown_keyword_arguments_warn(tiny_model):
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="ignores unknown parameter.*num_sweps"):
        ql.get_sampler("sa", num_sweps=10)
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="temperature"):
        ql.get_sampler("layered").sample(tiny_model.bqm, temperature=1.0)


def test_streaming_delivers_chunks_progress_and_the_whole_result(tiny_model):
    seen = []
    ss = ql.sample_in_chunks(ql.get_sampler("layered"), tiny_model.bqm, 10, chunk_size=3, seed=4,
                             callback=lambda part, progress: seen.append((len(part), progress)))
    assert seen == [(3, 0.3), (3, 0.6), (3, 0.9), (1, 1.0)]
    assert len(ss) == 10 and not ss.info["stopped"]
    again = ql.sample_in_chunks(ql.get_sampler("layered"), tiny_model.bqm, 10, chunk_size=3, seed=4)
    np.testing.assert_array_equal(ss.record.sample, again.record.sample)


class _Reordering(dimod.Sampler):
    """Random reads whose variables come in the BQM's order, then reversed, then in order again..."""
    parameters, properties, calls = {"num_reads": []}, {}, 0

    def sample(self, bqm, num_reads=1):
        order = list(bqm.variables)[::-1 if self.calls % 2 else 1]
        self.calls += 1
        ss = dimod.RandomSampler().sample(bqm, num_reads=num_reads)
        samples = (ss.record.sample[:, [ss.variables.index(v) for v in order]], order)
        return dimod.SampleSet.from_samples(samples, bqm.vartype, bqm.energies(samples), sort_labels=False)


@pytest.mark.parametrize("sampler", [ql.get_sampler("layered"), _Reordering()], ids=["one order", "two orders"])
def test_streamed_chunks_join_as_dimod_concatenates_them(tiny_model, sampler):
    parts = []
    ss = ql.sample_in_chunks(sampler, tiny_model.bqm, 10, chunk_size=3, seed=4,
                             callback=lambda part, progress: parts.append(part))
    expected = dimod.concatenate(parts)
    assert len({tuple(p.variables) for p in parts}) == (2 if isinstance(sampler, _Reordering) else 1)
    assert list(ss.variables) == list(expected.variables) and ss.record.dtype == expected.record.dtype
    np.testing.assert_array_equal(ss.record, expected.record)
    np.testing.assert_allclose(ss.record.energy, tiny_model.bqm.energies((ss.record.sample, ss.variables)))


def test_streaming_stops_between_chunks(tiny_model):
    stop, drawn = threading.Event(), []

    def callback(part, progress):
        drawn.append(len(part))
        if sum(drawn) >= 4:
            stop.set()

    ss = ql.sample_in_chunks(ql.get_sampler("sa", num_sweeps=10), tiny_model.bqm, 100, chunk_size=2,
                             callback=callback, stop=stop)
    assert len(ss) == 4 and ss.info["stopped"] and ss.info["num_reads_done"] == 4


def test_streaming_stop_before_start_returns_an_empty_sampleset(tiny_model):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ss = ql.sample_in_chunks(ql.get_sampler("sa"), tiny_model.bqm, 5, stop=lambda: True)
    assert len(ss) == 0 and ss.info["stopped"]


def test_single_layer_models_keep_their_fields(small_net):
    """A clamped one-hidden-layer model has no couplings; annealing must not change its fields."""
    enc = ql.encode_neurons(small_net, np.array([[0.3, -1.0, 0.5]]), clamp=[0])
    model = LayeredModel.from_bqm(enc.bqm)
    before = model.fields[0].copy()
    states = LayeredAnnealer().sample_model(model, num_reads=2, num_sweeps=50, seed=0)
    np.testing.assert_array_equal(model.fields[0], before)
    np.testing.assert_array_equal(states[0][0, 0], np.where(before[0] >= 0, 1, -1))


def _chi_square_pvalue(counts, p):
    from scipy import stats
    expected = counts.sum() * p
    big = expected >= 5
    if big.all():
        return stats.chisquare(counts, expected)[1]
    _, pvalue = stats.chisquare(np.append(counts[big], counts[~big].sum()),
                                np.append(expected[big], expected[~big].sum()))
    return pvalue


#: Layer 0: six spins pinned (three up, three down) by fields far past the skip bound, two free ones.
PINNED = [np.array([[60.0, -60.0, 60.0, -60.0, 60.0, -60.0, 0.3, -0.2]]), np.array([[0.1, -0.4, 0.2]])]
PINNED_W = np.array([[0.5, -0.3, 0.8, 0.4, -0.2, 0.1, 0.6, -0.5],
                     [-0.6, 0.2, 0.3, -0.7, 0.4, 0.3, -0.4, 0.9],
                     [0.4, 0.9, -0.5, 0.1, -0.3, 0.2, 0.7, 0.2]])


@pytest.mark.parametrize("update", ["heat-bath", "metropolis"])
def test_spins_past_the_skip_bound_keep_the_boltzmann_distribution(update):
    """Spins with 2 beta s f > SKIP_BOUND get no random draw; the state distribution is still exp(-beta E)/Z."""
    from qnn_lab.samplers.kernel import SKIP_BOUND
    from qnn_lab.samplers.layered import anneal
    beta = 0.5
    model = LayeredModel(PINNED, [PINNED_W])
    assert 2 * beta * (60 - np.abs(PINNED_W).sum(0)[:6]).min() > SKIP_BOUND
    states = np.array([[int(c) * 2 - 1 for c in np.binary_repr(i, 11)] for i in range(2**11)])
    energy = model.energy([states[:, None, :8], states[:, None, 8:]])[:, 0]
    p = np.exp(-beta * (energy - energy.min()))
    p /= p.sum()
    n = 20_000
    s0, s1 = anneal(model, n, np.full(20, beta), update=update, seed=3)
    assert np.all(s0[:, 0, :6] == np.sign(PINNED[0][0, :6]))
    index = (np.concatenate([s0[:, 0], s1[:, 0]], axis=1) > 0) @ (2 ** np.arange(10, -1, -1))
    assert _chi_square_pvalue(np.bincount(index, minlength=len(p)), p) > 1e-3


@pytest.mark.parametrize("update", ["heat-bath", "metropolis"])
def test_rows_with_few_live_chains_keep_the_boltzmann_distribution(update):
    """Sample 0 free, samples 1-7 pinned past the skip bound: each row of 64 chains has 8 live ones, so the
    kernel takes its scan (one draw per live chain) and updates fields per flip; sample 0 still follows
    exp(-beta E)/Z."""
    from qnn_lab.samplers.layered import anneal
    beta, P = 0.5, 8
    pins = np.where(np.arange(P)[:, None] % 2 == 0, 60.0, -60.0)
    fields = [np.vstack([[0.3, -0.2, 0.1], pins[1:] * np.ones(3)]), np.vstack([[0.1, -0.4], -pins[1:] * np.ones(2)])]
    W = np.array([[0.5, -0.3, 0.8], [-0.6, 0.2, 0.3]])
    model = LayeredModel(fields, [W])
    states = np.array([[int(c) * 2 - 1 for c in np.binary_repr(i, 5)] for i in range(2**5)])
    energy = LayeredModel([f[:1] for f in fields], [W]).energy([states[:, None, :3], states[:, None, 3:]])[:, 0]
    p = np.exp(-beta * (energy - energy.min()))
    p /= p.sum()
    s0, s1 = anneal(model, 8000, np.full(20, beta), update=update, seed=4)
    assert np.all(s0[:, 1:] == np.sign(fields[0][1:])) and np.all(s1[:, 1:] == np.sign(fields[1][1:]))
    index = (np.concatenate([s0[:, 0], s1[:, 0]], axis=1) > 0) @ (2 ** np.arange(4, -1, -1))
    assert _chi_square_pvalue(np.bincount(index, minlength=len(p)), p) > 1e-3


def test_the_skip_bound_changes_which_draws_are_used():
    """The bound is in effect: without it (skip=inf) the pinned spins draw too, so the same seed gives
    other samples (the pinned spins stay pinned either way)."""
    from qnn_lab.samplers.kernel import anneal_rows
    betas = np.full(5, 0.5)
    a = anneal_rows(PINNED, [PINNED_W], 200, betas, heat_bath=False, rng=np.random.default_rng(0))
    b = anneal_rows(PINNED, [PINNED_W], 200, betas, heat_bath=False, rng=np.random.default_rng(0), skip=np.inf)
    assert np.all(a[0][:, 0, :6] == b[0][:, 0, :6])
    assert not np.array_equal(a[0], b[0])


def test_the_kernel_exp_is_exact_to_two_ulp():
    from qnn_lab.samplers.kernel import EXP_CAP, exp_neg
    x = np.concatenate([np.linspace(0, EXP_CAP, 200_001), np.random.default_rng(0).uniform(0, 1e-3, 10_000)])
    np.testing.assert_array_less(np.abs(exp_neg(x) - np.exp(-x)), 2 * np.spacing(np.exp(-x)) + 1e-300)


def test_the_kernel_result_does_not_depend_on_the_thread_count(small_net, rng):
    from qnn_lab.samplers import kernel
    model = LayeredModel.from_network(small_net, rng.normal(size=(5, 3)))
    runs = []
    for threads in (1, 3):
        kernel.set_kernel_threads(threads)
        try:
            runs.append(LayeredAnnealer().sample_model(model, num_reads=7, num_sweeps=40, seed=9))
        finally:
            kernel.set_kernel_threads(kernel.default_threads())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("update", ["heat-bath", "metropolis"])
def test_the_torch_path_samples_the_boltzmann_distribution(small_net, update):
    """The GPU path (torch matrix products), run here on the CPU, against exp(-beta E)/Z."""
    from qnn_lab.samplers.layered import anneal_torch
    X = np.array([[0.3, -1.0, 0.5]])
    model = LayeredModel.from_network(small_net, X)
    beta = 0.7
    sizes = model.layer_sizes
    states = np.array([[int(c) * 2 - 1 for c in np.binary_repr(i, sum(sizes))] for i in range(2 ** sum(sizes))])
    parts = np.split(states, np.cumsum(sizes)[:-1], axis=1)
    energy = model.energy([s[:, None, :] for s in parts])[:, 0]
    p = np.exp(-beta * (energy - energy.min()))
    p /= p.sum()
    out = anneal_torch(model, 20_000, np.full(30, beta), update=update, rng=np.random.default_rng(0), device="cpu")
    index = (np.concatenate([s[:, 0] for s in out], axis=1) > 0) @ (2 ** np.arange(sum(sizes) - 1, -1, -1))
    assert _chi_square_pvalue(np.bincount(index, minlength=len(p)), p) > 1e-3


def test_cuda_without_a_gpu_is_refused_by_name(tiny_model):
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    with pytest.raises(ValueError, match="'device' should be 'cpu' here .*: value = 'cuda'"):
        ql.get_sampler("layered", device="cuda").sample(tiny_model.bqm)


def test_the_dimod_path_reports_the_energies_of_its_samples(tiny_model):
    for bqm in (tiny_model.bqm, tiny_model.bqm.binary):
        bqm = bqm.copy()
        bqm.offset += 1.25
        ss = ql.get_sampler("layered", num_reads=6, num_sweeps=3, seed=2).sample(bqm)
        assert_sampleset_energies(ss, bqm)
        assert ss.variables == bqm.variables
