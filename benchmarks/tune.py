"""Time to 0.93 test accuracy on digits for the contrastive trainer's sweeps, reads and batch size, per sampler.

    python benchmarks/tune.py [--samplers layered,sa] [--seeds 0,1,2] [--json benchmarks/tune.json]
    python benchmarks/tune.py --epoch-seconds --samplers sa      (adds one epoch's cost per setting)

Each sampler (layered, dwave-samplers' SA) on a 64-120-40 network (as B2, without the landscape
probe); each setting of GRID trains until the test accuracy first reaches 0.93 (at most 15
epochs), once per seed, settings interleaved; a run that never gets there counts as infinitely
slow. The JSON holds one entry per sampler (a sampler not rerun keeps its entry): the settings
by median seconds, "best" the fastest. Training is seeded, so a setting takes the same epochs
in every run and only the seconds move with the machine's load: settings with the same epochs
and the same reads x sweeps per sample are ties. The trainer's defaults (DEFAULT_SAMPLER_PARAMS;
num_reads and batch_size are shared with deeper networks and stay) are taken among the fastest
and their ties; B2 trains each sampler at them. Under a changing load, --epoch-seconds
separates the two factors: it times one epoch of every setting (seed 0) in CPU seconds of this
process (other processes' load hardly moves them; a fair measure for single-threaded SA, not
for the two-threaded layered kernel), settings interleaved, 3 times, and stores the medians as
"epoch_seconds" beside the sampler's entry, with "best_estimated": the setting of least median
epochs x CPU seconds per epoch.
"""
import argparse
import itertools
import json
import os
import statistics
import sys
import time

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


def trainer(sampler, sweeps, reads, batch, seed, epochs, callback=None):
    return ContrastiveTrainer(Network([64, 120, 10], output_replicas=4, random_state=0), sampler=sampler,
                              sampler_params={"num_sweeps": sweeps}, num_reads=reads, batch_size=batch,
                              epochs=epochs, random_state=seed, keep_best=False, probe_size=0, callback=callback)


def epoch_seconds(sampler, ds, repeats=3):
    """Median CPU seconds of one epoch (seed 0) of every setting of ``sampler``, interleaved."""
    grid = list(itertools.product(*GRID[sampler].values()))
    times = {key: [] for key in grid}
    for _ in range(repeats):
        for key in grid:
            tr = trainer(sampler, *key, seed=0, epochs=1)
            t0 = time.process_time()
            tr.fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
            times[key].append(time.process_time() - t0)
    return [{**dict(zip(KEYS, key)), "median_seconds": statistics.median(t), "seconds": t} for key, t in times.items()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samplers", default="layered,sa")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--json", default="benchmarks/tune.json")
    parser.add_argument("--epoch-seconds", action="store_true", help="time one epoch per setting instead")
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
        if args.epoch_seconds:
            result[sampler]["epoch_seconds"] = {"load_average_1min": os.getloadavg()[0],
                                                "settings": epoch_seconds(sampler, ds)}
            for s in result[sampler]["epoch_seconds"]["settings"]:
                run = next(r for r in result[sampler]["settings"] if all(r[k] == s[k] for k in KEYS))
                s["estimated_seconds"] = statistics.median(run["epochs"]) * s["median_seconds"]
                print(f"{sampler:8s} sweeps {s['num_sweeps']:4d} reads {s['num_reads']} batch {s['batch_size']:3d}: "
                      f"{s['median_seconds']:.2f} CPU s per epoch, epochs {run['epochs']}: "
                      f"{s['estimated_seconds']:.1f} s")
            fastest = min(result[sampler]["epoch_seconds"]["settings"], key=lambda s: s["estimated_seconds"])
            result[sampler]["best_estimated"] = {k: fastest[k] for k in KEYS}
            continue
        runs = []
        for seed, (sweeps, reads, batch) in itertools.product(seeds, itertools.product(*GRID[sampler].values())):
            def make(cb, n, sampler=sampler, sweeps=sweeps, reads=reads, batch=batch, seed=seed):
                return trainer(sampler, sweeps, reads, batch, seed, n, cb)
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
