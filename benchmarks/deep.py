"""Layer-wise training of deep networks against the window size k; writes benchmarks/deep.json.

    PYTHONPATH=. nice python benchmarks/deep.py [--tasks digits,xor,circles] [--epochs 10] [--seeds 1] [--workers 2]

digits: 64-64-64-40 (three weight layers, 10 digits x 4 replicas) on scikit-learn's digits
with a window of k = 1..3 spin layers annealed at a time (k = 3: the whole network), the
widest window's minibatch model embedded on Pegasus P16 and Zephyr Z12, and backprop on
the same layers for reference. xor and circles: 2-32-32-2 (2 replicas), batch 4, the same
windows. Every run keeps its last epoch (keep_best off). Every (k, seed) run is one cell:
--workers N runs them on a local Dask cluster, --scheduler ADDRESS on an existing one;
finished cells stream to deep.<task>.cells.jsonl next to --json, and --resume skips them
after an interruption.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import qnn_lab as ql
from qnn_lab.studies.deep import layerwise_study
from qnn_lab.studies.grid import connect

#: task -> (dataset arguments, layers, output replicas, batch size)
TASKS = {"digits": ({"name": "digits", "random_state": 0}, (64, 64, 64, 10), 4, 32),
         "xor": ({"name": "xor", "random_state": 0}, (2, 32, 32, 2), 2, 4),
         "circles": ({"name": "circles", "random_state": 0}, (2, 32, 32, 2), 2, 4)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--tasks", default=",".join(TASKS), help=f"comma-separated from {', '.join(TASKS)}")
    parser.add_argument("--embed-batch", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default: serial)")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    parser.add_argument("--resume", action="store_true", help="skip the cells already in the results file")
    parser.add_argument("--json", default="benchmarks/deep.json")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    result = {}
    for task in args.tasks.split(","):
        dataset, layers, replicas, batch_size = TASKS[task]
        with connect(args.workers, args.scheduler) as client:
            result[task] = layerwise_study(
                ql.load_dataset(**dataset), layers, replicas, epochs=args.epochs, batch_size=batch_size,
                embed_batch=args.embed_batch, seeds=args.seeds, client=client, resume=args.resume,
                trainer_params={"keep_best": False, "probe_size": 0},
                results=Path(args.json).with_suffix(f".{task}.cells.jsonl"),
                progress=lambda done, total, label, task=task: print(f"{task}: {done}/{total} cells {label}",
                                                                     file=sys.stderr, flush=True))
        summary = {k: v["test_accuracy"] for k, v in result[task].items() if k in ("contrastive", "backprop")}
        windows = {f"k={r['window']}": r["test_accuracy"] for r in result[task]["windows"]}
        print(f"{task}: {windows} {summary}", file=sys.stderr, flush=True)
    result["command"] = "PYTHONPATH=. nice python benchmarks/deep.py " + " ".join(argv or sys.argv[1:])
    result["load_average_at_end"] = list(os.getloadavg())
    result["wall_seconds"] = time.perf_counter() - t0
    result["torch_threads"] = 1
    result["workers"] = args.workers or args.scheduler or "serial"
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {args.json} in {result['wall_seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
