"""EmbeddingView: plot data from hand-made embeddings (minorminer), the widget, the linked selection."""
import sys
import time

import networkx as nx
import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

from qnn_lab.widgets import Lab
from qnn_lab.widgets.embedding_view import (
    EMPTY_GRAPH,
    EmbeddingView,
    embedding_plot_data,
    label_colors,
    variable_name,
    window_spins,
)

minorminer = pytest.importorskip("minorminer")
graphs = pytest.importorskip("dwave.graphs")          # dwave-networkx's successor: the same graphs and layouts



@pytest.fixture(scope="module")
def pegasus():
    return graphs.pegasus_graph(2)


@pytest.fixture(scope="module")
def k6_chains(pegasus):
    """K6 needs chains longer than one qubit on a 40-qubit Pegasus graph."""
    chains = minorminer.find_embedding(nx.complete_graph(6).edges, pegasus.edges, random_seed=1)
    return {v: tuple(c) for v, c in chains.items()}


@pytest.fixture
def lab():
    return Lab(dataset="xor", hidden=[6], n_samples=120)


def model_chains(lab, target, seed=1):
    bqm = lab.state.current_model().bqm
    chains = minorminer.find_embedding(list(bqm.quadratic), target.edges, random_seed=seed)
    assert set(chains) == set(bqm.variables)
    return chains


def click(fig, trace, point):
    """What the browser sends on a click on one point (plotly's front-end message)."""
    fig._js2py_pointsCallback = {"event_type": "plotly_click", "points": {
        "xs": [0], "ys": [0], "point_indexes": [point], "trace_indexes": [trace]}}


def test_plot_data_colours_each_chain_and_names_it_in_hover(pegasus, k6_chains):
    plot = embedding_plot_data(pegasus, k6_chains, name=lambda v: f"x{v}")
    used = sum(len(c) for c in k6_chains.values())
    assert max(len(c) for c in k6_chains.values()) > 1
    q = plot["qubits"]
    assert len(q["x"]) == len(q["text"]) == len(q["color"]) == used
    assert len(plot["unused"]["x"]) == pegasus.number_of_nodes() - used
    assert len(set(plot["colors"])) == 6
    for k, label in enumerate(plot["labels"]):
        points = np.flatnonzero(q["label_index"] == k)
        assert {q["color"][i] for i in points} == {plot["colors"][k]}
        assert all(q["text"][i].startswith(f"x{label} · chain of {len(k6_chains[label])} qubit") for i in points)
        assert sorted(q["qubit"][i] for i in points) == sorted(k6_chains[label])
    inside = sum(pegasus.subgraph(c).number_of_edges() for c in k6_chains.values())
    between = pegasus.subgraph(q["qubit"]).number_of_edges() - inside
    assert len(plot["chain_edges"]["x"]) == 3 * inside and len(plot["couplers"]["x"]) == 3 * between
    assert between >= 15                                   # every K6 edge has a coupler between its chains
    assert np.isnan(plot["chain_edges"]["x"][2::3]).all()  # gaps between segments
    assert plot["stats"] == {"logical_variables": 6, "qubits_used": used, "qubits": 40, "topology": "pegasus",
                             "max_chain_length": max(map(len, k6_chains.values())),
                             "mean_chain_length": pytest.approx(used / 6)}
    assert len(plot["broken"]["x"]) == len(plot["selected"]["x"]) == 0 and plot["broken_fraction"] is None


def test_plot_data_on_zephyr():
    target = graphs.zephyr_graph(1)
    chains = minorminer.find_embedding(nx.complete_graph(8).edges, target.edges, random_seed=3)
    plot = embedding_plot_data(target, chains)
    assert plot["stats"]["topology"] == "zephyr" and plot["stats"]["logical_variables"] == 8
    assert np.isfinite(plot["qubits"]["x"]).all() and np.isfinite(plot["unused"]["y"]).all()
    layout = graphs.zephyr_layout(target)
    first = plot["qubits"]["qubit"][0]
    assert (plot["qubits"]["x"][0], plot["qubits"]["y"][0]) == tuple(layout[first])


