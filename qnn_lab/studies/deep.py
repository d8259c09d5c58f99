"""Layer-wise training of a deep network: accuracy, spins and QPU embedding against the window k.

For each window size k = 1..L the study trains a ``LayerwiseTrainer``, counts the spins
one window holds (per sample and per minibatch: the logical qubits before embedding) and
minor-embeds the widest window's minibatch model on Pegasus and Zephyr QPU graphs.
"""
from __future__ import annotations

import copy
import time

import numpy as np

from ..encoding import encode_window
from ..exceptions import QnnLabError, check_choice, check_int
from ..network import Network
from ..samplers.embedding import DEFAULT_SHAPES
from ..training import BackpropTrainer, ContrastiveTrainer, LayerwiseTrainer
from ..training.layerwise import window_positions

__all__ = ["SAMPLER_SETTINGS", "layerwise_study", "run_cell"]

#: The sampler of every cell, pinned in the specs so a change of the global defaults does not change a study.
SAMPLER_SETTINGS = {"sampler": "layered",
                    "sampler_params": {"num_sweeps": 100, "beta_schedule_type": "geometric", "update": "metropolis"}}


def _embed_report(bqm, embed, topologies, random_state):
    """Qubits used and chain lengths of ``bqm`` on each QPU graph, heuristic and clique embedding."""
    from ..samplers.embedding import qpu_graph
    report = {}
    for topology in topologies:
        for method, clique in (("heuristic", False), ("clique", True)):
            t0 = time.perf_counter()
            try:
                e = embed(bqm, topology, clique=clique, random_state=random_state)
                stats = {"fits": True, "qubits_used": e.qubits_used, "max_chain_length": e.max_chain_length,
                         "mean_chain_length": e.mean_chain_length}
            except QnnLabError:                   # embed raises EmbeddingError when it does not fit
                stats = {"fits": False, "qubits_used": None, "max_chain_length": None, "mean_chain_length": None}
            report[f"{topology}/{method}"] = {**stats, "qpu_qubits": qpu_graph(topology).number_of_nodes(),
                                              "seconds": time.perf_counter() - t0}
    return report


def run_cell(spec):
    """One cell of the deep study, rebuilt from its spec: a layer-wise run of window k, or a reference run.

    ``spec["trainer"]`` is "layerwise" (with "window"), "contrastive" (the whole network at once)
    or "backprop"; "seed" draws the initial network and the trainer's randomness.
    """
    from ..data import load_dataset

    ds = load_dataset(**spec["dataset"])
    seed, name = spec["seed"], spec["trainer"]
    net = Network(spec["layers"], output_replicas=spec["output_replicas"], random_state=seed)
    params = {**spec["trainer_params"], "random_state": seed}
    if name == "backprop":
        bp = BackpropTrainer(net, epochs=spec["backprop_epochs"], batch_size=params["batch_size"],
                             random_state=seed).fit(ds.X_train, ds.y_train)
        return {"test_accuracy": bp.score(ds.X_test, ds.y_test),
                "spin_network_test_accuracy": bp.network_.score(ds.X_test, ds.y_test)}
    if name == "contrastive":
        full = ContrastiveTrainer(net, **params).fit(ds.X_train, ds.y_train)
        return {"test_accuracy": full.score(ds.X_test, ds.y_test)}
    from ..samplers.embedding import embed
    t0 = time.perf_counter()
    tr = LayerwiseTrainer(net, window=spec["window"], **params).fit(ds.X_train, ds.y_train, ds.X_test, ds.y_test)
    seconds = time.perf_counter() - t0
    positions = window_positions(len(net.weights), spec["window"])
    widest = positions[int(np.argmax(tr.window_spins_))]
    enc = encode_window(net, ds.X_train[:spec["embed_batch"]], widest)
    return {"positions": len(positions),
            "test_accuracy": tr.score(ds.X_test, ds.y_test),
            "train_accuracy": tr.score(ds.X_train, ds.y_train),
            "best_epoch": getattr(tr, "best_epoch_", None),
            "test_accuracy_per_epoch": [h["test_accuracy"] for h in tr.history_],
            "train_seconds": seconds,
            "sampler_seconds": float(sum(h["sampler_seconds"] for h in tr.history_)),
            "spins_per_sample": dict(zip([f"{a}..{b - 1}" for a, b in positions], tr.window_spins_)),
            "max_spins_per_sample": max(tr.window_spins_),
            "max_spins_per_minibatch": max(tr.window_spins_) * params["batch_size"],
            "embedded_window": f"{widest[0]}..{widest[1] - 1}",
            "embedded_variables": enc.bqm.num_variables,
            "embedded_couplings": enc.bqm.num_interactions,
            "embedding": _embed_report(enc.bqm, embed, spec["topologies"], seed)}


