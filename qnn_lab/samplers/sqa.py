"""Simulated quantum annealing: path-integral Monte Carlo that follows A(s) and B(s) of a schedule.

D-Wave's H(s) = -A(s)/2 sum_i X_i + B(s)/2 H_Ising at temperature T, split into M
imaginary-time (Trotter) slices, is a classical model of M coupled copies x_k of the spins:

    beta H  ->  sum_k [ bp(s) E(x_k) - K(s) sum_i x_ik x_i,k+1 ]   (slices periodic, k + M = k)
    bp = beta_eff B(s) / (2 M),   K = -1/2 ln tanh(beta_eff A(s) / (2 M)),
    beta_eff = h / (k_B T) = 47.99 / T[mK] in 1/GHz (A and B are in GHz: E / kT = beta_eff f).

E is the model's energy (after the QPU's auto-scaling into h in [-4, 4], J in [-1, 1]).
The schedule maps to these fields so: ``num_sweeps`` sweeps are spread evenly over the
schedule's duration (Monte Carlo time stands in for anneal time, so the schedule's shape
counts and ``num_sweeps`` sets the length); sweep k runs at s_k = s(t_k) with bp(s_k), K(s_k).

A sweep visits the spins colour by colour (a greedy colouring of the coupling graph: spins of
one colour do not interact) and updates, by heat-bath, all reads and first the even then the
odd slices at once; then it proposes flipping each spin's whole worldline (all slices, which
leaves the Trotter term unchanged). Without these global moves a small transverse field would
freeze the slices together long before s = 1. Each read returns slice 0.

Why our own kernel: dwave-samplers' PathIntegralAnnealingSampler is continuous-time PIMC (2**16
fixed slices; ``qubits_per_chain`` means embedded chains, not Trotter slices), so it has no
Trotter-slice parameter; OpenJij's SQASampler has one but is an optional dependency here and is
slower per slice (benchmarks/sqa.py). This kernel is arrays only: sparse couplings times a
(spins, slices x reads) block per colour.
"""
from __future__ import annotations

import itertools
import time

import dimod
import numpy as np
from threadpoolctl import threadpool_limits

from ..parameters import Parameter, resolve_parameters
from .schedules import AnnealSchedule, EnergyScales, check_initial_state, check_schedule, start_state, sweep_s

__all__ = ["SQA_PARAMETERS", "SimulatedQuantumAnnealer", "beta_from_temperature", "path_integral_fields"]

#: h / k_B in kelvin nanoseconds: beta_eff [1/GHz] = H_OVER_KB_K_NS / T [K].
H_OVER_KB_K_NS = 0.0479924307

#: Advantage-class ranges the QPU scales h and J into (auto_scale).
H_RANGE, J_RANGE = 4.0, 1.0


def auto_scale(h, J, h_range=H_RANGE, j_range=J_RANGE):
    """The factor a QPU divides a model by to fit its fields ``h`` and couplings ``J`` (arrays)
    into [-h_range, h_range] and [-j_range, j_range]; 1 for an empty or all-zero model."""
    largest = max(np.abs(h).max(initial=0) / h_range, np.abs(J).max(initial=0) / j_range)
    return float(largest) if largest > 0 else 1.0


def beta_from_temperature(temperature_mk):
    """beta_eff = h / (k_B T) in 1/GHz for T in millikelvin (12 mK -> 4.0 per GHz).

    Examples:
        >>> round(beta_from_temperature(12.0), 3)
        3.999
    """
    return H_OVER_KB_K_NS / (temperature_mk * 1e-3)


def path_integral_fields(schedule, num_sweeps, temperature, trotter_slices, energy_scales=None):
    """Per sweep: s, the problem weight bp = beta_eff B(s) / (2M) and the Trotter coupling K(s).

    ``K = -1/2 ln tanh(beta_eff A(s) / (2M))``; where A(s) = 0 the slices lock (K is capped at
    the value for A = 1e-300 GHz, large enough that a single-slice flip never happens).
    """
    schedule = AnnealSchedule(schedule)
    scales = energy_scales or EnergyScales()
    s = sweep_s(schedule, num_sweeps)
    beta = beta_from_temperature(temperature)
    problem = beta * scales.B(s) / (2 * trotter_slices)
    transverse = np.maximum(beta * scales.A(s) / (2 * trotter_slices), 1e-300)
    return s, problem, -0.5 * np.log(np.tanh(transverse))


def _check_scales(name, value):
    if value is not None and not isinstance(value, EnergyScales):
        raise TypeError(f"{name!r} should be None or a qnn_lab.samplers.schedules.EnergyScales: value = {value!r}")
    return value