@pytest.mark.parametrize("as_array", [False, True])
def test_broken_chains_are_marked_and_counted(pegasus, k6_chains, as_array):
    labels = list(k6_chains)
    if as_array:
        broken = np.zeros((4, 6), bool)
        broken[0, 2] = True                                   # one of four reads
    else:
        broken = {labels[2]: 0.25}
    plot = embedding_plot_data(pegasus, k6_chains, broken=broken)
    assert sorted(plot["qubits"]["qubit"][i] for i in np.flatnonzero(plot["qubits"]["label_index"] == 2)) == \
        sorted(k6_chains[labels[2]])
    assert len(plot["broken"]["x"]) == len(k6_chains[labels[2]])
    assert all("broken in 25% of reads" in t for t in plot["broken"]["text"])
    assert sum("broken in 0% of reads" in t for t in plot["qubits"]["text"]) == \
        sum(len(c) for c in k6_chains.values()) - len(k6_chains[labels[2]])
    assert plot["stats"]["chain_break_fraction"] == pytest.approx(0.25 / 6)


def test_selected_chain_is_highlighted(pegasus, k6_chains):
    label = list(k6_chains)[4]
    plot = embedding_plot_data(pegasus, k6_chains, selected=label)
    layout = graphs.pegasus_layout(pegasus)
    assert sorted(zip(plot["selected"]["x"], plot["selected"]["y"])) == sorted(tuple(layout[q])
                                                                              for q in k6_chains[label])
    assert len(embedding_plot_data(pegasus, k6_chains, selected="nope")["selected"]["x"]) == 0


@pytest.mark.parametrize("chains, broken, error, words", [
    ([(0,)], None, TypeError, "'chains' should be a mapping"),
    ({"a": ()}, None, ValueError, "chain of 'a' is empty"),
    ({"a": (36, 999)}, None, ValueError, "chain of 'a' has qubit 999"),
    ({"a": (36,), "b": (36, 38)}, None, ValueError, "qubit 36 is in the chains of 'a' and 'b'"),
    ({"a": (36,)}, {"a": 1.5}, ValueError, "fractions should be in \\[0, 1\\]: value = 1.5"),
    ({"a": (36,)}, {"a": "x"}, TypeError, "'broken' fractions should be numbers in \\[0, 1\\]"),
    ({"a": (36,)}, {"z": 0.5}, ValueError, "'z' has no chain"),
    ({"a": (36,)}, np.zeros((3, 2), bool), ValueError, "\\(reads, 1\\) bool array: dtype = bool, shape = \\(3, 2\\)"),
])
def test_bad_inputs_are_refused_by_name(pegasus, chains, broken, error, words):
    with pytest.raises(error, match=words):
        embedding_plot_data(pegasus, chains, broken=broken)


def test_a_graph_without_dwave_metadata_is_refused():
    with pytest.raises(ValueError, match="'target' should be a dwave-networkx graph of family .* family = None"):
        embedding_plot_data(nx.path_graph(3), {"a": (0,)})


def test_colours_and_names():
    assert len(set(label_colors(300))) == 300
    assert variable_name((1, "h", 2, 3)) == "h2[3] (sample 1)" and variable_name((0, "o", 5)) == "o[5] (sample 0)"
    assert variable_name(("w", 2, 0, 3, 1)) == "w2[0,3]b1" and variable_name("x") == "x"
    with pytest.raises(ValueError, match="'n' should be an integer >= 0"):
        label_colors(-1)


def test_spins_per_training_window():
    rows = window_spins([6, 20, 4], minibatch=3)
    assert [r["spins"] for r in rows] == [60, 78, 90]
    assert rows[0]["layers"] == ["h2"] and rows[1]["layers"] == ["h1", "h2"] and rows[2]["layers"] == ["h1", "h2", "o"]
    with pytest.raises(ValueError, match="'minibatch' should be an integer >= 1: value = 0"):
        window_spins([4], minibatch=0)


def test_view_shows_the_windows_of_the_lab_network(lab):
    view = lab.embedding
    assert "<td>h1, o</td><td style='text-align:right'>80</td>" in view.windows.value    # 8 x (6 + 2 x 2)
    view.minibatch.value = 2
    assert "<td>h1, o</td><td style='text-align:right'>20</td>" in view.windows.value
    lab.state.hidden = [6, 9]
    assert "<td>h1, h2, o</td>" in view.windows.value


