"""Spiral with the playground input features, both trainers, as `qnn-lab train` runs them -> benchmarks/spiral.json.

    PYTHONPATH=. nice python benchmarks/spiral.py [--seeds 0,1,2] [--json benchmarks/spiral.json]

Builds each run as COMMANDS would (``qnn_lab.cli.PRESETS["spiral"]``: hidden width and trainer
parameters; 4 output replicas, the command's default; data set and network from --seed) on
one torch thread, with keep_best off and the landscape probe off (the probe anneals with its
own seed, so training takes the same steps with it on), and reports the test accuracy at the
last epoch and the best epoch's, with their means over the seeds.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import qnn_lab as ql
from qnn_lab.cli import PRESETS

FEATURES = "x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)"
REPLICAS = 4
COMMANDS = {name: f"qnn-lab train --dataset spiral --dataset-param features={FEATURES} --trainer {name} --seed SEED"
            for name in ("contrastive", "backprop")}


def run(name, seed):
    """One run as ``COMMANDS[name]`` with --seed ``seed`` trains it; its per-epoch test accuracy."""
    ds = ql.load_dataset("spiral", features=FEATURES, random_state=seed)
    preset = PRESETS["spiral"]
    net = ql.Network([ds.n_features, preset["hidden"], ds.n_classes], output_replicas=REPLICAS, random_state=seed)
    extra = {"keep_best": False, "probe_size": 0} if name != "backprop" else {}
    tr = ql.make_trainer(name, net, random_state=seed, **preset.get(name, {}), **extra)
    t0 = time.perf_counter()
    tr.fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
    return {"seed": seed, "test_accuracy_per_epoch": [h["test_accuracy"] for h in tr.history_],
            "last_epoch_test_accuracy": tr.history_[-1]["test_accuracy"],
            "best_epoch_test_accuracy": max(h["test_accuracy"] for h in tr.history_),
            "train_accuracy": tr.history_[-1]["train_accuracy"], "wall_seconds": time.perf_counter() - t0}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--json", default="benchmarks/spiral.json")
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.perf_counter()
    report = {"command": "PYTHONPATH=. nice python benchmarks/spiral.py " + " ".join(argv or sys.argv[1:]),
              "seeds": seeds, "replicas": REPLICAS, "preset": PRESETS["spiral"], "trainers": {}}
    for name, command in COMMANDS.items():
        runs = []
        for seed in seeds:
            runs.append(run(name, seed))
            print(f"{name} seed {seed}: last epoch {runs[-1]['last_epoch_test_accuracy']:.3f}, best "
                  f"{runs[-1]['best_epoch_test_accuracy']:.3f}, train {runs[-1]['train_accuracy']:.3f}, "
                  f"{runs[-1]['wall_seconds']:.0f} s", file=sys.stderr, flush=True)
        report["trainers"][name] = {"command": command, "runs": runs, **{
            f"mean_{key}": float(np.mean([r[key] for r in runs]))
            for key in ("last_epoch_test_accuracy", "best_epoch_test_accuracy")}}
    report.update(wall_seconds=time.perf_counter() - t0, load_average_at_end=list(os.getloadavg()),
                  cpus=os.cpu_count(), python=platform.python_version())
    for name, r in report["trainers"].items():
        print(f"{name}: mean last epoch {r['mean_last_epoch_test_accuracy']:.3f}, mean best "
              f"{r['mean_best_epoch_test_accuracy']:.3f}", file=sys.stderr)
    Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
