"""Layered spin networks: neurons are Ising spins, weights are couplings.

Energy of hidden spin layers h_1..h_{L-1} and output spins o = h_L for a clamped
input x = h_0:

    E(h, o | x) = - sum_l h_l . (W_l h_{l-1}) - sum_l b_l . h_l

The output layer holds ``output_replicas`` spins per class; the target code
t(y) is +1 on the replicas of class y and -1 elsewhere.
"""
from __future__ import annotations

import sys

import numpy as np

from ..exceptions import check_finite_array, check_float, check_int, check_random_state
from .descent import layered_descent

__all__ = ["Network"]


_blas = {}     # threadpoolctl's handles on the loaded BLAS, by whether scipy's BLAS was loaded when made


def one_blas_thread():
    """A context with BLAS on one thread: the network's products are small and the annealer's kernel splits
    its tiles over threads already, so BLAS threads on top only contend (class energies of a 60 x 60 grid for a
    2-195-4 network: 7 ms on one thread, 12-30 ms on two in a busy lab; the kernel 3x slower for a
    64-512-256-10 net). A handle sees only the BLAS loaded when it was made, so loading scipy's (which numba's
    np.dot in the kernel calls) makes a new one."""
    scipy_blas = "scipy.linalg.cython_blas" in sys.modules
    if scipy_blas not in _blas:
        from threadpoolctl import ThreadpoolController
        _blas[scipy_blas] = ThreadpoolController().select(user_api="blas")
    return _blas[scipy_blas].limit(limits=1)


CHUNK = 256           # rows of the class energies' field computed at a time (in the CPU's cache)


def spin_sign(a):
    """sign with sign(0) = +1, so that -|a| = min over s of -s a picks s = sign(a)."""
    return np.where(a >= 0, 1.0, -1.0)


