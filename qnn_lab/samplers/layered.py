"""A batched annealer for layered spin models: whole layers update at once.

A network's model has no couplings inside a layer and only adjacent layers couple, so
given the odd layers the even ones are independent (and vice versa). One sweep updates
the even layers, then the odd ones, for every sample and read at once with a few
matrix products (torch, all CPU cores, or a GPU when present). The beta schedule means
what it means for dwave-samplers' SimulatedAnnealingSampler: one beta per sweep,
linear or geometric between beta_range, with the same default range.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import dimod
import numpy as np
import torch

from .schema import Parameter, resolve_parameters

__all__ = ["LayeredAnnealer", "LayeredModel", "beta_schedule", "default_beta_range"]


@dataclass
class LayeredModel:
    """E(s) = -sum_l s_l . f_l - sum_l s_l . (W_l s_{l-1}) for a batch of P independent samples.

    ``fields``: per spin layer, a (P, n_l) array; ``couplings``: W_l of shape (n_l, n_{l-1})
    for l = 1..L-1, shared by every sample.
    """

    fields: list
    couplings: list

    @property
    def n_samples(self):
        return self.fields[0].shape[0]

    @property
    def layer_sizes(self):
        return [f.shape[1] for f in self.fields]

    @classmethod
    def from_network(cls, network, X, nudge=None, nudge_strength=1.0):
        """The free (or nudged) phase of ``network`` on inputs X, with no BQM round trip."""
        fields = [network.input_field(X)] + [np.broadcast_to(b, (len(X), len(b))) for b in network.biases[1:]]
        if nudge is not None:
            fields[-1] = fields[-1] + nudge_strength * network.target_codes(nudge)
        return cls(fields, list(network.weights[1:]))

    @classmethod
    def from_bqm(cls, bqm):
        """Rebuild the layers of a model made by ``encode_neurons``; ValueError for any other model."""
        labels = list(bqm.variables)
        try:
            sample = np.array([v[0] for v in labels], dtype=np.int64)
            is_out = np.array([v[1] == "o" for v in labels])
            if not np.all(is_out | np.array([v[1] == "h" for v in labels])):
                raise TypeError
            layer = np.array([0 if o else v[2] for v, o in zip(labels, is_out)], dtype=np.int64)
            unit = np.array([v[2] if o else v[3] for v, o in zip(labels, is_out)], dtype=np.int64)
        except (TypeError, IndexError, ValueError):
            raise ValueError("the 'layered' sampler takes models made by encode_neurons, with labels "
                             "(i, 'h', layer, j) and (i, 'o', k)") from None
        if len(labels) == 0:
            raise ValueError("the 'layered' sampler needs a model with at least one variable")
        layer[is_out] = layer.max() + 1 if (~is_out).any() else 1
        layer = np.unique(layer, return_inverse=True)[1]      # windows (encode_window) may start above h1
        P, L = int(sample.max()) + 1, int(layer.max()) + 1
        sizes = np.zeros(L, np.int64)
        np.maximum.at(sizes, layer, unit + 1)
        if sample.min() < 0 or unit.min() < 0 or len(labels) != P * sizes.sum() or np.any(sizes == 0):
            raise ValueError("the 'layered' sampler needs every sample to have the same complete layers "
                             "(as encode_neurons makes)")
        ldata, (irow, icol, qdata), _ = bqm.spin.to_numpy_vectors(variable_order=labels)
        fields = [np.zeros((P, n)) for n in sizes]
        for l in range(L):
            m = layer == l
            fields[l][sample[m], unit[m]] = -ldata[m]
        lo = np.minimum(layer[irow], layer[icol])
        a_is_lo = layer[irow] == lo
        u_lo, u_hi = np.where(a_is_lo, irow, icol), np.where(a_is_lo, icol, irow)
        if np.any(sample[irow] != sample[icol]) or np.any(layer[u_hi] - layer[u_lo] != 1):
            raise ValueError("the 'layered' sampler needs couplings only between adjacent layers of "
                             "the same sample (no couplings inside a layer)")
        couplings = []
        for l in range(1, L):
            m = layer[u_hi] == l
            W = np.zeros((P, sizes[l], sizes[l - 1]))
            W[sample[u_hi[m]], unit[u_hi[m]], unit[u_lo[m]]] = -qdata[m]
            if not np.all(W == W[:1]):
                raise ValueError("the 'layered' sampler needs the same couplings for every sample "
                                 "(as encode_neurons makes)")
            couplings.append(W[0])
        model = cls(fields, couplings)
        model.variable_index = (sample, layer, unit)
        return model

    def sum_abs_bias(self):
        """Per spin: |field| + sum of |couplings|, (P, n_l) per layer (the largest effective field)."""
        out = [np.abs(f) for f in self.fields]
        for l, W in enumerate(self.couplings, start=1):
            out[l] = out[l] + np.abs(W).sum(1)
            out[l - 1] = out[l - 1] + np.abs(W).sum(0)
        return out

    def min_abs_bias(self):
        """Per spin: the smallest non-zero |bias| it takes part in (inf where none)."""
        nz = lambda a: np.where(a != 0, np.abs(a), np.inf)      # noqa: E731
        out = [nz(f) for f in self.fields]
        for l, W in enumerate(self.couplings, start=1):
            out[l] = np.minimum(out[l], nz(W).min(1))
            out[l - 1] = np.minimum(out[l - 1], nz(W).min(0))
        return out

    def energy(self, states):
        """Energy per sample of states [(..., P, n_l)]: shape (..., P)."""
        e = -sum(np.einsum("...j,...j->...", s, f) for s, f in zip(states, self.fields))
        for l, W in enumerate(self.couplings, start=1):
            e = e - np.einsum("...j,...j->...", states[l], states[l - 1] @ W.T)
        return e


def default_beta_range(model):
    """dwave-samplers' default beta range for the model (hot: 50% flips; cold: 1% excitations)."""
    max_field = max(float(s.max()) for s in model.sum_abs_bias())
    mins = np.concatenate([m.ravel() for m in model.min_abs_bias()])
    mins = mins[np.isfinite(mins)]
    if max_field == 0 or mins.size == 0:
        return (0.1, 1.0)
    hot = np.log(2) / (2 * max_field)
    min_field = mins.min()
    cold = np.log(np.sum(mins == min_field) / 0.01) / (2 * min_field)
    return (float(hot), float(cold))


