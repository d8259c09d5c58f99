"""The lab's views in plain pytest: network drawing, energy histogram, read stepper, schedule editor."""
import html

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")
pytest.importorskip("anywidget")

from qnn_lab.samplers.schedules import AnnealSchedule, EnergyScales, ScheduleError
from qnn_lab.training import ContrastiveTrainer
from qnn_lab.widgets.common import png_picture
from qnn_lab.widgets.embedding_view import EmbeddingView
from qnn_lab.widgets.histogram import EnergyHistogram, fit_bins
from qnn_lab.widgets.network_view import (
    COLORBAR_TITLES,
    LINK_BUDGET,
    NEGATIVE,
    POSITIVE,
    SCALE_HEIGHT,
    NetworkView,
    network_drawing,
)
from qnn_lab.widgets.read_stepper import ReadStepper
from qnn_lab.widgets.reads import Reads
from qnn_lab.widgets.schedule_editor import ScheduleEditor
from qnn_lab.widgets.state import LabState


@pytest.fixture
def state():
    return LabState(dataset="xor", hidden=[6], n_samples=80, sample_reads=12, sample_chunk=4)


def _points(trace):
    return [] if trace.x is None else list(zip(trace.x, trace.y))


def _spins_drawn(view):
    up, down = view.fig.data[-3], view.fig.data[-2]
    return {(x, y, "up") for x, y in _points(up)} | {(x, y, "down") for x, y in _points(down)}


# ------------------------------------------------------------------ network view
def test_plane_drawing_has_a_picture_per_neuron_and_the_decision_boundary(state):
    net = state.network
    d = network_drawing(net, state.data)
    assert d["kind"] == "plane" and [len(b["centres"]) for b in d["blocks"]] == [2, 6, 4]
    for block, n in zip(d["blocks"], [2, 6, 4]):
        assert block["pictures"].shape == (n, 16, 16) and np.abs(block["pictures"]).max() <= 1
    grid_point = d["blocks"][1]["pictures"][2][-1, 0]           # bottom-left pixel of h1[2]: the box's corner
    lo = state.data.X_train.min(0) - 0.2
    assert grid_point == pytest.approx(np.tanh(lo @ net.weights[0][2] + net.biases[0][2]))
    boundary = d["boundary"]["picture"]
    assert boundary.shape == (48, 48)
    assert ((boundary > 0) == (net.predict(np.array([[0.0, 0.0]]))[0] == 1)).any()
    assert sum(len(lk["weights"]) for lk in d["links"]) == 2 * 6 + 6 * 4     # small: every link


def test_neuron_pictures_have_no_more_pixels_than_their_cells_show(state):
    small = network_drawing(state.network, state.data, box=(60, 50))
    k = small["blocks"][1]["pictures"].shape[1]
    assert k == max(4, int(np.ceil(small["cell_px"]))) < 16, (k, small["cell_px"])


def test_wide_layers_keep_each_neurons_strongest_links_and_digits_show_receptive_fields():
    s = LabState(dataset="digits", hidden=[120, 40])
    d = network_drawing(s.network, s.data, sample_index=3)
    assert d["kind"] == "image" and d["blocks"][0]["image"].shape == (8, 8)
    np.testing.assert_array_equal(d["blocks"][0]["image"].ravel(), s.data.X_train[3])
    W1 = s.network.weights[0]
    np.testing.assert_allclose(d["blocks"][1]["pictures"][5].ravel(), W1[5] / np.abs(W1[5]).max())
    assert [lk["layer"] for lk in d["links"]] == [1, 2]          # the input's weights are the receptive fields
    h2 = d["links"][0]
    assert h2["per_neuron"] == LINK_BUDGET // 40 and len(h2["weights"]) == 40 * h2["per_neuron"]
    W2 = s.network.weights[1]
    for j in (0, 17, 39):
        drawn = np.abs(h2["weights"][h2["targets"] == j])
        assert drawn.min() >= np.sort(np.abs(W2[j]))[-h2["per_neuron"]]   # the strongest ones of neuron j


