"""Neurons as spins: a network and a minibatch as one SPIN model.

``encode_neurons`` turns a network and a minibatch into one SPIN model, the disjoint
union of E(h, o | x) over the samples, so a single sampler call anneals the batch.
``encode_window`` does the same for a window of consecutive spin layers, the spins
outside it fixed (layer-wise training of deep networks).
"""
from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np

from ..exceptions import check_finite_array, check_float, check_int
from .labels import locate, spin_labels, spin_layer_name
from .layered_model import LayeredModel

__all__ = ["NeuronEncoding", "NeuronStates", "WindowEncoding", "check_window", "encode_neurons", "encode_window",
           "window_model"]


def _minibatch_bqm(fields, couplings, offset, labels):
    """SPIN BQM of -sum_l s_l . f_l - sum_l s_l . (W_l s_{l-1}) for P samples, as one disjoint union.

    ``fields``: per layer (P, n_l); ``couplings``: W_l (n_l, n_{l-1}) between consecutive layers.
    """
    P = len(fields[0]) if fields else 0
    sizes = [f.shape[1] for f in fields]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    N = int(starts[-1])
    linear = -np.concatenate(fields, axis=1) if N else np.zeros((P, 0))
    rows, cols, bias = [], [], []
    for l, W in enumerate(couplings, start=1):          # W: (n_l, n_{l-1}) couples h_{l-1,i} and h_{l,j}
        j, i = np.indices(W.shape)
        rows.append(starts[l - 1] + i.ravel())
        cols.append(starts[l] + j.ravel())
        bias.append(-W.ravel())
    rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    bias = np.concatenate(bias) if bias else np.zeros(0)
    shift = (np.arange(P, dtype=np.int64) * N)[:, None]
    return dimod.BQM.from_numpy_vectors(
        linear.ravel(), ((rows[None] + shift).ravel(), (cols[None] + shift).ravel(), np.tile(bias, P)),
        offset, dimod.SPIN, variable_order=labels)


@dataclass
class NeuronStates:
    """Decoded reads: states per spin layer (R, P, n_l), classes and energies (R, P)."""

    states: list
    classes: np.ndarray
    energies: np.ndarray

    @property
    def hidden(self):
        return self.states[:-1]

    @property
    def output(self):
        return self.states[-1]


class _SpinEncoding:
    """Reading reads back: what every minibatch spin encoding (labels, bqm, n_samples) shares."""

    def sample_array(self, sampleset):
        """The reads as a (R, P * spins_per_sample) array in this model's variable order."""
        variables = sampleset.variables
        record = sampleset.record.sample
        if len(variables) != len(self.labels):
            raise ValueError(f"'sampleset' should hold the {len(self.labels)} variables of this model: "
                             f"it has {len(variables)}")
        if variables == self.bqm.variables:
            return np.asarray(record, dtype=float)
        try:
            order = np.fromiter((variables.index(v) for v in self.labels), dtype=np.int64, count=len(self.labels))
        except ValueError:
            raise ValueError("'sampleset' should hold the variables of this model "
                             "(labels like (i, 'h', layer, j) and (i, 'o', k))") from None
        return np.asarray(record[:, order], dtype=float)

    def decode(self, sampleset):
        """Split reads into per-layer states of the whole network (spins outside the model, such
        as clamped outputs, added back), classes and energies.

        Energies are E(h, o | x) per sample (without any nudge), shape (R, P).
        """
        arr = self.sample_array(sampleset)
        return self.decode_array(arr.reshape(len(arr), self.n_samples, self.spins_per_sample))


