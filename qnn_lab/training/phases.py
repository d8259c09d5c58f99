"""The phases of contrastive training: free (anneal), clamped, heads, polish; one sampler call each."""
from __future__ import annotations

import numpy as np

from ..encoding import LayeredModel, encode_neurons
from ..samplers import ConfiguredSampler, LayeredAnnealer, default_beta_range
from ..samplers.schedules import AnnealSchedule

__all__ = ["find_heads", "free_phase", "polish", "rival_state", "sampler_call_params"]


def find_heads(states, energies, targets, classes, y, clamped_energy, margin, max_heads, rule="class"):
    """Pick up to ``max_heads`` deepest distinct heads per sample.

    Args:
        states: spins (R, P, N) of every read; energies, classes: (R, P).
        targets: the output part is compared via ``targets`` (R, P) bool: outputs == t(y).
        rule: "class": a non-target read is a head if it decodes to a wrong class or lies
            less than ``margin`` above the clamped energy; "margin": only if it lies less than
            ``margin`` above the clamped energy, whatever its class.
    Returns:
        weights (R, P): 1/k for the k heads of a sample, 0 elsewhere.
    """
    R, P, N = states.shape
    key = states.astype(np.float64) @ np.random.default_rng(0).standard_normal(N)   # state fingerprint
    is_head = ~targets & (energies < clamped_energy[None, :] + margin)
    if rule == "class":
        is_head |= ~targets & (classes != y[None, :])
    order = np.lexsort((energies, key, ~is_head), axis=0)          # per sample: heads first, by state
    key_s = np.take_along_axis(key, order, 0)
    head_s = np.take_along_axis(is_head, order, 0)
    first = np.ones((R, P), bool)
    first[1:] = key_s[1:] != key_s[:-1]
    distinct = head_s & first
    e_s = np.where(distinct, np.take_along_axis(energies, order, 0), np.inf)
    rank = np.argsort(np.argsort(e_s, axis=0, kind="stable"), axis=0, kind="stable")
    chosen_s = distinct & (rank < max_heads)
    chosen = np.zeros((R, P), bool)
    np.put_along_axis(chosen, order, chosen_s, 0)
    k = chosen.sum(0)
    return np.where(chosen, 1.0 / np.maximum(k, 1)[None, :], 0.0)


def free_phase(network, X, sampler, num_reads, seed=None, extra_params=None, y=None):
    """Anneal the free network on inputs X with one sampler call; spins per layer (R, P, n_l).

    The layered annealer takes its array fast path (no BQM round trip); other samplers get
    the minibatch BQM (see ``sampler_call_params``). A reverse anneal schedule starts from
    each sample's right answer, the clamped state of labels ``y``.
    """
    child = sampler.child if isinstance(sampler, ConfiguredSampler) else sampler
    if isinstance(child, LayeredAnnealer):
        params = {**getattr(sampler, "defaults", {}), "num_reads": num_reads, "seed": seed}
        return [s.astype(float) for s in child.sample_model(LayeredModel.from_network(network, X), **params)]
    enc = encode_neurons(network, X)
    params = sampler_call_params(sampler, num_reads, seed, extra_params, enc.model)
    schedule = {**getattr(sampler, "defaults", {}), **params}.get("anneal_schedule")
    if schedule is not None and AnnealSchedule(schedule).kind == "reverse" and "initial_state" not in params:
        if y is None:
            raise ValueError("a reverse 'anneal_schedule' starts from the right answers: the labels 'y' are needed")
        params["initial_state"] = enc.sample_of(network.clamped_state(X, y))
    return enc.decode(sampler.sample(enc.bqm, **params)).states


def polish(network, X, states):
    """Every read (R, P, n_l per layer) relaxed to its local minimum by the layered zero-temperature descent."""
    R, P = states[0].shape[:2]
    relaxed = network.descend(np.tile(X, (R, 1)), [s.reshape(R * P, -1) for s in states])
    return [r.reshape(R, P, -1) for r in relaxed]


def rival_state(network, X, y):
    """The deepest wrong-class clamped state of each sample: the outputs at t(c) for the wrong class c
    of lowest E_min(c | x), the hidden layers by the layered descent; (P, n_l) per spin layer.

    It is the state ``Network.predict`` compares with the true class's clamped state."""
    P, C = len(X), network.n_classes
    every = network.clamped_state(np.repeat(X, C, axis=0), np.tile(np.arange(C), P))
    energies = network.energy(np.repeat(X, C, axis=0), every).reshape(P, C)
    energies[np.arange(P), y] = np.inf
    pick = np.arange(P) * C + energies.argmin(1)
    return [s[pick] for s in every]


def sampler_call_params(sampler, num_reads, seed, extra_params, model):
    """Parameters of one training call of a dimod sampler: reads, the seed where it takes one, and
    where it takes a beta_range left unset, dwave-samplers' default computed from the arrays of
    ``model`` (a LayeredModel; the same numbers, without its Python loop over couplings)."""
    params = {"num_reads": num_reads, **(extra_params or {})}
    takes = getattr(sampler, "parameters", {})
    if "seed" in takes and seed is not None:
        params["seed"] = seed
    chosen = {**getattr(sampler, "defaults", {}), **params}
    if "beta_range" in takes and chosen.get("beta_range") is None:
        params["beta_range"] = default_beta_range(model)
    return params
