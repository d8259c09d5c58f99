"""Time to 0.93 test accuracy on digits for the contrastive trainer's sweeps, reads and batch size, per sampler.

    python benchmarks/tune.py [--samplers layered,sa] [--seeds 0,1,2] [--json benchmarks/tune.json]

Each sampler (layered, dwave-samplers' SA) on a 64-120-40 network (as B2, without the landscape
probe); each setting of GRID trains until the test accuracy first reaches 0.93 (at most 15
epochs), once per seed, settings interleaved; a run that never gets there counts as infinitely
slow. The JSON holds one entry per sampler (a sampler not rerun keeps its entry): the settings
by median seconds, "best" the fastest. Training is seeded, so a setting takes the same epochs
in every run and only the seconds move with the machine's load: settings with the same epochs
and the same reads x sweeps per sample are ties. The trainer's defaults (DEFAULT_SAMPLER_PARAMS;
num_reads and batch_size are shared with deeper networks and stay) are taken among the fastest
and their ties; B2 trains each sampler at them.
"""
import argparse
import itertools
import json
import os
import statistics
import sys

from qnn_lab import ContrastiveTrainer, Network, load_dataset
from qnn_lab.studies.bench import _time_to_accuracy, machine

# SA spends most of its time per sample and read (not per sweep), so batch 16 only adds calls
GRID = {"layered": {"num_sweeps": (10, 20, 30, 100), "num_reads": (2, 4), "batch_size": (16, 32)},
        "sa": {"num_sweeps": (5, 10, 20), "num_reads": (2, 4), "batch_size": (32,)}}
KEYS = ("num_sweeps", "num_reads", "batch_size")


def summarize(sampler, runs):
    """Settings of ``sampler`` by median seconds to 0.93 over the seeds; "best" the fastest."""
    settings = []
    for key in itertools.product(*(GRID[sampler][k] for k in KEYS)):
        group = [r for r in runs if r["sampler"] == sampler and tuple(r[k] for k in KEYS) == key]
        times = [r["seconds"] if r["seconds"] is not None else float("inf") for r in group]
        settings.append({**dict(zip(KEYS, key)), "median_seconds": statistics.median(times), "seconds": times,
                         "epochs": [r["epochs"] for r in group]})
    settings.sort(key=lambda s: s["median_seconds"])
    return {"best": {k: settings[0][k] for k in KEYS}, "settings": settings}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samplers", default="layered,sa")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--json", default="benchmarks/tune.json")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    samplers = args.samplers.split(",")
    for name in samplers:
        if name not in GRID:
            parser.error(f"--samplers: {name!r} should be one of {', '.join(GRID)}")
    ds = load_dataset("digits", random_state=0)
    result = {"target_test_accuracy": 0.93}
    if os.path.exists(args.json):
        with open(args.json) as f:
            result.update({k: v for k, v in json.load(f).items() if k in GRID})
    for sampler in samplers:
        runs = []
        for seed, (sweeps, reads, batch) in itertools.product(seeds, itertools.product(*GRID[sampler].values())):
            def make(cb, n, sampler=sampler, sweeps=sweeps, reads=reads, batch=batch, seed=seed):
                return ContrastiveTrainer(Network([64, 120, 10], output_replicas=4, random_state=0), sampler=sampler,
                                          sampler_params={"num_sweeps": sweeps}, num_reads=reads, batch_size=batch,
                                          epochs=n, random_state=seed, keep_best=False, probe_size=0, callback=cb)
            run = {"sampler": sampler, "num_sweeps": sweeps, "num_reads": reads, "batch_size": batch, "seed": seed,
                   **_time_to_accuracy(make, ds, 0.93, 15)}
            print(json.dumps(run), file=sys.stderr, flush=True)
            runs.append(run)
        result[sampler] = {"command": f"python benchmarks/tune.py --samplers {sampler} --seeds {args.seeds}",
                           "machine": machine(), "grid": GRID[sampler], "seeds": seeds,
                           **summarize(sampler, runs), "runs": runs}
        for s in result[sampler]["settings"]:
            print(f"{sampler:8s} sweeps {s['num_sweeps']:4d} reads {s['num_reads']} batch {s['batch_size']:3d}: "
                  f"median {s['median_seconds']:.2f} s {[round(t, 2) for t in s['seconds']]} epochs {s['epochs']}")
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
