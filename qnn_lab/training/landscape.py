"""The energy landscape of a probe set: glass (many deep minima) or order (the target is the minimum).

For fixed inputs the free network is annealed many times; each read is polished to its
local minimum by zero-temperature descent. A spin glass shows many distinct minima, few
reads in the lowest one, broad overlaps P(q) around 0 and wrong states below the clamped
target; a trained, ordered landscape funnels the reads into one minimum (P(q) peaked at
q ~ 1) that is the target, with every other state above it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..encoding import LayeredModel
from ..exceptions import check_int
from ..samplers import default_beta_range
from .phases import find_heads, free_phase, polish

__all__ = ["GAP_EDGES", "OVERLAP_EDGES", "LandscapeMetrics", "distinct_counts", "energy_gaps", "landscape_metrics",
           "lowest_share", "melting_temperature", "order_overlaps", "overlap_distribution", "overlaps"]

#: Bins of E - E_clamped per free spin (the gaps of different networks and samples compare).
GAP_EDGES = np.linspace(-0.5, 0.5, 41)
#: Bins of the overlap q on [-1, 1]; q = 1 (identical reads) falls in the last bin.
OVERLAP_EDGES = np.linspace(-1.0, 1.0, 21)


def _spins(states):
    states = np.asarray(states)
    if states.ndim != 3 or states.shape[0] < 1 or states.shape[2] < 1:
        raise ValueError(f"'states' should have shape (num_reads, n_samples, n_spins): shape = {states.shape}")
    return states


def overlaps(states):
    """q_ab = s_a . s_b / N for every pair a < b of reads of the same sample; shape (R(R-1)/2, P)."""
    states = _spins(states).astype(np.float64)
    R, _, N = states.shape
    gram = np.einsum("apn,bpn->abp", states, states) / N
    a, b = np.triu_indices(R, k=1)
    return gram[a, b]


def overlap_distribution(states, edges=OVERLAP_EDGES):
    """P(q) over all read pairs and samples: probabilities per bin of ``edges`` (sums to 1)."""
    q = overlaps(states)
    if q.size == 0:
        raise ValueError("'states' should hold at least 2 reads per sample to have overlaps: num_reads = 1")
    counts = np.histogram(np.clip(q, edges[0], edges[-1]), edges)[0]
    return counts / q.size


def _state_keys(states):
    """Each read as one exact, sortable key (its spins packed into bytes); shape (R, P)."""
    bits = np.packbits(states > 0, axis=-1)
    return np.ascontiguousarray(bits).view(np.dtype((np.void, bits.shape[-1])))[..., 0]


def distinct_counts(states):
    """Number of distinct states among the reads of each sample; shape (P,)."""
    keys = np.sort(_state_keys(_spins(states)), axis=0)
    return 1 + np.count_nonzero(keys[1:] != keys[:-1], axis=0)


def lowest_share(states, energies):
    """Share of each sample's reads that are its lowest-energy state; shape (P,).

    With degenerate lowest states the first one found counts, so a glass of many equal
    minima has a low share.
    """
    states = _spins(states)
    energies = np.asarray(energies, dtype=float)
    keys = _state_keys(states)
    lowest = keys[np.argmin(energies, axis=0), np.arange(keys.shape[1])]
    return np.mean(keys == lowest[None, :], axis=0)


@dataclass
class LandscapeMetrics:
    """Landscape of a probe set after descent polish (plain floats and lists: JSON-ready).

    Attributes:
        gap_edges, gap_counts: histogram of (E_read - E_clamped) / N over every read.
        gap_counts_wrong: the part of ``gap_counts`` whose reads decode to a wrong class.
        overlap_edges, overlap_distribution: P(q) over read pairs of the same input.
        mean_overlap: mean q over those pairs.
        distinct_minima: distinct polished states per sample (mean).
        lowest_share: share of a sample's reads in its lowest state (mean).
        head_gap: (E_best_head - E_clamped) / N averaged over samples with a non-target read
            (None if every read is the target); negative means a wrong state lies below the target.
        head_below_target: share of samples whose best non-target read lies below the target.
        heads_per_sample: distinct heads per sample among the polished reads (find_heads with the
            trainer's margin, capped at the number of reads, not at the trainer's heads_per_sample; mean).
        num_reads, n_samples, n_spins: what was measured.
    """

    gap_edges: list
    gap_counts: list
    gap_counts_wrong: list
    overlap_edges: list
    overlap_distribution: list
    mean_overlap: float
    distinct_minima: float
    lowest_share: float
    head_gap: float | None
    head_below_target: float
    heads_per_sample: float
    num_reads: int
    n_samples: int
    n_spins: int

    def to_dict(self):
        return asdict(self)


def landscape_metrics(network, X, y, sampler, num_reads=16, *, margin=-1.0, head_rule="class", seed=None,
                      sampler_params=None, gap_edges=GAP_EDGES, overlap_edges=OVERLAP_EDGES):
    """Anneal the free network on the probe set (X, y), polish the reads, measure the landscape.

    Args:
        network: the ``Network``; X (P, n_inputs), y (P,): the probe inputs and their labels.
        sampler: a dimod sampler (the layered annealer takes its array fast path).
        num_reads: reads per probe sample (>= 2, overlaps need pairs).
        margin, head_rule: the trainer's head margin and rule (for ``heads_per_sample``).
        seed: sampler seed; sampler_params: extra parameters of the sampler call.

    Returns:
        ``LandscapeMetrics``.

    Examples:
        >>> import qnn_lab as ql
        >>> net = ql.Network([2, 6, 2], random_state=0)
        >>> m = landscape_metrics(net, [[1.0, -1.0]], [0], ql.get_sampler("layered"), num_reads=4, seed=0)
        >>> 1 <= m.distinct_minima <= 4 and abs(sum(m.overlap_distribution) - 1) < 1e-9
        True
    """
    X = network.check_X(X)
    y = network.check_y(y, len(X))
    num_reads = check_int("num_reads", num_reads, low=2)
    states = polish(network, X, free_phase(network, X, sampler, num_reads, seed, sampler_params, y))
    n_spins = network.n_spins
    energies = network.energy(X, states)                                  # (R, P)
    clamped = network.energy(X, network.clamped_state(X, y))
    gaps = (energies - clamped[None, :]) / n_spins
    flat = np.concatenate(states, axis=-1)
    t = network.target_codes(y)
    is_target = np.all(states[-1] == t[None], axis=-1)
    head_gaps = np.where(is_target, np.inf, gaps).min(axis=0)
    has_head = np.isfinite(head_gaps)
    weights = find_heads(flat, energies, is_target, network.decode_outputs(states[-1]), y, clamped, margin,
                         num_reads, head_rule)
    q = overlaps(flat)
    clipped = np.clip(gaps, gap_edges[0], gap_edges[-1])
    wrong = network.decode_outputs(states[-1]) != y[None, :]
    return LandscapeMetrics(
        gap_edges=[round(float(e), 9) for e in gap_edges],
        gap_counts=np.histogram(clipped, gap_edges)[0].tolist(),
        gap_counts_wrong=np.histogram(clipped[wrong], gap_edges)[0].tolist(),
        overlap_edges=[round(float(e), 9) for e in overlap_edges],
        overlap_distribution=overlap_distribution(flat, overlap_edges).tolist(),
        mean_overlap=float(q.mean()),
        distinct_minima=float(distinct_counts(flat).mean()),
        lowest_share=float(lowest_share(flat, energies).mean()),
        head_gap=float(head_gaps[has_head].mean()) if has_head.any() else None,
        head_below_target=float(np.mean(has_head & (head_gaps < 0))),
        heads_per_sample=float((weights > 0).sum(0).mean()),
        num_reads=num_reads, n_samples=len(X), n_spins=n_spins)


def energy_gaps(network, X, y, sampler, num_reads=8, seed=None):
    """E_free - E_clamped of every read of every probe sample, shape (num_reads, P).

    Negative values are states deeper than the trained target (heads, in a glass);
    when training has ordered the landscape they pile up at zero and above.
    """
    free = network.energy(X, free_phase(network, X, sampler, num_reads, seed, y=y))
    clamped = network.energy(X, network.clamped_state(X, y))
    return np.asarray(free - clamped[None, :])


#: Temperatures of the melting scan, and sweeps of each anneal down to one of them.
MELT_TEMPERATURES = 12
MELT_DECADES = 3
MELT_SWEEPS = 100


def order_overlaps(network, X, y, betas, num_reads=8, *, num_sweeps=MELT_SWEEPS, seed=None):
    """Mean overlap q(beta) = <s . s_clamped> / N of the free network's spins with the clamped state.

    For each beta every read starts in the clamped state (the trained order) and runs
    ``num_sweeps`` Metropolis sweeps of the free network at that beta (even layers, then odd
    ones, every beta at once); q averages every spin of every read and sample. Returns an
    array like ``betas``.
    """
    X = network.check_X(X)
    clamped = network.clamped_state(X, network.check_y(y, len(X)))
    model = LayeredModel.from_network(network, X)
    rng = np.random.default_rng(seed)
    beta = np.asarray(betas, dtype=float)[:, None, None]
    states = [np.tile(s, (len(beta), num_reads, 1)) for s in clamped]           # (T, R * P, n_l)
    fields = [np.tile(f, (num_reads, 1)) for f in model.fields]
    W, L = model.couplings, len(states)
    for _ in range(num_sweeps):
        for l in [l for l in range(L) if l % 2 == 0] + [l for l in range(L) if l % 2 == 1]:
            f = fields[l] + (states[l - 1] @ W[l - 1].T if l > 0 else 0) + (states[l + 1] @ W[l] if l + 1 < L else 0)
            flip = 2 * beta * states[l] * f < rng.exponential(size=states[l].shape)
            states[l] = np.where(flip, -states[l], states[l])
    reference = np.concatenate([np.tile(s, (num_reads, 1)) for s in clamped], axis=-1)
    return np.mean(np.concatenate(states, axis=-1) * reference[None], axis=(1, 2))


def melting_temperature(network, X, y, num_reads=8, *, temperatures=MELT_TEMPERATURES, seed=None):
    """The temperature where the probe's mean overlap with the clamped state falls below 1/2.

    A short scan of ``temperatures`` temperatures spaced geometrically over MELT_DECADES
    decades below T_hot, the hot end of the model's default beta range (dwave-samplers':
    50 % flips of the spin with the strongest fields), in the units of the couplings; the
    crossing is interpolated linearly in log T. None when the overlap stays below 1/2 at
    the coldest temperature of the scan (no order to melt); T_hot when it is still above
    1/2 there.

    Returns:
        (T_melt, temperatures, overlaps): T_melt a float or None, the scan as lists.
    """
    X = network.check_X(X)
    hot = default_beta_range(LayeredModel.from_network(network, X))[0]
    betas = hot * np.logspace(MELT_DECADES, 0, check_int("temperatures", temperatures, low=2))    # cold to hot
    q = order_overlaps(network, X, y, betas, num_reads, seed=seed)
    T = 1 / betas
    below = np.flatnonzero(q < 0.5)
    if len(below) == 0:
        t_melt = float(T[-1])
    elif below[0] == 0:
        t_melt = None
    else:
        i = below[0]                                          # q[i-1] >= 1/2 > q[i]
        f = (q[i - 1] - 0.5) / (q[i - 1] - q[i])
        t_melt = float(np.exp(np.log(T[i - 1]) + f * (np.log(T[i]) - np.log(T[i - 1]))))
    return t_melt, T.tolist(), q.tolist()
