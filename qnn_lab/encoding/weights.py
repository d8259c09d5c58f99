"""Weights as qubits: one layer's least-squares fit as a BINARY model whose energy is its loss.

Inputs to the layer A (P x n, bias column last), targets T (P x m). Each weight is K bits,
w = w0 + sum_k c_k q_k in [-r, r]; the loss ||A W - T||^2 + lam ||W||^2 is exactly quadratic
in the bits, one independent block per output column.
"""
from __future__ import annotations

import dimod
import numpy as np

from ..exceptions import check_float, check_int
from .labels import weight_labels

__all__ = ["WeightEncoding", "bit_values", "encode_weights", "layer_problem", "weight_qubo_couplings"]


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
        self.labels = weight_labels(layer, m, n, bits)
        self.bqm = dimod.BQM.from_numpy_vectors(
            lin.ravel(), ((iu[None] + shift).ravel(), (ju[None] + shift).ravel(), np.tile(quad, m)),
            float(const.sum()), dimod.BINARY, variable_order=self.labels)

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


def weight_qubo_couplings(fan_in, outputs, bits):
    """Couplings of ``encode_weights``' QUBO of a layer, without building it: every pair of one output's
    (fan_in + 1) * bits weight bits (the bias is a weight too)."""
    nb = (fan_in + 1) * bits
    return outputs * nb * (nb - 1) // 2


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
