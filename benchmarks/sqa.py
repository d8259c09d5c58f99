"""Throughput of qnn_lab's "sqa" against OpenJij's SQASampler, side by side in one run.

    python benchmarks/sqa.py [--repeats 3] [--json benchmarks/sqa.json]

Both anneal the same model along the same schedule: OpenJij's H(s') = s' H_p + Gamma (1 - s')
sum X with Gamma = 1 gets s' = B / (A + B) and beta' = beta_eff (A + B) / 2 per sweep, so its
problem and transverse weights equal ours (beta_eff B / 2 and beta_eff A / 2). The figure of
merit is spin updates per second per Trotter slice, reads x sweeps x spins / seconds (our
worldline moves come on top and are not counted). Calls alternate; medians of the repeats.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import statistics
import time
from pathlib import Path

import dimod
import numpy as np

import qnn_lab as ql
from qnn_lab.samplers import beta_from_temperature
from qnn_lab.samplers.schedules import AnnealSchedule, EnergyScales

TEMPERATURE_MK, READS, SWEEPS = 12.0, 16, 200


def network_model():
    """The lab's use: a 64-32-10 network (2 replicas) on 8 digits, one minibatch model."""
    ds = ql.load_dataset("digits", test_fraction=0.25, random_state=0)
    net = ql.Network([64, 32, 10], output_replicas=2, random_state=0)
    bqm, _ = ql.encode_neurons(net, ds.X_train[:8]).bqm.relabel_variables_as_integers(inplace=False)
    return "network 64-32-10 x2 replicas, minibatch of 8 digits", bqm          # OpenJij takes no tuple labels


def glass_model(n=256, seed=0):
    """A sparse +-1 spin glass: a ring plus n random chords (mean degree 4), fields in [-0.5, 0.5]."""
    rng = np.random.default_rng(seed)
    chords = rng.integers(0, n, (n, 2))
    edges = {tuple(sorted(e)) for e in [*zip(range(n), np.roll(np.arange(n), 1)), *chords.tolist()] if e[0] != e[1]}
    return (f"spin glass, {n} spins, {len(edges)} couplers",
            dimod.BQM({i: rng.uniform(-0.5, 0.5) for i in range(n)},
                      {e: float(rng.choice([-1.0, 1.0])) for e in edges}, 0.0, "SPIN"))


def openjij_schedule(num_sweeps):
    """Our schedule as OpenJij's (s', beta', 1) points (see the module docstring)."""
    scales = EnergyScales()
    schedule = AnnealSchedule.preset("standard")
    s = schedule.s_at(np.linspace(0, schedule.duration, num_sweeps))
    A, B = scales.A(s), scales.B(s)
    beta = beta_from_temperature(TEMPERATURE_MK)
    return [[float(b / (a + b)), float(beta * (a + b) / 2), 1] for a, b in zip(A, B)]


def run(repeats):
    import openjij

    results = {"machine": {"platform": platform.platform(), "python": platform.python_version(),
                           "numpy": np.__version__, "dimod": dimod.__version__,
                           "openjij": importlib.metadata.version("openjij")},
               "settings": {"temperature_mk": TEMPERATURE_MK, "num_reads": READS, "num_sweeps": SWEEPS,
                            "repeats": repeats, "schedule": "standard (0, 0) -> (20 us, 1)",
                            "unit": "spin updates per second per Trotter slice = reads * sweeps * spins / s"},
               "rows": []}
    ours = ql.get_sampler("sqa", num_reads=READS, num_sweeps=SWEEPS, temperature=TEMPERATURE_MK, auto_scale=False)
    theirs = openjij.SQASampler()
    schedule = openjij_schedule(SWEEPS)
    for label, bqm in (network_model(), glass_model()):
        for slices in (8, 32):
            times = {"sqa": [], "openjij": []}
            energies = {"sqa": [], "openjij": []}
            for k in range(repeats):
                t = time.perf_counter()
                ss = ours.sample(bqm, trotter_slices=slices, seed=k)
                times["sqa"].append(time.perf_counter() - t)
                energies["sqa"].append(float(np.mean(ss.record.energy)))
                t = time.perf_counter()
                ss = theirs.sample(bqm, schedule=schedule, trotter=slices, num_reads=READS, seed=k)
                times["openjij"].append(time.perf_counter() - t)
                energies["openjij"].append(float(np.mean(ss.record.energy)))
            updates = READS * SWEEPS * bqm.num_variables
            row = {"model": label, "spins": bqm.num_variables, "trotter_slices": slices}
            for name in times:
                median = statistics.median(times[name])
                row[name] = {"seconds": times[name], "median_seconds": median,
                             "updates_per_s_per_slice": updates / median,
                             "mean_energy": statistics.mean(energies[name])}
            row["ratio_sqa_over_openjij"] = row["sqa"]["updates_per_s_per_slice"] / \
                row["openjij"]["updates_per_s_per_slice"]
            results["rows"].append(row)
            print(f"{label:55s} M={slices:3d}  sqa {row['sqa']['updates_per_s_per_slice']:.3g}/s  "
                  f"openjij {row['openjij']['updates_per_s_per_slice']:.3g}/s  "
                  f"ratio {row['ratio_sqa_over_openjij']:.2f}  (mean energy {row['sqa']['mean_energy']:.2f} vs "
                  f"{row['openjij']['mean_energy']:.2f})", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=str(Path(__file__).with_name("sqa.json")))
    args = parser.parse_args()
    try:
        import openjij  # noqa: F401
    except ImportError:
        raise SystemExit("benchmarks/sqa.py needs OpenJij: pip install 'qnn_lab[bench]'") from None
    results = run(args.repeats)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
