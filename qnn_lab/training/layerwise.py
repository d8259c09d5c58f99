"""Layer-wise contrastive annealing: a window of k consecutive spin layers at a time.

A deep network needs more spins than a modest annealer has. Here the annealer only ever
sees a window of k consecutive spin layers of h_1..h_L (``encode_window``); the spins
outside it are fixed to deterministic states, those the deployed network compares
(``Network.predict`` is argmin_c E_min(c | x) over clamped states):

- positive phase: the clamped state of the true class y (outputs at t(y), hidden layers
  by the layered descent), as in ``ContrastiveTrainer``;
- negative phase: outside the window, the clamped state of the rival class, the wrong
  class of lowest E_min(c | x); the window's spins are the sampler's reads of the window
  with that outside fixed.

Heads are picked among the reads as in ``ContrastiveTrainer``: with the default
``head_rule="margin"`` a read is a head only while it lies less than ``margin`` above
the positive state, so a window stops updating once the rival cannot get within the
margin of the true class through it (with "class", a window without the output layer
keeps the rival's outputs, every distinct read is a head and updates never stop). Only
the weights touching the window change: W_l into every window layer, W out of the
window's top layer, and the window layers' biases.

Schedule: every minibatch sweeps the window top-down over all L - k + 1 positions (one
sampler call each, the states recomputed after each update), so every layer is trained
on every minibatch whatever k. With k = L there is one window, the whole network: the
trainer takes ``ContrastiveTrainer``'s steps (same seed, same history).
"""
from __future__ import annotations

import time

import numpy as np

from ..encoding import encode_window, window_model
from ..exceptions import check_int
from ..parameters import MAX_SEED
from ..samplers import ConfiguredSampler, LayeredAnnealer
from ..samplers.schedules import AnnealSchedule
from .contrastive import ContrastiveTrainer
from .phases import find_heads, rival_state, sampler_call_params

__all__ = ["LayerwiseTrainer", "rival_state", "window_phase", "window_positions"]


def window_positions(n_layers, window):
    """The (start, stop) of every window of ``window`` consecutive spin layers, top-down."""
    return [(start, start + window) for start in range(n_layers - window, -1, -1)]


def window_phase(network, X, window, outside, sampler, num_reads, seed=None, extra_params=None, y=None):
    """Anneal the window's spins with the outside fixed, one sampler call; window spins (R, P, n_l).

    The layered annealer takes the array fast path; other samplers get the window's BQM
    (``encode_window``; see ``sampler_call_params``). A reverse anneal schedule starts from the
    window's spins of each sample's right answer, the clamped state of labels ``y`` (as ``free_phase``).
    """
    child = sampler.child if isinstance(sampler, ConfiguredSampler) else sampler
    if isinstance(child, LayeredAnnealer):
        params = {**getattr(sampler, "defaults", {}), "num_reads": num_reads, "seed": seed}
        model, _ = window_model(network, X, window, outside)
        return [s.astype(float) for s in child.sample_model(model, **params)]
    enc = encode_window(network, X, window, outside)
    params = sampler_call_params(sampler, num_reads, seed, extra_params, enc.model)
    schedule = {**getattr(sampler, "defaults", {}), **params}.get("anneal_schedule")
    if schedule is not None and AnnealSchedule(schedule).kind == "reverse" and "initial_state" not in params:
        if y is None:
            raise ValueError("a reverse 'anneal_schedule' starts from the right answers: the labels 'y' are needed")
        clamped = network.clamped_state(X, y)[window[0]:window[1]]
        spins = np.concatenate([np.asarray(s).reshape(len(X), -1) for s in clamped], axis=-1)
        params["initial_state"] = dict(zip(enc.labels, spins.ravel().astype(int).tolist()))
    arr = enc.sample_array(sampler.sample(enc.bqm, **params))
    arr = arr.reshape(len(arr), len(X), enc.spins_per_sample)
    return [arr[..., a:b] for a, b in zip(enc.offsets[:-1], enc.offsets[1:])]


