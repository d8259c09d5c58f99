"""An annealer for layered spin models: the layer structure makes every update cheap.

A network's model has no couplings inside a layer and only adjacent layers couple, so
given the odd layers the even ones are independent (and vice versa). One sweep updates
the even layers, then the odd ones. On the CPU a fused numba kernel (``kernel.py``) runs
every read of every sample as its own chain, 64 chains at a time, and spends work only on
spins that can still change; on a GPU whole layers update at once with torch matrix
products. The beta schedule means what it means
for dwave-samplers' SimulatedAnnealingSampler: one beta per sweep, linear or geometric
between beta_range, with the same default range.
"""
from __future__ import annotations

import time

import dimod
import numpy as np

from ..encoding import LayeredModel
from ..parameters import Parameter, resolve_parameters
from .schedules import check_schedule

__all__ = ["LayeredAnnealer", "beta_schedule", "default_beta_range"]


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


def anneal(model, num_reads, betas, *, update="metropolis", seed=None, device="cpu"):
    """Anneal every sample of ``model`` ``num_reads`` times; returns spins [(R, P, n_l)] as int8 numpy.

    On the CPU the fused kernel (``kernel.anneal_rows``) runs each read of each sample as one
    chain; on any other torch device (a GPU) whole layers update at once with matrix products
    (``anneal_torch``). Both start from random spins drawn from ``seed`` (numpy's PCG64).
    """
    rng = np.random.default_rng(seed)
    if device == "cpu":
        from .kernel import anneal_rows
        return anneal_rows([np.asarray(f) for f in model.fields], [np.asarray(W) for W in model.couplings],
                           num_reads, betas, heat_bath=update == "heat-bath", rng=rng)
    return anneal_torch(model, num_reads, betas, update=update, rng=rng, device=device)


#: Sweeps whose random numbers anneal_torch draws in one call (bounds the noise buffer's memory).
NOISE_CHUNK = 32


def anneal_torch(model, num_reads, betas, *, update, rng, device, dtype=None):
    """The GPU path: states are (R * P, n_l) matrices, so each layer update is two fused matrix
    products and a comparison with noise drawn for NOISE_CHUNK sweeps at once: heat-bath sets
    s = +1 where 2 beta f > logistic noise (P = sigmoid(2 beta f)); Metropolis flips where
    2 beta s f < exponential noise (P = min(1, exp(-2 beta s f))).
    """
    import torch

    dtype = dtype or torch.float32
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
    Parameter("anneal_schedule", "schedule", None, check=check_schedule,
              doc="QPU-style points (t_us, s); betas follow B(s(t)) (see schedules.beta_schedule_from)."),
    Parameter("update", "choice", "metropolis", choices=("metropolis", "heat-bath"),
              doc="Metropolis (as dwave-samplers SA) or heat-bath (Gibbs) update of each layer."),
    Parameter("seed", "seed", None, doc="Seed of the random numbers; None: fresh entropy."),
    Parameter("device", "choice", "cpu", choices=("cpu", "cuda"),
              doc="cpu: the fused numba kernel; cuda: whole layers as torch matrix products on a GPU."),
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
        energy = model.energy(states).sum(-1) + bqm.spin.offset     # the model's arrays: no BQM pass
        if bqm.vartype is dimod.BINARY:
            samples = (samples + 1) // 2
        record = np.rec.array(np.zeros(len(samples), dtype=[("sample", np.int8, (samples.shape[1],)),
                                                            ("energy", float), ("num_occurrences", np.int64)]))
        record["sample"], record["energy"], record["num_occurrences"] = samples, energy, 1
        info = {"timing": {"anneal_ns": t1 - t0, "total_ns": time.perf_counter_ns() - t0},
                "beta_range": params["beta_range"]}
        return dimod.SampleSet(record, bqm.variables, info, bqm.vartype)

    @staticmethod
    def resolve(model, params):
        """Checked parameters with defaults filled in and the default beta range computed."""
        params = {**{p.name: p.default for p in LAYERED_PARAMETERS},
                  **resolve_parameters("layered", LAYERED_PARAMETERS, params, stacklevel=4)}
        if params["beta_range"] is None:
            params["beta_range"] = default_beta_range(model)
        if params["device"] == "cuda":
            import torch
            if not torch.cuda.is_available():
                raise ValueError("'device' should be 'cpu' here (torch finds no CUDA device): value = 'cuda'")
        return params

    def sample_model(self, model, **params):
        """Array fast path: anneal a LayeredModel; returns spins [(R, P, n_l)] (int8)."""
        return self._anneal(model, self.resolve(model, params))

    @staticmethod
    def _anneal(model, params):
        """Anneal with parameters already resolved."""
        if params["anneal_schedule"] is not None:
            from .schedules import beta_schedule_from
            betas = beta_schedule_from(params["anneal_schedule"], params["num_sweeps"], params["beta_range"][1])
        else:
            betas = beta_schedule(params["beta_range"], params["num_sweeps"], params["beta_schedule_type"])
        return anneal(model, params["num_reads"], betas, update=params["update"], seed=params["seed"],
                      device=params["device"])
