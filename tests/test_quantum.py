"""The coherent view against independent calculations: dense Hamiltonians built from Kronecker
products, a fourth-order Magnus integrator (exact exponentials by eigh), numpy's eigh, Grover's
state vector."""
from functools import reduce

import dimod
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import qnn_lab.quantum.annealing as annealing
from qnn_lab.exceptions import ModelTooLargeError
from qnn_lab.quantum import (
    anneal_state,
    classical_minimum_search,
    durr_hoyer_minimum,
    fit_query_exponent,
    ground_state_probability,
    grover_state,
    grover_success_probability,
    ising_energies,
    minimum_gap,
    query_scaling,
    random_ising_energies,
    spectrum,
    stretch_schedule,
)
from qnn_lab.samplers.schedules import AnnealSchedule, EnergyScales

PAULI_X, PAULI_Z = np.array([[0.0, 1.0], [1.0, 0.0]]), np.diag([1.0, -1.0])


def random_bqm(n, seed, vartype="SPIN"):
    rng = np.random.default_rng(seed)
    return dimod.BQM({i: rng.uniform(-1, 1) for i in range(n)},
                     {(i, j): rng.uniform(-1, 1) for i in range(n) for j in range(i + 1, n)}, 0.3, vartype)


def one_site(op, k, n):
    return reduce(np.kron, [op if i == k else np.eye(2) for i in range(n)])


def dense_parts(bqm):
    """sum_i X_i and H_Ising as dense matrices, term by term from the BQM (variable k = kron factor k)."""
    bqm = bqm.spin
    index = {v: k for k, v in enumerate(bqm.variables)}
    n = len(index)
    driver = sum(one_site(PAULI_X, k, n) for k in range(n))
    ising = sum(b * one_site(PAULI_Z, index[v], n) for v, b in bqm.linear.items())
    for (u, v), b in bqm.quadratic.items():
        ising = ising + b * one_site(PAULI_Z, index[u], n) @ one_site(PAULI_Z, index[v], n)
    return driver, ising


def dense_h(bqm, s, scales):
    driver, ising = dense_parts(bqm)
    return -scales.A(s) / 2 * driver + scales.B(s) / 2 * ising


def magnus_reference(bqm, schedule, psi, dt_ns, scales=None):
    """Fourth-order Magnus (two Gauss points, one commutator), exact exponentials, uniform steps of dt_ns."""
    scales = scales or EnergyScales()
    driver, ising = dense_parts(bqm)
    schedule = AnnealSchedule(schedule)
    steps = int(round(1000 * schedule.duration / dt_ns))

    def generator(t_ns):
        s = schedule.s_at(t_ns / 1000)
        return -2j * np.pi * (-scales.A(s) / 2 * driver + scales.B(s) / 2 * ising)

    with threadpool_limits(1):                            # tiny eigh calls crawl on a busy multi-threaded BLAS
        return _magnus_steps(generator, psi, steps, dt_ns)


def _magnus_steps(generator, psi, steps, dt_ns):
    c1, c2 = 0.5 - np.sqrt(3) / 6, 0.5 + np.sqrt(3) / 6
    for k in range(steps):
        t = k * dt_ns
        g1, g2 = generator(t + c1 * dt_ns), generator(t + c2 * dt_ns)
        omega = dt_ns / 2 * (g1 + g2) + np.sqrt(3) / 12 * dt_ns ** 2 * (g2 @ g1 - g1 @ g2)
        w, v = np.linalg.eigh(1j * omega)                 # omega is anti-Hermitian: exp(omega) = V e^(-iw) V^+
        psi = v @ (np.exp(-1j * w) * (v.conj().T @ psi))
    return psi


def plus_state(n):
    return np.full(2 ** n, 2.0 ** (-n / 2), dtype=complex)


# ---------------------------------------------------------------- model and basis

