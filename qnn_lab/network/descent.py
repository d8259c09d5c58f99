"""The layered zero-temperature descent, written once for numpy arrays and torch tensors."""
from __future__ import annotations

__all__ = ["MAX_DESCENT_SWEEPS", "layered_descent"]

#: Sweeps of the layered descent before giving up on a fixed point (deep nets only).
MAX_DESCENT_SWEEPS = 100


def layered_descent(input_field, states, weights, biases, free, sign, equal):
    """Set whole free layers to sign(local field), even layers then odd ones, until a fixed point.

    Each parity class is an independent set given the others, so the energy never rises.
    ``input_field`` is W_1 x + b_1; ``states`` (modified in place and returned) holds h_1..h_L.
    """
    for _ in range(MAX_DESCENT_SWEEPS):
        changed = False
        for parity in (0, 1):
            for l in free:
                if l % 2 != parity:
                    continue
                f = input_field if l == 0 else states[l - 1] @ weights[l].T + biases[l]
                if l + 1 < len(states):
                    f = f + states[l + 1] @ weights[l + 1]
                new = sign(f)
                changed |= not equal(new, states[l])
                states[l] = new
        if not changed:
            break
    return states
