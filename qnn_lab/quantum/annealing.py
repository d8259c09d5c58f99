"""Exact state-vector quantum annealing of small Ising models, and the spectrum of H(s).

D-Wave's convention, h = 1 units (energies in GHz, times in ns, phase 2 pi E t):

    H(s) = -A(s)/2 sum_i X_i + B(s)/2 H_Ising,   H_Ising = sum_i h_i Z_i + sum_ij J_ij Z_i Z_j

with s(t) from an :class:`~qnn_lab.samplers.schedules.AnnealSchedule` (times in microseconds) and
A(s), B(s) from :class:`~qnn_lab.samplers.schedules.EnergyScales`. The BQM's offset is a global
phase and is left out. Basis states are numbered big-endian over ``bqm.variables``:
variable k is bit n-1-k of the index, bit 0 is spin +1 (Z|0> = |0>), so index 0 is all +1.

No 2^n x 2^n matrix is ever formed for the evolution: H_Ising is a diagonal vector and
exp(i phi sum_i X_i), a product of one-spin rotations, is applied as two 2^(n/2)-sized
factors on the state reshaped to a matrix. Time stepping is Suzuki's fourth-order fractal composition
of Strang steps, with the schedule's time as a clock that advances in the transverse
part (whose exact flow is a rotation by the integral of A over the step), so the
time dependence keeps the fourth order. Steps never straddle a schedule point or a
node of the A(s), B(s) tables (1001 of them by default), so a full ramp of s takes at
least a thousand steps, however short.
"""
from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np

from ..exceptions import ModelTooLargeError, check_float, check_int
from ..samplers.schedules import AnnealSchedule, EnergyScales

__all__ = [
    "MAX_EVOLUTION_SPINS",
    "MAX_SPECTRUM_SPINS",
    "AnnealResult",
    "GapResult",
    "anneal_state",
    "basis_index",
    "ground_state_probability",
    "hamiltonian",
    "ising_energies",
    "minimum_gap",
    "spectrum",
    "stretch_schedule",
]

MAX_EVOLUTION_SPINS = 14
MAX_SPECTRUM_SPINS = 14
MAX_ENUMERATION_SPINS = 20
DENSE_SPECTRUM_SPINS = 8           # dense eigh up to here, sparse eigsh above (faster from 9 on)
DEFAULT_STEP_NS = 0.01             # default longest fourth-order step (see anneal_state)
_SUZUKI_P = 1.0 / (4.0 - 4.0 ** (1.0 / 3.0))
_SUZUKI_WEIGHTS = (_SUZUKI_P, _SUZUKI_P, 1.0 - 4.0 * _SUZUKI_P, _SUZUKI_P, _SUZUKI_P)
_GAUSS_X, _GAUSS_W = np.polynomial.legendre.leggauss(3)


def _spin_bqm(bqm, limit, what):
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        raise TypeError(f"'bqm' should be a dimod.BinaryQuadraticModel: value = {type(bqm).__name__}")
    if bqm.num_variables == 0:
        raise ValueError("'bqm' should have at least one variable: it has none")
    if bqm.num_variables > limit:
        raise ModelTooLargeError(f"'bqm' has {bqm.num_variables} variables: {what} handles at most {limit} "
                                 f"(the state has 2^n amplitudes)")
    return bqm.spin if bqm.vartype is dimod.BINARY else bqm