@pytest.mark.parametrize("dataset, hidden, at_least", [("circles", [32], 28), ("xor", [8], 38), ("digits", [32], 20)])
def test_neurons_are_drawn_large_enough_to_read(dataset, hidden, at_least):
    """TensorFlow Playground draws ~40 px neurons: the lab's drawing (its output panel draws the boundary)."""
    s = LabState(dataset=dataset, hidden=hidden, replicas=2)
    view = NetworkView(s, height=400, boundary=False)
    d = view.drawing
    assert d["boundary"] is None and d["cell_px"] >= at_least, d["cell_px"]
    units = (d["x_range"][1] - d["x_range"][0], d["y_range"][1] - d["y_range"][0])
    assert units[0] * d["cell_px"] <= view.box[0] + 1 and units[1] * d["cell_px"] <= view.box[1] + 1  # it fits
    assert network_drawing(s.network, s.data)["boundary"] is not None or dataset == "digits"  # alone: with it


@pytest.mark.parametrize("dataset, hidden", [("circles", [16]), ("xor", [8, 8]), ("digits", [32])])
def test_the_network_view_on_its_own_is_as_high_as_its_drawing_and_its_colour_bar_title_fits(dataset, hidden):
    """Alone in a narrow notebook it drew the network small in a tall empty figure, and the colour bar's title
    ran off the figure's left edge."""
    s = LabState(dataset=dataset, hidden=hidden, replicas=2)
    view = NetworkView(s)
    d, layout = view.drawing, view.fig.layout
    units = (d["x_range"][1] - d["x_range"][0], d["y_range"][1] - d["y_range"][0])
    drawn = (layout.width - 8) * units[1] / units[0]             # px high at equal scales
    room = 380 - SCALE_HEIGHT                                   # the colour scale goes under the figure
    assert (layout.height <= room and layout.height - 8 - drawn < 2) or layout.height == room, (layout.height, drawn)
    assert view.children[-1] is view.scale and COLORBAR_TITLES[d["kind"]] in view.scale.value
    bar = view.fig.data[-5].marker.colorbar                      # plotly's own: hidden, for image export
    title_px = 0.6 * bar.title.font.size * len(bar.title.text)   # about 0.6 em per character
    assert bar.x - title_px / 2 / layout.width >= 0 and bar.x + title_px / 2 / layout.width <= 1, title_px
    assert NetworkView(s, fixed_height=True).fig.layout.height == room


def test_network_view_redraws_on_a_new_network_and_hover_shows_the_values(state):
    view = NetworkView(state)
    values = view.fig.data[0]
    k = list(values.text).index(next(t for t in values.text if t.startswith("W2[3,5]")))
    assert values.text[k] == f"W2[3,5] = {state.network.weights[1][3, 5]:.3g}"
    state.hidden = [9]
    assert len(view.fig.data[0].text) == 2 * 9 + 9 * 4
    assert "2-9-2" in view.caption.value
    shapes = view.fig.layout.shapes                              # the links: a path per sign and width
    assert sum(shape.path.count("M") for shape in shapes) == 2 * 9 + 9 * 4
    assert len({shape.line.width for shape in shapes}) >= 2      # links are drawn by |w|
    assert {shape.line.color for shape in shapes} == {POSITIVE, NEGATIVE}
    lk = view.drawing["links"][1]                                # W2's strongest link: the widest path, start to end
    k = np.argmax(np.abs(lk["weights"]))
    (x0, y0), (x1, y1) = np.round(lk["start"][k], 3), np.round(lk["end"][k], 3)
    widest = [shape for shape in shapes if shape.line.width == max(s.line.width for s in shapes)
              and shape.line.color == (POSITIVE if lk["weights"][k] > 0 else NEGATIVE)]
    assert f"M{x0:g},{y0:g}L{x1:g},{y1:g}" in widest[0].path


