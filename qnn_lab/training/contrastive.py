"""Contrastive annealing: anneal the free network, cut the deep wrong minima ("heads").

Per minibatch: one sampler call anneals the free phase of every sample (num_reads
reads each); the clamped phase puts the outputs at t(y) with the hidden layers in
their ground state; heads are the distinct free states whose outputs are not t(y) and
that lie less than ``margin`` above the clamped energy (``head_rule="margin"``, the
default; "class" also counts every read that decodes to a wrong class, wherever it lies).
The update lowers the clamped state and raises the heads:

    dW_l = eta (<h_l h_{l-1}^T>_clamped - <h_l h_{l-1}^T>_heads)

(a sample without heads contributes nothing). With the "nudged" variant the positive
phase is each head relaxed under a weak output field nudge * t(y) (equilibrium
propagation, a cold reverse anneal from the free state) and the step is divided by nudge.

Why training used to swing, and the defaults (``python benchmarks/stability.py``, its
JSON in benchmarks/). The annealer does not always find the free ground state: many reads
end in metastable minima (a whole hidden layer has to flip with an output spin), and
many of those decode to a wrong class although they lie well above the clamped target.
The "class" rule counted them as heads, so on circles about 0.8 heads per sample stayed
in every epoch even at 0.99 test accuracy. Every such head moves the weights by about
eta whether or not the network errs: the couplings keep growing (on circles |W_1| 7.6 ->
10.4 and the feedback |W_2| 2.3 -> 3.2 in 8 epochs), the weights walk around the solution
and test accuracy swings (circles, seeds 0 and 1: best 0.99 / 1.00, last 0.92 / 0.91).
The cure is to count only what the network gets wrong or nearly wrong: a state less than
``margin`` above the target, a perceptron with margin. Once every sample's target lies
``margin`` below every state the annealer finds, the updates stop (heads per sample fall
to about 0.1, |W_1| stays at 7.6) and the last epoch is the best one. The other remedies
treat the symptom: a faster learning-rate decay slows the walk (gaps 0.02-0.03 on
circles); weight decay and a per-layer norm bound shrink the couplings, so the same noisy
step is relatively larger (worse); momentum adds the noise up; Adam rescales it (last
0.97 where the best was 0.98-1.00); a zero-temperature free phase (every read polished
to its local minimum) keeps the metastable minima. The learning rate and its decay stay.
The margin is an energy, so it scales with the network: ``MARGIN_PER_SPIN`` times the
spins per sample (2.0 on 2-64-2 x 2 replicas, 4.8 on 64-120-10 x 4). A screen of fixed
margins 1-20 (seeds 0 and 1) bounds it: 20 keeps circles updating (last 0.93, best 0.99),
1 leaves digits at 0.95. Over seeds 0-2 on digits (layered numba kernel) 0.03 per spin
ends at 0.973, 0.955, 0.984 with gaps <= 0.004; 0.06 at 0.969, 0.940, 0.973 (gaps up to
0.022); 0.1 at 0.976, 0.960, 0.978.

Sweeps (``DEFAULT_SAMPLER_PARAMS``, one hidden layer). A better free phase does not train
faster: over seeds 0-2 on digits (``python benchmarks/tune.py``, time to 0.93 test accuracy)
10 sweeps x 4 reads gets there in 3, 4, 3 epochs, 100 x 4 in 2, 3, 4 at ten times the
kernel's work per epoch (before a short last minibatch's samples weighed as much as the
others: 3, 3, 4 against 5, 5, 7). So the layered
annealer runs 10 sweeps (it ran 100; reads and batch stay), which also keeps the table above:
at 10 sweeps digits ends at 0.973, 0.964, 0.984 and every task of the stability table within
0.02 of its best epoch (benchmarks/stability_table.json). SA keeps 20 sweeps: its epoch costs
3.0-3.9 CPU s at every setting measured (mostly dimod's per-variable work, not sweeps), and
5 sweeps x 2 reads, the cheapest, takes no more epochs, so B2 trains SA so; as the trainer's
default, 5 sweeps have not been checked for stability.
Deeper networks keep 100 sweeps (``DEEP_SAMPLER_PARAMS``, not re-tuned).

Deep networks: the heads stand for their classes (``head_states``). With more than one
hidden layer, ``predict`` compares the classes' clamped states found by the layered descent
from the feed-forward state, and the annealer's free minima are other states: a free head
differs from the target in the deep hidden layers (the descent from the feed-forward state
never reaches it), so cutting it reshapes the hidden layers without moving the energies
``predict`` compares, and the decisions swing. On digits 64-64-64-40 (seed 0, 10 epochs,
keep_best off) whole-network annealing ended at 0.855 with test accuracy swinging 0.65-0.89
from epoch to epoch; a better free phase made it worse (400 sweeps instead of 100: 0.66,
swings 0.38-0.77), a smaller learning rate did not calm it (0.005: 0.71), a nudged or
relaxed positive phase (the head relaxed toward t(y)) did not learn (<= 0.5), and adding
only the rival's clamped state as one more read (0.844) did not help while the annealer's
free heads stayed. Pushing up the states ``predict`` compares learns steadily: every read
is replaced by the clamped state of the class it decodes to (the annealer still finds
which wrong classes come close), and the rival's clamped state (the wrong class of lowest
E_min(c | x)) joins them; 0.931 after 10 epochs, 0.951 after 20 (seed 1: 0.88 at 10).
With one hidden layer a read at its local minimum is its outputs' clamped state anyway,
so shallow networks keep the reads ("reads": the table above is unchanged).

Deep networks also start with the input and output layers scaled up (``init_gains``,
``DEEP_INIT_GAINS`` = (3, 2)). With the fan-in initialisation the first hidden layer hears
the second one louder than the input: on circles, xor and digits its field from h_2 has
rms 1.2-1.4, the input field W_1 x + b_1 only 0.7-0.9 (with one hidden layer the only
feedback is the few output spins, rms 0.4). The states ``predict`` compares are then set
by the hidden layers' coupling more than by x, and the decisions swing while the weights
hardly move (circles: |W_l| changes by under 10 % over 20 epochs); and the outputs, whose
field on h_2 has rms 0.4, barely move the hidden layers, so W_1 and W_2 hardly learn
(training only the last layer: circles median 0.87, all layers 0.91). 2-32-32-2 (2
replicas, batch 4, 20 epochs, keep_best off, last epoch, seeds 0/1/2) before: circles 0.82
0.92 0.91, xor 0.97 0.97 0.92. Every other candidate left circles at median 0.85-0.95:
learning rate 0.005-0.05, decay 0-1, margin 0.5-6, 8 reads, one head, init_scale 0.5 or 2
on every layer, Adam, the per-layer norm bound, larger steps for the lower layers,
averaging the weights over each epoch. (With two classes the reads do not matter: the
heads are the rival's clamped state, so reads and heads per sample change nothing.)
Scaling up the input layer does (gains (g_in, 1, g_out) on the three layers): (2, 1, 1)
circles 0.96 0.95 0.94, xor 0.91 0.90 0.91; (4, 1, 1) 0.96 0.99 0.99, 0.92 0.97 0.97; (8,
1, 1) 0.99 0.98 0.99, 0.94 0.98 0.98; (3, 1, 2) 0.98 0.97 1.00, 0.97 1.00 0.96; (4, 1, 2)
0.98 0.99 1.00, 0.95 0.92 0.97; (6, 1, 2) 0.95 1.00 1.00, 0.94 0.99 0.99. Scaling the data
instead (x times 2 or 4, so W_1's steps grow too) did less (circles medians 0.97, 0.95).
On digits 64-64-64-40 (seed 0, 20 epochs) (3, 1, 2) ends at 0.955, still rising (0.92-0.96
over the last ten epochs; before: 0.951, 0.91-0.95), so digits gains little; (3, 1, 1) at
0.929, (4, 1, 2) with 4x and 2x steps on those layers at 0.938, (3, 1, 2) with lr_decay
0.1 at 0.953 (swinging again); hence (3, 2). ``python benchmarks/deep.py --epochs 20``
with them, seeds 0/1/2: whole network circles 0.98 0.97 1.00, xor 0.97 1.00 0.96, digits
0.955 0.944 0.938 (flat over the last ten epochs; backprop 0.980 0.982 0.991).
"""
from __future__ import annotations