def ising_energies(bqm, limit=MAX_ENUMERATION_SPINS):
    """H_Ising on every basis state: (energies of shape (2^n,), variables), offset left out.

    Examples:
        >>> import dimod
        >>> energies, variables = ising_energies(dimod.BQM({"a": 1.0}, {("a", "b"): -2.0}, 0, "SPIN"))
        >>> energies.tolist(), list(variables)
        ([-1.0, 3.0, 1.0, -3.0], ['a', 'b'])
    """
    bqm = _spin_bqm(bqm, limit, "enumerating H_Ising")
    variables = list(bqm.variables)
    n = len(variables)
    h, (row, col, J), _ = bqm.to_numpy_vectors(variable_order=variables)
    spins = 1 - 2 * ((np.arange(2 ** n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.int8)
    energies = spins @ np.asarray(h, dtype=float)
    if len(J):
        coupling = np.zeros((n, n))
        np.add.at(coupling, (row, col), J)
        energies += np.einsum("ij,ij->i", spins @ coupling, spins)
    return energies, dimod.variables.Variables(variables)


def basis_index(sample, variables):
    """Index of the basis state of a spin sample (a mapping variable -> +-1, or a sequence in order)."""
    try:
        values = [sample[v] for v in variables] if hasattr(sample, "keys") else list(sample)
    except (KeyError, TypeError):
        raise ValueError(f"'initial_state' should give a spin (+1 or -1) to each of the variables "
                         f"{list(variables)}: value = {sample!r}") from None
    if len(values) != len(variables) or any(v not in (-1, 1) for v in values):
        raise ValueError(f"'initial_state' should give a spin (+1 or -1) to each of the {len(variables)} "
                         f"variables: value = {sample!r}")
    return int(sum(1 << (len(variables) - 1 - k) for k, v in enumerate(values) if v == -1))


def _ground_mask(energies):
    scale = max(1.0, float(np.max(np.abs(energies))))
    return energies <= energies.min() + 1e-9 * scale


@dataclass
class AnnealResult:
    """The final state of a coherent anneal and what it says about the ground space."""

    state: np.ndarray                    # amplitudes, big-endian over ``variables``
    ground_state_probability: float      # summed over a degenerate ground space
    ground_states: np.ndarray            # indices of the basis states of the ground space
    energies: np.ndarray                 # H_Ising on every basis state
    variables: dimod.variables.Variables
    steps: int                           # fourth-order time steps taken

    def probabilities(self):
        """|amplitude|^2 of every basis state."""
        return np.abs(self.state) ** 2


def _step_grid(schedule, scales, max_step_ns):
    """Step boundaries (ns): no step straddles a schedule point or a node of the A(s), B(s) tables.

    Between those points A(s(t)) and B(s(t)) are smooth (linear in t), which keeps the
    fourth order; across a table node it would drop to second.
    """
    t_ns = 1000.0 * schedule.t
    edges = [t_ns[:1]]
    for k in range(len(t_ns) - 1):
        t0, t1, s0, s1 = t_ns[k], t_ns[k + 1], schedule.s[k], schedule.s[k + 1]
        nodes = scales.s[(scales.s > min(s0, s1)) & (scales.s < max(s0, s1))] if s0 != s1 else np.empty(0)
        cuts = np.sort(np.concatenate([t0 + (nodes - s0) * (t1 - t0) / (s1 - s0), [t1]])) if nodes.size else [t1]
        start = t0
        for stop in cuts:
            count = max(1, int(np.ceil((stop - start) / max_step_ns - 1e-9)))   # no extra step for rounding
            edges.append(np.linspace(start, stop, count + 1)[1:])
            start = stop
    return np.concatenate(edges)


def _flow_sequence(schedule, scales, max_step_ns):
    """Z(b_0) X(phi_1) Z(b_1) ... X(phi_m) Z(b_m): the fourth-order splitting of the whole anneal.

    Each step is Suzuki's composition of five Strang steps Z(h/2) X(h) Z(h/2); X carries the
    clock, so its exact flow rotates by phi = pi * integral of A over the substep (3-point
    Gauss-Legendre, exact to the order needed), and Z is applied at the frozen clock with
    weight B(s) dt (adjacent halves merged). Returns (b_weights, phis, number of steps).
    """
    edges = _step_grid(schedule, scales, max_step_ns)
    h = np.diff(edges)
    fractions = np.concatenate([[0.0], np.cumsum(_SUZUKI_WEIGHTS)])
    clocks = (edges[:-1, None] + h[:, None] * fractions[None, :-1]).ravel()
    clocks = np.append(clocks, edges[-1])
    dt = (h[:, None] * np.array(_SUZUKI_WEIGHTS)[None, :]).ravel()
    z_time = np.concatenate([[dt[0] / 2], (dt[:-1] + dt[1:]) / 2, [dt[-1] / 2]])
    b_weights = scales.B(schedule.s_at(clocks / 1000.0)) * z_time
    gauss_t = (clocks[:-1] + dt / 2)[:, None] + (dt / 2)[:, None] * _GAUSS_X[None, :]
    integral_a = dt / 2 * (scales.A(schedule.s_at(gauss_t / 1000.0)) @ _GAUSS_W)
    return b_weights, np.pi * integral_a, h.size


def _hamming_distances(m):
    """Hamming distances between the 2^m basis states of m spins."""
    spins = 1 - 2 * ((np.arange(2 ** m)[:, None] >> np.arange(m)) & 1)
    return (m - spins @ spins.T) // 2


def _rotation_matrix(distance, m, phi):
    """prod_k exp(i phi X_k) over m spins as a matrix: cos(phi)^(m - d) (i sin(phi))^d, d the Hamming distance."""
    powers = np.arange(m + 1)
    return np.cos(phi) ** (m - powers)[distance] * (1j * np.sin(phi)) ** powers[distance]


def _evolve(state, energies, b_weights, phis):
    """Apply the flow sequence to ``state`` in place: exp(-i pi B E dt) and exp(i phi sum X).

    The rotation of all n spins factorises over the first n//2 spins and the rest: with the
    state as a 2^(n//2) x 2^(n - n//2) matrix P it is R_1 P R_2 (both symmetric), two small
    matrix products instead of n passes over the state.
    """
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    n = int(np.log2(state.size))
    m1, m2 = n // 2, n - n // 2
    d1, d2 = _hamming_distances(m1), _hamming_distances(m2)
    phase_z = -1j * np.pi * energies            # exp(-i 2 pi (B/2) E dt) = exp(phase_z * B dt)
    matrix = state.reshape(2 ** m1, 2 ** m2)
    with threadpool_limits(1):                  # small products: one BLAS thread is fastest
        for b, phi in zip(b_weights[:-1], phis):     # exp(-i 2 pi (-A/2) sum X dt) after each Z-flow
            state *= np.exp(phase_z * b)
            matrix[:] = _rotation_matrix(d1, m1, phi) @ matrix @ _rotation_matrix(d2, m2, phi)
    state *= np.exp(phase_z * b_weights[-1])
    return state


def anneal_state(bqm, schedule, energy_scales=None, max_step_ns=DEFAULT_STEP_NS, initial_state=None):
    """Evolve under H(s(t)) from the ground state of the driver (or ``initial_state``); an AnnealResult.

    Args:
        bqm: a dimod BQM with at most 14 variables (BINARY is converted to SPIN).
        schedule: an AnnealSchedule or its points [(t_us, s)]. A forward anneal starts
            in |+>^n, the ground state of H(0); a reverse anneal starts in the basis
            state ``initial_state``.
        energy_scales: A(s), B(s) in GHz (default: EnergyScales()).
        max_step_ns: the longest fourth-order time step, in nanoseconds (steps also stop at
            every node of the A(s), B(s) tables). On 5 spins with |h|, |J| <= 1 and the default
            scales, 0.01 gives amplitude errors of a few 1e-6 over a 10 ns anneal and 0.005
            stays below 1e-6 (tests/test_quantum.py); errors grow with the anneal time and
            shrink 16-fold when the step is halved.
        initial_state: spins of the classical start of a reverse anneal (mapping or sequence).

    Examples:
        >>> import dimod
        >>> bqm = dimod.BQM({"a": -1.0}, {}, 0, "SPIN")
        >>> round(anneal_state(bqm, [(0, 0), (0.02, 1)]).ground_state_probability, 4)   # 20 ns: adiabatic
        1.0
    """
    bqm = _spin_bqm(bqm, MAX_EVOLUTION_SPINS, "the state-vector evolution")
    schedule = AnnealSchedule(schedule)
    scales = energy_scales if energy_scales is not None else EnergyScales()
    if not isinstance(scales, EnergyScales):
        raise TypeError(f"'energy_scales' should be an EnergyScales: value = {type(scales).__name__}")
    max_step_ns = check_float("max_step_ns", max_step_ns, low=0, low_open=True)
    energies, variables = ising_energies(bqm)
    n = len(variables)
    if schedule.kind == "reverse":
        if initial_state is None:
            raise ValueError("a reverse 'schedule' needs an 'initial_state' (the classical state it starts from)")
        state = np.zeros(2 ** n, dtype=complex)
        state[basis_index(initial_state, variables)] = 1.0
    else:
        if initial_state is not None:
            raise ValueError("'initial_state' is only for a reverse 'schedule' (a forward anneal starts in |+>^n)")
        state = np.full(2 ** n, 2.0 ** (-n / 2), dtype=complex)
    b_weights, phis, steps = _flow_sequence(schedule, scales, max_step_ns)
    _evolve(state, energies, b_weights, phis)
    ground = np.flatnonzero(_ground_mask(energies))
    return AnnealResult(state, float(np.sum(np.abs(state[ground]) ** 2)), ground, energies, variables, steps)


def stretch_schedule(schedule, anneal_time):
    """``schedule`` (or a preset's default shape, by name) with its times scaled to last ``anneal_time`` us.

    Examples:
        >>> stretch_schedule([(0, 0), (10, 0.5), (20, 0.5), (40, 1)], 0.004).points
        [(0.0, 0.0), (0.001, 0.5), (0.002, 0.5), (0.004, 1.0)]
    """
    shape = AnnealSchedule.preset(schedule) if isinstance(schedule, str) else AnnealSchedule(schedule)
    anneal_time = check_float("anneal_time", anneal_time, low=0, low_open=True)
    return AnnealSchedule([(t * anneal_time / shape.duration, s) for t, s in shape.points])


def ground_state_probability(bqm, anneal_times, schedule="standard", energy_scales=None,
                             max_step_ns=DEFAULT_STEP_NS, initial_state=None):
    """Ground-state probability after each anneal time (microseconds), shape (len(anneal_times),).

    ``schedule`` gives the shape: a preset name (its default shape) or an AnnealSchedule,
    stretched to each anneal time (see stretch_schedule); a reverse shape needs an
    ``initial_state``.
    """
    times = np.atleast_1d(np.asarray(anneal_times, dtype=float))
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times) & (times > 0)):
        raise ValueError(f"'anneal_times' should be positive finite times in microseconds: value = {anneal_times!r}")
    out = []
    for anneal_time in times:
        sched = stretch_schedule(schedule, anneal_time)
        out.append(anneal_state(bqm, sched, energy_scales, max_step_ns, initial_state).ground_state_probability)
    return np.array(out)