class NeuronEncoding(_SpinEncoding):
    """E(h, o | x) of a minibatch as one dimod SPIN model; see ``encode_neurons``."""

    def __init__(self, network, X, clamp, nudge, nudge_strength):
        net = self.network = network.copy()
        self.X = X
        self.clamp = clamp
        self.nudge = nudge
        self.nudge_strength = nudge_strength
        P = self.n_samples = len(X)
        sizes = net.spin_sizes
        n_var_layers = len(sizes) - (clamp is not None)
        self.layer_sizes = sizes[:n_var_layers]
        self.offsets = np.concatenate([[0], np.cumsum(self.layer_sizes)]).astype(np.int64)
        self.spins_per_sample = int(self.offsets[-1])

        fields = list(LayeredModel.from_network(net, X, nudge, nudge_strength).fields)
        offset = 0.0
        if clamp is not None:
            t = net.target_codes(clamp)
            offset = -float(np.sum(t * fields[-1]))          # the output layer's own field
            if len(sizes) > 1:
                fields[-2] = fields[-2] + t @ net.weights[-1]
        self.labels = spin_labels(tuple(sizes), P, n_var_layers)
        self.bqm = _minibatch_bqm(fields[:n_var_layers], net.weights[1:n_var_layers], offset, self.labels)
        #: The free spins' fields and couplings as a LayeredModel (None when no layer is free).
        self.model = LayeredModel(fields[:n_var_layers], list(net.weights[1:n_var_layers])) if n_var_layers else None

    def __repr__(self):
        kind = "clamped" if self.clamp is not None else "nudged" if self.nudge is not None else "free"
        return (f"NeuronEncoding({kind}, samples={self.n_samples}, variables={self.bqm.num_variables}, "
                f"interactions={self.bqm.num_interactions})")

    def sample_of(self, states):
        """One read {label: spin} of this model from per-layer states (P, n_l) (e.g. ``clamped_state``):
        the start of a reverse anneal."""
        spins = np.concatenate([np.asarray(s).reshape(self.n_samples, -1) for s in states[:len(self.layer_sizes)]],
                               axis=-1)
        if spins.shape[1] != self.spins_per_sample:
            raise ValueError(f"'states' should give the {self.spins_per_sample} spins of each sample's free "
                             f"layers: they give {spins.shape[1]}")
        return dict(zip(self.labels, spins.ravel().astype(int).tolist()))

    def decode_array(self, arr):
        """Like ``decode`` for a (R, P, spins_per_sample) array of spins."""
        states = [arr[..., a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])]
        if self.clamp is not None:
            t = self.network.target_codes(self.clamp)
            states.append(np.broadcast_to(t, (arr.shape[0], *t.shape)))
        energies = self.network.energy(self.X, states)
        return NeuronStates(states, self.network.decode_outputs(states[-1]), energies)

    def describe(self, u, v=None):
        """Where a field (one label) or a coupling (two labels) comes from, as text.

        Example: ``"coupling h1[3]-o[12] = -W2[12,3] = -0.41"``.
        """
        if u not in self.bqm.variables or (v is not None and v not in self.bqm.variables):
            raise ValueError(f"'u'/'v' should be variables of this model: value = {u!r}, {v!r}")
        net = self.network
        if v is None:
            i, layer, j = self._locate(u)
            bias = self.bqm.get_linear(u)
            name = f"{spin_layer_name(len(net.spin_sizes), layer)}[{j}]"
            if layer == 0:
                src = f"-(W1[{j},:] . x_{i} + b1[{j}])"
            else:
                src = f"-b{layer + 1}[{j}]"
            if self.nudge is not None and layer == len(net.spin_sizes) - 1:
                src += f" - {self.nudge_strength:g} t(y_{i})[{j}]"
            if self.clamp is not None and layer == len(self.layer_sizes) - 1:
                src += f" - (W{layer + 2}^T t(y_{i}))[{j}]"
            return f"field {name} (sample {i}) = {src} = {bias:.4g}"
        (i, la, ja), (_, lb, jb) = sorted([self._locate(u), self._locate(v)], key=lambda t: t[1])
        bias = self.bqm.get_quadratic(u, v)
        n = len(net.spin_sizes)
        return (f"coupling {spin_layer_name(n, la)}[{ja}]-{spin_layer_name(n, lb)}[{jb}] "
                f"(sample {i}) = -W{lb + 1}[{jb},{ja}] = {bias:.4g}")

    def _locate(self, label):
        return locate(label, len(self.network.spin_sizes))


def encode_neurons(network, X, clamp=None, nudge=None, nudge_strength=1.0):
    """Encode E(h, o | x) of a minibatch as one SPIN BQM (the disjoint union over samples).

    Args:
        network: a ``Network``.
        X: inputs (P, n_inputs); they are clamped and enter as fields on h_1.
        clamp: labels (P,) to clamp the outputs to t(y); the outputs then leave the model and
            act as fields on the last hidden layer (the clamped phase).
        nudge: labels (P,) for a weak output field ``nudge_strength * t(y)`` (equilibrium
            propagation); not together with ``clamp``.
        nudge_strength: strength beta of the nudge, >= 0.

    Returns:
        NeuronEncoding with ``.bqm``, ``.decode(sampleset)`` and ``.describe(u, v)``.

    Examples:
        >>> import qnn_lab as ql
        >>> net = ql.Network([2, 3, 2], random_state=0)
        >>> enc = ql.encode_neurons(net, [[0.5, -1.0]])
        >>> enc.bqm.num_variables, enc.bqm.num_interactions
        (5, 6)
    """
    X = network.check_X(X)
    if clamp is not None and nudge is not None:
        raise ValueError("'clamp' and 'nudge' should not both be given: clamp fixes the outputs, "
                         "nudge only biases them")
    if clamp is not None:
        clamp = network.check_y(clamp, len(X), name="clamp")
    if nudge is not None:
        nudge = network.check_y(nudge, len(X), name="nudge")
    nudge_strength = check_float("nudge_strength", nudge_strength, low=0)
    return NeuronEncoding(network, X, clamp, nudge, nudge_strength)


