"""LayeredModel: a minibatch of layered spin models as arrays (per-layer fields, shared couplings)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .labels import parse_spin_labels

__all__ = ["LayeredModel"]


@dataclass
class LayeredModel:
    """E(s) = -sum_l s_l . f_l - sum_l s_l . (W_l s_{l-1}) for a batch of P independent samples.

    ``fields``: per spin layer, a (P, n_l) array; ``couplings``: W_l of shape (n_l, n_{l-1})
    for l = 1..L-1, shared by every sample.
    """

    fields: list
    couplings: list

    @property
    def n_samples(self):
        return self.fields[0].shape[0]

    @property
    def layer_sizes(self):
        return [f.shape[1] for f in self.fields]

    @classmethod
    def from_network(cls, network, X, nudge=None, nudge_strength=1.0):
        """The free (or nudged) phase of ``network`` on inputs X, with no BQM round trip."""
        fields = [network.input_field(X)] + [np.broadcast_to(b, (len(X), len(b))) for b in network.biases[1:]]
        if nudge is not None:
            fields[-1] = fields[-1] + nudge_strength * network.target_codes(nudge)
        return cls(fields, list(network.weights[1:]))

    @classmethod
    def from_bqm(cls, bqm):
        """Rebuild the layers of a model made by ``encode_neurons``; ValueError for any other model."""
        global _last_structure
        labels = list(bqm.variables)
        ldata, (irow, icol, qdata), _ = bqm.spin.to_numpy_vectors(sort_labels=False)     # in the order of labels
        last = _last_structure
        if last is not None and last[0] == labels and np.array_equal(last[1], irow) and np.array_equal(last[2], icol):
            sample, layer, unit, sizes, slots = last[3]
        else:
            sample, layer, unit, sizes, slots = _structure(labels, irow, icol)
            _last_structure = (labels, irow, icol, (sample, layer, unit, sizes, slots))
        P, L = int(sample.max()) + 1, len(sizes)
        fields = [np.zeros((P, n)) for n in sizes]
        for l in range(L):
            m = layer == l
            fields[l][sample[m], unit[m]] = -ldata[m]
        block = np.concatenate([[0], np.cumsum(sizes[1:] * sizes[:-1])])        # W_l's slots start at block[l-1]
        if slots is None:
            table = -qdata.reshape(P, -1)
        else:
            table = np.zeros((P, int(block[-1])))
            table.flat[slots] = -qdata
        if not np.all(table == table[:1]):
            raise ValueError("the 'layered' sampler needs the same couplings for every sample "
                             "(as encode_neurons makes)")
        couplings = [table[0, block[l - 1]:block[l]].reshape(sizes[l], sizes[l - 1]) for l in range(1, L)]
        model = cls(fields, couplings)
        model.variable_index = (sample, layer, unit)
        return model

    def sum_abs_bias(self):
        """Per spin: |field| + sum of |couplings|, (P, n_l) per layer (the largest effective field)."""
        out = [np.abs(f) for f in self.fields]
        for l, W in enumerate(self.couplings, start=1):
            out[l] = out[l] + np.abs(W).sum(1)
            out[l - 1] = out[l - 1] + np.abs(W).sum(0)
        return out

    def min_abs_bias(self):
        """Per spin: the smallest non-zero |bias| it takes part in (inf where none)."""
        nz = lambda a: np.where(a != 0, np.abs(a), np.inf)      # noqa: E731
        out = [nz(f) for f in self.fields]
        for l, W in enumerate(self.couplings, start=1):
            out[l] = np.minimum(out[l], nz(W).min(1))
            out[l - 1] = np.minimum(out[l - 1], nz(W).min(0))
        return out

    def energy(self, states):
        """Energy per sample of states [(..., P, n_l)]: shape (..., P)."""
        e = -sum(np.einsum("...j,...j->...", s, f) for s, f in zip(states, self.fields))
        for l, W in enumerate(self.couplings, start=1):
            e = e - np.einsum("...j,...j->...", states[l], states[l - 1] @ W.T)
        return e


#: (labels, irow, icol, structure) of the last model ``from_bqm`` read: training reads one structure again and again.
_last_structure = None


def _structure(labels, irow, icol):
    """(sample, layer, unit, sizes, slots) of a model's variables and couplings; slots: each coupling's place
    in the flat (P, sum n_l n_{l-1}) table (None: in order). ValueError for models not made by encode_neurons."""
    try:
        sample, layer, unit, is_out = parse_spin_labels(labels)
    except ValueError:
        raise ValueError("the 'layered' sampler takes models made by encode_neurons, with labels "
                         "(i, 'h', layer, j) and (i, 'o', k)") from None
    if len(labels) == 0:
        raise ValueError("the 'layered' sampler needs a model with at least one variable")
    layer[is_out] = layer.max() + 1 if (~is_out).any() else 1
    layer = np.unique(layer, return_inverse=True)[1]      # windows (encode_window) may start above h1
    P, L = int(sample.max()) + 1, int(layer.max()) + 1
    sizes = np.zeros(L, np.int64)
    np.maximum.at(sizes, layer, unit + 1)
    if sample.min() < 0 or unit.min() < 0 or len(labels) != P * sizes.sum() or np.any(sizes == 0):
        raise ValueError("the 'layered' sampler needs every sample to have the same complete layers "
                         "(as encode_neurons makes)")
    # two spins may couple iff their codes sample * (L + 2) + layer differ by exactly 1
    code = sample * (L + 2) + layer
    up = code[irow] - code[icol]
    if np.any(np.abs(up) != 1):
        raise ValueError("the 'layered' sampler needs couplings only between adjacent layers of "
                         "the same sample (no couplings inside a layer)")
    block = np.concatenate([[0], np.cumsum(sizes[1:] * sizes[:-1])])
    below = np.maximum(layer - 1, 0)
    base = sample * int(block[-1]) + block[below] + unit * sizes[below]    # slot of (spin, lower unit 0)
    up = up > 0
    slots = np.where(up, base[irow] + unit[icol], base[icol] + unit[irow])
    return sample, layer, unit, sizes, None if np.array_equal(slots, np.arange(len(slots))) else slots