def hamiltonian(bqm, s, energy_scales=None):
    """H(s) in GHz as a scipy.sparse CSR matrix (real symmetric, n + 1 nonzeros per row)."""
    from scipy import sparse

    energies, variables = ising_energies(_spin_bqm(bqm, MAX_SPECTRUM_SPINS, "the spectrum"))
    scales = energy_scales if energy_scales is not None else EnergyScales()
    s = check_float("s", s, low=0, high=1)
    n, size = len(variables), energies.size
    rows = np.repeat(np.arange(size), n)
    cols = rows ^ np.tile(1 << np.arange(n), size)
    driver = sparse.csr_matrix((np.full(rows.size, -scales.A(s) / 2), (rows, cols)), shape=(size, size))
    return (driver + sparse.diags(scales.B(s) / 2 * energies)).tocsr()


def spectrum(bqm, s_values, k=4, energy_scales=None):
    """The lowest ``k`` eigenvalues of H(s) (GHz) at each s, shape (len(s_values), k), ascending.

    Dense ``numpy.linalg.eigh`` up to 8 spins, ``scipy.sparse.linalg.eigsh`` above.
    """
    bqm = _spin_bqm(bqm, MAX_SPECTRUM_SPINS, "the spectrum")
    size = 2 ** bqm.num_variables
    k = check_int("k", k, low=1, high=size if bqm.num_variables <= DENSE_SPECTRUM_SPINS else size - 2)
    s_values = np.atleast_1d(np.asarray(s_values, dtype=float))
    if s_values.ndim != 1 or not np.all((s_values >= 0) & (s_values <= 1)):
        raise ValueError(f"'s_values' should be numbers in [0, 1]: value = {s_values!r}")
    from scipy.sparse.linalg import eigsh
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    levels = np.empty((s_values.size, k))
    with threadpool_limits(1):      # these eigh calls run faster on one BLAS thread, far faster on a busy machine
        for i, s in enumerate(s_values):
            H = hamiltonian(bqm, float(s), energy_scales)
            if bqm.num_variables <= DENSE_SPECTRUM_SPINS:
                levels[i] = np.linalg.eigvalsh(H.toarray())[:k]
            else:
                levels[i] = np.sort(eigsh(H, k=k, which="SA", tol=1e-10, return_eigenvectors=False))
    return levels