SQA_PARAMETERS = (
    Parameter("num_reads", "int", 10, 1, 100_000, doc="Reads: independent anneals."),
    Parameter("num_sweeps", "int", 300, 1, 1_000_000,
              doc="Monte Carlo sweeps spread evenly over the schedule (they stand in for anneal time)."),
    Parameter("anneal_schedule", "schedule", None, reverse_ok=True, check=check_schedule,
              doc="QPU-style points (t_us, s) followed through A(s), B(s); None: standard 20 us."),
    Parameter("temperature", "float", 12.0, 0.1, 100_000.0,
              doc="Temperature in mK (D-Wave QPUs: ~12-16 mK); beta_eff = h/kT = 48/T[mK] per GHz."),
    Parameter("trotter_slices", "int", 8, 2, 1024, doc="Imaginary-time slices M (an even number)."),
    Parameter("auto_scale", "bool", True, doc="Scale h, J into the QPU's ranges [-4, 4], [-1, 1], as a QPU does."),
    Parameter("energy_scales", "object", None, check=_check_scales,
              doc="A(s), B(s) in GHz (schedules.EnergyScales); None: the default Advantage-like model."),
    Parameter("initial_state", "object", None, check=check_initial_state,
              doc="Start state {variable: spin} of a reverse anneal (needed by one, refused otherwise)."),
    Parameter("seed", "seed", None, doc="Seed of the random numbers; None: fresh entropy."),
)


def _colour_classes(adjacency):
    """Greedy colouring in breadth-first order (two colours for a bipartite graph); returns colours."""
    from scipy.sparse import csgraph

    n = adjacency.shape[0]
    _, component = csgraph.connected_components(adjacency, directed=False)
    firsts = np.unique(component, return_index=True)[1]
    order = np.concatenate([csgraph.breadth_first_order(adjacency, i, directed=False, return_predecessors=False)
                            for i in firsts]) if n else np.zeros(0, np.int64)
    colour = np.full(n, -1)
    indptr, indices = adjacency.indptr, adjacency.indices
    for i in order:
        used = colour[indices[indptr[i]:indptr[i + 1]]]
        free = np.ones(len(used) + 1, bool)
        free[used[(used >= 0) & (used < len(free))]] = False
        colour[i] = int(np.argmax(free))
    return colour


def _block(rows):
    """A colour's coupling rows: dense where BLAS beats a sparse product (small or dense blocks)."""
    return rows.toarray() if rows.shape[0] * rows.shape[1] <= max(1 << 16, 16 * rows.nnz) else rows


class _PathIntegralModel:
    """The spin model in colour order: couplings J (sparse, symmetric), fields h, colour ranges."""

    def __init__(self, bqm, auto_scale_model):
        from scipy import sparse

        spin = bqm.spin
        h, (row, col, q), _ = spin.to_numpy_vectors(variable_order=list(bqm.variables))
        n = len(h)
        adjacency = sparse.csr_matrix((np.ones(len(q)), (row, col)), shape=(n, n))
        colour = _colour_classes(adjacency + adjacency.T)
        self.order = np.argsort(colour, kind="stable")          # model index of each position
        position = np.empty(n, np.int64)
        position[self.order] = np.arange(n)
        self.scale = auto_scale(h, q) if auto_scale_model else 1.0
        J = sparse.csr_matrix((np.concatenate([q, q]) / self.scale,
                               (np.concatenate([position[row], position[col]]),
                                np.concatenate([position[col], position[row]]))), shape=(n, n), dtype=np.float32)
        self.h = (h[self.order] / self.scale).astype(np.float32)[:, None]
        bounds = np.concatenate([[0], np.cumsum(np.bincount(colour))]) if n else np.zeros(1, np.int64)
        self.colours = [(int(lo), int(hi), _block(J[lo:hi])) for lo, hi in itertools.pairwise(bounds)]
        self.n = n


#: Random numbers drawn in one call cover this many floats at most (bounds the buffer's memory).
NOISE_FLOATS = 1 << 22
PASS_FLOATS = 1 << 26    # floats of one pass's slices (256 MB; a sweep's noise is as many): more reads, more passes


