"""Minor embedding of logical models on D-Wave QPU graphs (Pegasus, Zephyr).

A logical spin is a chain of physical qubits held together by a strong ferromagnetic
coupling (the chain strength); a chain whose qubits disagree in a read is broken.
Dense models get minorminer's clique embedding (busclique: short, uniform chains),
sparse ones its heuristic ``find_embedding``. Needs the ``qpu`` extra
(dwave-system, minorminer, dwave-graphs).

Examples:
    >>> import dimod
    >>> bqm = dimod.BQM({"a": 0.5}, {("a", "b"): -1.0, ("b", "c"): 1.0, ("a", "c"): 1.0}, 0, "SPIN")
    >>> emb = embed(bqm, "zephyr", shape=2, random_state=0)
    >>> emb.num_logical, emb.topology
    (3, 'zephyr')
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..exceptions import QnnLabError, check_choice, check_int

__all__ = ["DEFAULT_SHAPES", "TOPOLOGIES", "Embedding", "EmbeddingError", "embed", "qpu_graph"]

TOPOLOGIES = ("pegasus", "zephyr")
#: Advantage (Pegasus P16) and Advantage2 (Zephyr Z12, tile 4).
DEFAULT_SHAPES = {"pegasus": 16, "zephyr": 12}
#: Above this edge density (edges / (n (n - 1) / 2)) clique="auto" takes the clique embedding.
DENSE = 0.3
_MAX_SHAPE = {"pegasus": 16, "zephyr": 20}
_CACHE_SIZE = 32


class EmbeddingError(QnnLabError, ValueError):
    """A model does not fit on a QPU graph."""


def _dwave_graphs():
    try:
        import dwave.graphs
    except ImportError as exc:
        raise ImportError(f"QPU graphs need the qpu extra: pip install 'qnn_lab[qpu]' ({exc})") from None
    return dwave.graphs


_GRAPHS = {}
_GRAPHS_LOCK = threading.Lock()


def qpu_graph(topology="pegasus", shape=None):
    """The graph of a QPU: "pegasus" (default shape 16, Advantage) or "zephyr" (default 12, tile 4, Advantage2).

    The graph carries dwave-graphs' metadata (family, rows, tile, labels), so
    ``dwave.graphs.pegasus_layout`` / ``zephyr_layout`` / ``draw_pegasus`` work on it. The
    same object is returned for the same arguments: do not change it.
    """
    topology = check_choice("topology", topology, TOPOLOGIES, error=ValueError)
    low = 2 if topology == "pegasus" else 1
    shape = DEFAULT_SHAPES[topology] if shape is None else check_int("shape", shape, low=low,
                                                                        high=_MAX_SHAPE[topology])
    with _GRAPHS_LOCK:
        if (topology, shape) not in _GRAPHS:
            dg = _dwave_graphs()
            _GRAPHS[topology, shape] = (dg.pegasus_graph(shape) if topology == "pegasus"
                                        else dg.zephyr_graph(shape, 4))
        return _GRAPHS[topology, shape]


@dataclass(frozen=True, repr=False)
class Embedding:
    """Chains of physical qubits, one per logical variable, on a QPU graph."""

    chains: dict
    target: object
    topology: str

    def __repr__(self):
        return (f"Embedding(topology={self.topology!r}, num_logical={self.num_logical}, "
                f"qubits_used={self.qubits_used}, max_chain_length={self.max_chain_length})")

    @property
    def num_logical(self):
        return len(self.chains)

    @property
    def qubits_used(self):
        return int(sum(len(c) for c in self.chains.values()))

    @property
    def max_chain_length(self):
        return max((len(c) for c in self.chains.values()), default=0)

    @property
    def mean_chain_length(self):
        return self.qubits_used / self.num_logical if self.chains else 0.0

    @cached_property
    def _flat(self):
        """Qubits chain after chain, and where each chain starts."""
        qubits = [q for c in self.chains.values() for q in c]
        starts = np.cumsum([0] + [len(c) for c in self.chains.values()])[:-1]
        return qubits, starts

    def broken(self, physical_sampleset):
        """(reads, num_logical) bool: True where a chain's qubits disagree (chains in ``list(chains)`` order)."""
        qubits, starts = self._flat
        missing = set(qubits) - set(physical_sampleset.variables)
        if missing:
            raise ValueError(f"'physical_sampleset' should hold every chain qubit: {len(missing)} missing, "
                             f"e.g. {sorted(missing)[:5]}")
        cols = [physical_sampleset.variables.index(q) for q in qubits]
        spins = np.asarray(physical_sampleset.record.sample)[:, cols]
        if not len(qubits):
            return np.zeros((len(spins), 0), bool)
        return np.minimum.reduceat(spins, starts, axis=1) != np.maximum.reduceat(spins, starts, axis=1)

    def stats(self, physical_sampleset=None):
        """Qubits used, max and mean chain length; the chain-break fraction when samples are given."""
        out = {"qubits_used": self.qubits_used, "max_chain_length": self.max_chain_length,
               "mean_chain_length": float(self.mean_chain_length)}
        if physical_sampleset is not None:
            broken = self.broken(physical_sampleset)
            out["chain_break_fraction"] = float(broken.mean()) if broken.size else 0.0
        return out


