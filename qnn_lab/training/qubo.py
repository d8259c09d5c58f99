"""Weight-QUBO training: each layer's K-bit weights from one annealed least-squares QUBO."""
from __future__ import annotations

import time

from ..encoding import encode_weights
from ..exceptions import check_float, check_int
from ..parameters import MAX_SEED
from ..samplers import get_sampler
from .base import Trainer

__all__ = ["QuboTrainer"]


class QuboTrainer(Trainer):
    """Layer-wise training with weights as qubits.

    A step fits the layers from the output down: each layer's targets come from the
    clamped phase of the current network (t(y) for the output layer), its K-bit weights
    from the best read per output unit of one sampler call on the weight QUBO: the loss
    ||A W - T||^2 + reg ||W||^2 of the layer's inputs A (with a bias column) against its
    targets T, each weight written as K bits on a uniform grid over [-r, r]. The loss is
    exactly quadratic in the bits, one independent block per output unit, so the QUBO's
    energy equals the loss for every bit string (``encode_weights``).

    Args:
        network: the ``Network`` to start from (copied).
        sampler: a sampler name (not "layered": the QUBO is dense) or a dimod sampler.
        sampler_params: extra parameters of each sampler call.
        bits: bits per weight, 1..8.
        reg: ridge strength of the loss.
        weight_range: weights lie in [-r, r]; None: from the continuous ridge solution.
        target_scale: output targets are target_scale * t(y) (see ``encode_weights``).
        num_reads: reads per QUBO.
        batch_size: samples per step; None: the whole training set.
        epochs: epochs of ``fit``.
        keep_best: ``fit`` ends with the weights of its best epoch on the training data.
        random_state, callback: as for every trainer.

    Cost counters: one sampler call per layer per step with ``num_reads`` reads; a read
    anneals one model (the layer's QUBO), so ``anneals`` equals ``reads``.
    """

    SAMPLER_COUNTERS = ("sampler_calls", "reads", "anneals")

    def __init__(self, network, sampler="sa", sampler_params=None, *, bits=3, reg=0.01, weight_range=None,
                 target_scale=0.15, num_reads=10, batch_size=None, epochs=3, keep_best=True, random_state=None,
                 callback=None):
        self.network = network
        self.sampler = sampler
        self.sampler_params = sampler_params
        self.bits = bits
        self.reg = reg
        self.weight_range = weight_range
        self.target_scale = target_scale
        self.num_reads = num_reads
        self.batch_size = batch_size
        self.epochs = epochs
        self.keep_best = keep_best
        self.random_state = random_state
        self.callback = callback

    def _resolve_batch_size(self):
        return 2**62 if self.batch_size is None else super()._resolve_batch_size()

    def _check_params(self):
        super()._check_params()
        check_int("bits", self.bits, low=1, high=8)
        check_float("reg", self.reg, low=0)
        if self.weight_range is not None:
            check_float("weight_range", self.weight_range, low=0, low_open=True)
        check_int("num_reads", self.num_reads, low=1)
        params = {"num_sweeps": 200} if self.sampler == "sa" else {}
        params.update(self.sampler_params or {})
        if self.sampler == "layered":
            raise ValueError("'sampler' should not be 'layered' for QuboTrainer: the weight QUBO has "
                             "couplings inside each block; use 'sa', 'tabu', 'steepest' or 'exact'")
        named = isinstance(self.sampler, str)
        self.sampler_ = get_sampler(self.sampler, **params) if named else self.sampler
        self._extra_params = {} if named else params       # a sampler object gets them with every call

    def _step(self, X, y):
        net = self.network_
        sampler_seconds, loss = 0.0, 0.0
        for layer in range(len(net.weights)):
            enc = encode_weights(net, (X, y), layer=layer, bits=self.bits, reg=self.reg,
                                 weight_range=self.weight_range, target_scale=self.target_scale)
            params = {"num_reads": self.num_reads, **self._extra_params}
            if "seed" in getattr(self.sampler_, "parameters", {}):
                params["seed"] = int(self._rng.integers(MAX_SEED))
            t0 = time.perf_counter()
            sampleset = self.sampler_.sample(enc.bqm, **params)
            sampler_seconds += time.perf_counter() - t0
            self.sampler_calls_ += 1
            self.reads_ += self.num_reads
            self.anneals_ += self.num_reads
            W = enc.best_weights(sampleset)
            net.set_layer(layer, W)
            loss += enc.loss(W) / len(X)
        return {"loss": loss, "sampler_seconds": sampler_seconds}
