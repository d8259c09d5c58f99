"""Benchmarks B1-B6 of the annealing engine, measured side by side in one run (``qnn-lab bench``).

B1 annealer throughput and energy: layered vs dwave-samplers SA at equal sweeps, ns per spin
   update, and the roofline: the same model's two matrix products per sweep as a plain matmul.
   (One seed; benchmarks/energy.py compares the energies over many.)
B2 time to 0.93 test accuracy on digits: contrastive (layered, sa; each at its fastest setting) and backprop.
B3 share of training wall time spent inside the annealer.
B4 encoding time against dimod's own from-numpy construction (the floor).
B5 a light kernel: import time, memory after import and after ``ql.Lab()`` (fresh processes),
   peak memory of a 30-epoch digits training.
B6 time per epoch against hidden width and batch size.
Times are medians over repeats; ratios come from runs interleaved in the same process.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time

import dimod
import numpy as np

from ..data import load_dataset
from ..encoding import LayeredModel, WeightEncoding, encode_neurons, encode_weights
from ..network import Network
from ..samplers import LayeredAnnealer, default_beta_range
from ..training import BackpropTrainer, ContrastiveTrainer

__all__ = ["run_benchmarks"]


def _median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _interleaved(fns, repeats):
    """Median seconds and last result of each of ``fns``, run in turn ``repeats`` times (ratios side by side)."""
    times, outs = [[] for _ in fns], [None] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            outs[i] = fn()
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times], outs


def machine():
    """What the numbers were measured on, and how busy the machine was (load average)."""
    import numba
    import torch

    from ..samplers import kernel
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.is_available(), "dimod": dimod.__version__, "numba": numba.__version__,
            "kernel_threads": kernel.default_threads(), "load_average_1min": os.getloadavg()[0]}


def _gemm_floor(model, reads, repeats, dtype):
    """Seconds per sweep of the model's two matrix products as plain matmuls (numpy's BLAS, its threads)."""
    W = np.asarray(model.couplings[0], dtype)
    rows = reads * model.n_samples
    s_lo, s_hi = (np.ones((rows, n), dtype) for n in model.layer_sizes)
    (t,), _ = _interleaved([lambda: (s_hi @ W, s_lo @ W.T)], repeats)
    return t


def b1_throughput(quick):
    """Layered (array and dimod paths) vs SA on 64 digits samples of 64-120-40: seconds, ns per spin update,
    mean final energy; the GEMM floor and the kernel's share of it."""
    from dwave.samplers import SimulatedAnnealingSampler

    from ..samplers import kernel
    ds = load_dataset("digits", random_state=0)
    net = Network([64, 120, 10], output_replicas=4, random_state=0)
    X = ds.X_train[:64]
    enc = encode_neurons(net, X)
    model = LayeredModel.from_network(net, X)
    beta_range = default_beta_range(model)
    sa, layered = SimulatedAnnealingSampler(), LayeredAnnealer()
    reads, repeats = (4, 1) if quick else (10, 5)
    layered.sample_model(model, num_reads=1, num_sweeps=1)             # numba loads the compiled kernel
    floor_per_sweep = _gemm_floor(model, reads, 3 if quick else 50, np.float32)
    floor64_per_sweep = _gemm_floor(model, reads, 3 if quick else 50, np.float64)

    def one_thread(p):
        kernel.set_kernel_threads(1)
        try:
            return layered.sample_model(model, **p)
        finally:
            kernel.set_kernel_threads(kernel.default_threads())

    rows = []
    for sweeps in ((10, 100) if quick else (10, 100, 1000)):
        p = {"num_reads": reads, "num_sweeps": sweeps, "beta_range": beta_range, "seed": 1}
        (t_sa, t_la, t_fast, t_one), (ss_sa, ss_la, _, _) = _interleaved(
            [lambda p=p: sa.sample(enc.bqm, **p), lambda p=p: layered.sample(enc.bqm, **p),
             lambda p=p: layered.sample_model(model, **p), lambda p=p: one_thread(p)], repeats)
        per_update = 1e9 / (reads * sweeps * enc.bqm.num_variables)
        rows.append({
            "sweeps": sweeps, "reads": reads, "spins": enc.bqm.num_variables,
            "sa_seconds": t_sa, "layered_seconds": t_la, "layered_array_seconds": t_fast,
            "layered_array_1thread_seconds": t_one,
            "sa_ns_per_update": t_sa * per_update, "layered_ns_per_update": t_la * per_update,
            "layered_array_ns_per_update": t_fast * per_update,
            "layered_array_1thread_ns_per_update": t_one * per_update,
            "speedup_dimod_path": t_sa / t_la, "speedup_array_path": t_sa / t_fast,
            "speedup_array_path_1thread": t_sa / t_one,
            "sa_mean_energy": float(ss_sa.record.energy.mean()),
            "layered_mean_energy": float(ss_la.record.energy.mean()),
            # reads are independent: the standard error of a mean is std / sqrt(reads) (more seeds: energy.py)
            "sa_energy_sem": float(ss_sa.record.energy.std(ddof=1) / np.sqrt(reads)),
            "layered_energy_sem": float(ss_la.record.energy.std(ddof=1) / np.sqrt(reads)),
            "gemm_floor_seconds": floor_per_sweep * sweeps,
            "array_path_over_gemm_floor": t_fast / (floor_per_sweep * sweeps),
            "array_path_over_gemm_floor_float64": t_fast / (floor64_per_sweep * sweeps),
        })
    per_sweep = 1e9 / (reads * enc.bqm.num_variables)
    return {"model": "64 samples x (120 + 40) spins, 64-120-40 network on digits", "beta_range": beta_range,
            "gemm_floor": {"what": "per sweep: (R*P x 40) @ (40 x 120) and (R*P x 120) @ (120 x 40), numpy's BLAS",
                           "seconds_per_sweep": floor_per_sweep, "ns_per_update": floor_per_sweep * per_sweep,
                           "float64_seconds_per_sweep": floor64_per_sweep,
                           "float64_ns_per_update": floor64_per_sweep * per_sweep},
            "rows": rows, "load_average_1min": os.getloadavg()[0]}


