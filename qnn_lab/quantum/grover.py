"""Grover search and Duerr-Hoyer minimum finding over the 2^n energies of an Ising model.

Duerr and Hoyer (1996) find a minimum with O(sqrt(N)) oracle queries: keep a threshold
y, search for an item below it with Boyer-Brassard-Hoyer-Tapp (BBHT, 1998) exponential
search for an unknown number of marked items, move y there, repeat. A classical search
needs O(N). This is where "a coherent platform doubles the scaling exponent" comes from.

The simulation is exact without a state vector: after j Grover iterations with M marked
items of N, a measurement finds a marked item with probability sin^2((2j+1) theta),
sin^2 theta = M/N, uniformly among the marked ones (Grover keeps all marked amplitudes
equal); :func:`grover_state` is the state-vector version that checks this.
"""
from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np

from ..exceptions import check_float, check_int, check_random_state
from .annealing import MAX_ENUMERATION_SPINS, ising_energies

__all__ = [
    "BBHT_GROWTH",
    "ScalingResult",
    "SearchResult",
    "classical_minimum_search",
    "durr_hoyer_minimum",
    "fit_query_exponent",
    "grover_state",
    "grover_success_probability",
    "query_scaling",
    "random_ising_energies",
]

BBHT_GROWTH = 6 / 5     # BBHT's lambda: any value in (1, 4/3) keeps the expected cost O(sqrt(N / M))


def grover_success_probability(num_marked, num_items, iterations):
    """sin^2((2j + 1) theta), sin^2 theta = M / N: the chance that j Grover iterations find a marked item.

    Examples:
        >>> round(float(grover_success_probability(1, 4, 1)), 12)   # one iteration finds 1 of 4 surely
        1.0
    """
    theta = np.arcsin(np.sqrt(np.asarray(num_marked, dtype=float) / num_items))
    return np.sin((2 * np.asarray(iterations) + 1) * theta) ** 2


def grover_state(marked, iterations):
    """The state vector after ``iterations`` Grover iterations from the uniform state (``marked``: bool mask)."""
    marked = np.asarray(marked, dtype=bool)
    if marked.ndim != 1 or marked.size < 1:
        raise ValueError(f"'marked' should be a 1-D boolean mask over the items: shape = {marked.shape}")
    iterations = check_int("iterations", iterations, low=0)
    state = np.full(marked.size, marked.size ** -0.5)
    for _ in range(iterations):
        state[marked] *= -1                       # the oracle: a phase flip on marked items
        state = 2 * state.mean() - state          # the diffusion: reflection about the uniform state
    return state


@dataclass
class SearchResult:
    """One run of a minimum search: the oracle queries spent until the minimum was in hand."""

    queries: int
    index: int             # rank of the item found in the sorted energies (0 is a minimum)
    value: float
    rounds: int            # Duerr-Hoyer threshold updates (0 for the classical search)


def _check_energies(energies):
    energies = np.asarray(energies, dtype=float)
    if energies.ndim != 1 or energies.size < 2 or not np.all(np.isfinite(energies)):
        raise ValueError(f"'energies' should be a 1-D array of at least 2 finite numbers: shape = {energies.shape}")
    return np.sort(energies)


def durr_hoyer_minimum(energies, random_state=None, growth=BBHT_GROWTH):
    """Duerr-Hoyer minimum finding over ``energies``; queries counted until the threshold is a minimum.

    Queries: one to read the random starting item, then for each BBHT attempt j Grover
    iterations (one oracle call each) plus one to check the measured item. The count
    stops when the threshold reaches a minimum (the algorithm itself would go on until
    its budget of about 22.5 sqrt(N) runs out, not knowing it is done).
    """
    values = _check_energies(energies)
    rng = check_random_state(random_state)
    growth = check_float("growth", growth, low=1, high=4 / 3, low_open=True, high_open=True)
    size = values.size
    lowest = values[0]
    rank = int(rng.integers(size))
    queries, rounds = 1, 0
    while values[rank] > lowest:
        marked = int(np.searchsorted(values, values[rank], side="left"))   # items strictly below the threshold
        m = 1.0
        while True:                                                         # BBHT search for one of them
            j = int(rng.integers(int(np.ceil(m))))
            queries += j + 1
            if rng.random() < grover_success_probability(marked, size, j):
                rank = int(rng.integers(marked))
                break
            m = min(growth * m, np.sqrt(size))
        rounds += 1
    return SearchResult(queries, rank, float(values[rank]), rounds)