def test_ising_energies_match_dimod_on_every_state():
    bqm = random_bqm(5, 0)
    energies, variables = ising_energies(bqm)
    spins = 1 - 2 * ((np.arange(32)[:, None] >> np.arange(4, -1, -1)) & 1)
    np.testing.assert_allclose(energies, bqm.energies((spins, list(variables))) - bqm.offset, atol=1e-12)
    np.testing.assert_allclose(energies, np.diag(dense_parts(bqm)[1]), atol=1e-12)


def test_binary_model_is_annealed_as_its_spin_form():
    binary = random_bqm(3, 1, "BINARY")
    a = anneal_state(binary, [(0, 0), (0.005, 1)])
    b = anneal_state(binary.spin, [(0, 0), (0.005, 1)])
    np.testing.assert_allclose(a.state, b.state, atol=1e-12)


# ---------------------------------------------------------------- evolution against Magnus + expm

@pytest.mark.parametrize("points", [[(0, 0), (0.01, 1)], [(0, 0), (0.004, 0.4), (0.009, 0.4), (0.015, 1)]],
                         ids=["standard", "pause"])
def test_forward_anneal_matches_dense_magnus_to_1e6(points):
    bqm = random_bqm(5, 2)
    result = anneal_state(bqm, points, max_step_ns=0.005)
    # steps of 0.005 ns fall on every node of the A(s), B(s) table (0.01 ns apart here)
    reference = magnus_reference(bqm, points, plus_state(5), dt_ns=0.005)
    assert np.max(np.abs(result.state - reference)) < 1e-6
    assert abs(result.ground_state_probability - np.sum(np.abs(reference[result.ground_states]) ** 2)) < 1e-6


def test_reverse_anneal_from_a_classical_state_matches_dense_magnus():
    bqm = random_bqm(4, 3)
    points = [(0, 1), (0.004, 0.5), (0.006, 0.5), (0.01, 1)]
    start = {0: 1, 1: -1, 2: -1, 3: 1}
    result = anneal_state(bqm, points, initial_state=start, max_step_ns=0.005)
    psi = np.zeros(16, dtype=complex)
    psi[0b0110] = 1.0                       # big-endian: variables 1 and 2 are spin -1
    reference = magnus_reference(bqm, points, psi, dt_ns=0.005)
    assert np.max(np.abs(result.state - reference)) < 1e-6


class SmoothScales(EnergyScales):
    """The default model as exact functions (no table nodes to cut the steps at)."""

    def __init__(self):
        super().__init__([0.0, 1.0], [6.5, 6.5 * np.exp(-6)], [0.0, 6.1])

    def A(self, s):
        return 6.5 * np.exp(-6 * np.asarray(s))

    def B(self, s):
        return 6.1 * np.asarray(s) ** 1.3


def test_splitting_is_fourth_order_in_the_step():
    bqm, scales, points = random_bqm(4, 4), SmoothScales(), [(0, 0), (0.004, 0.3), (0.01, 1)]
    exact = anneal_state(bqm, points, scales, max_step_ns=0.002).state
    errors = [np.max(np.abs(anneal_state(bqm, points, scales, max_step_ns=step).state - exact))
              for step in (0.04, 0.02)]
    assert 12 < errors[0] / errors[1] < 20           # 16 for a fourth-order method


# ---------------------------------------------------------------- physics limits

def test_sudden_limit_keeps_the_plus_state():
    bqm = random_bqm(4, 5)
    result = anneal_state(bqm, [(0, 0), (1e-9, 1)])          # 1 ps
    assert abs(np.vdot(plus_state(4), result.state)) ** 2 > 1 - 1e-6
    assert result.ground_state_probability == pytest.approx(1 / 16, abs=1e-6)


