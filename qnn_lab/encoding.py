"""Training problems as dimod models: neurons as spins, or weights as qubits.

``encode_neurons`` turns a network and a minibatch into one SPIN model, the disjoint
union of E(h, o | x) over the samples, so a single sampler call anneals the batch.
``encode_weights`` turns one layer's least-squares fit into a BINARY model whose
energy equals the loss of the K-bit weights it encodes.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import dimod
import numpy as np

from .exceptions import check_float, check_int

__all__ = ["NeuronEncoding", "NeuronStates", "WeightEncoding", "encode_neurons", "encode_weights"]


def _spin_layer_name(net, l):
    return "o" if l == len(net.spin_sizes) - 1 else f"h{l + 1}"


@functools.lru_cache(maxsize=8)
def _spin_labels(sizes, P, n_layers):
    """Labels (i, 'h', layer, j) and (i, 'o', k) in sample-major order (cached per shape)."""
    per_sample = []
    for l in range(n_layers):
        if l == len(sizes) - 1:
            per_sample += [("o", k) for k in range(sizes[l])]
        else:
            per_sample += [("h", l + 1, j) for j in range(sizes[l])]
    return tuple((i, *v) for i in range(P) for v in per_sample)


@functools.lru_cache(maxsize=8)
def _weight_labels(layer, m, n, bits):
    return tuple(("w", layer + 1, j, i, k) for j in range(m) for i in range(n) for k in range(bits))


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


class NeuronEncoding:
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
        N = self.spins_per_sample = int(self.offsets[-1])

        fields = [net.input_field(X)] + [np.broadcast_to(b, (P, len(b))) for b in net.biases[1:]]
        fields = [np.array(f, dtype=float) for f in fields]
        offset = 0.0
        if nudge is not None:
            fields[-1] = fields[-1] + nudge_strength * net.target_codes(nudge)
        if clamp is not None:
            t = net.target_codes(clamp)
            offset = -float(np.sum(t * fields[-1]))          # the output layer's own field
            if len(sizes) > 1:
                fields[-2] = fields[-2] + t @ net.weights[-1]
        linear = -np.concatenate(fields[:n_var_layers], axis=1) if N else np.zeros((P, 0))

        rows, cols, bias = [], [], []
        for l in range(1, n_var_layers):
            W = net.weights[l]                      # (n_l, n_{l-1}): couples h_{l-1,i} and h_{l,j}
            j, i = np.indices(W.shape)
            rows.append(self.offsets[l - 1] + i.ravel())
            cols.append(self.offsets[l] + j.ravel())
            bias.append(-W.ravel())
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        bias = np.concatenate(bias) if bias else np.zeros(0)
        shift = (np.arange(P, dtype=np.int64) * N)[:, None]
        self.labels = _spin_labels(tuple(sizes), P, n_var_layers)
        self.bqm = dimod.BQM.from_numpy_vectors(
            linear.ravel(), ((rows[None] + shift).ravel(), (cols[None] + shift).ravel(), np.tile(bias, P)),
            offset, dimod.SPIN, variable_order=self.labels)

    def __repr__(self):
        kind = "clamped" if self.clamp is not None else "nudged" if self.nudge is not None else "free"
        return (f"NeuronEncoding({kind}, samples={self.n_samples}, variables={self.bqm.num_variables}, "
                f"interactions={self.bqm.num_interactions})")

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
        """Split reads into per-layer states (clamped outputs added back), classes, energies.

        Energies are E(h, o | x) per sample (without any nudge), shape (R, P).
        """
        arr = self.sample_array(sampleset)
        return self.decode_array(arr.reshape(len(arr), self.n_samples, self.spins_per_sample))

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
            name = f"{_spin_layer_name(net, layer)}[{j}]"
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
        return (f"coupling {_spin_layer_name(net, la)}[{ja}]-{_spin_layer_name(net, lb)}[{jb}] "
                f"(sample {i}) = -W{lb + 1}[{jb},{ja}] = {bias:.4g}")

    def _locate(self, label):
        if label[1] == "o":
            return label[0], len(self.network.spin_sizes) - 1, label[2]
        return label[0], label[2] - 1, label[3]


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


# ------------------------------------------------------------- weights as qubits
def bit_values(bits, weight_range):
    """Offset w0 and bit values c_k of a K-bit weight in [-r, r]: w = w0 + sum_k c_k q_k."""
    c = 2.0 * weight_range * 2.0 ** np.arange(bits) / (2 ** bits - 1)
    return -weight_range, c


class WeightEncoding:
    """The K-bit weight QUBO of one layer; see ``encode_weights``."""

    def __init__(self, A, T, layer, bits, reg, weight_range):
        self.A, self.T = A, T
        self.layer, self.bits, self.reg, self.weight_range = layer, bits, reg, weight_range
        n, m = A.shape[1], T.shape[1]
        self.shape = (m, n)                               # like Network.get_layer: bias last
        w0, c = bit_values(bits, weight_range)
        self.w0, self.c = w0, c
        G = A.T @ A + reg * np.eye(n)                     # loss_m = w.G.w - 2 (A^T T_m).w + |T_m|^2
        C = np.kron(np.eye(n), c)                         # w = w0 + C q, C: (n, n K)
        Q = C.T @ G @ C                                   # shared by every output column
        ATT = A.T @ T                                     # (n, m)
        lin = (2 * w0 * G.sum(1)[:, None] - 2 * ATT).T @ C + np.diag(Q)[None, :]   # (m, nK)
        const = w0 ** 2 * G.sum() - 2 * w0 * ATT.sum(0) + (T ** 2).sum(0)          # (m,)
        iu, ju = np.triu_indices(n * bits, k=1)
        quad = (Q[iu, ju] + Q[ju, iu])
        nb = n * bits
        shift = (np.arange(m, dtype=np.int64) * nb)[:, None]
        self.labels = _weight_labels(layer, m, n, bits)
        self.bqm = dimod.BQM.from_numpy_vectors(
            lin.ravel(), ((iu[None] + shift).ravel(), (ju[None] + shift).ravel(), np.tile(quad, m)),
            float(const.sum()), dimod.BINARY, variable_order=self.labels)
        self._block_const = const

    def __repr__(self):
        return (f"WeightEncoding(layer={self.layer}, bits={self.bits}, variables={self.bqm.num_variables}, "
                f"interactions={self.bqm.num_interactions})")

    def bits_array(self, sampleset):
        """The reads as a (R, m, n, K) array of bits in {0, 1}."""
        arr = np.asarray(sampleset.record.sample if hasattr(sampleset, "record") else sampleset)
        if sampleset is not None and hasattr(sampleset, "variables") and sampleset.variables != self.bqm.variables:
            order = np.fromiter((sampleset.variables.index(v) for v in self.labels), np.int64, len(self.labels))
            arr = arr[:, order]
        return arr.reshape(-1, *self.shape, self.bits)

    def decode(self, sample):
        """Weights (m, n) (bias last, like ``Network.get_layer``) of one sample (a dict or a row of bits)."""
        if isinstance(sample, dict):
            q = np.array([sample[v] for v in self.labels], dtype=float)
        else:
            q = np.asarray(sample, dtype=float)
        if q.size != len(self.labels):
            raise ValueError(f"'sample' should assign all {len(self.labels)} bits: size = {q.size}")
        return self.w0 + q.reshape(*self.shape, self.bits) @ self.c

    def loss(self, W):
        """||A W^T - T||^2 + reg ||W||^2 for layer weights W of shape (m, n) (bias last)."""
        W = np.asarray(W, dtype=float)
        return float(self.column_losses(W).sum())

    def column_losses(self, W):
        """The loss split by output unit (one independent QUBO block each); W may carry leading axes."""
        W = np.asarray(W, dtype=float)
        R = W @ self.A.T - self.T.T                      # (..., m, P)
        return (R ** 2).sum(-1) + self.reg * (W ** 2).sum(-1)

    def best_weights(self, sampleset):
        """Best of reads per output unit: the blocks are independent, so take each one's best read."""
        W = self.w0 + self.bits_array(sampleset).astype(float) @ self.c     # (R, m, n)
        best = self.column_losses(W).argmin(0)
        return W[best, np.arange(self.shape[0])]


