"""Layer-wise training of a deep network: accuracy, spins and QPU embedding against the window k.

For each window size k = 1..L the study trains a ``LayerwiseTrainer``, counts the spins
one window holds (per sample and per minibatch: the logical qubits before embedding) and
minor-embeds the widest window's minibatch model on Pegasus and Zephyr QPU graphs.
"""
from __future__ import annotations

import time

import numpy as np

from ..encoding import encode_window
from ..exceptions import QnnLabError, check_int
from ..network import Network
from ..samplers.embedding import DEFAULT_SHAPES
from ..training import BackpropTrainer, ContrastiveTrainer, LayerwiseTrainer
from ..training.layerwise import window_positions

__all__ = ["layerwise_study"]



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


def layerwise_study(dataset, layers=(64, 64, 64, 10), output_replicas=4, *, windows=None, epochs=10,
                    batch_size=32, embed_batch=1, embed=None, topologies=("pegasus", "zephyr"),
                    trainer_params=None, backprop_epochs=30, random_state=0, progress=None):
    """Train a deep network layer-wise for every window size and embed each window on QPU graphs.

    Args:
        dataset: a ``Dataset`` (train and test sets).
        layers, output_replicas: the network (default 64-64-64-40: three weight layers,
            two hidden layers of 64 spins, 10 classes x 4 replicas).
        windows: window sizes k to study; default 1..L.
        epochs, batch_size, trainer_params: of every ``LayerwiseTrainer`` (and of the full
            ``ContrastiveTrainer`` reference, which is k = L).
        embed_batch: samples in the embedded minibatch model (the widest window position).
        embed: ``embed(bqm, topology, clique=bool, random_state=int)`` -> an ``Embedding``,
            raising ``QnnLabError`` when it does not fit; default ``qnn_lab.samplers.embedding.embed``.
        backprop_epochs: epochs of the backprop reference.
        progress: ``progress(message)`` after each step.

    Returns:
        dict: "windows" (one record per k), "contrastive" and "backprop" references, settings.
    """
    net = Network(list(layers), output_replicas=output_replicas, random_state=random_state)
    L = len(net.weights)
    windows = list(range(1, L + 1)) if windows is None else [check_int("windows[i]", k, low=1, high=L)
                                                             for k in windows]
    embed_batch = check_int("embed_batch", embed_batch, low=1)
    params = {"epochs": epochs, "batch_size": batch_size, "random_state": random_state, **(trainer_params or {})}
    say = progress or (lambda message: None)
    if embed is None:
        from ..samplers.embedding import embed
    X_embed = dataset.X_train[:embed_batch]
    records = []
    for k in windows:
        t0 = time.perf_counter()
        tr = LayerwiseTrainer(net, window=k, **params).fit(dataset.X_train, dataset.y_train,
                                                           dataset.X_test, dataset.y_test)
        seconds = time.perf_counter() - t0
        positions = window_positions(L, k)
        widest = positions[int(np.argmax(tr.window_spins_))]
        enc = encode_window(net, X_embed, widest)
        record = {"window": k, "positions": len(positions),
                  "test_accuracy": tr.score(dataset.X_test, dataset.y_test),
                  "train_accuracy": tr.score(dataset.X_train, dataset.y_train),
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
                  "embedding": _embed_report(enc.bqm, embed, topologies, random_state)}
        records.append(record)
        say(f"k={k}: test accuracy {record['test_accuracy']:.3f}, {record['max_spins_per_sample']} spins per "
            f"sample, {seconds:.0f} s")
    full_accuracy = next((r["test_accuracy"] for r in records if r["window"] == L), None)   # k = L is it
    if full_accuracy is None:
        full = ContrastiveTrainer(net, **params).fit(dataset.X_train, dataset.y_train)
        full_accuracy = full.score(dataset.X_test, dataset.y_test)
    bp = BackpropTrainer(net, epochs=backprop_epochs, batch_size=batch_size,
                         random_state=random_state).fit(dataset.X_train, dataset.y_train)
    references = {"contrastive": {"window": L, "test_accuracy": full_accuracy,
                                  "spins_per_sample": net.n_spins},
                  "backprop": {"test_accuracy": bp.score(dataset.X_test, dataset.y_test),
                               "spin_network_test_accuracy": bp.network_.score(dataset.X_test, dataset.y_test),
                               "epochs": backprop_epochs}}
    say(f"full contrastive {references['contrastive']['test_accuracy']:.3f}, "
        f"backprop {references['backprop']['test_accuracy']:.3f}")
    return {"network": {"layers": list(layers), "output_replicas": output_replicas, "spin_sizes": net.spin_sizes},
            "settings": {**params, "embed_batch": embed_batch,
                         "topologies": {t: DEFAULT_SHAPES[t] for t in topologies}},
            "windows": records, **references}
