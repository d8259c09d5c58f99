"""The energy landscape of a probe set: where the free-phase reads lie relative to the target."""
from __future__ import annotations

import numpy as np

from ..training.contrastive import free_phase

__all__ = ["energy_gaps"]


def energy_gaps(network, X, y, sampler, num_reads=8, seed=None):
    """E_free - E_clamped of every read of every probe sample, shape (num_reads, P).

    Negative values are states deeper than the trained target (heads, in a glass);
    when training has ordered the landscape they pile up at zero and above.
    """
    free = network.energy(X, free_phase(network, X, sampler, num_reads, seed))
    clamped = network.energy(X, network.clamped_state(X, y))
    return np.asarray(free - clamped[None, :])