def test_windows_estimate_qubits_from_the_embedding(lab, pegasus, k6_chains):
    view = lab.embedding
    view.minibatch.value = 1
    view.show(k6_chains, pegasus)
    mean = sum(map(len, k6_chains.values())) / 6
    assert f"chains of {mean:.2f}" in view.windows.value
    assert f"<td style='text-align:right;color:inherit'>{round(10 * mean)}</td>" in view.windows.value
    view.minibatch.value = 100                                     # 1000 spins do not fit on 40 qubits
    assert f"<td style='text-align:right;color:#c00'>{round(1000 * mean)}</td>" in view.windows.value


def test_view_draws_chains_and_clicks_link_it_with_the_qubo_view(lab, pegasus):
    view = lab.embedding
    assert [a.text for a in view.fig.layout.annotations] == [EMPTY_GRAPH]      # not an empty-looking figure
    chains = model_chains(lab, pegasus)
    view.show(chains, pegasus, model=lab.state.current_model())
    assert len(view.fig.data[3].x) == sum(len(c) for c in chains.values()) and not view.fig.layout.annotations
    assert "10</b> logical variables" in view.stats.value and not view.sample_button.disabled
    (x0, x1), (y0, y1) = view.fig.layout.xaxis.range, view.fig.layout.yaxis.range   # zoomed to the chains
    assert x0 < min(view.fig.data[3].x) and max(view.fig.data[3].x) < x1
    assert y0 < min(view.fig.data[3].y) and max(view.fig.data[3].y) < y1
    text = view.fig.data[3].text[0]
    assert text.startswith(variable_name(view.plot["labels"][0]) + " · chain of")
    point = int(np.flatnonzero(view.plot["qubits"]["label_index"] == 3)[0])
    click(view.fig, 3, point)                                     # a click on a chain selects its variable
    label = view.plot["labels"][3]
    assert lab.state.selected_label == label
    assert len(view.fig.data[5].x) == len(chains[label])
    i = lab.qubo.labels.index(label)                              # the QUBO view outlines its row and column
    rects = lab.qubo.fig.layout.shapes
    assert (rects[0].y0, rects[0].y1) == (rects[1].x0, rects[1].x1) == (i - 0.5, i + 0.5)
    k = int(np.flatnonzero(lab.qubo._shown_rows == 7)[0])
    click(lab.qubo.fig, 0, k)                                     # a click on a coupling selects its row variable
    assert lab.state.selected_label == lab.qubo.labels[7] and lab.qubo.fig.layout.shapes[0].y0 == 6.5
    assert len(view.fig.data[5].x) == len(chains[lab.qubo.labels[7]])
    click(lab.qubo.fig, 1, 2)                                     # and a click on a field bar
    assert lab.state.selected_label == lab.qubo.labels[2]


def test_weak_chains_break_on_the_mock_qpu_and_are_marked(lab, pegasus):
    view = lab.embedding
    view.show(model_chains(lab, pegasus), pegasus, model=lab.state.current_model())
    view.num_reads.value, view.chain_scale.value = 40, 0.02
    view.sample_button.click()
    view.wait(120)
    assert not lab.embedding.note.value, lab.embedding.note.value
    chains = view.chains                                          # the sampler's own embedding, on P16
    assert view.plot["stats"]["qubits"] == 5640 and view.sampleset.info["embedding"].chains == chains
    breaks = view.sampleset.info["embedding"].broken(view.physical)
    assert len(view.physical) == 40 and breaks.any()
    fractions = breaks.mean(axis=0)
    assert view.plot["stats"]["chain_break_fraction"] == pytest.approx(fractions.mean())
    assert lab.state.selected_read == 0                           # rings: the chains broken in the lowest read
    assert len(view.fig.data[4].x) == sum(len(chains[v]) for v in lab.state.last_reads.broken(0))
    assert f"chain-break fraction <b>{fractions.mean():.1%}</b>" in view.stats.value
    assert "40 reads on the mock QPU, chains held at " in view.status.value and not view.inspect_button.disabled
    assert f"(the chain strength {view.chain_scale.value:g} x the typical coupling)" in view.status.value