def test_a_neuron_picture_is_a_png_of_its_values(png_indices):
    z = np.array([[-1.0, -0.5, 0.0], [0.5, 1.0, np.nan]])
    index = png_indices(png_picture(z, levels=5))
    np.testing.assert_array_equal(index, [[1, 2, 3], [4, 5, 0]])      # -1..1 in 5 colours; NaN transparent (0)


def test_the_chosen_reads_spins_are_drawn_on_the_neurons(state):
    view, h = NetworkView(state), EnergyHistogram(state)
    h.run(block=True)
    reads = state.last_reads
    state.selected_read = 0
    first = _spins_drawn(view)
    assert len(first) == state.network.n_spins
    ups = {xy[:2] for xy in first if xy[2] == "up"}
    assert len(ups) == int((np.concatenate(reads.spins(0)) > 0).sum())
    k = next(k for k in range(len(reads)) if not np.array_equal(np.concatenate(reads.spins(k)),
                                                               np.concatenate(reads.spins(0))))
    state.selected_read = k
    assert _spins_drawn(view) != first
    state.hidden = [5]                                           # other network: the old reads are not drawn
    assert state.last_reads is None and not _spins_drawn(view)


# ------------------------------------------------------------------ histogram
def test_fit_bins_puts_zero_on_an_edge_and_keeps_a_readable_width():
    edges = fit_bins([-0.3, -0.1, 0.02])
    assert np.isclose(edges, 0).any() and edges[0] <= -0.3 and edges[-1] > 0.02
    assert len(edges) - 1 <= 41
    spike = fit_bins(np.full(100, -0.1234))
    assert np.diff(spike)[0] >= 0.1234 / 40 and spike[0] <= -0.1234 < spike[-1]
    assert np.diff(fit_bins([0.0, 0.0]))[0] == pytest.approx(0.005)


def test_histogram_of_the_default_lab_shows_heads_and_right_answers():
    s = LabState()
    h = EnergyHistogram(s, autostart=True)
    h.wait(120)
    right, wrong = (np.asarray(t.y) for t in h.fig.data)
    centres = np.asarray(h.fig.data[0].x)
    assert right.sum() + wrong.sum() == s.sample_reads * len(h.probe())
    assert wrong[centres < 0].sum() > 0.1 * wrong.sum() > 0 and right.sum() > 0     # heads below the target
    assert 10 <= len(centres) <= 41                                 # a spread, in bins fitted to it
    assert "are heads" in h.status.value
    reads = s.last_reads
    assert isinstance(reads, Reads) and len(reads) == s.sample_reads * 32
    assert np.all(np.diff(reads.gaps.ravel()[reads.order]) >= 0)     # the stepper's order: lowest gap first


def test_training_pushes_the_heads_up(state):
    s = LabState()
    h = EnergyHistogram(s)

    def heads():
        h.run(block=True)
        reads = s.last_reads
        return float(np.mean(~reads.right & (reads.gaps < 0)))

    before = heads()
    trainer = s.make_trainer()
    for _ in range(10):
        trainer.partial_fit(s.data.X_train, s.data.y_train)
    s.set_network(trainer.network_)
    assert heads() < before / 2


def test_training_replay_shows_the_probe_landscapes_of_the_run(state):
    trainer = ContrastiveTrainer(state.network, sampler="layered", epochs=3, batch_size=8, random_state=0,
                                 probe_size=16, probe_reads=4, keep_best=False)
    data = state.data
    trainer.fit(data.X_train, data.y_train)
    h = EnergyHistogram(state, history=lambda: trainer.history_)
    h.refresh_replay()
    assert h.replay.max == 3 and not h.replay.disabled                # before training + 3 epochs
    h.replay.value = 3
    assert "epoch 3" in h.status.value
    h.replay.value = 0
    first = trainer.history_[0]["landscape_initial"]
    counts = np.asarray(h.fig.data[0].y) + np.asarray(h.fig.data[1].y)
    assert counts.sum() == sum(first["gap_counts"]) == 4 * 16 and h.fig.layout.yaxis.title.text == "reads x samples"
    assert np.asarray(h.fig.data[1].y).sum() == sum(first["gap_counts_wrong"])
    assert "epoch 0" in h.status.value


