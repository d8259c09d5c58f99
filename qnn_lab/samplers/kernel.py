"""The fused CPU kernel of the layered annealer (numba): field, acceptance and flip in one pass.

Every row (one read of one sample) is an independent chain. The kernel takes TILE chains at
a time and keeps their spins S and local fields F as (spins x chains) arrays, so the loops
over chains vectorise. Spins of one layer do not interact, so a layer update first decides
every flip, then brings the neighbours' fields up to date. Per spin row (one spin, TILE
chains) it counts the chains with 2 beta s f <= skip (the only ones that can change, see below):

- none: the row stays as it is, with no random draw;
- few (under TILE / DENSE): a scan draws one number for each of those;
- many: every chain draws, in one vectorised pass (``_draw_row``).

The flips then reach the neighbouring layers' fields in the cheaper of two ways: per flip,
adding 2 s_j W[:, j] to that chain's neighbours (few flips), or recomputing those fields as
F = h + W S by BLAS (dgemm) when next needed (FLIP_COST: one per-flip addition costs about as
much as that many multiply-adds of the product). A sweep in which no spin was live ends the
anneal if no later beta is lower (nothing could change any more).

Fields are recomputed from scratch every ``REFRESH`` sweeps so added rounding cannot pile up.
Each chain has its own xoshiro256+ stream, and tiles are fixed, so the result depends on the
seed only, not on the thread count. exp is evaluated in arithmetic (``_exp_neg``, within
2 ulp of libm) so that the hot pass vectorises.

Random numbers are drawn only where they can matter. With x = 2 beta s f (Metropolis,
P(flip) = min(1, exp(-x))) or y = 2 beta f (heat-bath, P(up) = 1 / (1 + exp(-y))):

- x > SKIP_BOUND = 53 ln 2 (about 36.7): exp(-x) < 2**-53, the spacing of the uniform numbers
  u = k 2**-53, so u < exp(-x) only for u = 0: the spin stays without a draw, and the
  probability differs from exp(-beta E)/Z's by less than 2**-53 per update. The same holds
  for heat-bath (x > SKIP_BOUND means |y| > SKIP_BOUND with the spin already along f).
- In the scan, heat-bath spins with |y| > SKIP_BOUND against their field flip without a draw.
"""
from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.linalg.cython_blas  # noqa: F401  (numba's np.dot calls its BLAS: loaded so one_blas_thread sees it)
from numba import njit, uint64

from ..network.network import one_blas_thread

__all__ = ["SKIP_BOUND", "anneal_rows", "default_threads", "exp_neg", "set_kernel_threads", "warm_up"]

#: |2 beta f| above which an acceptance is 0 or 1 to double precision (no random draw).
SKIP_BOUND = 53 * math.log(2)
#: Chains annealed together (the vectorised dimension).
TILE = 64
#: Sweeps between recomputations of the local fields from the spins.
REFRESH = 64
#: A row of TILE chains draws for every chain when at least TILE / DENSE of them are live.
DENSE = 4
#: One per-flip field update costs about as much as this many multiply-adds of a BLAS recomputation.
FLIP_COST = 12
#: exp(-x) is evaluated on [0, EXP_CAP]: exp(-EXP_CAP) < 2**-80, far below any uniform but 0.
EXP_CAP = 60.0

_LN2_HI = 6.93147180369123816490e-01          # ln 2 split so that k * _LN2_HI is exact (Cody-Waite)
_LN2_LO = 1.90821492927058770002e-10
_POW2 = 2.0 ** -np.arange(int(EXP_CAP / math.log(2)) + 2)


def default_threads():
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_threads = default_threads()
_pool = None
_pool_lock = threading.Lock()


def set_kernel_threads(n):
    """Threads the kernel splits its tiles over (default: ``default_threads()``); returns the previous count."""
    global _threads
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"'threads' should be an int >= 1: value = {n!r}")
    previous, _threads = _threads, n
    return previous


@njit(inline="always")
def _exp_neg(x):
    """exp(-x) for 0 <= x <= EXP_CAP: 2**-k e**r with |r| <= ln 2 / 2, e**r by its Taylor series to r**14."""
    k = int(x * (1.0 / 0.6931471805599453) + 0.5)
    r = (k * _LN2_HI - x) + k * _LN2_LO
    p = 1.0 / 87178291200.0
    for c in (1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
              1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0):
        p = p * r + c
    return p * _POW2[k]


@njit
def exp_neg(x):
    """``_exp_neg`` on an array (for tests)."""
    out = np.empty_like(x)
    for i in range(len(x)):
        out[i] = _exp_neg(x[i])
    return out