def beta_schedule(beta_range, num_sweeps, kind="geometric"):
    """One beta per sweep, as dwave-samplers' SA does it."""
    lo, hi = beta_range
    if kind == "linear":
        return np.linspace(lo, hi, num_sweeps)
    return np.geomspace(lo, hi, num_sweeps)


def _device():
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


#: Sweeps whose random numbers are drawn in one call (bounds the noise buffer's memory).
NOISE_CHUNK = 32


def anneal(model, num_reads, betas, *, update="metropolis", seed=None, dtype=torch.float32, device=None):
    """Anneal every sample of ``model`` ``num_reads`` times; returns spins [(R, P, n_l)] as int8 numpy.

    States are (R * P, n_l) matrices, so each layer update is two fused matrix products and
    a comparison with noise drawn for NOISE_CHUNK sweeps at once (numpy's PCG64): heat-bath
    sets s = +1 where 2 beta f > logistic noise (P = sigmoid(2 beta f)); Metropolis flips
    where 2 beta s f < exponential noise (P = min(1, exp(-2 beta s f))).
    """
    device = device or _device()
    rng = np.random.default_rng(seed)             # PCG64: faster than torch's CPU generator
    P, L, R = model.n_samples, len(model.fields), num_reads
    fields = [torch.tensor(np.asarray(f), dtype=dtype, device=device).repeat(R, 1) for f in model.fields]
    Ws = [None] + [torch.tensor(np.asarray(W), dtype=dtype, device=device) for W in model.couplings]
    WTs = [None] + [W.T.contiguous() for W in Ws[1:]]
    sizes = model.layer_sizes
    states = [torch.from_numpy(rng.integers(0, 2, (R * P, n), dtype=np.int8)).to(device, dtype) * 2 - 1
              for n in sizes]
    order = [l for l in range(L) if l % 2 == 0] + [l for l in range(L) if l % 2 == 1]
    betas = np.asarray(betas, dtype=float)
    one, minus_one = torch.tensor(1.0, dtype=dtype, device=device), torch.tensor(-1.0, dtype=dtype, device=device)
    chunk_len = min(NOISE_CHUNK, len(betas))
    buffers = [np.empty((chunk_len, R * P, n), dtype=np.float32) for n in sizes]
    with torch.inference_mode():
        for start in range(0, len(betas), chunk_len):
            chunk = betas[start:start + chunk_len]
            noise = []
            for buf in buffers:
                rng.random(out=buf, dtype=np.float32)
                u = torch.from_numpy(buf).to(device, dtype)
                noise.append(u.logit_(eps=1e-7) if update == "heat-bath" else u.log_().neg_())
            for k, beta in enumerate(chunk):
                for l in order:
                    f = fields[l] if L > 1 else fields[l].clone()     # updated in place below
                    if l > 0:
                        f = torch.addmm(f, states[l - 1], WTs[l])
                    if l + 1 < L:
                        f = torch.addmm(f, states[l + 1], Ws[l + 1])
                    if update == "heat-bath":
                        states[l] = torch.where(f.mul_(2 * beta) > noise[l][k], one, minus_one)
                    else:
                        flip = f.mul_(states[l]).mul_(2 * beta) < noise[l][k]
                        states[l] = torch.where(flip, -states[l], states[l])
    return [s.reshape(R, P, -1).to(torch.int8).cpu().numpy() for s in states]