def test_adiabatic_limit_follows_the_instantaneous_ground_state():
    bqm = dimod.BQM({0: -0.3, 1: -0.3, 2: -0.3}, {(0, 1): -1.0, (1, 2): -1.0}, 0, "SPIN")
    assert minimum_gap(bqm).gap > 0.9                          # GHz: 100 ns is deep in the adiabatic regime
    fast, slow = ground_state_probability(bqm, [0.0005, 0.1], max_step_ns=0.05)
    assert fast < 0.5 and slow > 0.9999
    final = anneal_state(bqm, [(0, 0), (0.1, 1)], max_step_ns=0.05).state
    ground = np.linalg.eigh(dense_h(bqm, 1.0, EnergyScales()))[1][:, 0]   # A(1) > 0 still dresses it slightly
    assert abs(np.vdot(ground, final)) ** 2 > 1 - 1e-6


def test_probability_against_time_follows_the_stretched_shape():
    bqm, start = random_bqm(3, 8), [1, -1, 1]
    shape = AnnealSchedule.preset("reverse", anneal_time=20, s_reverse=0.4, hold_time=5)
    probabilities = ground_state_probability(bqm, [0.002, 0.004], schedule=shape, initial_state=start)
    for t, p in zip([0.002, 0.004], probabilities):
        stretched = stretch_schedule(shape, t)
        assert stretched.duration == pytest.approx(t) and stretched.kind == "reverse"
        assert p == anneal_state(bqm, stretched, initial_state=start).ground_state_probability
    assert ground_state_probability(bqm, 0.003, "pause")[0] == \
        anneal_state(bqm, stretch_schedule("pause", 0.003)).ground_state_probability


def test_degenerate_ground_space_probability_is_summed():
    bqm = dimod.BQM({}, {(0, 1): -1.0, (1, 2): -1.0}, 0, "SPIN")     # Z2 symmetric: all up and all down
    result = anneal_state(bqm, [(0, 0), (0.05, 1)])
    assert result.ground_states.tolist() == [0, 7]
    assert result.ground_state_probability == pytest.approx(result.probabilities()[[0, 7]].sum())
    assert result.probabilities()[0] == pytest.approx(result.probabilities()[7], abs=1e-9)


# ---------------------------------------------------------------- spectrum and gap

def test_spectrum_matches_dense_eigh():
    bqm, scales = random_bqm(5, 6), EnergyScales()
    s_values = [0.0, 0.3, 0.7, 1.0]
    levels = spectrum(bqm, s_values, k=6)
    for s, row in zip(s_values, levels):
        np.testing.assert_allclose(row, np.linalg.eigvalsh(dense_h(bqm, s, scales))[:6], atol=1e-10)


def test_sparse_spectrum_matches_dense_eigh(monkeypatch):
    monkeypatch.setattr(annealing, "DENSE_SPECTRUM_SPINS", 3)       # force eigsh on a 6-spin model
    bqm = random_bqm(6, 7)
    levels = spectrum(bqm, [0.0, 0.35], k=4)          # s = 0: the first excited level is 6-fold degenerate
    for row, s in zip(levels, [0.0, 0.35]):
        np.testing.assert_allclose(row, np.linalg.eigvalsh(dense_h(bqm, s, EnergyScales()))[:4], atol=1e-8)


def test_minimum_gap_of_one_spin_is_the_two_level_splitting():
    h = 0.4
    gap = minimum_gap(dimod.BQM({0: h}, {}, 0, "SPIN"), s_values=np.linspace(0, 1, 201))
    scales = EnergyScales()
    exact = np.hypot(scales.A(gap.s_values), h * scales.B(gap.s_values))
    np.testing.assert_allclose(gap.gaps, exact, atol=1e-12)
    assert gap.degeneracy == 1 and gap.gap == pytest.approx(exact.min(), rel=1e-6)


def test_minimum_gap_skips_levels_that_merge_into_a_degenerate_ground_space():
    bqm = dimod.BQM({}, {(0, 1): -1.0, (1, 2): -1.0}, 0, "SPIN")
    gap = minimum_gap(bqm)
    assert gap.degeneracy == 2
    assert gap.levels[-1, 1] - gap.levels[-1, 0] < 1e-5          # levels 0 and 1 end together at s = 1
    np.testing.assert_allclose(gap.gaps, gap.levels[:, 2] - gap.levels[:, 0])
    assert gap.gap == pytest.approx(np.min(gap.levels[:, 2] - gap.levels[:, 0])) and gap.gap > 1.0


