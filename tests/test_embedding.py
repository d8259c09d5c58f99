import dimod
import networkx as nx
import numpy as np
import pytest

pytest.importorskip("minorminer")
import dwave.graphs
from dwave.embedding import is_valid_embedding

import qnn_lab as ql
from qnn_lab.samplers.embedding import Embedding, EmbeddingError, embed, qpu_graph


def test_qpu_graphs_are_advantage_and_advantage2_sized_with_layout_metadata():
    peg, zep = qpu_graph(), qpu_graph("zephyr")
    assert peg.number_of_nodes() == 5640 and peg.graph["family"] == "pegasus" and peg.graph["rows"] == 16
    assert zep.number_of_nodes() == 4800 and zep.graph["family"] == "zephyr" and zep.graph["tile"] == 4
    assert len(dwave.graphs.pegasus_layout(peg)) == 5640
    assert len(dwave.graphs.zephyr_layout(zep)) == 4800
    assert qpu_graph("pegasus", 16) is peg


@pytest.mark.parametrize("args, error, words", [
    (("chimera",), ValueError, "'topology' should be one of 'pegasus', 'zephyr': value = 'chimera'"),
    (("pegasus", 1), ValueError, "'shape' should be an integer in [2, 16]: value = 1"),
    (("zephyr", 2.5), TypeError, "'shape' should be an integer"),
])
def test_bad_graph_names_and_shapes_are_refused(args, error, words):
    with pytest.raises(error) as exc:
        qpu_graph(*args)
    assert words in str(exc.value)


def test_dense_models_get_a_valid_clique_embedding_with_uniform_chains():
    bqm = dimod.generators.ran_r(1, 24, seed=3)                       # complete graph K24
    emb = embed(bqm, "zephyr", random_state=0)
    assert is_valid_embedding(emb.chains, dimod.to_networkx_graph(bqm), qpu_graph("zephyr"))
    lengths = {len(c) for c in emb.chains.values()}
    assert len(lengths) == 1 and emb.max_chain_length == emb.mean_chain_length > 1
    assert emb.qubits_used == sum(len(c) for c in emb.chains.values()) and emb.num_logical == 24
    assert "num_logical=24" in repr(emb)


def test_sparse_models_get_a_heuristic_embedding_and_a_graph_is_a_source():
    net = ql.Network([2, 4, 2], output_replicas=2, random_state=0)
    bqm = ql.encode_neurons(net, np.zeros((8, 2))).bqm                # 8 disjoint small networks
    emb = embed(bqm, "pegasus", random_state=1)
    assert is_valid_embedding(emb.chains, dimod.to_networkx_graph(bqm), qpu_graph())
    ring = nx.cycle_graph(30)
    forced = embed(ring, "zephyr", clique=True, random_state=1)       # clique embedding even for a sparse ring
    assert is_valid_embedding(forced.chains, ring, qpu_graph("zephyr"))
    assert forced.qubits_used > embed(ring, "zephyr", clique=False, random_state=1).qubits_used


def test_embeddings_are_cached_per_structure_not_per_biases():
    a = dimod.BQM({"x": 1.0}, {("x", "y"): 1.0, ("y", "z"): -2.0}, 0, "SPIN")
    b = dimod.BQM({"x": -3.0}, {("x", "y"): 0.5, ("y", "z"): 4.0}, 0, "SPIN")
    assert embed(a, "zephyr", 2, random_state=5) is embed(b, "zephyr", 2, random_state=5)
    assert embed(a, "zephyr", 2, random_state=5) is not embed(a, "zephyr", 2, random_state=6)


def test_a_model_too_large_is_refused_naming_its_size():
    with pytest.raises(EmbeddingError, match=r"40 variables and 780 couplings does not fit on zephyr_graph\(1, 4\)"):
        embed(nx.complete_graph(40), "zephyr", 1)                     # fewer variables than qubits, still too dense
    with pytest.raises(EmbeddingError, match=r"6000 variables does not fit on pegasus_graph\(16, 0\) \(5640 qubits\)"):
        embed(nx.path_graph(6000), "pegasus", random_state=0)


@pytest.mark.parametrize("kwargs, error", [({"clique": "yes"}, ValueError), ({"random_state": -1}, ValueError)])
def test_bad_embed_options_are_refused(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        embed(nx.path_graph(3), "zephyr", 2, **kwargs)


def test_bad_source_is_refused():
    with pytest.raises(TypeError, match="'source' should be a dimod BQM or a networkx graph"):
        embed([1, 2, 3])


def test_broken_chains_and_stats_from_physical_samples():
    emb = Embedding({"a": (0, 1), "b": (2,), "c": (3, 4, 5)}, qpu_graph("zephyr", 2), "zephyr")
    samples = np.array([[1, 1, -1, 1, 1, 1],        # nothing broken
                        [1, -1, 1, 1, -1, 1],       # a and c broken
                        [-1, -1, 1, -1, -1, 1]])    # c broken
    physical = dimod.SampleSet.from_samples((samples, [5, 4, 3, 2, 1, 0][::-1]), "SPIN", 0)
    np.testing.assert_array_equal(emb.broken(physical), [[False, False, False], [True, False, True],
                                                         [False, False, True]])
    assert emb.stats(physical) == {"qubits_used": 6, "max_chain_length": 3, "mean_chain_length": 2.0,
                                   "chain_break_fraction": pytest.approx(3 / 9)}
    with pytest.raises(ValueError, match="should hold every chain qubit: 1 missing"):
        emb.broken(dimod.SampleSet.from_samples((samples[:, :5], range(5)), "SPIN", 0))