def classical_minimum_search(energies, random_state=None):
    """Exhaustive search in a random order: queries until the first minimum is read."""
    values = _check_energies(energies)
    rng = check_random_state(random_state)
    ground = int(np.count_nonzero(values == values[0]))
    first = int(rng.choice(values.size, ground, replace=False).min())   # where the first minimum sits in the order
    return SearchResult(first + 1, 0, float(values[0]), 0)


def random_ising_energies(num_spins, random_state=None):
    """H_Ising on all 2^n states of an all-to-all model with Gaussian h_i and J_ij (unique minimum almost surely)."""
    num_spins = check_int("num_spins", num_spins, low=1, high=MAX_ENUMERATION_SPINS)
    rng = check_random_state(random_state)
    rows, cols = np.triu_indices(num_spins, 1)
    bqm = dimod.BQM.from_numpy_vectors(rng.normal(size=num_spins), (rows, cols, rng.normal(size=rows.size)),
                                       0.0, dimod.SPIN)
    return ising_energies(bqm)[0]


def fit_query_exponent(num_spins, queries, confidence=0.95, num_bootstrap=1000, random_state=None):
    """Slope of log2(median queries) against n = log2 N, with a bootstrap CI over the trials.

    ``queries`` has shape (len(num_spins), trials). Returns (slope, (low, high)).
    """
    n = np.asarray(num_spins, dtype=float)
    q = np.asarray(queries, dtype=float)
    if q.ndim != 2 or q.shape[0] != n.size or n.size < 2 or q.shape[1] < 1:
        raise ValueError(f"'queries' should have shape (len(num_spins) >= 2, trials >= 1): shape = {q.shape}")
    confidence = check_float("confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    rng = check_random_state(random_state)
    slope = np.polyfit(n, np.log2(np.median(q, axis=1)), 1)[0]
    picks = rng.integers(q.shape[1], size=(check_int("num_bootstrap", num_bootstrap, low=1), q.shape[1]))
    medians = np.median(q[:, picks], axis=2)                                # (len(n), num_bootstrap)
    slopes = np.polyfit(n, np.log2(medians), 1)[0]
    tail = (1 - confidence) / 2
    return float(slope), (float(np.quantile(slopes, tail)), float(np.quantile(slopes, 1 - tail)))


@dataclass
class ScalingResult:
    """Median oracle queries to find the minimum, quantum (Duerr-Hoyer) against classical."""

    num_spins: np.ndarray
    quantum_queries: np.ndarray      # shape (len(num_spins), trials)
    classical_queries: np.ndarray
    quantum_exponent: float          # slope of log2(median queries) in n = log2 N
    quantum_ci: tuple
    classical_exponent: float
    classical_ci: tuple

    @property
    def exponent_ratio(self):
        """classical / quantum exponent: 2 is the doubling."""
        return self.classical_exponent / self.quantum_exponent


def query_scaling(num_spins=range(4, 17), trials=100, random_state=None, confidence=0.95):
    """Median queries to find the minimum of random Ising models, for each n; fitted exponents with CIs.

    Each trial draws a fresh random model (random_ising_energies) and runs both searches on it.
    """
    num_spins = np.array([check_int("num_spins", v, low=2, high=MAX_ENUMERATION_SPINS) for v in num_spins])
    if num_spins.size < 2:
        raise ValueError(f"'num_spins' should hold at least 2 sizes to fit a slope: value = {num_spins.tolist()}")
    trials = check_int("trials", trials, low=1)
    rng = check_random_state(random_state)
    quantum = np.empty((num_spins.size, trials), dtype=np.int64)
    classical = np.empty_like(quantum)
    for i, n in enumerate(num_spins):
        for t in range(trials):
            energies = random_ising_energies(int(n), rng)
            quantum[i, t] = durr_hoyer_minimum(energies, rng).queries
            classical[i, t] = classical_minimum_search(energies, rng).queries
    q_fit = fit_query_exponent(num_spins, quantum, confidence, random_state=rng)
    c_fit = fit_query_exponent(num_spins, classical, confidence, random_state=rng)
    return ScalingResult(num_spins, quantum, classical, q_fit[0], q_fit[1], c_fit[0], c_fit[1])
