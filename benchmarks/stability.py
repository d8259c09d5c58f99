"""Stability of contrastive annealing without keep_best (last vs best epoch); writes benchmarks/stability.json.

    PYTHONPATH=. nice python benchmarks/stability.py [--jobs 2] [--seeds 0,1,2] [--json benchmarks/stability.json]
    PYTHONPATH=. nice python benchmarks/stability.py --candidates today,default --json benchmarks/stability_table.json

Trains every task of PLAN with each of its candidate remedies (today's trainer, TODAY,
with one change each; "default" is the trainer's defaults now), keep_best off, probe
off, one torch thread per run, and prints two tables:

- the study: per task and candidate, the mean gap best - last epoch test accuracy and
  the mean last-epoch accuracy with 95 % Student-t intervals over the seeds, the worst
  gap and how many seeds end within 0.02 of their best epoch;
- the done-when table: every run of "default" against "today" on the same task and seed,
  and the time per epoch (median over the epochs of a run) as the median ratio over
  those pairs.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time

import numpy as np
from scipy import stats

TASKS = {
    "xor": {"layers": [2, 64, 2], "output_replicas": 2, "batch_size": 4, "epochs": 40},
    "circles": {"layers": [2, 64, 2], "output_replicas": 2, "batch_size": 4, "epochs": 40},
    "moons": {"layers": [2, 64, 2], "output_replicas": 2, "batch_size": 4, "epochs": 40},
    "gauss": {"layers": [2, 64, 2], "output_replicas": 2, "batch_size": 4, "epochs": 40},
    "digits": {"layers": [64, 120, 10], "output_replicas": 4, "batch_size": 32, "epochs": 20},
}
#: The trainer's defaults before this study: every wrong-class read is a head, eta / (1 + 0.3 epoch), plain steps,
#: 100 sweeps of the layered annealer.
TODAY = {"head_rule": "class", "margin": -1.0, "learning_rate": 0.02, "lr_decay": 0.3, "lr_schedule": "inverse",
         "optimizer": "sgd", "weight_decay": 0.0, "normalize": False, "zero_temperature": False,
         "sampler_params": {"num_sweeps": 100}}
#: Candidate remedies: today's trainer with one change each ("default": the trainer's defaults now).
CANDIDATES = {
    "today": {},
    "lr_decay=1": {"lr_decay": 1.0},
    "cosine lr": {"lr_schedule": "cosine"},
    "weight_decay=0.5": {"weight_decay": 0.5},
    "normalize layers": {"normalize": True},
    "momentum": {"optimizer": "momentum", "learning_rate": 0.002},
    "adam": {"optimizer": "adam", "learning_rate": 0.003},
    "zero temperature": {"zero_temperature": True},
    "default": None,
}
#: Tasks and the candidates each is trained with (digits, the slowest, with the strongest candidates).
PLAN = {
    "digits": ["today", "lr_decay=1", "adam", "default"],
    "circles": list(CANDIDATES),
    "xor": ["today", "default"],
    "moons": ["today", "default"],
    "gauss": ["today", "default"],
}
SEEDS = (0, 1, 2)
GAP_TARGET, DIGITS_TARGET, TIME_TARGET = 0.02, 0.97, 1.25


def run(job):
    """Train one (task, candidate, seed); the test accuracy of every epoch and the seconds per epoch."""
    import torch

    import qnn_lab as ql

    torch.set_num_threads(1)
    task, candidate, seed = job
    spec = TASKS[task]
    params = {} if CANDIDATES[candidate] is None else {**TODAY, **CANDIDATES[candidate]}
    ds = ql.load_dataset(task, random_state=seed)
    net = ql.Network(spec["layers"], output_replicas=spec["output_replicas"], random_state=seed)
    tr = ql.ContrastiveTrainer(net, batch_size=spec["batch_size"], epochs=spec["epochs"], keep_best=False,
                               probe_size=0, random_state=seed, **params)
    tr.fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
    acc = [h["test_accuracy"] for h in tr.history_]
    return {"task": task, "candidate": candidate, "seed": seed, "params": params,
            "best": max(acc), "best_epoch": int(np.argmax(acc)) + 1, "last": acc[-1], "gap": max(acc) - acc[-1],
            "test_accuracy": acc, "heads_per_sample": [h["heads_per_sample"] for h in tr.history_],
            "seconds_per_epoch": float(np.median([h["wall_seconds"] for h in tr.history_]))}


def interval(values, confidence=0.95):
    """Mean and Student-t interval over seeds (the interval is the mean itself for one value)."""
    values = np.asarray(values, float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf((1 + confidence) / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def run_all(jobs, n_jobs):
    with multiprocessing.get_context("spawn").Pool(n_jobs, maxtasksperchild=1) as pool:
        runs = []
        for record in pool.imap(run, jobs):
            runs.append(record)
            print(f"  {record['task']:8s} {record['candidate']:18s} seed {record['seed']}: best {record['best']:.3f} "
                  f"last {record['last']:.3f} ({record['seconds_per_epoch']:.2f} s/epoch)", file=sys.stderr, flush=True)
    return runs


def summarize(runs):
    """Per task and candidate: mean gap and last accuracy with intervals, worst gap, runs within the target."""
    out = []
    for task in dict.fromkeys(r["task"] for r in runs):
        for cand in dict.fromkeys(r["candidate"] for r in runs if r["task"] == task):
            rs = [r for r in runs if r["task"] == task and r["candidate"] == cand]
            gap, last = interval([r["gap"] for r in rs]), interval([r["last"] for r in rs])
            out.append({"task": task, "candidate": cand, "seeds": [r["seed"] for r in rs],
                        "gap": gap, "last": last, "worst_gap": max(r["gap"] for r in rs),
                        "within_target": sum(r["gap"] <= GAP_TARGET + 1e-9 for r in rs)})
    return out


def print_study(summary):
    print(f"{'task':8s} {'candidate':18s} {'gap best-last [95% CI]':>26s} {'last [95% CI]':>24s} worst  ok")
    for s in summary:
        g, a = s["gap"], s["last"]
        print(f"{s['task']:8s} {s['candidate']:18s} {g[0]:8.3f} [{g[1]:6.3f}, {g[2]:6.3f}]   "
              f"{a[0]:7.3f} [{a[1]:6.3f}, {a[2]:6.3f}] {s['worst_gap']:6.3f} {s['within_target']}/{len(s['seeds'])}")


def table(runs):
    """The done-when table of the defaults, with today's numbers and the time ratio."""
    rows, ratios = [], []
    for r in runs:
        if r["candidate"] != "default":
            continue
        today = next(t for t in runs if t["candidate"] == "today" and t["task"] == r["task"] and t["seed"] == r["seed"])
        ratios.append(r["seconds_per_epoch"] / today["seconds_per_epoch"])
        rows.append({"task": r["task"], "seed": r["seed"], "best": r["best"], "last": r["last"], "gap": r["gap"],
                     "ok": r["gap"] <= GAP_TARGET + 1e-9, "today_best": today["best"], "today_last": today["last"],
                     "today_gap": today["gap"]})
    digits = [row["last"] for row in rows if row["task"] == "digits"]
    checks = {"every gap <= 0.02": all(row["ok"] for row in rows),
              "digits mean last": float(np.mean(digits)) if digits else None,
              "digits mean last >= 0.97": bool(digits) and float(np.mean(digits)) >= DIGITS_TARGET,
              "time per epoch ratio (median over pairs)": float(np.median(ratios)),
              "time ratio <= 1.25": float(np.median(ratios)) <= TIME_TARGET}
    return rows, checks