# ---------------------------------------------------------------- Grover and Duerr-Hoyer

@pytest.mark.parametrize(("size", "marked"), [(16, 1), (64, 3), (256, 1), (1024, 10)])
def test_grover_probability_matches_the_state_vector(size, marked):
    mask = np.zeros(size, dtype=bool)
    mask[np.random.default_rng(size).choice(size, marked, replace=False)] = True
    for j in range(12):
        state = grover_state(mask, j)
        assert abs(np.sum(state[mask] ** 2) - grover_success_probability(marked, size, j)) < 1e-6
        assert np.ptp(state[mask]) < 1e-12           # marked amplitudes stay equal: uniform among them


def test_durr_hoyer_and_classical_search_find_the_minimum():
    energies = random_ising_energies(8, 0)
    for seed in range(5):
        assert durr_hoyer_minimum(energies, seed).value == energies.min()
        assert classical_minimum_search(energies, seed).value == energies.min()


def test_query_exponents_are_half_and_one():
    result = query_scaling(range(4, 12), trials=40, random_state=0)
    assert 0.4 < result.quantum_exponent < 0.65
    assert 0.85 < result.classical_exponent < 1.15
    assert result.quantum_ci[0] <= result.quantum_exponent <= result.quantum_ci[1]
    assert result.exponent_ratio > 1.5


def test_fit_query_exponent_recovers_a_known_slope():
    n = np.arange(4, 10)
    slope, (low, high) = fit_query_exponent(n, np.repeat(2.0 ** (0.5 * n)[:, None], 3, axis=1), random_state=0)
    assert slope == pytest.approx(0.5) and low == pytest.approx(0.5) and high == pytest.approx(0.5)


# ---------------------------------------------------------------- bad input

def test_bad_inputs_name_the_parameter():
    bqm = random_bqm(2, 0)
    with pytest.raises(ModelTooLargeError, match="'bqm' has 15 variables"):
        anneal_state(dimod.BQM({i: 1.0 for i in range(15)}, {}, 0, "SPIN"), [(0, 0), (1, 1)])
    with pytest.raises(ValueError, match="'initial_state'"):
        anneal_state(bqm, [(0, 1), (1, 0.5), (2, 1)])
    with pytest.raises(ValueError, match="'initial_state' should give a spin"):
        anneal_state(bqm, [(0, 1), (1, 0.5), (2, 1)], initial_state=[1, 0])
    with pytest.raises(ValueError, match="'initial_state' should give a spin"):
        anneal_state(bqm, [(0, 1), (1, 0.5), (2, 1)], initial_state={0: 1})
    with pytest.raises(ValueError, match="'initial_state' is only for a reverse"):
        anneal_state(bqm, [(0, 0), (1, 1)], initial_state=[1, 1])
    with pytest.raises(ValueError, match="'max_step_ns'"):
        anneal_state(bqm, [(0, 0), (1, 1)], max_step_ns=0)
    with pytest.raises(ValueError, match="'anneal_schedule'"):
        anneal_state(bqm, [(0, 0), (1, 0.5)])
    with pytest.raises(ValueError, match="'anneal_times'"):
        ground_state_probability(bqm, [0.1, -1])
    with pytest.raises(ValueError, match="'s_values'"):
        spectrum(bqm, [1.5])
    with pytest.raises(ValueError, match="'k'"):
        spectrum(bqm, [0.5], k=5)
    with pytest.raises(TypeError, match="'bqm'"):
        spectrum({"a": 1}, [0.5])
    with pytest.raises(ValueError, match="'energies'"):
        durr_hoyer_minimum([1.0])
    with pytest.raises(ValueError, match="'num_spins'"):
        query_scaling([4])
