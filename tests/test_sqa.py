"""The 'sqa' sampler: path-integral annealing along A(s), B(s) at a temperature."""
import dimod
import numpy as np
import pytest
from dimod.testing import assert_sampler_api, assert_sampleset_energies

import qnn_lab as ql
from qnn_lab.parameters import KINDS
from qnn_lab.samplers import SimulatedQuantumAnnealer, beta_from_temperature, path_integral_fields
from qnn_lab.samplers.schedules import AnnealSchedule, EnergyScales

FAST = {"num_sweeps": 60, "trotter_slices": 4}


@pytest.fixture
def tiny_model(small_net):
    return ql.encode_neurons(small_net, np.array([[0.3, -1.0, 0.5]]))


@pytest.fixture
def glass():
    """Seven spins, all pairs coupled, h and J uniform in [-1, 1]: 128 states to enumerate."""
    rng = np.random.default_rng(3)
    n = 7
    return dimod.BQM({i: rng.uniform(-1, 1) for i in range(n)},
                     {(i, j): rng.uniform(-1, 1) for i in range(n) for j in range(i + 1, n)}, 0.0, "SPIN")


def state_frequencies(ss, exact):
    """Share of reads in each state of ``exact`` (ExactSolver's order)."""
    index = {tuple(row): i for i, row in enumerate(exact.record.sample)}
    order = [ss.variables.index(v) for v in exact.variables]
    counts = np.bincount([index[tuple(r)] for r in ss.record.sample[:, order]], minlength=len(exact))
    return counts / counts.sum()


def boltzmann(exact, beta):
    p = np.exp(-beta * (exact.record.energy - exact.record.energy.min()))
    return p / p.sum()


def kl_divergence(q, p):
    """KL(q || p) of the sample frequencies q from the exact distribution p (finite: p > 0)."""
    m = q > 0
    return float(np.sum(q[m] * np.log(q[m] / p[m])))


def test_sqa_is_registered_and_passes_dimod_conformance(tiny_model):
    assert "sqa" in ql.list_samplers()
    sampler = ql.get_sampler("sqa", **FAST)
    assert_sampler_api(sampler)
    assert_sampler_api(SimulatedQuantumAnnealer())
    ss = sampler.sample(tiny_model.bqm, seed=1)
    assert_sampleset_energies(ss, tiny_model.bqm)
    assert set(ss.variables) == set(tiny_model.bqm.variables) and len(ss) == 10
    binary = sampler.sample(tiny_model.bqm.binary, seed=1)
    assert binary.vartype is dimod.BINARY
    assert_sampleset_energies(binary, tiny_model.bqm.binary)
    assert set(ss.info["timing"]) == {"preprocessing_ns", "sampling_ns", "total_ns"}


def test_sqa_schema_is_one_a_ui_can_use():
    spec = ql.sampler_spec("sqa")
    assert spec.doc
    for p in spec.parameters:
        d = p.to_dict()
        assert d["kind"] in KINDS and d["doc"]
        assert p.validate(p.default) == p.default


def test_temperature_maps_to_beta_in_inverse_gigahertz():
    # h / k_B = 0.048 K ns: at 12 mK a 1 GHz energy is exp(-4.0) less likely.
    assert beta_from_temperature(12.0) == pytest.approx(3.99937, rel=1e-5)
    assert beta_from_temperature(24.0) == pytest.approx(beta_from_temperature(12.0) / 2)


def test_schedule_maps_to_problem_weight_and_trotter_coupling():
    scales = EnergyScales()
    s, problem, coupling = path_integral_fields(AnnealSchedule.preset("pause"), 301, 15.0, 8)
    beta = beta_from_temperature(15.0)
    np.testing.assert_allclose(problem, beta * scales.B(s) / 16)
    np.testing.assert_allclose(coupling, -0.5 * np.log(np.tanh(beta * scales.A(s) / 16)))
    assert s[0] == 0 and s[-1] == 1
    assert np.all(np.diff(coupling) >= 0)            # A falls as s rises: the slices lock together
    assert np.sum(np.isclose(s, 0.45)) > 50          # the pause holds s (and both fields) for a third of it


