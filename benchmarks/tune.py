"""Time to 0.93 test accuracy on digits for the contrastive trainer's sweeps, reads and batch size.

    python benchmarks/tune.py [--seeds 0,1] [--json benchmarks/tune.json]

The layered sampler on a 64-120-40 network (as B2, without the landscape probe); each setting
trains until the test accuracy first reaches 0.93 (at most 15 epochs), once per seed, settings
interleaved.
The trainer's defaults (num_sweeps, num_reads, batch_size) are the fastest setting here.
"""
import argparse
import itertools
import json
import statistics
import sys

from qnn_lab import ContrastiveTrainer, Network, load_dataset
from qnn_lab.studies.bench import _time_to_accuracy, machine

SWEEPS, READS, BATCHES = (10, 30, 100), (2, 4), (16, 32)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--json", default="benchmarks/tune.json")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    ds = load_dataset("digits", random_state=0)
    runs = []
    for seed, (sweeps, reads, batch) in itertools.product(seeds, itertools.product(SWEEPS, READS, BATCHES)):
        def make(cb, n, sweeps=sweeps, reads=reads, batch=batch, seed=seed):
            return ContrastiveTrainer(Network([64, 120, 10], output_replicas=4, random_state=0),
                                      sampler_params={"num_sweeps": sweeps}, num_reads=reads, batch_size=batch,
                                      epochs=n, random_state=seed, keep_best=False, probe_size=0, callback=cb)
        run = {"num_sweeps": sweeps, "num_reads": reads, "batch_size": batch, "seed": seed,
               **_time_to_accuracy(make, ds, 0.93, 15)}
        print(json.dumps(run), file=sys.stderr)
        runs.append(run)
    settings = []
    for key, group in itertools.groupby(sorted(runs, key=lambda r: (r["num_sweeps"], r["num_reads"], r["batch_size"])),
                                        key=lambda r: (r["num_sweeps"], r["num_reads"], r["batch_size"])):
        times = [r["seconds"] if r["seconds"] is not None else float("inf") for r in group]
        settings.append({"num_sweeps": key[0], "num_reads": key[1], "batch_size": key[2],
                         "median_seconds": statistics.median(times), "seconds": times})
    settings.sort(key=lambda s: s["median_seconds"])
    with open(args.json, "w") as f:
        json.dump({"machine": machine(), "target_test_accuracy": 0.93, "runs": runs, "settings": settings}, f,
                  indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