import numbers
import time

import numpy as np

from ..exceptions import check_bool, check_choice, check_float, check_int
from ..parameters import MAX_SEED
from ..samplers import get_sampler
from .base import Trainer
from .landscape import landscape_metrics, melting_temperature
from .phases import find_heads, free_phase, polish, rival_state

__all__ = ["ContrastiveTrainer"]

#: Sampler parameters of one-hidden-layer networks: layered's is its fastest setting to 0.93 on
#: digits (``python benchmarks/tune.py``; see "Sweeps" in the module docstring).
DEFAULT_SAMPLER_PARAMS = {"sa": {"num_sweeps": 20}, "layered": {"num_sweeps": 10}}
#: Sampler parameters of deeper networks (two or more hidden layers; not re-tuned).
DEEP_SAMPLER_PARAMS = {"sa": {"num_sweeps": 20}, "layered": {"num_sweeps": 100}}
LR_SCHEDULES = ("inverse", "cosine")
OPTIMIZERS = ("sgd", "momentum", "adam")
HEAD_STATES = ("reads", "classes")
#: Gains (input layer, output layer) on the starting weights of networks with two or more hidden layers.
DEEP_INIT_GAINS = (3.0, 2.0)
MOMENTUM = 0.9
ADAM_BETAS = (0.9, 0.999)
#: The default head margin per spin of the network (margin=None: this times network.n_spins).
MARGIN_PER_SPIN = 0.03


