"""Layer-wise training of deep networks against the window size k; writes benchmarks/deep.json.

    PYTHONPATH=. nice python benchmarks/deep.py [--tasks digits,xor,circles] [--epochs 10] [--seeds 1] [--workers 2]

digits: 64-64-64-40 (three weight layers, 10 digits x 4 replicas) on scikit-learn's digits
with a window of k = 1..3 spin layers annealed at a time (k = 3: the whole network), the
widest window's minibatch model embedded on Pegasus P16 and Zephyr Z12, and backprop on
the same layers for reference; digits trains with a cosine learning rate and weight decay 0.2
(``TASKS``). xor and circles: 2-32-32-2 (2 replicas), batch 4, the same windows. Every run
keeps its last epoch (keep_best off); the sampler settings are pinned
(``qnn_lab.studies.deep.SAMPLER_SETTINGS``). Prints accuracy against k (mean and per seed)
with the spins and Pegasus qubits of the widest window, per task. Every (k, seed) run is one cell:
--workers N runs them on a local Dask cluster, --scheduler ADDRESS on an existing one;
finished cells stream to deep.<task>.cells.jsonl next to --json, and --resume skips them
after an interruption. The JSON is rewritten after every task; tasks not run keep their
entries, so tasks can be run with different --seeds.
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

#: task -> (dataset arguments, layers, output replicas, batch size, trainer settings). digits: a cosine
#: learning rate and weight decay 0.2 (chosen on seeds 0-2, confirmed on seeds 3-5: whole network
#: 0.976 0.971 0.969, backprop 0.987 0.982 0.987); on the 2-input nets the decay wears down the input
#: layer (circles 0.62), so they keep the trainer's defaults.
TASKS = {"digits": ({"name": "digits", "random_state": 0}, (64, 64, 64, 10), 4, 32,
                    {"lr_schedule": "cosine", "weight_decay": 0.2}),
         "xor": ({"name": "xor", "random_state": 0}, (2, 32, 32, 2), 2, 4, {}),
         "circles": ({"name": "circles", "random_state": 0}, (2, 32, 32, 2), 2, 4, {})}


def table(task, study):
    """Accuracy against k (mean and per seed, last epoch), with the spins and qubits of the widest window."""
    rows = [f"{task}: test accuracy (last epoch) against the window k, seeds {study['settings']['seeds']}",
            "k | mean | per seed | spins per sample | spins per minibatch | Pegasus qubits (heuristic)"]
    for k in sorted({r["window"] for r in study["windows"]}):
        runs = [r for r in study["windows"] if r["window"] == k]
        accuracy = [r["test_accuracy"] for r in runs]
        qubits = runs[0]["embedding"].get("pegasus/heuristic", {}).get("qubits_used")
        rows.append(f"{k} | {sum(accuracy) / len(accuracy):.3f} | {' '.join(f'{a:.3f}' for a in accuracy)} | "
                    f"{runs[0]['max_spins_per_sample']} | {runs[0]['max_spins_per_minibatch']} | {qubits}")
    for name in ("contrastive", "backprop"):
        per_seed = " ".join(f"{a:.3f}" for a in study[name]["test_accuracy_per_seed"])
        rows.append(f"{name} | {study[name]['test_accuracy']:.3f} | {per_seed}")
    return "\n".join(rows)


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
    path = Path(args.json)
    result = json.loads(path.read_text()) if path.exists() else {}      # tasks not run keep their entries
    for key in ("command", "load_average_at_end", "wall_seconds", "torch_threads", "workers"):
        result.pop(key, None)                                           # the old layout kept these at the top
    for task in args.tasks.split(","):
        dataset, layers, replicas, batch_size, settings = TASKS[task]
        t0 = time.perf_counter()
        with connect(args.workers, args.scheduler) as client:
            result[task] = layerwise_study(
                ql.load_dataset(**dataset), layers, replicas, epochs=args.epochs, batch_size=batch_size,
                embed_batch=args.embed_batch, seeds=args.seeds, client=client, resume=args.resume,
                trainer_params={"keep_best": False, "probe_size": 0, **settings},
                results=path.with_suffix(f".{task}.cells.jsonl"),
                progress=lambda done, total, label, task=task: print(f"{task}: {done}/{total} cells {label}",
                                                                     file=sys.stderr, flush=True))
        command = "PYTHONPATH=. nice python benchmarks/deep.py " + " ".join(argv or sys.argv[1:])
        result[task]["run"] = {"command": command,
                               "load_average_at_end": list(os.getloadavg()), "wall_seconds": time.perf_counter() - t0,
                               "torch_threads": 1, "workers": args.workers or args.scheduler or "serial"}
        print(table(task, result[task]), file=sys.stderr, flush=True)
        path.write_text(json.dumps(result, indent=1))
        print(f"wrote {path} ({task} in {result[task]['run']['wall_seconds']:.0f} s)", file=sys.stderr, flush=True)

if __name__ == "__main__":
    main()