class LayerwiseTrainer(ContrastiveTrainer):
    """Contrastive annealing of a deep network, ``window`` consecutive spin layers at a time.

    Takes every argument of ``ContrastiveTrainer`` (variant "contrastive" only: the nudge
    acts on the outputs, which most windows do not hold) and:

    Args:
        window: spin layers annealed at a time, 1..L (L = len(network.weights)); None: all
            L layers (one window, the ``ContrastiveTrainer``'s steps).

    ``window_`` is the resolved k; ``window_spins_`` the spins per sample of each window
    position (top-down), the qubits one sample needs before embedding.

    Examples:
        >>> import qnn_lab as ql
        >>> ds = ql.load_dataset("xor", n_samples=80, random_state=0)
        >>> net = ql.Network([2, 8, 8, 2], output_replicas=2, random_state=0)
        >>> tr = ql.LayerwiseTrainer(net, window=1, epochs=2, random_state=0).fit(ds.X_train, ds.y_train)
        >>> tr.window_, tr.window_spins_
        (1, [4, 8, 8])
    """

    def __init__(self, network, sampler="layered", sampler_params=None, *, window=None, num_reads=4,
                 heads_per_sample=2, learning_rate=0.02, lr_decay=0.3, lr_schedule="inverse", margin=None,
                 head_rule="margin", optimizer="sgd", weight_decay=0.0, normalize=False, zero_temperature=False,
                 init_gains=None, head_states=None, variant="contrastive", nudge=4.0, batch_size=32, epochs=20,
                 keep_best=True, random_state=None, callback=None, probe_size=32, probe_reads=8):
        super().__init__(network, sampler, sampler_params, num_reads=num_reads, heads_per_sample=heads_per_sample,
                         learning_rate=learning_rate, lr_decay=lr_decay, lr_schedule=lr_schedule, margin=margin,
                         head_rule=head_rule, optimizer=optimizer, weight_decay=weight_decay, normalize=normalize,
                         zero_temperature=zero_temperature, init_gains=init_gains, head_states=head_states,
                         variant=variant, nudge=nudge, batch_size=batch_size, epochs=epochs, keep_best=keep_best,
                         random_state=random_state, callback=callback, probe_size=probe_size,
                         probe_reads=probe_reads)
        self.window = window

    def _check_params(self):
        n_layers = len(self.network.weights)
        window = n_layers if self.window is None else self.window
        self.window_ = check_int("window", window, low=1, high=n_layers)
        if self.variant != "contrastive":
            raise ValueError(f"'variant' should be 'contrastive' for layer-wise training (the nudge acts on "
                             f"the outputs, which most windows do not hold): value = {self.variant!r}")
        super()._check_params()
        sizes = self.network.spin_sizes
        self.window_spins_ = [int(sum(sizes[a:b])) for a, b in window_positions(n_layers, self.window_)]

    def _step(self, X, y):
        if self.window_ == len(self.network_.weights):            # one window, the whole network
            return super()._step(X, y)
        records = [self._window_step(X, y, window) for window in window_positions(len(self.network_.weights),
                                                                                 self.window_)]
        out = {key: float(np.mean([r[key] for r in records])) for key in records[0]}
        out["sampler_seconds"] = float(sum(r["sampler_seconds"] for r in records))
        return out

    def _window_step(self, X, y, window):
        """Anneal one window, pick its heads and update the weights touching it."""
        net = self.network_
        start, stop = window
        t = net.target_codes(y)
        positive = net.clamped_state(X, y)
        outside = rival_state(net, X, y)

        t0 = time.perf_counter()
        window_reads = window_phase(net, X, window, outside, self.sampler_, self.num_reads,
                                    int(self._rng.integers(MAX_SEED)), self._extra_params, y=y)
        sampler_seconds = time.perf_counter() - t0
        self._count_sampler_call(len(X))
        R = len(window_reads[0])
        negative = [window_reads[l - start] if start <= l < stop else np.broadcast_to(s, (R, *s.shape))
                    for l, s in enumerate(outside)]
        energies = net.energy(X, negative)
        e_positive = net.energy(X, positive)
        classes = net.decode_outputs(negative[-1])
        flat = np.concatenate(window_reads, axis=-1)
        weights = find_heads(flat, energies, np.all(negative[-1] == t[None], -1), classes, y,
                             e_positive, self.margin_, self.heads_per_sample, self.head_rule)
        positive = [np.broadcast_to(c, s.shape) for c, s in zip(positive, negative)]   # non-heads weigh 0
        self._update(X, positive, negative, weights, self._eta(), window)
        return {"free_energy": float(energies.min(0).mean()), "clamped_energy": float(e_positive.mean()),
                "heads_per_sample": float((weights > 0).sum(0).mean()), "sampler_seconds": sampler_seconds}