class Network:
    """A layered spin network for classification.

    Args:
        layers: sizes ``[n_inputs, hidden_1, ..., n_classes]`` (at least 2 entries).
        output_replicas: output spins per class (R); the output layer has n_classes * R spins.
        init_scale: weights and biases start as N(0, init_scale**2 / fan_in).
        random_state: seed or numpy Generator for the initial weights.

    Examples:
        >>> net = Network([4, 8, 2], output_replicas=3, random_state=0)
        >>> net.spin_sizes
        [8, 6]
    """

    def __init__(self, layers, output_replicas=1, *, init_scale=1.0, random_state=None):
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__"):
            raise TypeError(f"'layers' should be a list of integers [n_inputs, ..., n_classes]: "
                            f"value = {layers!r}")
        if len(layers) < 2:
            raise ValueError(f"'layers' should have at least 2 entries [n_inputs, ..., n_classes]: "
                             f"value = {list(layers)!r}")
        sizes = [check_int(f"layers[{i}]", n, low=1) for i, n in enumerate(layers)]
        if sizes[-1] < 2:
            raise ValueError(f"'layers[-1]' (the number of classes) should be an integer >= 2: "
                             f"value = {sizes[-1]!r}")
        self.layers = sizes
        self.output_replicas = check_int("output_replicas", output_replicas, low=1)
        self.init_scale = check_float("init_scale", init_scale, low=0)
        rng = check_random_state(random_state)
        self.weights = []
        self.biases = []
        fan_in = sizes[0]
        for n in self.spin_sizes:
            self.weights.append(rng.normal(0.0, self.init_scale / np.sqrt(fan_in), size=(n, fan_in)))
            self.biases.append(rng.normal(0.0, self.init_scale / np.sqrt(fan_in), size=n))
            fan_in = n

    # ----------------------------------------------------------------- shape
    @property
    def n_inputs(self):
        return self.layers[0]

    @property
    def n_classes(self):
        return self.layers[-1]

    @property
    def n_outputs(self):
        """Output spins: classes x replicas."""
        return self.n_classes * self.output_replicas

    @property
    def spin_sizes(self):
        """Sizes of the spin layers h_1 .. h_L (the last is the output layer)."""
        return self.layers[1:-1] + [self.n_classes * self.output_replicas]

    @property
    def n_spins(self):
        """Spins per sample: all hidden and output spins."""
        return int(sum(self.spin_sizes))

    def __repr__(self):
        return f"Network({self.layers}, output_replicas={self.output_replicas})"

    # ---------------------------------------------------------- conversions
    def check_X(self, X, name="X"):
        """X as a finite float array (P, n_inputs), with a clear error otherwise."""
        X = check_finite_array(name, X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"{name!r} should have shape (n_samples, {self.n_inputs}) to match the "
                             f"network's input width: shape = {X.shape}")
        return X

    def check_y(self, y, n_samples=None, name="y"):
        """Labels as an int array with values in 0..n_classes-1."""
        arr = np.asarray(y)
        if arr.ndim == 0:
            arr = arr[None]
        if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer)
                                 or (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)))):
            raise TypeError(f"{name!r} should be a 1-D array of integer class labels: value = {y!r}")
        arr = arr.astype(np.int64)
        bad = (arr < 0) | (arr >= self.n_classes)
        if bad.any():
            raise ValueError(f"{name!r} should hold labels in 0..{self.n_classes - 1}: "
                             f"value {int(arr[bad][0])} at index {int(np.argmax(bad))}")
        if n_samples is not None and len(arr) != n_samples:
            raise ValueError(f"{name!r} should have one label per sample ({n_samples}): length = {len(arr)}")
        return arr

    def target_codes(self, y):
        """t(y): +1 on the replicas of class y, -1 elsewhere; shape (P, n_outputs)."""
        y = self.check_y(y)
        codes = -np.ones((len(y), self.n_classes, self.output_replicas))
        codes[np.arange(len(y)), y] = 1.0
        return codes.reshape(len(y), self.n_outputs)

    def decode_outputs(self, o):
        """Class of output spins: the class whose replicas sum highest (ties: lowest class)."""
        o = np.asarray(o)
        votes = o.reshape(*o.shape[:-1], self.n_classes, self.output_replicas).sum(-1)
        return votes.argmax(-1)

    # --------------------------------------------------------------- energy
    def input_field(self, X):
        """Field of the clamped input on the first spin layer: W_1 x + b_1, shape (P, n_1)."""
        return X @ self.weights[0].T + self.biases[0]

    def energy(self, X, states):
        """E(h, o | x) for spin states ``[h_1, ..., h_L]`` with shapes (..., P, n_l); returns (..., P)."""
        X = self.check_X(X)
        e = -np.einsum("...j,...j->...", states[0], self.input_field(X))
        for l in range(1, len(states)):
            e -= np.einsum("...j,...j->...", states[l], states[l - 1] @ self.weights[l].T + self.biases[l])
        return e

    def local_fields(self, X, states, layer):
        """Field on spin layer ``layer`` (0-based over h_1..h_L) from its two neighbours."""
        f = self.input_field(X) if layer == 0 else states[layer - 1] @ self.weights[layer].T + self.biases[layer]
        if layer + 1 < len(states):
            f = f + states[layer + 1] @ self.weights[layer + 1]
        return f

    def descend(self, X, states, frozen=()):
        """Layered zero-temperature descent: set whole layers to sign(local field) until a fixed point.

        Even layers then odd layers (each an independent set given the others), so the
        energy never rises. Layers in ``frozen`` stay put. Returns the new states.
        """
        states = [np.array(s, dtype=float) for s in states]
        free = [l for l in range(len(states)) if l not in frozen]
        return layered_descent(self.input_field(X), states, self.weights, self.biases, free, spin_sign,
                               np.array_equal)

    def feedforward(self, X):
        """Hidden and output spins from the input alone: h_l = sign(W_l h_{l-1} + b_l)."""
        X = self.check_X(X)
        states, prev = [], X
        for W, b in zip(self.weights, self.biases):
            prev = spin_sign(prev @ W.T + b)
            states.append(prev)
        return states

    def clamped_state(self, X, y):
        """Hidden ground state with the outputs clamped to t(y): list of (P, n_l) arrays.

        Exact for one hidden layer (h_1 = sign(W_1 x + b_1 + W_2^T t(y))); deeper nets use
        the layered descent from the feed-forward state.
        """
        X = self.check_X(X)
        t = self.target_codes(self.check_y(y, len(X)))
        states = self.feedforward(X)
        states[-1] = t
        if len(states) == 2:
            states[0] = spin_sign(self.local_fields(X, states, 0))
            return states
        return self.descend(X, states, frozen=(len(states) - 1,))

    def class_energies(self, X):
        """E_min(c | x): the lowest energy with the outputs clamped to t(c); shape (P, n_classes).

        One hidden layer: -sum_j |W_1 x + b_1 + W_2^T t(c)|_j - b_2 . t(c), exactly.
        """
        X = self.check_X(X)
        with one_blas_thread():
            return self._class_energies(X)

    def _class_energies(self, X):
        P, C = len(X), self.n_classes
        if len(self.weights) == 2:        # a class at a time and CHUNK rows at a time (the whole (P, n_1)
            t = self.target_codes(np.arange(C))     # field took 11 ms for a 60 x 60 grid at n_1 = 195, chunks
            shifts, out = t @ self.weights[1], np.empty((P, C))        # of 256 rows 2 ms)
            for start in range(0, P, CHUNK):
                field = self.input_field(X[start:start + CHUNK])
                for c, shift in enumerate(shifts):
                    part = field + shift
                    out[start:start + CHUNK, c] = -np.abs(part, out=part).sum(-1)
            return out - (t @ self.biases[1])[None, :]
        Xc, yc = np.repeat(X, C, axis=0), np.tile(np.arange(C), P)
        states = [self.target_codes(yc)] if len(self.weights) == 1 else self.clamped_state(Xc, yc)
        return self.energy(Xc, states).reshape(P, C)

    def predict(self, X):
        """Predicted class: argmin_c E_min(c | x)."""
        return self.class_energies(X).argmin(-1)

    def score(self, X, y):
        """Accuracy of ``predict`` on (X, y)."""
        X = self.check_X(X)
        return float(np.mean(self.predict(X) == self.check_y(y, len(X))))

    # ---------------------------------------------------------- parameters
    def copy(self):
        """A deep copy (weights and biases are new arrays)."""
        new = object.__new__(Network)
        new.__dict__.update(self.__dict__)
        new.weights = [w.copy() for w in self.weights]
        new.biases = [b.copy() for b in self.biases]
        return new

    def get_layer(self, layer):
        """Layer ``layer``'s weights with the bias as the last column: (n_l, n_{l-1} + 1)."""
        l = self._layer_index(layer)
        return np.hstack([self.weights[l], self.biases[l][:, None]])

    def set_layer(self, layer, W):
        """Set layer ``layer`` from a (n_l, n_{l-1} + 1) array whose last column is the bias."""
        l = self._layer_index(layer)
        W = check_finite_array("W", W, ndim=2)
        shape = (self.weights[l].shape[0], self.weights[l].shape[1] + 1)
        if W.shape != shape:
            raise ValueError(f"'W' for layer {l} should have shape {shape} (bias last): shape = {W.shape}")
        self.weights[l] = W[:, :-1].copy()
        self.biases[l] = W[:, -1].copy()

    def _layer_index(self, layer):
        n = len(self.weights)
        layer = check_int("layer", layer, low=-n, high=n - 1)
        return layer % n

    def to_dict(self):
        """Plain-JSON description: sizes, replicas and every weight."""
        return {"layers": list(self.layers), "output_replicas": self.output_replicas,
                "init_scale": self.init_scale,
                "weights": [w.tolist() for w in self.weights], "biases": [b.tolist() for b in self.biases]}

    @classmethod
    def from_dict(cls, data):
        """Inverse of ``to_dict``."""
        net = cls(data["layers"], data["output_replicas"], init_scale=data.get("init_scale", 1.0))
        for l, (W, b) in enumerate(zip(data["weights"], data["biases"])):
            net.set_layer(l, np.hstack([np.asarray(W, float), np.asarray(b, float)[:, None]]))
        return net

    def to_onnx(self, path=None):
        """An ONNX model (``onnx.ModelProto``) with outputs ``scores`` and ``label`` (= ``predict``).

        Input ``x`` is float64 (n_samples, n_inputs). Writes it to ``path`` when given.
        Needs the ``onnx`` package (``pip install 'qnn_lab[export]'``).
        """
        try:
            import onnx
        except ImportError as exc:
            raise ImportError(f"Network.to_onnx needs onnx: pip install 'qnn_lab[export]' ({exc})") from None
        from .onnx_graph import network_to_onnx

        model = network_to_onnx(self)
        if path is not None:
            onnx.save_model(model, str(path))
        return model

    def to_torch(self, dtype=None):
        """A ``torch.nn.Module`` mapping x to class scores -E_min(c | x); its argmax equals ``predict``."""
        from .export import SpinNetworkModule
        return SpinNetworkModule(self, dtype=dtype)