def _anneal(model, problem, coupling, trotter_slices, num_reads, rng, initial=None):
    """Path-integral annealing of ``model``; returns slice 0 of every read, (num_reads, n) in colour order.

    States are two (n, M/2 * R) blocks, even and odd slices; slice 2k couples to odd slices
    k - 1 and k, slice 2k + 1 to even slices k and k + 1. Heat-bath as a comparison with
    logistic noise drawn for many sweeps at once: x = +1 where noise / 2 < K t - bp f
    (probability sigmoid(2 (K t - bp f))).
    """
    n, half, R = model.n, trotter_slices // 2, num_reads
    if n == 0:
        return np.zeros((R, 0), np.int8)
    width = half * R
    if initial is None:
        x = [rng.integers(0, 2, (n, width)).astype(np.float32) * 2 - 1 for _ in range(2)]
    else:
        x = [np.repeat(initial.astype(np.float32)[:, None], width, axis=1) for _ in range(2)]
    neighbour_slices = [np.roll(np.arange(half), 1), np.roll(np.arange(half), -1)]
    one, minus_one = np.float32(1), np.float32(-1)
    per_sweep = n * (2 * width + R)
    chunk = max(1, min(len(problem), NOISE_FLOATS // max(1, per_sweep)))
    for start in range(0, len(problem), chunk):
        noise = rng.random((min(chunk, len(problem) - start), per_sweep), dtype=np.float32)
        np.maximum(noise, np.float32(1e-12), out=noise)
        noise = np.log(noise / (1 - noise), out=noise) * 0.5
        local = noise[:, :2 * n * width].reshape(-1, 2, n, width)
        worldline = noise[:, 2 * n * width:].reshape(-1, n, R)
        for k, (bp, K) in enumerate(zip(problem[start:start + chunk].astype(np.float32),
                                        coupling[start:start + chunk].astype(np.float32))):
            for lo, hi, J in model.colours:
                fields = []
                for g in (0, 1):
                    f = J @ x[g]
                    f += model.h[lo:hi]
                    other = x[1 - g][lo:hi].reshape(hi - lo, half, R)
                    neighbours = (other + other[:, neighbour_slices[g]]).reshape(hi - lo, width)
                    x[g][lo:hi] = np.where(local[k, g, lo:hi] < K * neighbours - bp * f, one, minus_one)
                    fields.append(f)
                # Worldline flip: dE = -2 bp sum_k x_ik f_ik, flipped with probability sigmoid(-dE).
                total = (x[0][lo:hi] * fields[0] + x[1][lo:hi] * fields[1]).reshape(hi - lo, half, R).sum(1)
                sign = np.where(worldline[k, lo:hi] < bp * total, minus_one, one)[:, None, :]
                for g in (0, 1):
                    x[g][lo:hi].reshape(hi - lo, half, R).__imul__(sign)
    return x[0][:, :R].T.astype(np.int8)


class SimulatedQuantumAnnealer(dimod.Sampler):
    """Path-integral (simulated quantum) annealing along an anneal schedule through A(s) and B(s).

    See the module docstring for the mapping schedule -> (problem weight, Trotter coupling)
    per sweep. A reverse schedule starts every slice of every read in ``initial_state``.

    Examples:
        >>> ss = SimulatedQuantumAnnealer().sample_ising({"a": 1.0}, {("a", "b"): -1.0}, num_reads=4,
        ...                                               num_sweeps=50, seed=1)
        >>> float(ss.first.energy)
        -2.0
    """

    parameters = {p.name: [] for p in SQA_PARAMETERS}
    properties = {"trotter_slices_range": (2, 1024), "temperature_range_mk": (0.1, 100_000.0),
                  "h_range": (-H_RANGE, H_RANGE), "j_range": (-J_RANGE, J_RANGE)}

    def sample(self, bqm, **params):
        """Anneal ``bqm``; returns a SampleSet with timing (``_ns``), beta_eff and the scale in ``info``."""
        t0 = time.perf_counter_ns()
        params = {**{p.name: p.default for p in SQA_PARAMETERS},
                  **resolve_parameters("sqa", SQA_PARAMETERS, params, stacklevel=3)}
        M = params["trotter_slices"]
        if M % 2:
            raise ValueError(f"'trotter_slices' should be an even integer in [2, 1024]: value = {M}")
        schedule = params["anneal_schedule"] or AnnealSchedule.preset("standard")
        initial = self._initial_state(bqm, schedule, params["initial_state"])
        model = _PathIntegralModel(bqm, params["auto_scale"])
        _, problem, coupling = path_integral_fields(schedule, params["num_sweeps"], params["temperature"], M,
                                                    params["energy_scales"])
        rng = np.random.default_rng(params["seed"])
        t1 = time.perf_counter_ns()
        start = None if initial is None else initial[model.order]
        step = max(1, PASS_FLOATS // max(1, model.n * M))            # reads per pass: the memory stays bounded
        reads = params["num_reads"]
        with threadpool_limits(1, user_api="blas"):      # small products: threads only contend
            spins = np.concatenate([_anneal(model, problem, coupling, M, min(step, reads - r), rng, start)
                                    for r in range(0, reads, step)])
        t2 = time.perf_counter_ns()
        samples = np.empty_like(spins)
        samples[:, model.order] = spins
        if bqm.vartype is dimod.BINARY:
            samples = (samples + 1) // 2
        ss = dimod.SampleSet.from_samples_bqm((samples, list(bqm.variables)), bqm)
        ss.info.update(timing={"preprocessing_ns": t1 - t0, "sampling_ns": t2 - t1,
                               "total_ns": time.perf_counter_ns() - t0},
                       beta_eff=beta_from_temperature(params["temperature"]), scale=model.scale,
                       trotter_slices=M, num_sweeps=params["num_sweeps"])
        return ss

    @staticmethod
    def _initial_state(bqm, schedule, state):
        """The reverse anneal's start as spins in bqm.variables order (None for a forward anneal)."""
        values = start_state(bqm, schedule, state)
        return values if values is None or bqm.vartype is dimod.SPIN else 2 * values - 1
