"""The baseline: the same architecture with tanh hidden units, trained by backpropagation.

torch is imported on first use, so ``import qnn_lab`` stays light. The optimisers' steps are torch's
own (``torch.optim.Adam`` and ``SGD`` on the CPU, written out): constructing a ``torch.optim``
optimiser loads torch._dynamo: 1.6 s on first use, longer than a whole scaling-study cell.
"""
from __future__ import annotations

import time

import numpy as np

from ..exceptions import check_choice, check_float
from .base import Trainer

__all__ = ["BackpropTrainer"]

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


class BackpropTrainer(Trainer):
    """Backprop (torch) on the network's layer sizes, tanh hidden units, replica-averaged logits.

    Args:
        network: the ``Network`` whose sizes and initial weights are used (copied).
        optimizer: "adam" or "sgd".
        learning_rate: step size (> 0).
        weight_decay: L2 penalty (>= 0).
        batch_size, epochs, random_state, callback: as for every trainer.

    ``model_`` is the trained torch module; ``network_`` holds its weights as a spin network.
    """

    def __init__(self, network, *, optimizer="adam", learning_rate=0.01, weight_decay=0.0, batch_size=32,
                 epochs=30, random_state=None, callback=None):
        self.network = network
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state
        self.callback = callback

    def _check_params(self):
        super()._check_params()
        check_choice("optimizer", self.optimizer, ("adam", "sgd"), error=ValueError)
        check_float("learning_rate", self.learning_rate, low=0, low_open=True)
        check_float("weight_decay", self.weight_decay, low=0)

    def _initialize(self):
        import torch

        super()._initialize()
        net = self.network_
        torch.manual_seed(int(self._rng.integers(2**31)))
        layers = []
        for l, (W, b) in enumerate(zip(net.weights, net.biases)):
            lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.as_tensor(W))
                lin.bias.copy_(torch.as_tensor(b))
            layers.append(lin)
            if l + 1 < len(net.weights):
                layers.append(torch.nn.Tanh())
        self.model_ = torch.nn.Sequential(*layers)
        self._moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.model_.parameters()] \
            if self.optimizer == "adam" else None
        self._steps = 0

    def _logits(self, X):
        import torch

        out = self.model_(torch.tensor(X, dtype=torch.float64))
        net = self.network_
        return out.reshape(len(X), net.n_classes, net.output_replicas).mean(-1)

    def _step(self, X, y):
        import torch

        t0 = time.perf_counter()
        self.model_.zero_grad()
        loss = torch.nn.functional.cross_entropy(self._logits(X), torch.as_tensor(y))
        loss.backward()
        self._update()
        with torch.no_grad():
            for l, lin in enumerate(m for m in self.model_ if isinstance(m, torch.nn.Linear)):
                self.network_.weights[l] = lin.weight.numpy().copy()
                self.network_.biases[l] = lin.bias.numpy().copy()
        return {"loss": float(loss.detach()), "backprop_seconds": time.perf_counter() - t0}

    def _update(self):
        """One step of torch.optim.Adam (betas 0.9, 0.999, eps 1e-8) or SGD, L2 weight decay in the gradient."""
        import torch

        lr, decay, (beta1, beta2) = self.learning_rate, self.weight_decay, ADAM_BETAS
        self._steps += 1
        with torch.no_grad():
            for k, param in enumerate(self.model_.parameters()):
                grad = param.grad.add(param, alpha=decay) if decay else param.grad
                if self._moments is None:                          # sgd
                    param.add_(grad, alpha=-lr)
                    continue
                mean, square = self._moments[k]
                mean.lerp_(grad, 1 - beta1)
                square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denominator = (square.sqrt() / (1 - beta2 ** self._steps) ** 0.5).add_(ADAM_EPS)
                param.addcdiv_(mean, denominator, value=-lr / (1 - beta1 ** self._steps))

    def predict(self, X):
        """argmax of the torch model's class logits."""
        import torch

        self._check_fitted()
        X = self.network.check_X(X)
        with torch.no_grad():
            return self._logits(X).argmax(-1).numpy()

    def score(self, X, y):
        self._check_fitted()
        X = self.network.check_X(X)
        return float(np.mean(self.predict(X) == self.network.check_y(y, len(X))))