# ------------------------------------------------------------- windows of layers
def check_window(network, window):
    """``window`` as (start, stop): spin layers start..stop-1 of h_1..h_L, 0 <= start < stop <= L."""
    L = len(network.spin_sizes)
    if isinstance(window, (str, bytes)) or not hasattr(window, "__len__") or len(window) != 2:
        raise TypeError(f"'window' should be a pair (start, stop) of spin-layer indices with "
                        f"0 <= start < stop <= {L}: value = {window!r}")
    start = check_int("window[0]", window[0], low=0, high=L - 1)
    stop = check_int("window[1]", window[1], low=start + 1, high=L)
    return start, stop


def window_model(network, X, window, outside):
    """The window's spins as a LayeredModel with the spins outside it fixed, and the constant per sample.

    The fields of the window's end layers include the fixed neighbours; the constant is the
    energy of the outside spins alone, E with the window's spins set to 0, shape (P,).
    """
    start, stop = window
    zeroed = [np.zeros_like(s) if start <= l < stop else s for l, s in enumerate(outside)]
    fields = [np.array(network.local_fields(X, zeroed, l), dtype=float) for l in range(start, stop)]
    return LayeredModel(fields, list(network.weights[start + 1:stop])), network.energy(X, zeroed)


class WindowEncoding(_SpinEncoding):
    """E(h, o | x) of a minibatch over a window of spin layers, the rest fixed; see ``encode_window``."""

    def __init__(self, network, X, window, outside):
        self.network = network.copy()
        self.X = X
        self.window = window
        self.outside = outside
        self.n_samples = len(X)
        self.model, constants = window_model(self.network, X, window, outside)
        self.layer_sizes = self.model.layer_sizes
        self.offsets = np.concatenate([[0], np.cumsum(self.layer_sizes)]).astype(np.int64)
        self.spins_per_sample = int(self.offsets[-1])
        sizes = tuple(self.network.spin_sizes)
        self.labels = spin_labels(sizes, len(X), window[1], window[0])
        self.bqm = _minibatch_bqm(self.model.fields, self.model.couplings, float(constants.sum()), self.labels)

    def __repr__(self):
        return (f"WindowEncoding(layers={self.window[0]}..{self.window[1] - 1}, samples={self.n_samples}, "
                f"variables={self.bqm.num_variables}, interactions={self.bqm.num_interactions})")

    def full_states(self, window_states):
        """States of every spin layer (R, P, n_l): the window's (R, P, n_l) arrays with the outside added."""
        R = window_states[0].shape[0]
        start, stop = self.window
        return [window_states[l - start] if start <= l < stop else np.broadcast_to(s, (R, *s.shape))
                for l, s in enumerate(self.outside)]

    def decode_array(self, arr):
        """Like ``decode`` for a (R, P, spins_per_sample) array of the window's spins."""
        states = self.full_states([arr[..., a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])])
        return NeuronStates(states, self.network.decode_outputs(states[-1]), self.network.energy(self.X, states))


def encode_window(network, X, window, outside=None):
    """Encode E(h, o | x) over a window of consecutive spin layers as one SPIN BQM, the rest fixed.

    The spins outside the window enter as fields on the window's end layers (and as the
    offset), so the BQM's energy equals the whole network's energy for every window state.

    Args:
        network: a ``Network``.
        X: inputs (P, n_inputs).
        window: (start, stop): the spin layers start..stop-1 of h_1..h_L (0-based, the output
            layer is L-1) are the model's variables.
        outside: states of every spin layer, a list of (P, n_l) arrays; only the layers outside
            the window are read. Default: the feed-forward states.

    Returns:
        WindowEncoding with ``.bqm``, ``.model`` (a LayeredModel), ``.decode(sampleset)``
        (states of every layer, classes, energies).

    Examples:
        >>> import qnn_lab as ql
        >>> net = ql.Network([2, 3, 3, 2], random_state=0)
        >>> enc = ql.encode_window(net, [[0.5, -1.0]], (1, 3))
        >>> enc.bqm.num_variables, enc.bqm.num_interactions
        (5, 6)
    """
    X = network.check_X(X)
    window = check_window(network, window)
    if outside is None:
        outside = network.feedforward(X)
    else:
        if len(outside) != len(network.spin_sizes):
            raise ValueError(f"'outside' should hold a state for each of the {len(network.spin_sizes)} spin "
                             f"layers: length = {len(outside)}")
        outside = [check_finite_array(f"outside[{l}]", s, ndim=2) for l, s in enumerate(outside)]
        for l, (s, n) in enumerate(zip(outside, network.spin_sizes)):
            if s.shape != (len(X), n):
                raise ValueError(f"'outside[{l}]' should have shape {(len(X), n)}: shape = {s.shape}")
    return WindowEncoding(network, X, window, outside)