def test_a_new_model_structure_asks_for_a_new_embedding(lab, pegasus):
    view = lab.embedding
    view.show(model_chains(lab, pegasus), pegasus, model=lab.state.current_model())
    lab.state.set_network(lab.state.network.copy())              # new weights, same variables: still valid
    assert view.model is not None and not view.sample_button.disabled
    lab.state.hidden = [5]
    assert view.model is None and view.sample_button.disabled and view.inspect_button.disabled
    assert "press Embed again" in view.stats.value


def test_open_in_inspector_calls_the_bridge_and_shows_its_message(lab, pegasus):
    view = lab.embedding
    view.inspect_button.click()
    assert "press Embed, then Sample chains" in lab.embedding.note.text
    view.show(model_chains(lab, pegasus), pegasus, model=lab.state.current_model())
    view.num_reads.value = 5
    view.sample(block=True)
    seen = []
    view.inspector = lambda sampleset: seen.append(sampleset) or "http://127.0.0.1:18000/?problemId=x"
    view.inspect_button.click()
    assert seen == [view.sampleset] and view.status.value == "inspector: http://127.0.0.1:18000/?problemId=x"
    view.inspector = lambda sampleset: (_ for _ in ()).throw(RuntimeError("no solver"))
    view.inspect_button.click()
    assert view.note.text == "RuntimeError: no solver"                 # beside the button


def test_the_default_bridge_says_the_viewer_app_is_missing(lab, pegasus):
    """dwave-inspector's viewer app cannot be installed here: the real bridge says how to get it."""
    view = lab.embedding
    view.show(model_chains(lab, pegasus), pegasus, model=lab.state.current_model())
    view.num_reads.value = 5
    view.sample(block=True)
    view.inspect_button.click()
    assert view.note.text.startswith("InspectorViewerMissing: ") and "dwave install inspector" in view.note.text
    assert "broken ones ringed in red" in view.note.text and "4. Energies of the reads" in view.note.text


@pytest.mark.parametrize("topology", ["pegasus", "zephyr"])
def test_embed_button_embeds_the_current_model(lab, topology):
    view = lab.embedding
    view.topology.value = topology
    view.embed(block=True)
    assert not lab.embedding.note.value
    bqm = lab.state.current_model().bqm
    assert set(view.chains) == set(bqm.variables) and view.plot["stats"]["topology"] == topology
    assert len(view.fig.data[3].x) == sum(len(c) for c in view.chains.values()) >= bqm.num_variables
    assert f"<b>{bqm.num_variables}</b> logical variables" in view.stats.value
    assert view.status.value.startswith(f"embedded on {topology}")       # not the "embedding ..." of the run


def test_without_a_graph_library_the_panel_says_how_to_install_it(lab, monkeypatch):
    monkeypatch.setitem(sys.modules, "dwave.graphs", None)        # as if it were not installed
    view = EmbeddingView(lab.state)
    assert view.embed_button.disabled and "pip install 'qnn_lab[qpu]'" in view.status.value


@pytest.mark.slow
def test_embed_and_redraw_time_on_p16():
    """The lab's default model (36 spins) on Advantage-sized Pegasus; run with -m slow -s to see the times."""
    lab = Lab(dataset="circles", hidden=[32], replicas=2)
    view = lab.embedding
    t0 = time.perf_counter()
    view.embed(block=True)
    embed_and_draw = time.perf_counter() - t0
    redraws = []
    for _ in range(7):
        t0 = time.perf_counter()
        view.show(view.chains, view.target, model=view.model)
        redraws.append(time.perf_counter() - t0)
    redraw = float(np.median(redraws))
    print(f"P16, 36 spins: embed+draw {embed_and_draw:.3f} s, redraw median {redraw * 1e3:.1f} ms, "
          f"{view.plot['stats']['qubits_used']} qubits")
    assert view.plot["stats"]["qubits"] == 5640 and redraw < 0.25 and embed_and_draw < 30
