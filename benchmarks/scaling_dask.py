"""Wall time of the scaling study serially and on a local Dask cluster; writes benchmarks/scaling_dask.json.

    PYTHONPATH=. python benchmarks/scaling_dask.py [--sizes quick,full,digits,digits_long] [--repeats 3] [--workers 2]

Runs the exact commands a user types, each in a fresh process (start-up, imports and, with
--workers, starting the cluster included): ``qnn-lab scaling [--quick] --json ...`` and the
same with ``--workers N``, alternating them so that a change in the machine's load hits both
("digits" is the full study of the digits task, ``--task digits``; "digits_long" the same with 16 seeds
and 20 epochs, a study long enough that start-up costs matter little).
Reports per study: the median wall time of each and their ratio; the same for the cells
alone (the study's own clock, without imports and cluster start-up; serially the first cells
also load torch and the annealing kernel, which --workers loads before that clock starts, so
this ratio flatters the workers on short studies); how many cells ran at
once (the sum of the cells' own wall times over the study's: 2 is perfect overlap on 2
workers, and it is less sensitive than the ratio to a change of load between runs); the peak
memory (RSS) of the main process and of every Dask worker process; the load average around
each run; whether all runs gave identical fits. Every study runs ``--repeats`` times per mode
but "digits_long", which runs once. Last, one cell of the quick study runs
alternately in this process and on a one-worker cluster (2 x ``--repeats`` times each): the
cost of running a cell on Dask, side by side under the same load; then the same cell in one bare
process alone and in two at once: the most two workers can gain on this machine.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

STUDIES = {"quick": ["--quick"], "full": [], "digits": ["--task", "digits"],
           "digits_long": ["--task", "digits", "--seeds", "16", "--epochs", "20"]}
FIT_KEYS = ("alpha", "ci", "log_prefactor", "window", "n_points", "log_rms")


def run(argv, folder, tag):
    """One ``qnn-lab scaling`` run: wall seconds, peak RSS (MB) of the main process and of each worker, fits."""
    out = Path(folder) / f"{tag}.json"
    for stale in (out, out.with_suffix(".cells.jsonl")):
        stale.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "qnn_lab.cli", "scaling", *argv, "--quiet", "--json", str(out)]
    load = os.getloadavg()[0]
    log = Path(folder) / f"{tag}.log"
    t0 = time.perf_counter()
    with open(log, "w") as errors:
        proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        main_peak, worker_peak = 0, {}
        while proc.poll() is None:                       # sample memory every 0.2 s
            try:
                main_peak = max(main_peak, proc.memory_info().rss)
                for child in proc.children(recursive=True):    # a Dask worker: forked (the same command) or spawned
                    if child.cmdline() == cmd or "spawn_main" in " ".join(child.cmdline()):
                        worker_peak[child.pid] = max(worker_peak.get(child.pid, 0), child.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.2)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {log.read_text()}")
    result = json.loads(out.read_text())
    cell_seconds = [json.loads(line)["seconds"] for line in out.with_suffix(".cells.jsonl").read_text().splitlines()]
    study_seconds = result["config"]["study_seconds"]
    return {"wall_seconds": wall, "cells_seconds": study_seconds, "sum_of_cell_seconds": sum(cell_seconds),
            "cells_running_at_once": sum(cell_seconds) / study_seconds,
            "main_process_peak_mb": main_peak / 2 ** 20,
            "worker_peak_mb": sorted(v / 2 ** 20 for v in worker_peak.values()),
            "load_average_1min_before": load, "load_average_1min_after": os.getloadavg()[0],
            "fits": {name: {k: f[k] for k in FIT_KEYS} for name, f in result["fits"].items()}}


CELL_ALONE = """
import json, sys, time
from qnn_lab.studies.grid import run_on_one_thread
from qnn_lab.studies.scaling import run_cell
spec = json.loads(sys.argv[1])
run_on_one_thread(run_cell, spec)
print(json.dumps([run_on_one_thread(run_cell, spec)["seconds"] for _ in range(int(sys.argv[2]))]))
"""


#: One cell of the digits study (two epochs): a larger working set than the quick study's.
DIGITS_CELL = {"dataset": {"name": "digits"}, "network": {"layers": [64, 64, 10], "replicas": 4},
               "trainer": "contrastive", "seed": 0, "budgets": 12,
               "trainer_params": {"contrastive": {"keep_best": False, "probe_size": 0, "batch_size": 16, "epochs": 2}}}


def machine_ceiling(spec, repeats):
    """Median seconds of one cell with one process running it and with two running it at once (no
    Dask): the most two workers can gain on this machine is 2 x alone / together."""
    def run(copies):
        argv = [sys.executable, "-c", CELL_ALONE, json.dumps(spec), str(repeats)]
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(copies)]
        return [t for p in procs for t in json.loads(p.communicate()[0])]
    alone, together = statistics.median(run(1)), statistics.median(run(2))
    return {"cell_seconds_alone": alone, "cell_seconds_two_at_once": together,
            "two_process_speedup_ceiling": 2 * alone / together}


def cell_overhead(repeats):
    """Wall time of one quick-study cell in this process and on a one-worker LocalCluster, interleaved."""
    from qnn_lab.cli import SCALING_SIZES
    from qnn_lab.studies.grid import connect, run_on_one_thread
    from qnn_lab.studies.scaling import run_cell

    quick = SCALING_SIZES["quick"]
    spec = {"dataset": {"name": "teacher", "n_inputs": 64, **quick["dataset_params"]["teacher"]},
            "budgets": quick["budgets"],
            "network": {"layers": [64, 32, 2], "replicas": 4}, "trainer": "contrastive", "seed": 0,
            "trainer_params": {"contrastive": {"keep_best": False, "batch_size": 16, "epochs": quick["epochs"]}}}
    run_on_one_thread(run_cell, spec)                                   # warm up: imports, first allocations
    here, there = [], []
    with connect(workers=1) as client:
        client.submit(run_on_one_thread, run_cell, spec, pure=False).result()
        for _ in range(repeats):
            here.append(run_on_one_thread(run_cell, spec)["seconds"])
            there.append(client.submit(run_on_one_thread, run_cell, spec, pure=False).result()["seconds"])
    return {"cell": "quick study, contrastive, seed 0", "in_process_seconds": here, "on_worker_seconds": there,
            "median_ratio_worker_to_in_process": statistics.median(there) / statistics.median(here),
            "machine": {"quick study cell": machine_ceiling(spec, repeats),
                        "digits study cell": machine_ceiling(DIGITS_CELL, max(2, repeats // 3))}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(STUDIES), help=f"comma-separated: {', '.join(STUDIES)}")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each study per mode (digits_long: 1)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", default="benchmarks/scaling_dask.json")
    args = parser.parse_args(argv)
    report = {"command": "PYTHONPATH=. python benchmarks/scaling_dask.py " + " ".join(argv or sys.argv[1:]),
              "cpu_count": os.cpu_count(), "workers": args.workers, "studies": {}}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes.split(","):
            base = STUDIES[size]
            modes = {"serial": base, f"workers_{args.workers}": [*base, "--workers", str(args.workers)]}
            runs = {mode: [] for mode in modes}
            for r in range(1 if size == "digits_long" else args.repeats):
                for mode, mode_argv in modes.items():
                    runs[mode].append(run(mode_argv, folder, f"{size}-{mode}"))
                    print(f"{size} {mode} run {r + 1}: {runs[mode][-1]['wall_seconds']:.1f} s", file=sys.stderr,
                          flush=True)
            serial, parallel = (statistics.median(x["wall_seconds"] for x in runs[m]) for m in modes)
            cells = {m: statistics.median(x["cells_seconds"] for x in runs[m]) for m in modes}
            at_once = {m: statistics.median(x["cells_running_at_once"] for x in runs[m]) for m in modes}
            fits = [x["fits"] for rs in runs.values() for x in rs]
            report["studies"][size] = {
                "command": " ".join(["qnn-lab scaling", *base, f"[--workers {args.workers}]"]),
                "median_wall_seconds": {"serial": serial, f"workers_{args.workers}": parallel},
                "speedup": serial / parallel, "median_cells_seconds": cells,
                "cells_speedup": cells["serial"] / cells[f"workers_{args.workers}"],
                "median_cells_running_at_once": at_once,
                "identical_fits": all(f == fits[0] for f in fits),
                "runs": runs}
            print(f"{size}: serial {serial:.1f} s, {args.workers} workers {parallel:.1f} s, speedup "
                  f"{serial / parallel:.2f}; cells at once {at_once}", file=sys.stderr, flush=True)
    report["cell_overhead"] = cell_overhead(2 * args.repeats)
    print(f"one cell on a worker / in process: {report['cell_overhead']['median_ratio_worker_to_in_process']:.2f}; "
          f"two processes at once, no Dask: " + ", ".join(f"{k} {v['two_process_speedup_ceiling']:.2f}x" for k, v in
                                                           report['cell_overhead']['machine'].items()),
          file=sys.stderr)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