class ContrastiveTrainer(Trainer):
    """Train a spin network by annealing and cutting the heads.

    Args:
        network: the ``Network`` to start from (it is copied, never changed).
        sampler: a name from ``list_samplers()`` or a dimod sampler.
        sampler_params: extra parameters of every sampler call (e.g. num_sweeps, beta_range).
        num_reads: free-phase reads per sample.
        heads_per_sample: the deepest heads used per sample (>= 1).
        learning_rate: step size eta.
        lr_decay: learning-rate decay per epoch (>= 0) of the "inverse" schedule.
        lr_schedule: "inverse": eta / (1 + lr_decay * epoch); "cosine": eta (1 + cos(pi epoch / epochs)) / 2.
        margin: energy margin: a free state with outputs != t(y) less than this above the
            clamped energy is a head; None: ``MARGIN_PER_SPIN * network.n_spins``.
        head_rule: "margin" (only the states within the margin are heads) or "class" (also
            every state that decodes to a wrong class, wherever it lies).
        optimizer: "sgd" (eta times the contrastive gradient), "momentum" (0.9) or "adam".
        weight_decay: every step multiplies the weights it changes by 1 - eta * weight_decay.
        normalize: after every step each layer (weights and biases) is scaled back to its
            initial norm.
        zero_temperature: every free read is relaxed to its local minimum (layered descent)
            before the heads are picked.
        init_gains: (g_in, g_out): the first weight layer (W_1, b_1) and the last (W_L, b_L) of
            the network ``fit`` starts from are multiplied by these (``network`` itself is not
            changed); None: (1, 1) with one hidden layer, ``DEEP_INIT_GAINS`` deeper.
        head_states: the states that stand for the heads: "reads" (the annealed reads
            themselves) or "classes" (each read's class stood for by that class's clamped
            state, with the rival's, ``phases.rival_state``, as one more candidate: the states
            ``predict`` compares); None: "reads" with one hidden layer, "classes" deeper.
        variant: "contrastive" (cut the heads) or "nudged" (equilibrium propagation).
        nudge: output field strength of the nudged variant (> 0).
        batch_size: samples per minibatch (one sampler call each).
        epochs: epochs of ``fit``.
        keep_best: ``fit`` ends with the weights of its best epoch on the training data.
        random_state: seed of the shuffling and of the sampler seeds.
        callback: ``callback(trainer, record)`` after every minibatch and epoch.
        probe_size: training samples (the first ones ``fit`` sees) whose energy landscape is
            measured after every epoch into ``history_[i]["landscape"]``, with the melting
            temperature of the trained order into ``history_[i]["melting_temperature"]``
            (``training.landscape.melting_temperature``; 0 turns both off); the first record
            also holds both before training, "landscape_initial" and "melting_temperature_initial".
        probe_reads: reads per probe sample (>= 2).

    Cost counters: one sampler call per minibatch, ``num_reads`` reads per call, and
    ``num_reads * batch`` anneals (a read anneals every sample of the minibatch).

    Examples:
        >>> import qnn_lab as ql
        >>> ds = ql.load_dataset("xor", n_samples=80, random_state=0)
        >>> net = ql.Network([2, 8, 2], output_replicas=2, random_state=0)
        >>> tr = ql.ContrastiveTrainer(net, sampler="layered", epochs=2, random_state=0)
        >>> tr.fit(ds.X_train, ds.y_train).history_[-1]["epoch"]
        2
    """

    SAMPLER_COUNTERS = ("sampler_calls", "reads", "anneals")

    def __init__(self, network, sampler="layered", sampler_params=None, *, num_reads=4, heads_per_sample=2,
                 learning_rate=0.02, lr_decay=0.3, lr_schedule="inverse", margin=None, head_rule="margin",
                 optimizer="sgd", weight_decay=0.0, normalize=False, zero_temperature=False, init_gains=None,
                 head_states=None, variant="contrastive", nudge=4.0, batch_size=32, epochs=20, keep_best=True,
                 random_state=None, callback=None, probe_size=32, probe_reads=8):
        self.network = network
        self.sampler = sampler
        self.sampler_params = sampler_params
        self.num_reads = num_reads
        self.heads_per_sample = heads_per_sample
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.lr_schedule = lr_schedule
        self.margin = margin
        self.head_rule = head_rule
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.normalize = normalize
        self.zero_temperature = zero_temperature
        self.init_gains = init_gains
        self.head_states = head_states
        self.variant = variant
        self.nudge = nudge
        self.batch_size = batch_size
        self.epochs = epochs
        self.keep_best = keep_best
        self.random_state = random_state
        self.callback = callback
        self.probe_size = probe_size
        self.probe_reads = probe_reads

    def _check_params(self):
        super()._check_params()
        check_int("num_reads", self.num_reads, low=1)
        check_int("heads_per_sample", self.heads_per_sample, low=1)
        check_float("learning_rate", self.learning_rate, low=0, low_open=True)
        check_float("lr_decay", self.lr_decay, low=0)
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES, error=ValueError)
        margin = MARGIN_PER_SPIN * self.network.n_spins if self.margin is None else self.margin
        self.margin_ = check_float("margin", margin)
        check_choice("head_rule", self.head_rule, ("class", "margin"), error=ValueError)
        check_choice("optimizer", self.optimizer, OPTIMIZERS, error=ValueError)
        check_float("weight_decay", self.weight_decay, low=0)
        check_bool("normalize", self.normalize)
        check_bool("zero_temperature", self.zero_temperature)
        deep = len(self.network.weights) > 2
        gains = (DEEP_INIT_GAINS if deep else (1.0, 1.0)) if self.init_gains is None else self.init_gains
        if not isinstance(gains, (tuple, list)) or len(gains) != 2:
            raise TypeError(f"'init_gains' should be a pair (input gain, output gain) or None: value = {gains!r}")
        self.init_gains_ = tuple(check_float(f"init_gains[{i}]", g, low=0, low_open=True)
                                 for i, g in enumerate(gains))
        self.head_states_ = check_choice("head_states", ("classes" if deep else "reads") if self.head_states is None
                                         else self.head_states, HEAD_STATES, error=ValueError)
        check_choice("variant", self.variant, ("contrastive", "nudged"), error=ValueError)
        check_float("nudge", self.nudge, low=0, low_open=True)
        check_int("probe_size", self.probe_size, low=0)
        check_int("probe_reads", self.probe_reads, low=2)
        defaults = DEEP_SAMPLER_PARAMS if deep else DEFAULT_SAMPLER_PARAMS
        params = dict(defaults.get(self.sampler, {}) if isinstance(self.sampler, str) else {})
        params.update(self.sampler_params or {})
        if isinstance(self.sampler, str):
            self.sampler_ = get_sampler(self.sampler, **params)
            self._extra_params = {}
        elif hasattr(self.sampler, "sample"):
            self.sampler_ = self.sampler
            self._extra_params = params
        else:
            raise TypeError(f"'sampler' should be a sampler name or a dimod sampler: value = {self.sampler!r}")
        if "num_reads" in params:
            raise ValueError("'sampler_params' should not hold 'num_reads': use the trainer's 'num_reads'")

    def _initialize(self):
        super()._initialize()
        net = self.network_
        for l, gain in ((0, self.init_gains_[0]), (-1, self.init_gains_[1])):
            net.weights[l], net.biases[l] = net.weights[l] * gain, net.biases[l] * gain
        self._start = net.copy()                               # the weights before training
        self._probe = None
        self._moments = {}                                     # optimizer state per parameter
        self._norms = [np.sqrt(np.sum(W ** 2) + np.sum(b ** 2)) for W, b in zip(net.weights, net.biases)]

    def _eta(self):
        """The learning rate of the current epoch."""
        if self.lr_schedule == "cosine":
            return self.learning_rate * 0.5 * (1 + np.cos(np.pi * min(self.epoch_, self.epochs) / max(self.epochs, 1)))
        return self.learning_rate / (1.0 + self.lr_decay * self.epoch_)

    def _epoch_measurements(self, X, y):
        """The landscape of the probe set (fixed at the first epoch) with the current weights, and
        the melting temperature of the trained order on it (``melting_temperature``).

        The probe anneals with its own fixed seed, so the training's random stream, and with
        it the training itself, is the same whether the probe is on or off.
        """
        if self.probe_size == 0:
            return {}
        t0 = time.perf_counter()
        record = {}
        if self._probe is None:
            self._probe = (X[:self.probe_size], y[:self.probe_size])
            if self.epoch_ == 1:
                record["landscape_initial"] = self._landscape(self._start)
                record["melting_temperature_initial"] = self._melting(self._start)
        record["landscape"] = self._landscape(self.network_)
        record["melting_temperature"] = self._melting(self.network_)
        record["probe_seconds"] = time.perf_counter() - t0
        return record

    def _probe_seed(self):
        return int(self.random_state) % MAX_SEED if isinstance(self.random_state, numbers.Integral) else 0

    def _landscape(self, network):
        return landscape_metrics(network, *self._probe, self.sampler_, self.probe_reads, margin=self.margin_,
                                 head_rule=self.head_rule, seed=self._probe_seed(),
                                 sampler_params=self._extra_params).to_dict()

    def _melting(self, network):
        return melting_temperature(network, *self._probe, self.probe_reads, seed=self._probe_seed())[0]

    def _free_phase(self, X, y=None):
        """One sampler call on the minibatch: spins per layer (R, P, n_l), and the seconds it took."""
        t0 = time.perf_counter()
        states = free_phase(self.network_, X, self.sampler_, self.num_reads, int(self._rng.integers(MAX_SEED)),
                            self._extra_params, y)
        self._count_sampler_call(len(X))
        if self.zero_temperature:
            states = polish(self.network_, X, states)
        return states, time.perf_counter() - t0

    def _count_sampler_call(self, n_samples):
        """Cost counters of one sampler call annealing ``n_samples`` samples ``num_reads`` times."""
        self.sampler_calls_ += 1
        self.reads_ += self.num_reads
        self.anneals_ += self.num_reads * n_samples

    def _step(self, X, y):
        net = self.network_
        states, sampler_seconds = self._free_phase(X, y)
        free_energy = float(net.energy(X, states).min(0).mean())
        if self.head_states_ == "classes":
            states = self._class_states(X, y, states)
        energies = net.energy(X, states)                             # (R, P)
        t = net.target_codes(y)
        classes = net.decode_outputs(states[-1])
        clamped = net.clamped_state(X, y)
        e_clamped = net.energy(X, clamped)
        flat = np.concatenate(states, axis=-1)
        weights = find_heads(flat, energies, np.all(states[-1] == t[None], -1), classes, y,
                             e_clamped, self.margin_, self.heads_per_sample, self.head_rule)
        eta = self._eta()
        if self.variant == "nudged":
            positive = self._nudged_states(X, y, states)
            eta = eta / self.nudge
        else:            # reads that are no head get weight 0 in _update: no mask needed here
            positive = [np.broadcast_to(c, s.shape) for c, s in zip(clamped, states)]
        self._update(X, positive, states, weights, eta)
        return {"free_energy": free_energy, "clamped_energy": float(e_clamped.mean()),
                "heads_per_sample": float((weights > 0).sum(0).mean()), "sampler_seconds": sampler_seconds}

    def _class_states(self, X, y, states):
        """Each read (R, P, n_l per layer) replaced by the clamped state of the class it decodes to,
        and the rival's clamped state appended as one more read (R + 1 reads)."""
        net = self.network_
        R, P = states[0].shape[:2]
        classes = net.decode_outputs(states[-1]).reshape(-1)
        by_class = net.clamped_state(np.tile(X, (R, 1)), classes)
        return [np.concatenate([c.reshape(R, P, -1), r[None]]) for c, r in zip(by_class, rival_state(net, X, y))]

    def _nudged_states(self, X, y, states):
        """Each read relaxed (layered descent) under the weak output field nudge * t(y)."""
        net = self.network_
        R = states[0].shape[0]
        nudged = net.copy()                   # its output bias differs per sample: b + nudge * t(y)
        nudged.biases[-1] = net.biases[-1][None, :] + self.nudge * np.tile(net.target_codes(y), (R, 1))
        return polish(nudged, X, states)

    def _update(self, X, positive, negative, weights, eta, window=None):
        """One step along G_l = sum over samples and reads of w * (pos_l pos_{l-1}^T - neg_l neg_{l-1}^T) over the
        batch size, so each sample weighs the same (a last minibatch of 4 out of 32 had eight times the weight
        per sample: on digits one such step sent every prediction to one class).

        With ``window`` (start, stop) of spin layers, only the weights touching it and its
        biases change (layer-wise training); None: every layer. The step is eta G (sgd), or
        momentum / Adam on G; then weight decay and the per-layer norm bound. New weights
        are computed first and swapped in at once, so an interrupt never leaves a
        half-updated network.
        """
        net = self.network_
        start, stop = (0, len(net.weights)) if window is None else window
        w = weights[..., None] / max(len(X), self._batch_size)    # a short last minibatch: a shorter step
        flat = lambda a: a.reshape(-1, a.shape[-1])                       # noqa: E731
        new_weights, new_biases = list(net.weights), list(net.biases)
        for l in range(start, min(stop + 1, len(net.weights))):
            if l == 0:
                prev_pos = prev_neg = np.broadcast_to(X, positive[0].shape[:2] + X.shape[1:])
            else:
                prev_pos, prev_neg = positive[l - 1], negative[l - 1]
            dpos, dneg = positive[l] * w, negative[l] * w
            W = net.weights[l] + self._step_of((l, "W"), flat(dpos).T @ flat(prev_pos) - flat(dneg).T @ flat(prev_neg),
                                               eta)
            b = net.biases[l]
            if l < stop:
                b = b + self._step_of((l, "b"), dpos.sum((0, 1)) - dneg.sum((0, 1)), eta)
            if self.weight_decay:
                W = W * (1 - eta * self.weight_decay)
                b = b * (1 - eta * self.weight_decay) if l < stop else b
            if self.normalize:
                scale = self._norms[l] / max(np.sqrt(np.sum(W ** 2) + np.sum(b ** 2)), 1e-300)
                W, b = W * scale, b * scale
            new_weights[l], new_biases[l] = W, b
        net.weights, net.biases = new_weights, new_biases

    def _step_of(self, key, grad, eta):
        """The optimizer's step for one parameter array from its contrastive gradient ``grad``."""
        if self.optimizer == "sgd":
            return eta * grad
        state = self._moments.setdefault(key, [np.zeros_like(grad), np.zeros_like(grad), 0])
        if self.optimizer == "momentum":
            state[0] = MOMENTUM * state[0] + grad
            return eta * state[0]
        state[2] += 1
        state[0] = ADAM_BETAS[0] * state[0] + (1 - ADAM_BETAS[0]) * grad
        state[1] = ADAM_BETAS[1] * state[1] + (1 - ADAM_BETAS[1]) * grad ** 2
        m = state[0] / (1 - ADAM_BETAS[0] ** state[2])
        v = state[1] / (1 - ADAM_BETAS[1] ** state[2])
        return eta * m / (np.sqrt(v) + 1e-8)