def _time_to_accuracy(make_trainer, ds, target, max_epochs):
    """Wall seconds of training until the test accuracy first reaches ``target`` (None if never)."""
    state = {"t0": time.perf_counter(), "reached": None, "epochs": 0, "sampler": 0.0, "wall": 0.0}

    def follow(trainer, record):
        if record["event"] != "epoch":
            return
        state["epochs"] = record["epoch"]
        state["sampler"] += record.get("sampler_seconds", 0.0)
        state["wall"] += record["wall_seconds"]
        if state["reached"] is None and record["test_accuracy"] >= target:
            state["reached"] = time.perf_counter() - state["t0"]
            trainer.stop()

    tr = make_trainer(follow, max_epochs)
    state["t0"] = time.perf_counter()
    tr.fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
    out = {"seconds": state["reached"], "epochs": state["epochs"],
           "best_test_accuracy": max(h["test_accuracy"] for h in tr.history_),
           "sampler_share": state["sampler"] / state["wall"] if state["wall"] else None}
    if hasattr(tr, "num_reads"):                        # the setting it trained at
        out["setting"] = {**getattr(tr.sampler_, "defaults", {}), "num_reads": tr.num_reads,
                          "batch_size": tr.batch_size}
    return out


#: SA's fastest setting to 0.93 on digits, batch 32 (benchmarks/tune.py: "best_estimated" of "sa").
B2_SA_SETTING = {"sampler_params": {"num_sweeps": 5}, "num_reads": 2}