@dataclass
class GapResult:
    """The minimum gap of an anneal and where it is."""

    gap: float              # GHz
    s: float                # where the gap is smallest
    degeneracy: int         # g, the ground-space size of H_Ising (levels 0..g-1 end in it)
    s_values: np.ndarray
    levels: np.ndarray      # lowest levels at each s, shape (len(s_values), g + k_above)
    gaps: np.ndarray        # E_g(s) - E_0(s)


def minimum_gap(bqm, s_values=None, energy_scales=None, k_above=2, refine=True):
    """min over s of E_g(s) - E_0(s), g the ground degeneracy of H_Ising: a GapResult.

    Levels 0..g-1 of H(s) all end in the ground space at s = 1 (a degenerate ground
    space, e.g. the two states of a Z2-symmetric model, splits only by the tiny residual
    A(1)), so exciting the ground level into them costs nothing; the gap that matters is
    to level g, the first that does not merge into the ground space. For g = 1 this is
    the usual E_1 - E_0. (Not E_g - E_(g-1): at s = 0 the first excited level is n-fold
    degenerate, so that difference vanishes between levels the anneal never occupies.)
    ``refine`` narrows the minimum with a finer grid around it.
    """
    bqm = _spin_bqm(bqm, MAX_SPECTRUM_SPINS, "the spectrum")
    energies, _ = ising_energies(bqm)
    g = int(np.count_nonzero(_ground_mask(energies)))
    if g >= energies.size:
        raise ValueError("'bqm' has no excited level: every state is a ground state")
    s_values = np.linspace(0, 1, 101) if s_values is None else np.asarray(s_values, dtype=float)
    k = g + check_int("k_above", k_above, low=1)
    k = min(k, energies.size if bqm.num_variables <= DENSE_SPECTRUM_SPINS else energies.size - 2)
    levels = spectrum(bqm, s_values, k, energy_scales)
    gaps = levels[:, g] - levels[:, 0]
    i = int(np.argmin(gaps))
    if refine and s_values.size > 2:
        lo, hi = s_values[max(i - 1, 0)], s_values[min(i + 1, s_values.size - 1)]
        fine = np.linspace(lo, hi, 21)
        fine_levels = spectrum(bqm, fine, k, energy_scales)
        s_values = np.concatenate([s_values, fine])
        levels = np.concatenate([levels, fine_levels])
        order = np.argsort(s_values, kind="stable")
        s_values, levels = s_values[order], levels[order]
        gaps = levels[:, g] - levels[:, 0]
        i = int(np.argmin(gaps))
    return GapResult(float(gaps[i]), float(s_values[i]), g, s_values, levels, gaps)