def test_landscape_counts_the_wrong_class_reads(state):
    from qnn_lab.samplers import get_sampler
    from qnn_lab.training.landscape import landscape_metrics
    m = landscape_metrics(state.network, state.data.X_train[:8], state.data.y_train[:8], get_sampler("layered"),
                          num_reads=6, seed=1)
    assert 0 < sum(m.gap_counts_wrong) <= sum(m.gap_counts) == 48
    assert all(w <= c for w, c in zip(m.gap_counts_wrong, m.gap_counts))


def test_histogram_marks_the_chosen_read(state):
    h = EnergyHistogram(state)
    h.run(block=True)
    reads = state.last_reads
    state.selected_read = 5
    r, p = reads.locate(5)
    assert h.fig.layout.shapes[-1].x0 == pytest.approx(reads.gaps[r, p])
    assert h.fig.layout.annotations[-1].text == "chosen read"
    lo, hi = h.fig.layout.xaxis.range                  # each label on its line's inner side: it cannot run off
    for note in h.fig.layout.annotations:
        assert note.xanchor == ("right" if note.x > (lo + hi) / 2 else "left"), (note.text, note.x, lo, hi)
    state.selected_read = len(reads) - 1               # the highest read: near the right end, its label turns left
    assert h.fig.layout.annotations[-1].xanchor == "right"


def test_new_reads_draw_the_networks_spins_once(state, monkeypatch):
    """The reads and their chosen read come together: the network's spins are sent at most once (plotly sends
    nothing when nothing changed), not first cleared for the new reads with no read chosen and then drawn
    for the stepper's choice."""
    view, h, stepper = NetworkView(state), EnergyHistogram(state), ReadStepper(state)
    h.run(block=True)
    state.selected_read = 3
    sent = []
    for name in ("_send_update_msg", "_send_restyle_msg", "_send_relayout_msg"):      # plotly's edits
        send = getattr(view.fig, name)
        monkeypatch.setattr(view.fig, name, lambda *a, send=send, name=name, **k: (sent.append(name), send(*a, **k)))
    state.sample_reads = 4
    h.run(block=True)
    assert state.selected_read == 0 and stepper.slider.value == 1
    n_up = len(view.fig.data[-3].x)
    assert n_up == int((np.concatenate(state.last_reads.spins(0)) > 0).sum())          # read 0's spins are drawn
    assert len(sent) <= 1, sent


def test_a_stopped_sampling_ends_with_one_histogram_redraw(state, monkeypatch):
    """After Stop, the bars of the reads not drawn yet and the chosen read's mark go in one edit, not two."""
    import qnn_lab.widgets.histogram as histogram
    h = EnergyHistogram(state)
    ReadStepper(state)                                            # chooses a read, as in the lab
    sent, ended, chunks = [], [], []
    for name in ("_send_update_msg", "_send_restyle_msg", "_send_relayout_msg"):      # plotly's edits
        send = getattr(h.fig, name)
        monkeypatch.setattr(h.fig, name, lambda *a, send=send, name=name, **k: (ended and sent.append(name),
                                                                                send(*a, **k)))
    run = histogram.sample_in_chunks

    def stopped_after_two_chunks(*args, callback, stop, **kwargs):
        def on_chunk(part, progress):                        # the second chunk comes within the redraw period
            callback(part, progress)
            chunks.append(part)
            if len(chunks) == 2:
                stop.set()
        result = run(*args, callback=on_chunk, stop=stop, **kwargs)
        ended.append(True)
        return result
    monkeypatch.setattr(histogram, "sample_in_chunks", stopped_after_two_chunks)
    state.sample_reads, state.sample_chunk = 40, 4
    h.run(block=True)
    assert "8 of 40 reads (stopped)" in h.status.value and state.selected_read == 0
    assert sum(np.asarray(h.fig.data[0].y)) + sum(np.asarray(h.fig.data[1].y)) == 8 * len(h.probe())
    assert len(sent) == 1, sent