def b2_b3_time_to_accuracy(quick, target=0.93):
    """B2 time to ``target`` test accuracy on digits; B3 annealer share of the layered run."""
    ds = load_dataset("digits", random_state=0)
    max_epochs = 3 if quick else 30

    def net():
        return Network([64, 120, 10], output_replicas=4, random_state=0)

    # no landscape probe: it measures, it does not train (the training is the same without it); each
    # sampler at its fastest setting to 0.93 (benchmarks/tune.py): layered at the trainer's defaults
    runs = {
        "contrastive_layered": lambda cb, n: ContrastiveTrainer(net(), sampler="layered", epochs=n, random_state=0,
                                                                keep_best=False, probe_size=0, callback=cb),
        "contrastive_sa": lambda cb, n: ContrastiveTrainer(net(), sampler="sa", epochs=n, random_state=0,
                                                           keep_best=False, probe_size=0, callback=cb,
                                                           **B2_SA_SETTING),
        "backprop": lambda cb, n: BackpropTrainer(net(), epochs=n, random_state=0, callback=cb),
    }
    # numba's kernel and torch are loaded before the clocks start
    LayeredAnnealer().sample_model(LayeredModel.from_network(net(), ds.X_train[:2]), num_reads=1, num_sweeps=1)
    import torch  # noqa: F401
    out = {name: _time_to_accuracy(make, ds, target, max_epochs) for name, make in runs.items()}
    la, sa, bp = (out[k]["seconds"] for k in ("contrastive_layered", "contrastive_sa", "backprop"))
    out["target_test_accuracy"] = target
    out["sa_over_layered"] = sa / la if la and sa else None
    out["layered_over_backprop"] = la / bp if la and bp else None
    out["load_average_1min"] = os.getloadavg()[0]
    b3 = {"annealer_share_of_wall_time": out["contrastive_layered"]["sampler_share"],
          "run": "contrastive_layered of B2"}
    return out, b3


def b4_encoding(quick):
    """Encoding time against dimod building the same labelled model from the same arrays (the floor)."""
    repeats = 3 if quick else 7
    ds = load_dataset("digits", random_state=0)
    net = Network([64, 120, 10], output_replicas=4, random_state=0)
    X = np.resize(ds.X_train, (256, 64))

    def versus_floor(build, bqm):
        labels = list(bqm.variables)
        lin, (irow, icol, q), off = bqm.to_numpy_vectors(sort_indices=False)
        t_build, _ = _median_time(build, repeats)
        t_floor, _ = _median_time(lambda: dimod.BQM.from_numpy_vectors(lin, (irow, icol, q), off, bqm.vartype,
                                                                       variable_order=labels), repeats)
        t_plain, _ = _median_time(lambda: dimod.BQM.from_numpy_vectors(lin, (irow, icol, q), off, bqm.vartype),
                                  repeats)
        return {"variables": bqm.num_variables, "interactions": bqm.num_interactions, "seconds": t_build,
                "floor_seconds": t_floor, "ratio_to_floor": t_build / t_floor,
                "unlabelled_floor_seconds": t_plain}

    neurons = versus_floor(lambda: encode_neurons(net, X), encode_neurons(net, X).bqm)
    neurons.update(samples=256, spins_per_sample=160)
    wnet = Network([64, 63, 2], output_replicas=2, random_state=0)
    data = (ds.X_train, ds.y_train % 2)
    wenc = encode_weights(wnet, data, layer=-1, bits=4)
    weights = versus_floor(lambda: WeightEncoding(wenc.A, wenc.T, wenc.layer, 4, 0.0, wenc.weight_range), wenc.bqm)
    weights["bits"] = weights["variables"]
    weights["with_layer_targets_seconds"] = _median_time(lambda: encode_weights(wnet, data, layer=-1, bits=4),
                                                         repeats)[0]
    return {"neurons": neurons, "weights": weights,
            "floor": "dimod.BQM.from_numpy_vectors with the same arrays and variable_order=labels"}