@njit(inline="always")
def _uniform(s0, s1, s2, s3, t):
    """xoshiro256+ of chain t (its state in s0..s3[t]): a double in [0, 1) on the grid k 2**-53."""
    a0, a1, a2, a3 = s0[t], s1[t], s2[t], s3[t]
    out = a0 + a3
    q = a1 << uint64(17)
    a2 ^= a0
    a3 ^= a1
    a1 ^= a2
    a0 ^= a3
    a2 ^= q
    a3 = (a3 << uint64(45)) | (a3 >> uint64(19))
    s0[t], s1[t], s2[t], s3[t] = a0, a1, a2, a3
    return (out >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def _new_spin(s, f, b2, u, heat_bath):
    """The updated spin s (+-1.0) with field f at 2 beta = b2, given a uniform u."""
    if heat_bath:
        y = b2 * f
        e = _exp_neg(min(abs(y), EXP_CAP))       # P(up) = 1 / (1 + e) for y >= 0, e / (1 + e) below
        return 1.0 if u * (1.0 + e) < (1.0 if y >= 0 else e) else -1.0
    return -s if u < _exp_neg(min(max(b2 * s * f, 0.0), EXP_CAP)) else s


@njit(nogil=True, cache=True, fastmath={"contract"})
def _draw_row(Sj, Fj, flipped, s0, s1, s2, s3, b2, heat_bath):
    """Update the spins Sj (fields Fj) of one row of chains, each drawing; flipped: which changed.
    (A function of its own: LLVM vectorises it over the chains.)"""
    for t in range(len(Sj)):
        s = Sj[t]
        new = _new_spin(s, Fj[t], b2, _uniform(s0, s1, s2, s3, t), heat_bath)
        flipped[t] = new != s
        Sj[t] = new


@njit(inline="always")
def _fields(F, G, S, H, W, WT, woff, loff, l):
    """F_l = H_l + W_l S_{l-1} + W_{l+1}^T S_{l+1} for a tile (rows are spins, columns chains); the
    products by BLAS (dgemm), the second into the scratch G."""
    a, b = loff[l], loff[l + 1]
    first = True
    if l > 0:
        n = a - loff[l - 1]
        np.dot(W[woff[l]:woff[l] + (b - a) * n].reshape(b - a, n), S[loff[l - 1]:a], F[a:b])
        first = False
    if l + 2 < len(loff):
        n = loff[l + 2] - b
        np.dot(WT[woff[l + 1]:woff[l + 1] + (b - a) * n].reshape(b - a, n), S[b:loff[l + 2]],
               F[a:b] if first else G[:b - a])
        if not first:
            F[a:b] += G[:b - a]
        first = False
    if first:
        F[a:b] = H[a:b]
    else:
        F[a:b] += H[a:b]


@njit(nogil=True, cache=True, fastmath={"contract"})
def _anneal_tiles(states, rng, h, W, WT, woff, loff, order, betas, settled, heat_bath, skip, n_samples, tiles):
    """Anneal the chains of ``tiles`` (rows tile * TILE...) of ``states`` (rows x N int8) in place.

    ``rng``: (4, rows) xoshiro256+ states; row r anneals sample r % n_samples with fields h[that].
    ``settled[k]``: no later beta is below betas[k].
    """
    rows, N = states.shape
    L = len(loff) - 1
    sizes = loff[1:] - loff[:-1]
    width = sizes.max()
    flipped, row_flips = np.empty((width, TILE), np.bool_), np.empty(width, np.int64)
    # a layer's fields are recomputed (BLAS) rather than updated per flip when the flips of a neighbour
    # cost more per flip than FLIP_COST multiply-adds of the recomputation
    fan_in = np.zeros(L, np.int64)
    for l in range(L):
        fan_in[l] = (sizes[l - 1] if l > 0 else 0) + (sizes[l + 1] if l + 1 < L else 0)
    for tile in tiles:
        r0 = tile * TILE
        T = min(TILE, rows - r0)
        S, F, H, G = np.empty((N, T)), np.empty((N, T)), np.empty((N, T)), np.empty((width, T))
        for t in range(T):
            for j in range(N):
                S[j, t] = states[r0 + t, j]
                H[j, t] = h[(r0 + t) % n_samples, j]
        s0, s1, s2, s3 = rng[0, r0:r0 + T].copy(), rng[1, r0:r0 + T].copy(), rng[2, r0:r0 + T].copy(), \
            rng[3, r0:r0 + T].copy()
        stale = np.ones(L, np.bool_)
        for k in range(len(betas)):
            if k % REFRESH == 0:
                stale[:] = True
            b2 = 2.0 * betas[k]
            quiet = True
            for l in order:
                a, b = loff[l], loff[l + 1]
                if stale[l]:
                    _fields(F, G, S, H, W, WT, woff, loff, l)
                    stale[l] = False
                nf = 0                                  # flips in the layer; per row in row_flips, per spin in flipped
                for j in range(a, b):
                    row_flips[j - a] = 0
                    live = 0
                    for t in range(T):
                        live += b2 * S[j, t] * F[j, t] <= skip
                    if live == 0:
                        continue
                    quiet = False
                    fj = flipped[j - a]
                    if DENSE * live >= T:             # many live: every chain draws, vectorised
                        _draw_row(S[j], F[j], fj, s0, s1, s2, s3, b2, heat_bath)
                    else:                               # few: only the live spins draw
                        for t in range(T):
                            s = S[j, t]
                            fj[t] = False
                            if b2 * s * F[j, t] > skip:
                                continue
                            if heat_bath and abs(b2 * F[j, t]) > skip:
                                new = -s                # against a field past the bound: flips surely
                            else:
                                new = _new_spin(s, F[j, t], b2, _uniform(s0, s1, s2, s3, t), heat_bath)
                            fj[t] = new != s
                            S[j, t] = new
                    c = 0
                    for t in range(T):
                        c += fj[t]
                    row_flips[j - a] = c
                    nf += c
                if nf == 0:
                    continue
                recompute = 0                           # multiply-adds of recomputing the neighbours' fields
                if l > 0:
                    recompute += sizes[l - 1] * fan_in[l - 1] * T
                if l + 1 < L:
                    recompute += sizes[l + 1] * fan_in[l + 1] * T
                if nf * fan_in[l] * FLIP_COST >= recompute:
                    if l > 0:
                        stale[l - 1] = True
                    if l + 1 < L:
                        stale[l + 1] = True
                    continue
                for jj in range(b - a):                 # few flips: add 2 s_j W[:, j] to the neighbours' fields
                    if row_flips[jj] == 0:
                        continue
                    for t in range(T):
                        if not flipped[jj, t]:
                            continue
                        d = 2.0 * S[a + jj, t]
                        if l > 0:                       # layer l - 1 sees W_l[jj, :]
                            n = a - loff[l - 1]
                            for i in range(n):
                                F[loff[l - 1] + i, t] += d * W[woff[l] + jj * n + i]
                        if l + 1 < L:                   # layer l + 1 sees W_{l+1}[:, jj] = WT_{l+1}[jj, :]
                            n = loff[l + 2] - b
                            for i in range(n):
                                F[b + i, t] += d * WT[woff[l + 1] + jj * n + i]
            if quiet and settled[k]:
                break                                   # frozen: no later sweep can change a spin
        rng[0, r0:r0 + T], rng[1, r0:r0 + T], rng[2, r0:r0 + T], rng[3, r0:r0 + T] = s0, s1, s2, s3
        for t in range(T):
            for j in range(N):
                states[r0 + t, j] = np.int8(S[j, t])


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers != _threads:
            _pool = ThreadPoolExecutor(_threads, thread_name_prefix="qnn_lab-kernel")
        return _pool


def anneal_rows(fields, couplings, num_reads, betas, *, heat_bath, rng, skip=SKIP_BOUND):
    """Anneal num_reads reads of every sample; returns spins [(R, P, n_l)] int8.

    ``fields``: per layer (P, n_l); ``couplings``: W_l (n_l, n_{l-1}); ``rng``: a numpy Generator
    for the initial spins and the chains' streams; ``skip``: the bound above (``inf``: always draw).
    """
    sizes = [f.shape[1] for f in fields]
    P, R, L = fields[0].shape[0], num_reads, len(fields)
    loff = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    h = np.ascontiguousarray(np.concatenate(fields, axis=1), dtype=np.float64)
    W = np.concatenate([np.ravel(w) for w in couplings] or [np.zeros(0)]).astype(np.float64)
    WT = np.concatenate([np.ravel(np.transpose(w)) for w in couplings] or [np.zeros(0)]).astype(np.float64)
    woff = np.concatenate([[0, 0], np.cumsum([np.size(w) for w in couplings])]).astype(np.int64)
    order = np.array([l for l in range(L) if l % 2 == 0] + [l for l in range(L) if l % 2 == 1], np.int64)
    rows = R * P
    states = rng.integers(0, 2, (rows, loff[-1]), dtype=np.int8) * np.int8(2) - np.int8(1)
    streams = rng.integers(0, 2**64, (4, rows), dtype=np.uint64, endpoint=False)
    betas = np.ascontiguousarray(betas, dtype=np.float64)
    settled = np.append(np.minimum.accumulate(betas[::-1])[::-1][1:] >= betas[:-1], True)
    args = (states, streams, h, W, WT, woff, loff, order, betas, settled, bool(heat_bath), float(skip), P)
    n_tiles = -(-rows // TILE)
    parts = [np.arange(b, n_tiles, min(_threads, n_tiles), dtype=np.int64) for b in range(min(_threads, n_tiles))]
    with one_blas_thread():
        if len(parts) == 1:
            _anneal_tiles(*args, parts[0])
        else:
            for fut in [_executor().submit(_anneal_tiles, *args, p) for p in parts]:
                fut.result()
    return [states[:, a:b].reshape(R, P, b - a) for a, b in itertools.pairwise(loff)]


def warm_up():
    """Load the compiled kernel (numba's cache: about 0.5 s) by annealing one tiny chain, so that the
    first real anneal does not pay for it."""
    anneal_rows([np.zeros((1, 2)), np.zeros((1, 1))], [np.ones((1, 2))], 1, [0.1, 1.0], heat_bath=False,
                rng=np.random.default_rng(0))
