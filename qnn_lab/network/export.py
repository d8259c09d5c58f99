"""Deploy a trained spin network on ordinary hardware as a torch module."""
from __future__ import annotations

import torch

from .descent import layered_descent

__all__ = ["SpinNetworkModule"]


def _sign(a):
    return torch.where(a >= 0, 1.0, -1.0).to(a.dtype)


class SpinNetworkModule(torch.nn.Module):
    """Class scores -E_min(c | x) of a spin network; ``scores.argmax(-1)`` is its prediction.

    One hidden layer is exact and closed-form; deeper networks run the same layered
    descent as ``Network.clamped_state``. Defaults to float64 so predictions match numpy.
    """

    def __init__(self, network, dtype=None):
        super().__init__()
        dtype = dtype or torch.float64
        self.n_classes = network.n_classes
        for l, (W, b) in enumerate(zip(network.weights, network.biases)):
            self.register_buffer(f"W{l}", torch.as_tensor(W, dtype=dtype))
            self.register_buffer(f"b{l}", torch.as_tensor(b, dtype=dtype))
        self.n_layers = len(network.weights)
        self.register_buffer("codes", torch.as_tensor(network.target_codes(range(network.n_classes)), dtype=dtype))

    @classmethod
    def from_state_dict(cls, state, dtype=None):
        """The module back from its ``state_dict()`` (a torch state file: ``torch.load(path)``)."""
        from .network import Network

        n_layers = sum(1 for k in state if k.startswith("W"))
        codes = state["codes"]
        n_classes = int(codes.shape[0])
        layers = [int(state["W0"].shape[1])] + [int(state[f"W{l}"].shape[0]) for l in range(n_layers - 1)]
        net = Network(layers + [n_classes], output_replicas=int(codes.shape[1]) // n_classes)
        net.weights = [state[f"W{l}"].double().numpy().copy() for l in range(n_layers)]
        net.biases = [state[f"b{l}"].double().numpy().copy() for l in range(n_layers)]
        return cls(net, dtype=dtype or codes.dtype)

    def _W(self, l):
        return getattr(self, f"W{l}"), getattr(self, f"b{l}")

    def forward(self, x):
        x = x.to(self.codes.dtype)
        P, C = x.shape[0], self.n_classes
        W0, b0 = self._W(0)
        a = x @ W0.T + b0
        if self.n_layers == 1:
            return a @ self.codes.T
        if self.n_layers == 2:
            W1, b1 = self._W(1)
            field = a[:, None, :] + (self.codes @ W1)[None]
            return field.abs().sum(-1) + (self.codes @ b1)[None]
        return -self._deep_energies(a.repeat_interleave(C, 0), self.codes.repeat(P, 1)).reshape(P, C)

    def _deep_energies(self, a, t):
        """Layered descent with the outputs clamped to t, then the energy (as in Network)."""
        L = self.n_layers
        weights = [self._W(l)[0] for l in range(L)]
        biases = [self._W(l)[1] for l in range(L)]
        states, prev = [], None
        for l in range(L):
            prev = _sign(a) if l == 0 else _sign(prev @ weights[l].T + biases[l])
            states.append(prev)
        states[-1] = t
        states = layered_descent(a, states, weights, biases, range(L - 1), _sign, torch.equal)
        e = -(states[0] * a).sum(-1)
        for l in range(1, L):
            e = e - (states[l] * (states[l - 1] @ weights[l].T + biases[l])).sum(-1)
        return e