def test_sqa_samples_the_boltzmann_distribution_at_high_temperature(glass):
    """At 300 mK the reads follow exp(-beta E) with beta = beta_eff B(1) / 2 = 0.49.

    KL(frequencies || Boltzmann) of N reads over K states has a sampling floor of about
    (K - 1) / (2 N) = 0.0127 here (measured: 0.0125); the threshold is twice that. The same
    reads against a Boltzmann law at twice or half the temperature (0.17, 0.47), and reads
    taken at half the temperature (0.33), sit more than ten times higher: the test can fail.
    """
    exact = dimod.ExactSolver().sample(glass)
    n_reads, temperature = 5000, 300.0
    beta = beta_from_temperature(temperature) * EnergyScales().B(1.0) / 2
    sampler = ql.get_sampler("sqa", num_reads=n_reads, num_sweeps=100, trotter_slices=8, auto_scale=False)
    q = state_frequencies(sampler.sample(glass, temperature=temperature, seed=1), exact)
    floor = (len(exact) - 1) / (2 * n_reads)
    kl = kl_divergence(q, boltzmann(exact, beta))
    assert kl < 2 * floor, kl
    assert kl_divergence(q, boltzmann(exact, 2 * beta)) > 10 * floor
    assert kl_divergence(q, boltzmann(exact, beta / 2)) > 10 * floor
    colder = state_frequencies(sampler.sample(glass, temperature=temperature / 2, seed=1), exact)
    assert kl_divergence(colder, boltzmann(exact, beta)) > 10 * floor


def test_ground_state_probability_rises_with_anneal_time():
    """A ferromagnetic ring of 8 spins with a field of 0.5 on one spin: its minimum gap, about
    0.42 GHz near s = 0.27, is 1.7 kT at 12 mK. More sweeps: more reads in the ground state
    (measured 0.37, 0.73, 0.81 over 400 reads; one standard error is about 0.02)."""
    n = 8
    ring = dimod.BQM({i: 0.0 for i in range(n)}, {(i, (i + 1) % n): -1.0 for i in range(n)}, 0.0, "SPIN")
    ring.set_linear(0, -0.5)
    ground = dimod.ExactSolver().sample(ring).first.energy
    sampler = ql.get_sampler("sqa", num_reads=400, trotter_slices=16, seed=2)
    p = [np.mean(np.isclose(sampler.sample(ring, num_sweeps=sweeps).record.energy, ground))
         for sweeps in (10, 100, 1000)]
    assert p[0] + 0.2 < p[1] < p[2] and p[2] > 0.75, p


def test_reverse_anneal_starts_from_the_initial_state():
    """A ferromagnetic ring has two ground states, all up and all down. A shallow reverse anneal
    (back to s = 0.9) stays in the one it starts from; a deep one (to s = 0.1) forgets it."""
    n = 8
    ring = dimod.BQM({i: 0.0 for i in range(n)}, {(i, (i + 1) % n): -1.0 for i in range(n)}, 0.0, "SPIN")
    sampler = ql.get_sampler("sqa", num_reads=100, num_sweeps=200, trotter_slices=8, seed=4)
    for spin in (-1, 1):
        start = dict.fromkeys(ring.variables, spin)
        kept = [np.mean(sampler.sample(ring, initial_state=start, anneal_schedule=AnnealSchedule.preset(
            "reverse", s_reverse=s_reverse)).record.sample == spin) for s_reverse in (0.9, 0.1)]
        assert kept[0] == 1.0 and 0.3 < kept[1] < 0.7, kept


def test_auto_scale_puts_h_and_j_in_the_qpu_ranges(glass):
    sampler = ql.get_sampler("sqa", num_reads=8, seed=5, **FAST)
    ss = sampler.sample(glass)
    scaled = glass.copy()
    scaled.scale(10.0)
    ss10 = sampler.sample(scaled)
    largest = max(max(abs(b) for b in glass.linear.values()) / 4, max(abs(b) for b in glass.quadratic.values()))
    assert ss.info["scale"] == pytest.approx(largest) and ss10.info["scale"] == pytest.approx(10 * largest)
    np.testing.assert_array_equal(ss.record.sample, ss10.record.sample)
    assert sampler.sample(glass, auto_scale=False).info["scale"] == 1.0


def test_empty_and_uncoupled_models():
    sampler = ql.get_sampler("sqa", num_reads=3, seed=1, **FAST)
    assert len(sampler.sample(dimod.BQM("SPIN"))) == 3
    ss = sampler.sample(dimod.BQM({"a": 2.0, "b": -2.0}, {}, 0.0, "SPIN"))
    assert np.all(ss.record.sample == [-1, 1]) and ss.variables == ["a", "b"]


def test_same_seed_same_samples(tiny_model):
    a = ql.get_sampler("sqa", seed=11, num_reads=4, **FAST).sample(tiny_model.bqm)
    b = ql.get_sampler("sqa", seed=11, num_reads=4, **FAST).sample(tiny_model.bqm)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)


def test_finds_the_ground_state_of_a_network_model(tiny_model):
    exact = ql.get_sampler("exact").sample(tiny_model.bqm).first.energy
    assert ql.get_sampler("sqa", num_reads=10, num_sweeps=300, seed=3).sample(tiny_model.bqm).first.energy == \
        pytest.approx(exact)


