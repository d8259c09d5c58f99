"""The fused CPU kernel of the layered annealer (numba): field, acceptance and flip in one pass.

Every row (one read of one sample) is an independent chain, so a row anneals through all
its sweeps with its spins and local fields in cache. Fields are kept up to date by adding
2 s_j W[:, j] to the neighbouring layers when spin j flips (a flip touches its neighbours
only), and recomputed from scratch every ``REFRESH`` sweeps so rounding cannot pile up.
Rows are split over threads (the kernel releases the GIL); each row has its own
xoshiro256+ stream, so the result depends on the seed only, not on the thread count.

Random numbers are drawn only where they can matter. With x = 2 beta s f (Metropolis,
P(flip) = min(1, exp(-x))) or x = 2 beta f (heat-bath, P(up) = 1 / (1 + exp(-x))):

- Metropolis with x <= 0 flips with probability 1: no draw (exact).
- |x| > SKIP_BOUND = 53 ln 2 (about 36.7): exp(-|x|) < 2**-53, the spacing of the uniform
  numbers u = k 2**-53, so the acceptance compares with 0 or 1 for every u but u = 0: the
  decision is made without a draw, and its probability differs from exp(-beta E)/Z's by
  less than 2**-53 per update (heat-bath at x > SKIP_BOUND: not at all, 1 / (1 + exp(-x))
  rounds to 1.0).
"""
from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit, uint64

__all__ = ["SKIP_BOUND", "anneal_rows", "default_threads", "set_kernel_threads"]

#: |2 beta f| above which an acceptance is 0 or 1 to double precision (no random draw).
SKIP_BOUND = 53 * math.log(2)
#: Sweeps between recomputations of the local fields from the spins.
REFRESH = 64



def default_threads():
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_threads = default_threads()
_pool = None
_pool_lock = threading.Lock()


def set_kernel_threads(n):
    """Threads the kernel splits its rows over (default: ``default_threads()``)."""
    global _threads
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"'threads' should be an int >= 1: value = {n!r}")
    _threads = n


@njit(inline="always")
def _uniform(st):
    """xoshiro256+: a double in [0, 1) on the grid k 2**-53; advances the state st (4 uint64)."""
    s0, s1, s2, s3 = st[0], st[1], st[2], st[3]
    out = s0 + s3
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << uint64(45)) | (s3 >> uint64(19))
    st[0], st[1], st[2], st[3] = s0, s1, s2, s3
    return (out >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def _axpy(y, a, x):
    """y += a x (views: unit-stride indices from 0 let the loop vectorise)."""
    for i in range(len(y)):
        y[i] += a * x[i]


@njit(inline="always")
def _fields(f, s, h, W, woff, loff):
    """Local fields of every spin of one row from its spins: f = h + W_l s_{l-1} + W_{l+1}^T s_{l+1}."""
    f[:] = h
    for l in range(1, len(loff) - 1):
        lo, hi = f[loff[l - 1]:loff[l]], f[loff[l]:loff[l + 1]]
        s_lo, s_hi = s[loff[l - 1]:loff[l]], s[loff[l]:loff[l + 1]]
        n = len(lo)
        for j in range(len(hi)):
            row = W[woff[l] + j * n:woff[l] + (j + 1) * n]
            acc = 0.0
            for i in range(n):
                acc += row[i] * s_lo[i]
            hi[j] += acc
            _axpy(lo, float(s_hi[j]), row)


@njit(inline="always")
def _metropolis(x, u):
    """u < exp(-x) for x > 0, with exp only where the bounds 1 - x <= exp(-x) <= 1 / (1 + x + x^2/2 + x^3/6)
    leave it open."""
    if u * (1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0)))) >= 1.0:
        return False
    return u < 1.0 - x or u < math.exp(-x)


@njit(nogil=True, cache=True)
def _anneal_block(states, rng, h, W, WT, woff, loff, order, betas, heat_bath, skip, n_samples, lo, hi):
    """Anneal rows lo..hi-1 of ``states`` (rows x N int8, row = read * n_samples + sample) in place.

    Per layer, a first pass (no branches) lists the spins with 2 beta s f <= skip, the only ones
    whose update is not "stay" with certainty (both rules); the second pass updates those.
    """
    N = states.shape[1]
    f = np.empty(N)
    todo = np.empty(N, np.int64)
    L = len(loff) - 1
    for r in range(lo, hi):
        s = states[r]
        st = rng[r]
        hp = h[r % n_samples]
        for k in range(len(betas)):
            if k % REFRESH == 0:
                _fields(f, s, hp, W, woff, loff)
            b2 = 2.0 * betas[k]
            for l in order:
                m = 0
                for j in range(loff[l], loff[l + 1]):
                    todo[m] = j
                    m += b2 * s[j] * f[j] <= skip
                for t in range(m):
                    j = todo[t]
                    if heat_bath:
                        x = b2 * f[j]
                        if abs(x) <= skip:
                            x = 1.0 if _uniform(st) * (1.0 + math.exp(-x)) < 1.0 else -1.0
                        if x * s[j] > 0:
                            continue
                    else:
                        x = b2 * s[j] * f[j]
                        if x > 0.0 and not _metropolis(x, _uniform(st)):
                            continue
                    s[j] = -s[j]
                    d = 2.0 * s[j]
                    jj = j - loff[l]
                    if l > 0:                       # layer l - 1 sees W_l[jj, :]
                        n = loff[l] - loff[l - 1]
                        _axpy(f[loff[l - 1]:loff[l]], d, W[woff[l] + jj * n:woff[l] + (jj + 1) * n])
                    if l + 1 < L:                   # layer l + 1 sees W_{l+1}[:, jj] = WT_{l+1}[jj, :]
                        n = loff[l + 2] - loff[l + 1]
                        _axpy(f[loff[l + 1]:loff[l + 2]], d, WT[woff[l + 1] + jj * n:woff[l + 1] + (jj + 1) * n])


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers != _threads:
            _pool = ThreadPoolExecutor(_threads, thread_name_prefix="qnn_lab-kernel")
        return _pool


def anneal_rows(fields, couplings, num_reads, betas, *, heat_bath, rng, skip=SKIP_BOUND):
    """Anneal num_reads reads of every sample; returns spins [(R, P, n_l)] int8.

    ``fields``: per layer (P, n_l); ``couplings``: W_l (n_l, n_{l-1}); ``rng``: a numpy Generator
    for the initial spins and the rows' streams; ``skip``: the bound above (``inf``: always draw).
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
    streams = rng.integers(0, 2**64, (rows, 4), dtype=np.uint64, endpoint=False)
    betas = np.ascontiguousarray(betas, dtype=np.float64)
    args = (states, streams, h, W, WT, woff, loff, order, betas, bool(heat_bath), float(skip), P)
    blocks = min(_threads, rows)
    cuts = [rows * b // blocks for b in range(blocks + 1)]
    if blocks == 1:
        _anneal_block(*args, 0, rows)
    else:
        for fut in [_executor().submit(_anneal_block, *args, lo, hi) for lo, hi in itertools.pairwise(cuts)]:
            fut.result()
    return [states[:, a:b].reshape(R, P, b - a) for a, b in itertools.pairwise(loff)]
