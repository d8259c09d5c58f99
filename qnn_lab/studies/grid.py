"""A study as a grid of independent cells, run serially or on Dask, streamed to a JSON-lines file.

A cell is one training run described by a small JSON-ready spec (dataset spec, network spec,
trainer name and parameters, seed): the worker rebuilds everything from it, so a cell's result
depends only on its spec and the study gives the same numbers on one process, on a LocalCluster
and on a remote Dask cluster. Every cell runs with torch on one thread; ``--workers`` forks its
workers from the main process on Linux, so they start with torch and the kernel loaded.

Each finished cell is appended (and flushed to disk) to a results file, one JSON object a line:

    {"study": "<fingerprint>", "cell": {...the cell's own keys...}, "seconds": wall time, "result": {...}}

The fingerprint hashes the settings that all cells share, so ``resume`` skips the cells already
in the file and refuses a file written by a study with other settings; an interrupted study
loses at most the cells that were running.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from ..exceptions import QnnLabError, check_int

__all__ = ["ResultsFileError", "connect", "run_grid", "study_fingerprint"]

#: Times Dask reruns a cell that raised (a cell on a worker that died is rescheduled by Dask itself).
RETRIES = 2
#: Seconds to wait for an existing scheduler to answer.
CONNECT_SECONDS = 10


class ResultsFileError(QnnLabError, ValueError):
    """A results file that does not belong to the study or cannot be read."""


def study_fingerprint(kind, shared):
    """Short hash of a study's kind and the settings its cells share (a JSON-ready dict)."""
    return hashlib.sha256(_canonical({"study": kind, **shared}).encode()).hexdigest()[:16]


def _canonical(obj):
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"a study's settings should be JSON-ready (names, numbers, lists, dicts) so that a "
                        f"worker can rebuild every cell from them: {exc}") from None


def _label(cell):
    return " ".join(f"{key} {value}" for key, value in cell.items())


def read_results(path, study_id, cells):
    """The finished cells of this study in ``path``: {canonical cell: result}; errors name the bad line."""
    wanted = {_canonical(c) for c in cells}
    done = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key, result, owner = _canonical(record["cell"]), record["result"], record["study"]
            except (ValueError, TypeError, KeyError):
                raise ResultsFileError(
                    f"results file {str(path)!r} line {number} is not a complete cell record (cut off or "
                    f"edited?): {line.strip()[:80]!r}; delete that line to run its cell again (the other lines "
                    f"are kept)") from None
            if owner != study_id:
                raise ResultsFileError(
                    f"results file {str(path)!r} line {number} belongs to another study (fingerprint {owner!r}, "
                    f"this study {study_id!r}: its settings differ); give this study another results file, or "
                    f"rerun it with that study's settings")
            if key in wanted:
                done[key] = result
    return done


def run_grid(kind, shared, cells, run_cell, *, results=None, resume=False, client=None, progress=None):
    """Run ``run_cell({**shared, **cell})`` for every cell; returns the results in the order of ``cells``.

    Args:
        kind: the study's name ("scaling", "deep"); part of the fingerprint.
        shared: JSON-ready settings every cell shares (what the fingerprint hashes).
        cells: JSON-ready dicts, each a cell's own keys (e.g. trainer and seed).
        run_cell: a module-level function spec -> JSON-ready dict (Dask sends it by reference).
        results: path of the JSON-lines results file; None: no file (nothing to resume).
        resume: skip the cells already in ``results``; without it an existing, non-empty file is refused.
        client: a ``dask.distributed.Client``; None runs the cells one after another in this process.
        progress: ``progress(done, total, label)`` at the start and after every finished cell (``done``
            counts resumed cells).
    """
    study_id = study_fingerprint(kind, shared)
    keys = [_canonical(c) for c in cells]
    if len(set(keys)) != len(keys):
        raise ValueError(f"the cells of a {kind} study should be distinct: {len(keys) - len(set(keys))} repeat")
    done = {}
    if results is not None:
        results = Path(results)
        if results.is_dir():
            raise ValueError(f"'results' should be a file path, not a folder: value = {str(results)!r}")
        if results.exists() and results.stat().st_size:
            if not resume:
                raise ResultsFileError(
                    f"results file {str(results)!r} already holds finished cells: resume the study (resume=True, "
                    f"--resume) or give another results file; it was left as it is")
            done = read_results(results, study_id, cells)
        try:
            open(results, "a").close()                   # a path that cannot take a line fails now, not later
        except OSError as exc:
            raise ValueError(f"'results' should be a writable file: value = {str(results)!r} ({exc})") from None
    elif resume:
        raise ValueError("'resume' needs a results file to resume from: pass 'results' (the CLI's --json PATH "
                         "or --results PATH)")
    todo = [c for c, key in zip(cells, keys) if key not in done]
    if progress is not None:
        progress(len(done), len(cells), f"{len(done)} cells resumed" if done else "")

    def finish(cell, timed):
        result = json.loads(json.dumps(timed["result"]))  # the same types whether fresh or read back
        done[_canonical(cell)] = result
        if results is not None:
            line = json.dumps({"study": study_id, "cell": cell, "seconds": timed["seconds"], "result": result}) + "\n"
            with open(results, "a") as f:                # one write per line; on disk before the next cell
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        if progress is not None:
            progress(len(done), len(cells), _label(cell))

    if client is None:
        for cell in todo:
            finish(cell, run_on_one_thread(run_cell, {**shared, **cell}))
    elif todo:
        _run_on_dask(client, kind, shared, todo, run_cell, finish)
    return [done[key] for key in keys]