# ------------------------------------------------------------------ read stepper
def test_read_stepper_walks_the_reads_lowest_first(state):
    h, stepper = EnergyHistogram(state), ReadStepper(state)
    assert stepper.next.disabled and "no reads yet" in stepper.text.value
    h.run(block=True)
    reads = state.last_reads
    assert state.selected_read == 0 and stepper.slider.max == len(reads) == 12 * len(h.probe())
    stepper.next.click()
    stepper.next.click()
    assert state.selected_read == 2 and stepper.slider.value == 3
    stepper.previous.click()
    assert state.selected_read == 1
    stepper.last.click()
    assert state.selected_read == len(reads) - 1
    stepper.next.click()                                          # stays at the end
    assert state.selected_read == len(reads) - 1
    assert f"read {len(reads)} of {len(reads)}" in stepper.text.value
    stepper.heads_only.value = True
    r, p = reads.locate(state.selected_read)
    assert not reads.right[r, p] and reads.gaps[r, p] < 0
    stepper.slider.value = 1
    assert state.selected_read == 0 or not reads.right[reads.locate(state.selected_read)]


def test_qpu_view_shows_the_chosen_reads_spins_and_broken_chains(state):
    pytest.importorskip("dwave.graphs")
    state.chain_strength = 0.05                                   # weak chains break
    view, stepper = EmbeddingView(state), ReadStepper(state)
    view.embed(block=True)
    view.sample(block=True)
    reads = state.last_reads
    labels, broken = reads.chains
    assert broken.shape == (state.embed_reads, 1, len(labels)) and broken.any()
    assert state.selected_read == 0
    spins = len(_points(view.fig.data[6])) + len(_points(view.fig.data[7]))
    assert spins == view.plot["stats"]["qubits_used"]             # every chain qubit carries its spin
    k = next(k for k in range(len(reads)) if reads.broken(k))
    state.selected_read = k
    ringed = len(_points(view.fig.data[4]))
    chain_qubits = sum(len(view.chains[label]) for label in reads.broken(k))
    assert ringed == chain_qubits and f"{len(reads.broken(k))} broken chain" in stepper.text.value


def test_qpu_view_rings_the_lowest_reads_broken_chains_whether_or_not_a_stepper_is_built(state):
    """Sample chains chooses the lowest read itself: the rings were every chain broken in any read until the
    Energies tab (the read stepper) had been opened, and that read's chains after."""
    pytest.importorskip("dwave.graphs")
    state.chain_strength = 0.05
    view = EmbeddingView(state)                                  # no ReadStepper
    view.embed(block=True)
    view.sample(block=True)
    reads = state.last_reads
    assert state.selected_read == 0
    ringed = len(_points(view.fig.data[4]))
    assert ringed == sum(len(view.chains[label]) for label in reads.broken(0))
    assert "broken in the chosen read" in view.status.value


# ------------------------------------------------------------------ schedule editor
def test_schedule_editor_sets_the_samplers_schedule_from_the_drawing_and_the_text():
    s = LabState(dataset="xor", hidden=[4], n_samples=40, sampler="sa")
    e = ScheduleEditor(s)
    assert e.text.value == "" and "no schedule set" in e.canvas.status
    e.canvas.points = [[0, 0], [10, 0.5], [20, 1]]                    # a drag in the browser
    assert e.text.value == "0, 0; 10, 0.5; 20, 1" and e.valid
    assert s.make_sampler().defaults["anneal_schedule"] == AnnealSchedule([(0, 0), (10, 0.5), (20, 1)])
    e.text.value = "0, 0; 5, 0.3; 8, 0.3; 30, 1"
    assert e.canvas.points == [[0, 0], [5, 0.3], [8, 0.3], [30, 1]]
    assert s.sampler_params["anneal_schedule"].points[-1] == (30.0, 1.0)
    t = np.asarray(e.canvas.scales["t"])
    np.testing.assert_allclose(e.canvas.scales["B"], EnergyScales().B(np.interp(t, [0, 5, 8, 30], [0, .3, .3, 1])),
                               atol=1e-4)
    s.sampler_params = {**s.sampler_params, "anneal_schedule": AnnealSchedule.preset("pause")}   # a preset, a load
    assert e.canvas.points == AnnealSchedule.preset("pause").to_list()
    e.text.value = ""
    assert s.sampler_params["anneal_schedule"] is None