def _fresh(code):
    """stdout of ``code`` run in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def b5_light_kernel(quick):
    """Import time and memory of a fresh process: after import, after ``ql.Lab()``, peak of a digits training."""
    epochs = 2 if quick else 30
    # VmRSS now, VmHWM peak RSS of this address space (resets at exec; ru_maxrss would carry the parent's)
    rss = ("print(*[int(l.split()[1]) / 1024 for l in open('/proc/self/status') "
           "if l.startswith(('VmRSS', 'VmHWM'))])\n")
    timed = "import time\nt0 = time.perf_counter()\nimport qnn_lab as ql\nprint(time.perf_counter() - t0)\n"
    imports = [float(_fresh(timed).split()[0]) for _ in range(3 if quick else 7)]
    import_rss = float(_fresh("import qnn_lab\n" + rss).split()[0])
    try:
        lab_rss = float(_fresh("import qnn_lab as ql\nlab = ql.Lab()\n" + rss).split()[0])
    except subprocess.CalledProcessError:
        lab_rss = None                  # no lab extra (ipywidgets) installed
    train = ("import qnn_lab as ql\n"
             "ds = ql.load_dataset('digits', random_state=0)\n"
             "net = ql.Network([64, 120, 10], output_replicas=4, random_state=0)\n"
             f"ql.ContrastiveTrainer(net, epochs={epochs}, random_state=0).fit(ds.X_train, ds.y_train)\n" + rss)
    peak = float(_fresh(train).split()[1])
    return {"import_seconds": statistics.median(imports), "import_rss_mib": import_rss,
            "lab_rss_mib": lab_rss, "epochs": epochs, "peak_rss_mib": peak, "load_average_1min": os.getloadavg()[0]}


def b6_scaling(quick):
    """Seconds per epoch (layered, 1 epoch on digits) against hidden width and batch size."""
    ds = load_dataset("digits", random_state=0)
    widths = (32, 128) if quick else (32, 64, 128, 256, 512)
    batches = (32, 128) if quick else (16, 64, 256, 1024)

    def epoch_seconds(width, batch):
        net = Network([64, width, 10], output_replicas=4, random_state=0)
        tr = ContrastiveTrainer(net, batch_size=batch, epochs=1, random_state=0, keep_best=False)
        tr.fit(ds.X_train, ds.y_train)
        h = tr.history_[0]
        return {"hidden": width, "batch_size": batch, "epoch_seconds": h["wall_seconds"],
                "sampler_seconds": h["sampler_seconds"], "steps": -(-len(ds.X_train) // batch)}

    by_width = [epoch_seconds(w, 32) for w in widths]
    by_batch = [epoch_seconds(120, b) for b in batches]
    # per-step cost = fixed overhead + work proportional to samples x spins: fit it per batch size
    steps = np.array([r["steps"] for r in by_batch], float)
    per_step = np.array([r["epoch_seconds"] for r in by_batch]) / steps
    slope, intercept = np.polyfit(np.array(batches, float), per_step, 1)
    return {"by_width": by_width, "by_batch": by_batch,
            "per_step_fit": {"overhead_seconds": float(intercept), "seconds_per_sample": float(slope)}}


def run_benchmarks(quick=False, only=None):
    """Run the benchmarks (all, or the names in ``only`` like {"B1", "B4"}); returns a JSON-ready dict."""
    only = set(only or ("B1", "B2", "B3", "B4", "B5", "B6"))
    result = {"machine": machine(), "quick": quick}
    if "B1" in only:
        result["B1_throughput"] = b1_throughput(quick)
    if only & {"B2", "B3"}:
        result["B2_time_to_accuracy"], result["B3_annealer_share"] = b2_b3_time_to_accuracy(quick)
    if "B4" in only:
        result["B4_encoding"] = b4_encoding(quick)
    if "B5" in only:
        result["B5_light_kernel"] = b5_light_kernel(quick)
    if "B6" in only:
        result["B6_scaling"] = b6_scaling(quick)
    return result


if __name__ == "__main__":
    print(json.dumps(run_benchmarks(quick="--quick" in sys.argv), indent=2))