def _run_on_dask(client, kind, shared, todo, run_cell, finish):
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]                           # fresh keys: a rerun on the same cluster computes again
    futures = client.map(run_on_one_thread, [run_cell] * len(todo), [{**shared, **c} for c in todo],
                         key=[f"{kind} {_label(c)} {run}" for c in todo], retries=RETRIES)
    cell_of = {f.key: c for f, c in zip(futures, todo)}
    try:
        for future in as_completed(futures):
            finish(cell_of[future.key], future.result())
    finally:                                             # an error or Ctrl-C: stop the cells still queued
        client.cancel([f for f in futures if not f.done()])


def run_on_one_thread(run_cell, spec):
    """{"result": run_cell(spec), "seconds": its wall time}, with torch, BLAS and the annealing kernel on
    one thread (the same numbers and the same cost everywhere, no oversubscribed cores on a worker;
    restored afterwards)."""
    import torch
    from threadpoolctl import threadpool_limits

    from ..samplers.kernel import set_kernel_threads

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    kernel_threads = set_kernel_threads(1)
    t0 = time.perf_counter()
    try:
        with threadpool_limits(limits=1):
            return {"result": run_cell(spec), "seconds": time.perf_counter() - t0}
    finally:
        torch.set_num_threads(threads)
        set_kernel_threads(kernel_threads)


@contextmanager
def connect(workers=None, scheduler=None):
    """A Dask client: a LocalCluster of ``workers`` processes (one thread each) or the scheduler at an address.

    Yields None when both are None (serial). The CLI's --workers and --scheduler.
    """
    if workers is None and scheduler is None:
        yield None
        return
    if workers is not None and scheduler is not None:
        raise ValueError(f"give '--workers' (a cluster on this machine) or '--scheduler' (an existing one), not "
                         f"both: values = {workers!r}, {scheduler!r}")
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(f"running a study on Dask needs dask.distributed: install qnn_lab[distributed] "
                          f"(pip install 'qnn_lab[distributed]') ({exc})") from None
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler:
            raise TypeError(f"'--scheduler' should be a Dask scheduler address like tcp://host:8786: "
                            f"value = {scheduler!r}")
        try:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
        except ValueError as exc:
            raise ValueError(f"'--scheduler' should be a Dask scheduler address like tcp://host:8786: "
                             f"value = {scheduler!r} ({exc})") from None
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(f"'--scheduler' = {scheduler!r}: no Dask scheduler answered within "
                                  f"{CONNECT_SECONDS} s (is dask-scheduler running there, and is the address "
                                  f"right?): {exc}") from None
        with client:
            yield client
        return
    workers = check_int("--workers", workers, low=1)
    method = start_method()
    if method == "fork":
        _load_before_fork()
    with dask.config.set({SPAWN_ENVIRON: _worker_environ(), START_METHOD: method}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                         silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


SPAWN_ENVIRON = "distributed.nanny.pre-spawn-environ"
START_METHOD = "distributed.worker.multiprocessing-method"


def start_method():
    """How ``--workers`` starts its worker processes: "fork" on Linux (a copy of this process, with torch
    and the compiled kernel already loaded, in about 0.1 s), else Dask's "spawn" (a fresh interpreter
    that imports them anew: 3 s per worker on a quiet machine, 10-20 s under load; a study's cells run
    on one thread, so nothing forked is shared between threads)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _load_before_fork():
    """Load, once in this process, what every cell loads: torch and the annealing kernel, compiled or
    read from numba's cache."""
    import numpy as np
    import torch

    from ..encoding import LayeredModel
    from ..network import Network
    from ..samplers.layered import LayeredAnnealer

    torch.nn.Linear(1, 1)
    model = LayeredModel.from_network(Network([1, 1, 2], random_state=0), np.zeros((1, 1)))
    LayeredAnnealer().sample_model(model, num_reads=1, num_sweeps=1, seed=0)


def _worker_environ():
    """Dask's environment for new worker processes, with one thread for BLAS and OpenMP, but without its
    MALLOC_TRIM_THRESHOLD_: that setting sends numpy's temporary arrays to mmap on every allocation and
    made a study cell 1.7x slower on a worker than in process (benchmarks/scaling_dask.json)."""
    import dask

    environ = {key: value for key, value in dask.config.get(SPAWN_ENVIRON).items() if key != "MALLOC_TRIM_THRESHOLD_"}
    return {**environ, "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