_EMBEDDINGS = OrderedDict()
_EMBEDDINGS_LOCK = threading.Lock()


def _source_graph(source):
    """Variables and edges of a BQM or a networkx graph."""
    if hasattr(source, "quadratic") and hasattr(source, "variables"):
        return list(source.variables), [tuple(e) for e in source.quadratic]
    if hasattr(source, "nodes") and hasattr(source, "edges"):
        return list(source.nodes), [tuple(e) for e in source.edges]
    raise TypeError(f"'source' should be a dimod BQM or a networkx graph: value = {type(source).__name__}")


def embed(source, topology="pegasus", shape=None, *, clique="auto", random_state=None, target=None):
    """Minor-embed ``source`` (a dimod BQM or a networkx graph) on a QPU graph.

    Args:
        source: the logical model or its graph.
        topology, shape: the QPU graph (see ``qpu_graph``).
        clique: True: minorminer's busclique clique embedding; False: its heuristic
            find_embedding; "auto": clique when the edge density exceeds 0.3.
        random_state: seed (int >= 0) of the heuristic; None: fresh entropy.
        target: a working graph to embed on instead (e.g. a QPU's ``to_networkx_graph()``
            with its missing qubits); ``topology`` then names its family.

    Embeddings are cached per (graph, variables, edges, clique, seed) for seeded calls, so
    every minibatch of the same shape reuses the first one.
    """
    variables, edges = _source_graph(source)
    if clique != "auto" and not isinstance(clique, (bool, np.bool_)):
        raise ValueError(f"'clique' should be True, False or 'auto': value = {clique!r}")
    if random_state is not None:
        random_state = check_int("random_state", random_state, low=0, high=2**31 - 1)
    if target is None:
        target = qpu_graph(topology, shape)
    else:
        topology = check_choice("topology", topology, TOPOLOGIES, error=ValueError)
    n = len(variables)
    if clique == "auto":
        clique = n > 1 and 2 * len(edges) / (n * (n - 1)) > DENSE
    if n > target.number_of_nodes():
        raise EmbeddingError(f"a model with {n} variables does not fit on {target.graph.get('name', topology)} "
                             f"({target.number_of_nodes()} qubits); use a smaller minibatch or network")
    # a cached Embedding holds its target, so id(target) cannot be reused while the entry lives
    key = (id(target), frozenset(variables), frozenset(map(frozenset, edges)), bool(clique), random_state)
    if random_state is not None:
        with _EMBEDDINGS_LOCK:
            if key in _EMBEDDINGS:
                _EMBEDDINGS.move_to_end(key)
                return _EMBEDDINGS[key]
    chains = _find_chains(variables, edges, target, bool(clique), random_state)
    if len(chains) < n:
        how = "clique embedding" if clique else "heuristic embedding"
        raise EmbeddingError(f"a model with {n} variables and {len(edges)} couplings does not fit on "
                             f"{target.graph.get('name', topology)} ({target.number_of_nodes()} qubits) with a {how}; "
                             "use a smaller minibatch or network, or another topology")
    emb = Embedding({v: tuple(int(q) for q in chains[v]) for v in variables}, target, topology)
    if random_state is not None:
        with _EMBEDDINGS_LOCK:
            _EMBEDDINGS[key] = emb
            while len(_EMBEDDINGS) > _CACHE_SIZE:
                _EMBEDDINGS.popitem(last=False)
    return emb


def _find_chains(variables, edges, target, clique, random_state):
    try:
        import minorminer
        import minorminer.busclique
    except ImportError as exc:
        raise ImportError(f"embedding needs the qpu extra: pip install 'qnn_lab[qpu]' ({exc})") from None
    if not variables:
        return {}
    if clique:
        return minorminer.busclique.find_clique_embedding(variables, target)
    seed = np.random.default_rng(random_state).integers(2**31 - 1) if random_state is None else random_state
    lonely = set(variables) - {v for e in edges for v in e}
    chains = minorminer.find_embedding(edges, target, random_seed=int(seed), timeout=60) if edges else {}
    if lonely:                                   # variables without couplings: any free qubit each
        used = {q for c in chains.values() for q in c}
        free = (q for q in target.nodes if q not in used)
        chains.update({v: [q] for v, q in zip(sorted(lonely, key=repr), free)})
    return chains