def layerwise_study(dataset, layers=(64, 64, 64, 10), output_replicas=4, *, windows=None, seeds=1, epochs=10,
                    batch_size=32, embed_batch=1, topologies=("pegasus", "zephyr"), trainer_params=None,
                    backprop_epochs=30, dataset_params=None, random_state=0, client=None, results=None,
                    resume=False, progress=None):
    """Train a deep network layer-wise for every window size and embed each window on QPU graphs.

    Every (window k, seed) pair is one cell, as are the references (backprop; the whole
    network at once when k = L is not among the windows), each rebuilt from small specs
    wherever it runs (see ``qnn_lab.studies.grid``).

    Args:
        dataset: a name from ``DATASETS`` (with ``dataset_params``) or a ``Dataset`` (rebuilt
            from its ``spec`` on the workers).
        layers, output_replicas: the network (default 64-64-64-40: three weight layers,
            two hidden layers of 64 spins, 10 classes x 4 replicas).
        windows: window sizes k to study; default 1..L.
        seeds: number of seeds (random_state, random_state + 1, ...), each drawing the initial
            network and the trainers' randomness.
        epochs, batch_size, trainer_params: of every ``LayerwiseTrainer`` (and of the full
            ``ContrastiveTrainer`` reference, which is k = L); trainer_params JSON-ready. Without
            a "sampler" among them, every cell samples with ``SAMPLER_SETTINGS``.
        embed_batch: samples in the embedded minibatch model (the widest window position).
        topologies: QPU graph families to embed on (heuristic and clique embedding each).
        backprop_epochs: epochs of the backprop reference.
        client, results, resume: where the cells run and the JSON-lines file of finished cells,
            as in ``scaling_study``.
        progress: ``progress(done, total, label)`` at the start and after every cell.

    Returns:
        dict: "windows" (one record per k and seed), "contrastive" and "backprop" references
        (test accuracy averaged over seeds, and per seed), settings.
    """
    from ..data import Dataset, load_dataset
    from .grid import run_grid, study_fingerprint

    if isinstance(dataset, Dataset):
        spec = dict(dataset.spec)
    else:
        spec = {"name": dataset, **(dataset_params or {})}
        dataset = load_dataset(**spec)          # a bad name or option fails here, before any training
    net = Network(list(layers), output_replicas=output_replicas, random_state=random_state)
    L = len(net.weights)
    windows = list(range(1, L + 1)) if windows is None else [check_int("windows[i]", k, low=1, high=L)
                                                             for k in windows]
    embed_batch = check_int("embed_batch", embed_batch, low=1)
    seeds = check_int("seeds", seeds, low=1)
    random_state = check_int("random_state", random_state, low=0)
    for topology in topologies:
        check_choice("topologies[i]", topology, tuple(DEFAULT_SHAPES), error=ValueError)
    trainer_params = dict(trainer_params or {})
    pinned = {} if "sampler" in trainer_params else copy.deepcopy(SAMPLER_SETTINGS)
    params = {"epochs": epochs, "batch_size": batch_size, **pinned, **trainer_params}
    LayerwiseTrainer(net, window=windows[0], **params)._check_params()
    shared = {"dataset": spec, "layers": list(layers), "output_replicas": output_replicas, "trainer_params": params,
              "embed_batch": embed_batch, "topologies": list(topologies), "backprop_epochs": backprop_epochs}
    seed_list = list(range(random_state, random_state + seeds))
    cells = [{"trainer": "layerwise", "window": k, "seed": s} for k in windows for s in seed_list]
    references = ["backprop"] + ([] if L in windows else ["contrastive"])
    cells += [{"trainer": name, "seed": s} for name in references for s in seed_list]
    outcome = run_grid("deep", shared, cells, run_cell, results=results, resume=resume, client=client,
                       progress=progress)
    records = [{"window": c["window"], "seed": c["seed"], **r} for c, r in zip(cells, outcome)
               if c["trainer"] == "layerwise"]
    by_seed = {name: [r for c, r in zip(cells, outcome) if c["trainer"] == name] for name in references}
    if "contrastive" not in by_seed:                # k = L anneals the whole network: it is the reference
        by_seed["contrastive"] = [{"test_accuracy": r["test_accuracy"]} for r in records if r["window"] == L]
    summary = {name: {"test_accuracy": float(np.mean([r["test_accuracy"] for r in rs])),
                      "test_accuracy_per_seed": [r["test_accuracy"] for r in rs]} for name, rs in by_seed.items()}
    summary["contrastive"].update(window=L, spins_per_sample=net.n_spins)
    summary["backprop"].update(epochs=backprop_epochs, spin_network_test_accuracy=float(
        np.mean([r["spin_network_test_accuracy"] for r in by_seed["backprop"]])))
    return {"network": {"layers": list(layers), "output_replicas": output_replicas, "spin_sizes": net.spin_sizes},
            "settings": {**params, "seeds": seed_list, "embed_batch": embed_batch, "dataset": spec,
                         "topologies": {t: DEFAULT_SHAPES[t] for t in topologies},
                         "fingerprint": study_fingerprint("deep", shared)},
            "windows": records, **summary}