def print_table(rows, checks):
    print(f"{'task':8s} seed   best   last    gap  ok | today: best   last    gap")
    for r in rows:
        ok = "yes" if r["ok"] else "NO"
        print(f"{r['task']:8s} {r['seed']:4d}  {r['best']:.3f}  {r['last']:.3f}  {r['gap']:.3f}  {ok:3s} |"
              f"        {r['today_best']:.3f}  {r['today_last']:.3f}  {r['today_gap']:.3f}")
    for key, value in checks.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(PLAN), help="comma-separated tasks of PLAN")
    parser.add_argument("--candidates", default=None,
                        help="comma-separated candidates to keep from PLAN (e.g. today,default: the table alone)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (each on one torch thread)")
    parser.add_argument("--json", default="benchmarks/stability.json")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    tasks = args.tasks.split(",")
    for name in tasks:
        if name not in PLAN:
            parser.error(f"--tasks: {name!r} should be one of {', '.join(PLAN)}")
    t0 = time.perf_counter()
    keep = None if args.candidates is None else args.candidates.split(",")
    for name in keep or ():
        if name not in CANDIDATES:
            parser.error(f"--candidates: {name!r} should be one of {', '.join(CANDIDATES)}")
    jobs = [(t, c, s) for t in tasks for s in seeds for c in PLAN[t] if keep is None or c in keep]   # side by side
    runs = run_all(jobs, args.jobs)
    summary = summarize(runs)
    rows, checks = table(runs)
    print_study(summary)
    print()
    print_table(rows, checks)
    result = {"command": "PYTHONPATH=. nice python benchmarks/stability.py " + " ".join(argv or sys.argv[1:]),
              "tasks": {t: TASKS[t] for t in tasks}, "plan": {t: PLAN[t] for t in tasks}, "today": TODAY,
              "candidates": CANDIDATES, "seeds": seeds, "jobs": args.jobs,
              "wall_seconds": time.perf_counter() - t0, "load_average_at_end": os.getloadavg(),
              "cpus": os.cpu_count(), "python": platform.python_version(),
              "summary": summary, "table": rows, "checks": checks, "runs": runs}
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {args.json} in {result['wall_seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