def test_bad_temperature_is_refused():
    with pytest.raises(ValueError, match=r"'temperature' should be a finite number in \[0.1, 100000.0\]: value = 0"):
        ql.get_sampler("sqa", temperature=0)
    with pytest.raises(ValueError, match="'temperature'.*value = -5"):
        ql.get_sampler("sqa", temperature=-5)
    with pytest.raises(TypeError, match="'temperature' should be a real number.*'cold'"):
        ql.get_sampler("sqa", temperature="cold")


def test_bad_trotter_slices_are_refused(tiny_model):
    with pytest.raises(ValueError, match=r"'trotter_slices' should be an integer in \[2, 1024\]: value = 1"):
        ql.get_sampler("sqa", trotter_slices=1)
    with pytest.raises(TypeError, match="'trotter_slices' should be an integer.*8.5"):
        ql.get_sampler("sqa", trotter_slices=8.5)
    with pytest.raises(ValueError, match=r"'trotter_slices' should be an even integer in \[2, 1024\]: value = 7"):
        ql.get_sampler("sqa", trotter_slices=7).sample(tiny_model.bqm)


def test_invalid_schedule_names_the_rule(tiny_model):
    with pytest.raises(ValueError, match="'anneal_schedule' s should never decrease in a forward anneal"):
        ql.get_sampler("sqa", anneal_schedule=[(0, 0), (5, 0.6), (10, 0.4), (20, 1)])
    with pytest.raises(ValueError, match="'anneal_schedule' should end at s = 1"):
        ql.get_sampler("sqa", anneal_schedule=[(0, 0), (10, 0.5)])


def test_initial_state_rules(tiny_model):
    bqm = tiny_model.bqm
    reverse = AnnealSchedule.preset("reverse")
    with pytest.raises(ValueError, match="a reverse 'anneal_schedule' needs an initial state"):
        ql.get_sampler("sqa", anneal_schedule=reverse, **FAST).sample(bqm)
    state = dict.fromkeys(bqm.variables, 1)
    with pytest.raises(ValueError, match="'initial_state' is only for a reverse 'anneal_schedule'"):
        ql.get_sampler("sqa", initial_state=state, **FAST).sample(bqm)
    with pytest.raises(ValueError, match="'initial_state' should give a value for every variable.*1 missing"):
        ql.get_sampler("sqa", anneal_schedule=reverse, initial_state=dict(list(state.items())[1:]),
                       **FAST).sample(bqm)
    with pytest.raises(ValueError, match="'initial_state' values should be -1 or 1 for a SPIN model: found \\[0\\]"):
        ql.get_sampler("sqa", anneal_schedule=reverse, initial_state=dict.fromkeys(bqm.variables, 0),
                       **FAST).sample(bqm)
    with pytest.raises(TypeError, match="'initial_state' should be None or one sample"):
        ql.get_sampler("sqa", initial_state="up")
    ss = ql.get_sampler("sqa", anneal_schedule=reverse, initial_state=dict.fromkeys(bqm.variables, 0),
                        seed=1, **FAST).sample(bqm.binary)
    assert ss.vartype is dimod.BINARY


def test_energy_scales_must_be_energy_scales(tiny_model):
    with pytest.raises(TypeError, match="'energy_scales' should be None or a qnn_lab.samplers.schedules.EnergyScales"):
        ql.get_sampler("sqa", energy_scales=[1, 2])
    flat = EnergyScales([0.0, 1.0], [1.0, 1.0], [1.0, 1.0])
    ss = ql.get_sampler("sqa", energy_scales=flat, seed=1, **FAST).sample(tiny_model.bqm)
    assert_sampleset_energies(ss, tiny_model.bqm)


def test_many_reads_anneal_in_passes_of_bounded_memory(monkeypatch):
    """100,000 reads of a 1,664-spin model at 1,024 slices asked for 68 GB at once; now passes of at most
    PASS_FLOATS floats of slices each (here 4 MB, five passes, instead of the reads' 20 MB at once)."""
    import tracemalloc

    from qnn_lab.samplers import sqa
    monkeypatch.setattr(sqa, "PASS_FLOATS", 1 << 20, raising=False)
    bqm = dimod.generators.ran_r(1, 200, seed=3)                 # 200 spins x 64 slices x 400 reads
    params = {"num_reads": 400, "num_sweeps": 2, "trotter_slices": 64, "seed": 5}
    tracemalloc.start()
    ss = SimulatedQuantumAnnealer().sample(bqm, **params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(ss) == 400 and peak < 40e6                        # the reads in one pass: over 100 MB
    assert_sampleset_energies(ss, bqm)
    again = SimulatedQuantumAnnealer().sample(bqm, **params)
    assert np.array_equal(ss.record.sample, again.record.sample)