def layer_problem(network, X, y, layer, target_scale=1.0):
    """Inputs A (with a bias column) and targets T of one layer.

    A holds what the layer sees when the network runs (x, or the previous layer's
    feed-forward states), so no label leaks into it through the feedback; T is t(y)
    for the output layer and the clamped-phase states for a hidden layer.
    """
    prev = X if layer == 0 else network.feedforward(X)[layer - 1]
    A = np.hstack([prev, np.ones((len(prev), 1))])
    T = network.clamped_state(X, y)[layer]
    return A, T * target_scale if layer == len(network.weights) - 1 else T


def encode_weights(network, dataset, layer=-1, bits=2, reg=0.0, weight_range=None, target_scale=1.0):
    """Encode the least-squares fit of one layer's K-bit weights as a BINARY BQM.

    The layer's inputs A (x, or the previous layer's feed-forward states, plus a bias
    column) and targets T (t(y) for the output layer, clamped hidden states otherwise) give
    loss(W) = ||A W^T - T||^2 + reg ||W||^2, quadratic in the bits, so the BQM's energy
    equals the loss for every assignment. Each weight is w = -r + sum_k c_k q_k in [-r, r].

    Args:
        network: a ``Network`` (its other layers stay frozen).
        dataset: a ``Dataset`` (its training set is used) or a tuple ``(X, y)``.
        layer: index of the weight layer (negative counts from the end).
        bits: bits per weight K, 1..8 (K = 1: binary weights +-r).
        reg: ridge strength lambda >= 0.
        weight_range: r > 0; default: the largest |w| of the continuous ridge solution.
        target_scale: the output layer is fitted to target_scale * t(y) (> 0); below 1 it
            keeps the output couplings weak next to the input fields, so the deployed
            energy minimum E_min(c | x) reads out the fitted output field.

    Returns:
        WeightEncoding with ``.bqm``, ``.decode(sample)``, ``.loss(W)``.
    """
    if isinstance(dataset, tuple) and len(dataset) == 2:
        X, y = dataset
    elif hasattr(dataset, "X_train"):
        X, y = dataset.X_train, dataset.y_train
    else:
        raise TypeError(f"'dataset' should be a Dataset or a tuple (X, y): value = {type(dataset).__name__}")
    X = network.check_X(X)
    y = network.check_y(y, len(X))
    l = network._layer_index(layer)
    bits = check_int("bits", bits, low=1, high=8)
    reg = check_float("reg", reg, low=0)
    target_scale = check_float("target_scale", target_scale, low=0, low_open=True)
    A, T = layer_problem(network, X, y, l, target_scale)
    if weight_range is None:
        W = np.linalg.lstsq(A.T @ A + max(reg, 1e-9) * np.eye(A.shape[1]), A.T @ T, rcond=None)[0]
        weight_range = float(np.max(np.abs(W))) or 1.0
    weight_range = check_float("weight_range", weight_range, low=0, low_open=True)
    return WeightEncoding(A, T, l, bits, reg, weight_range)
