"""Layer-wise training of a deep network against the window size k; writes benchmarks/deep.json.

    PYTHONPATH=. nice python benchmarks/deep.py [--epochs 10] [--embed-batch 1] [--json benchmarks/deep.json]

Trains 64-64-64-40 (three weight layers, 10 digits x 4 replicas) on scikit-learn's digits
with a window of k = 1..3 spin layers annealed at a time, and embeds the widest window's
minibatch model on Pegasus P16 and Zephyr Z12; adds the full contrastive trainer and
backprop on the same network for reference.
"""
import argparse
import json
import sys
import time

import torch

import qnn_lab as ql
from qnn_lab.studies.deep import layerwise_study


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--embed-batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: on a shared machine more threads only wait for each other)")
    parser.add_argument("--json", default="benchmarks/deep.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    ds = ql.load_dataset("digits", random_state=0)
    result = layerwise_study(ds, epochs=args.epochs, batch_size=args.batch_size, embed_batch=args.embed_batch,
                             progress=lambda message: print(message, file=sys.stderr, flush=True))
    result["command"] = "PYTHONPATH=. nice python benchmarks/deep.py " + " ".join(argv or sys.argv[1:])
    result["wall_seconds"] = time.perf_counter() - t0
    result["torch_threads"] = args.threads
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {args.json} in {result['wall_seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