LAYERED_PARAMETERS = (
    Parameter("num_reads", "int", 10, 1, 100_000, doc="Reads per sample (independent anneals)."),
    Parameter("num_sweeps", "int", 100, 1, 1_000_000, doc="Sweeps; each updates every layer once, one beta per sweep."),
    Parameter("beta_range", "range", None, doc="(hot, cold) inverse temperatures; None: dwave-samplers' default."),
    Parameter("beta_schedule_type", "choice", "geometric", choices=("geometric", "linear"),
              doc="Spacing of the betas between the ends of beta_range."),
    Parameter("anneal_schedule", "schedule", None,
              doc="QPU-style points (t_us, s); betas follow B(s(t)) (see schedules.beta_schedule_from)."),
    Parameter("update", "choice", "metropolis", choices=("metropolis", "heat-bath"),
              doc="Metropolis (as dwave-samplers SA) or heat-bath (Gibbs) update of each layer."),
    Parameter("seed", "seed", None, doc="Seed of the random numbers; None: fresh entropy."),
)


class LayeredAnnealer(dimod.Sampler):
    """Simulated annealing that updates a whole layer of a network model at a time.

    Takes SPIN or BINARY models made by ``encode_neurons`` (a ValueError for others).

    Examples:
        >>> import qnn_lab as ql
        >>> net = ql.Network([2, 4, 2], random_state=0)
        >>> enc = ql.encode_neurons(net, [[1.0, -1.0], [0.5, 0.5]])
        >>> ss = LayeredAnnealer().sample(enc.bqm, num_reads=3, seed=1)
        >>> len(ss)
        3
    """

    parameters = {p.name: [] for p in LAYERED_PARAMETERS}
    properties = {"beta_schedule_options": ("geometric", "linear"), "update_options": ("heat-bath", "metropolis")}

    def sample(self, bqm, **params):
        """Anneal ``bqm`` (from encode_neurons); returns a SampleSet with timing in ``info``."""
        t0 = time.perf_counter_ns()
        model = LayeredModel.from_bqm(bqm)
        params = self.resolve(model, params)
        states = self._anneal(model, params)
        t1 = time.perf_counter_ns()
        sample, layer, unit = model.variable_index
        flat = np.concatenate([s.reshape(len(s), -1) for s in states], axis=1)
        starts = np.concatenate([[0], np.cumsum([s.shape[1] * s.shape[2] for s in states])])
        samples = flat[:, starts[layer] + sample * np.asarray(model.layer_sizes)[layer] + unit]
        if bqm.vartype is dimod.BINARY:
            samples = (samples + 1) // 2
        ss = dimod.SampleSet.from_samples_bqm((samples, list(bqm.variables)), bqm)
        ss.info.update(timing={"anneal_ns": t1 - t0, "total_ns": time.perf_counter_ns() - t0},
                       beta_range=params["beta_range"])
        return ss

    @staticmethod
    def resolve(model, params):
        """Checked parameters with defaults filled in and the default beta range computed."""
        params = {**{p.name: p.default for p in LAYERED_PARAMETERS},
                  **resolve_parameters("layered", LAYERED_PARAMETERS, params, stacklevel=4)}
        if params["beta_range"] is None:
            params["beta_range"] = default_beta_range(model)
        return params

    def sample_model(self, model, **params):
        """Array fast path: anneal a LayeredModel; returns spins [(R, P, n_l)] (int8)."""
        return self._anneal(model, self.resolve(model, params))

    @staticmethod
    def _anneal(model, params):
        """Anneal with parameters already resolved."""
        if params["anneal_schedule"] is not None:
            from ..schedules import beta_schedule_from
            betas = beta_schedule_from(params["anneal_schedule"], params["num_sweeps"], params["beta_range"][1])
        else:
            betas = beta_schedule(params["beta_range"], params["num_sweeps"], params["beta_schedule_type"])
        return anneal(model, params["num_reads"], betas, update=params["update"], seed=params["seed"])
