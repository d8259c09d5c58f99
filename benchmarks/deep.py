"""Layer-wise training of a deep network against the window size k; writes benchmarks/deep.json.

    PYTHONPATH=. nice python benchmarks/deep.py [--epochs 10] [--seeds 1] [--workers 2] [--resume]

Trains 64-64-64-40 (three weight layers, 10 digits x 4 replicas) on scikit-learn's digits
with a window of k = 1..3 spin layers annealed at a time, and embeds the widest window's
minibatch model on Pegasus P16 and Zephyr Z12; adds the full contrastive trainer and
backprop on the same network for reference. Every (k, seed) run is one cell: --workers N
runs them on a local Dask cluster, --scheduler ADDRESS on an existing one; finished cells
stream to deep.cells.jsonl next to --json, and --resume skips them after an interruption.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import qnn_lab as ql
from qnn_lab.studies.deep import layerwise_study
from qnn_lab.studies.grid import connect


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--embed-batch", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default: serial)")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    parser.add_argument("--resume", action="store_true", help="skip the cells already in the results file")
    parser.add_argument("--json", default="benchmarks/deep.json")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    ds = ql.load_dataset("digits", random_state=0)
    with connect(args.workers, args.scheduler) as client:
        result = layerwise_study(ds, epochs=args.epochs, batch_size=args.batch_size, embed_batch=args.embed_batch,
                                 seeds=args.seeds, client=client, resume=args.resume,
                                 results=Path(args.json).with_suffix(".cells.jsonl"),
                                 progress=lambda done, total, label: print(f"{done}/{total} cells {label}",
                                                                           file=sys.stderr, flush=True))
    result["command"] = "PYTHONPATH=. nice python benchmarks/deep.py " + " ".join(argv or sys.argv[1:])
    result["wall_seconds"] = time.perf_counter() - t0
    result["torch_threads"] = 1
    result["workers"] = args.workers or args.scheduler or "serial"
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {args.json} in {result['wall_seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