def test_schedule_editor_shows_the_broken_rule_on_its_segment():
    s = LabState(dataset="xor", hidden=[4], n_samples=40, sampler="sa")
    e = ScheduleEditor(s)
    e.canvas.points = [[0, 0], [10, 0.6], [12, 0.2], [20, 1]]
    assert e.canvas.bad == [1, 2] and "never decrease" in e.canvas.error and not e.valid
    assert s.sampler_params["anneal_schedule"] is None                 # the last valid schedule stays
    e.canvas.points = [[0, 0], [10, 0.2], [10.1, 1]]                  # too steep for a QPU: sa still follows it
    assert e.canvas.bad == [1, 2] and e.canvas.error.startswith("a QPU would refuse it") and e.valid
    assert s.sampler_params["anneal_schedule"].points[1] == (10.0, 0.2)
    s.sampler = "mock-qpu"                                             # the QPU refuses it
    e.canvas.points = [[0, 0], [10, 0.3], [10.1, 1]]
    assert "slope" in e.canvas.error and not e.valid
    assert s.sampler_params["anneal_schedule"].points[1] == (10.0, 0.2)
    e.text.value = "0, 0; nonsense"
    assert "'anneal_schedule' should be points" in e.note.text and not e.valid
    s.sampler = "tabu"
    assert e.canvas.disabled and "follows no anneal schedule" in e.canvas.status
    with pytest.raises(ScheduleError) as info:
        AnnealSchedule([(0, 0), (5, 1), (4, 1)])
    assert info.value.points == (1, 2)


def test_ising_view_colours_the_fields_by_the_chosen_reads_spins(state):
    from qnn_lab.widgets.qubo_view import SPIN_UP, QuboView
    view, h = QuboView(state), EnergyHistogram(state)
    h.view.value = "sample"                                           # reads of the sample the view shows
    h.run(block=True)
    state.selected_read = 3
    reads = state.last_reads
    spins = np.concatenate(reads.spins(3))
    colors = list(view.fig.data[1].marker.color)
    assert [c == SPIN_UP for c in colors] == list(spins > 0)
    assert "chosen read's spins" in view.fig.layout.title.text
    state.sample_index = 1                                            # another sample: no colours, a note
    assert "the chosen read is of sample 0" in view.fig.layout.title.text


def test_an_empty_histogram_says_how_to_fill_it(state):
    h = EnergyHistogram(state)
    assert [a.text for a in h.fig.layout.annotations] == ["no reads yet: press Sample"]
    h.run(block=True)
    assert "no reads yet: press Sample" not in [a.text for a in h.fig.layout.annotations]


def test_the_ising_views_colour_scale_is_symmetric_and_says_its_range(state):
    """The couplings' colour scale is drawn by the page (ColourScale): white is J = 0, its ends the largest |J|."""
    from qnn_lab.widgets.qubo_view import COUPLING_SCALE, QuboView
    view = QuboView(state)
    heat = view.fig.data[0]
    top = float(np.abs(view.table["values"]).max())
    assert (heat.marker.cmin, heat.marker.cmax) == (-top, top) and not heat.marker.showscale
    assert f"<span>{-top:.3g}</span><span>0</span><span>{top:.3g}</span>" in view.scale.value
    assert html.escape(COUPLING_SCALE, quote=False) in view.scale.value and view.scale in view.children
    state.hidden = [9]                                             # a new model: a new range
    top = float(np.abs(view.table["values"]).max())
    assert heat.marker.cmax == top and f"<span>{top:.3g}</span>" in view.scale.value
