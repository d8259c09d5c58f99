"""Widget logic in plain pytest: set traits, click buttons, assert state and figure data."""
import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

import ipywidgets as w

import qnn_lab as ql
from qnn_lab.parameters import MAX_SEED
from qnn_lab.samplers.schedules import AnnealSchedule
from qnn_lab.widgets import Lab
from qnn_lab.widgets.common import ErrorNote, bind
from qnn_lab.widgets.lab import TAB_TITLES
from qnn_lab.widgets.qubo_view import coupling_matrix
from qnn_lab.widgets.state import SETTINGS, STATE_VERSION, LabState, LabValueError


@pytest.fixture
def lab():
    return Lab(dataset="xor", hidden=[6], n_samples=120)


def test_import_qnn_lab_does_not_import_widgets():
    code = "import sys, qnn_lab; print('ipywidgets' in sys.modules or 'plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_builder_buttons_change_the_network_and_its_drawing(lab):
    b = lab.builder
    b.add_layer.click()
    assert lab.state.hidden == [6, 6] and lab.state.layers == [2, 6, 6, 2]
    b.layer_rows.children[0].children[3].click()                  # "+" on hidden layer 1
    assert lab.state.hidden == [7, 6]
    b.layer_rows.children[1].children[1].value = 9                # typed
    assert lab.state.hidden == [7, 9]
    b.layer_rows.children[1].children[1].value = 6
    b.remove_layer.click()
    assert lab.state.hidden == [7]
    assert len(lab.network.drawing["links"]) == 2                  # the network view redrew: 2-7-2 has 2 layers


def test_dataset_control_rebuilds_data_and_views(lab):
    lab.builder.dataset.value = "circles"
    assert lab.state.data.name == "circles"
    lab.builder.dataset.value = "digits"
    assert lab.state.layers == [64, 6, 10]
    assert lab.qubo.sample.max == len(lab.state.data.X_train) - 1


def test_qubo_view_shows_couplings_with_their_origin(lab, png_indices):
    t = lab.qubo.table
    names = t["names"]
    i, j = names.index("h1[2]"), names.index("o[3]")
    W2 = lab.state.network.weights[1]
    assert coupling_matrix(t)[i, j] == pytest.approx(-W2[3, 2])
    k = int(np.flatnonzero((t["rows"] == i) & (t["cols"] == j))[0])
    assert t["hover"][k] == f"coupling h1[2]-o[3] = -W2[3,2] = {-W2[3, 2]:.3g}"
    couplings, fields = lab.qubo.fig.data
    assert len(couplings.x) == 2 * 6 * 4 and len(fields.y) == 6 + 4     # both triangles of the 6 x 4 couplings
    assert k < len(couplings.text) and couplings.text[k] == t["hover"][k]
    picture = png_indices(lab.qubo.fig.layout.images[0].source)           # the couplings' picture: a pixel a pair
    J = coupling_matrix(t)
    assert picture.shape == J.shape and ((picture == 0) == (J == 0)).all()  # no coupling: transparent
    assert (picture[J > 0] > 32).all() and (picture[J < 0] <= 32).all()     # the scale's upper half: J > 0
    assert picture[J != 0].min() == 1 or picture[J != 0].max() == 64         # white is J = 0, an end is max |J|
    lab.qubo.encoding.value = "weights"
    assert lab.state.encoding == "weights"
    assert len(lab.qubo.fig.data[1].y) == (6 + 1) * 2 * 4              # (n + bias) x bits x outputs
    assert "BINARY" in lab.qubo.fig.layout.title.text


def test_sampler_panel_builds_controls_from_the_schema(lab):
    panel = lab.sampler
    panel.choice.value = "sa"
    assert set(panel.widgets) == {"num_sweeps", "beta_range"}                    # simple mode
    assert "3 more settings in expert mode" in panel.controls.children[-1].value
    lab.mode.value = "expert"
    assert set(panel.widgets) == {"num_sweeps", "beta_range", "beta_schedule_type", "anneal_schedule", "seed"}
    panel.widgets["num_sweeps"].value = 77
    assert lab.state.sampler_params["num_sweeps"] == 77
    panel.widgets["beta_range"].value = "2, 1"
    assert "'beta_range' should be a pair" in panel.notes["beta_range"].text         # beside its control
    assert lab.state.sampler_params["beta_range"] is None                  # the last valid parameters stay
    panel.widgets["beta_range"].value = "0.1, 5"
    assert lab.state.sampler_params["beta_range"] == (0.1, 5.0) and not panel.error
    assert lab.state.sampler_params["num_sweeps"] == 77
    lab.state.sampler_params = {**lab.state.sampler_params, "num_sweeps": 55}     # a load or a link
    assert panel.widgets["num_sweeps"].value == 55


def test_histogram_counts_every_read_and_marks_target_and_ground(lab):
    h = lab.histogram
    h.num_reads.value, h.chunk_size.value = 60, 20
    h.run(block=True)                                                   # the probe set: 60 reads of each sample
    counts = np.asarray(h.fig.data[0].y) + np.asarray(h.fig.data[1].y)
    assert counts.sum() == 60 * len(h.probe()) == len(lab.state.last_reads)
    assert h.fig.layout.yaxis.title.text == "reads x samples"        # each read of 32 samples counts 32 times
    h.view.value = "sample"
    h.run(block=True)
    counts = np.asarray(h.fig.data[0].y) + np.asarray(h.fig.data[1].y)
    assert counts.sum() == 60 and h.fig.layout.yaxis.title.text == "reads"
    assert set(h.marks) == {"target", "ground state"}
    assert min(h.gaps) >= h.marks["ground state"] - 1e-9
    assert "60 of 60 reads" in h.status.value and not lab.state.running


def test_reads_from_the_qpu_tab_come_and_go_on_an_energies_tab_that_never_sampled(lab):
    """Found by a full monkey run: the QPU tab's reads, then a new network (the reads cleared), raised
    "min() arg is an empty sequence" in the Energies tab, which had no marks to draw yet."""
    lab.panel("energies")
    qpu = lab.panel("qpu")
    qpu.embed(block=True)
    qpu.sample(block=True)
    assert lab.state.last_reads is not None and not qpu.note.value
    lab.state.hidden = [5]                                   # a new network clears the reads
    assert lab.state.last_reads is None and not lab.builder.note.value and not lab.histogram.note.value


def test_histogram_stop_keeps_what_was_drawn(lab):
    h = lab.histogram
    lab.sampler.choice.value = "sa"
    lab.sampler.widgets["num_sweeps"].value = 20000
    h.num_reads.value, h.chunk_size.value = 10_000, 5
    h.run()
    h.run()                                                             # a second Run is ignored
    h.stop()
    h.wait(30)
    assert not h.running and not lab.state.running
    assert 0 < len(h.gaps) < 10_000 * len(h.probe()) and "(stopped)" in h.status.value


def test_training_step_play_and_the_views_follow(lab):
    tv = lab.training
    before = lab.state.network_version
    assert tuple(tv.accuracy.layout.xaxis.range) == (0, 6)             # no epoch -1 before training
    tv.step(block=True)
    assert tv.trainer.epoch_ == 1 and len(tv.accuracy.data[0].x) == 1
    tv.play(max_epochs=2, block=True)
    assert list(tv.accuracy.data[0].x) == [1, 2, 3] and tv.accuracy.layout.xaxis.dtick == 1     # whole epochs
    assert tv.accuracy.layout.xaxis.autorange is True
    assert lab.state.network_version > before                         # network drawing and QUBO view redrawn
    lab.panel("landscape")                                             # built when its tab opens, from the history
    assert np.asarray(tv.curves.data[1].z).shape == (40, 4)             # glass -> order heatmap: start + 3 epochs
    assert np.asarray(tv.curves.data[2].z).shape == (20, 4)             # P(q) over training
    assert tv.curves.layout.xaxis2.range == (-0.5, 3.5) and tv.curves.layout.xaxis2.dtick == 1   # whole epochs
    assert tv.output.answers.shape == (60, 60) and tv.output.boundary.layout.images[0].source.startswith("data:")
    tv.reset()
    assert len(tv.accuracy.data[0].x) == 0 and len(tv.curves.data[0].x) == 0


def test_glass_to_order_panels_are_drawn_from_the_trainers_history(lab):
    tv = lab.training
    lab.panel("landscape")
    tv.play(max_epochs=2, block=True)
    history = tv.trainer.history_
    start, marks = history[0]["landscape_initial"], [r["landscape"] for r in history]
    assert list(tv.curves.data[2].x) == [0, 1, 2]                      # P(q) over training, from epoch 0
    np.testing.assert_allclose(np.asarray(tv.curves.data[2].z)[:, 0], start["overlap_distribution"])
    assert list(tv.curves.data[3].y) == [start["lowest_share"]] + [m["lowest_share"] for m in marks]
    assert list(tv.curves.data[5].y) == [start["head_below_target"]] + [m["head_below_target"] for m in marks]
    assert list(tv.curves.data[6].y) == start["overlap_distribution"]
    assert list(tv.curves.data[7].y) == marks[-1]["overlap_distribution"]
    np.testing.assert_allclose(np.asarray(tv.curves.data[1].z).sum(0), 1.0)   # each epoch's gap column sums to 1
    melt = tv.curves.data[8]                                             # the melting temperature, from epoch 0
    assert melt.name == "melting temperature" and list(melt.x) == [0, 1, 2]
    assert list(melt.y) == [history[0]["melting_temperature_initial"]] + [r["melting_temperature"] for r in history]
    tv.trainer_choice.value = "backprop"                     # no landscape: the panels keep the earlier epochs
    tv.step(block=True)
    assert list(tv.accuracy.data[0].x) == [1, 2, 3] and list(tv.curves.data[2].x) == [0, 1, 2]
    tv.reset()
    assert tv.curves.data[2].z is None and len(tv.accuracy.data[0].y) == 0


def test_training_and_sampling_wait_for_each_other_and_say_why(lab):
    """Play, Step and Reset did nothing while a Sample ran, and Sample nothing while the network trained
    (enabled, but the click was ignored)."""
    t, h = lab.training, lab.histogram
    lab.state.sample_reads = 100_000
    h.run()
    try:
        buttons = (t.play_button, t.step_button, t.reset_button)
        assert all(b.disabled and "Sample in the Energies tab" in b.tooltip for b in buttons)
    finally:
        h.stop()
        h.wait()
    assert not any(b.disabled for b in buttons) and t.play_button.tooltip == ""
    assert t.reset_button.tooltip.startswith("fresh initial weights")
    t.play(max_epochs=50)                               # its own run: Pause enabled, no waiting tooltip
    try:
        assert t.play_button.disabled and not t.pause_button.disabled and t.play_button.tooltip == ""
        assert h.run_button.disabled and "training to pause" in h.run_button.tooltip
    finally:
        t.pause()
        t.wait()
    assert not t.play_button.disabled and t.play_button.tooltip == ""
    assert not h.run_button.disabled and h.run_button.tooltip == ""


def test_pause_stops_a_running_training(lab):
    tv = lab.training
    tv.play()
    tv.pause()
    tv.wait(60)
    assert not tv.running and not lab.state.running and not tv.play_button.disabled


def test_a_failing_callback_shows_its_error_and_the_lab_keeps_working(lab, monkeypatch):
    monkeypatch.setattr(lab.state, "make_sampler", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    lab.histogram.run_button.click()
    assert lab.histogram.note.text == "RuntimeError: boom" and lab.histogram.note.layout.display is None
    monkeypatch.undo()
    lab.histogram.num_reads.value = 5
    lab.histogram.run_button.click()
    lab.histogram.wait(60)
    assert lab.histogram.gaps.size == 5 * len(lab.histogram.probe()) and not lab.histogram.note.value   # cleared


def test_bad_control_values_are_refused_with_a_message(lab):
    lab.builder.replicas.value = 3
    assert lab.state.replicas == 3
    with pytest.raises(Exception, match="'hidden' should be up to 4 layers"):
        lab.state.hidden = [0]
    assert lab.state.hidden == [6]


def test_save_and_load_round_trip(lab, tmp_path):
    lab.training.step(block=True)
    lab.sampler.choice.value = "sa"
    lab.sampler.widgets["num_sweeps"].value = 123
    path = tmp_path / "state.json"
    lab.save(path)
    saved_weights = [w.copy() for w in lab.state.network.weights]
    other = Lab()
    other.load(path)
    assert other.state.to_dict() == lab.state.to_dict()
    for a, b in zip(other.state.network.weights, saved_weights):
        np.testing.assert_array_equal(a, b)
    assert other.training.history == lab.training.history and len(lab.training.history) == 1
    assert list(other.training.accuracy.data[0].y) == list(lab.training.accuracy.data[0].y)   # the curves are back
    assert "token" not in path.read_text().lower()


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.update(version=STATE_VERSION + 1), "newer qnn_lab"),
    (lambda d: d.update(format="something else"), "'qnn_lab.state' file"),
    (lambda d: d.update(hidden=[0]), "damaged"),
    (lambda d: d.update(sampler="nope"), "damaged"),
    (lambda d: d.update(history=[{"no epoch": 1}]), "damaged"),
    (lambda d: d["network"].update(layers=[2, 9, 2]), "damaged"),
])
def test_future_and_damaged_files_are_refused_and_change_nothing(lab, tmp_path, edit, words):
    path = tmp_path / "state.json"
    lab.save(path)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    lab.state.hidden = [5]
    before = (lab.state.to_dict(), [w.copy() for w in lab.state.network.weights])
    with pytest.raises(ValueError, match=words):
        lab.load(path)
    assert lab.state.to_dict() == before[0]
    np.testing.assert_array_equal(lab.state.network.weights[0], before[1][0])


def test_save_names_a_json_file_and_never_writes_over_another(lab, tmp_path):
    """A name typed without a suffix gets ".json" (Load finds it the same way); a notebook's name is refused."""
    notebook = tmp_path / "lab.ipynb"
    notebook.write_text("{}")
    with pytest.raises(ValueError, match=r"'path' should be a \.json file name .*lab\.ipynb"):
        lab.save(notebook)
    assert notebook.read_text() == "{}"
    assert lab.save(tmp_path / "mine") == str(tmp_path / "mine.json")
    lab.training.step(block=True)
    lab.load(tmp_path / "mine")
    assert lab.training.history == []                      # the saved state, from before the step
    lab.path.value = str(notebook)
    lab.save_button.click()                                # the button says so beside the file box
    assert "should be a .json file name" in lab.file_note.value and notebook.read_text() == "{}"


def test_load_waits_for_the_training_so_a_saved_state_always_loads(lab, tmp_path):
    """Load during Play rebuilt the network, then the training put its own network back over it: the lab
    showed a 2-8-2 network under hidden [] and Save wrote a file Load called damaged (the Voila monkey run)."""
    other = Lab(dataset="xor", hidden=[], n_samples=120)
    other.save(tmp_path / "small")
    lab.training.play(max_epochs=10_000)                  # in its thread
    try:
        lab.path.value = str(tmp_path / "small")
        lab.load_button.click()                           # refused beside the file box; nothing changes
        assert "press Pause or Stop first" in lab.file_note.text and lab.state.hidden == [6]
        with pytest.raises(ValueError, match="'hidden' cannot change while the network trains"):
            lab.state.hidden = []
    finally:
        lab.training.pause()
        lab.training.wait(60)
    assert lab.state.network.layers == [2, 6, 2] and not lab.state.running
    lab.load_button.click()                               # now it loads
    assert lab.state.hidden == [] and lab.state.network.layers == [2, 2] and not lab.file_note.text
    lab.save(tmp_path / "again")
    lab.load(tmp_path / "again")


def test_a_new_dataset_right_after_a_pause_gets_a_trainer_for_its_network(lab):
    """The training thread lives a moment after it hands the lab back: a dataset chosen then kept the old
    trainer, whose 2-input network then met 64-input digits ("'X' should have shape (n_samples, 64) ..." in the
    Voila monkey run)."""
    import threading
    training, ending = lab.training, threading.Event()
    training._launch(lambda: ending.wait(10))          # the thread after its run: alive, the lab idle
    try:
        assert training.running and not lab.state.running
        lab.state.dataset = "digits"
        assert training.trainer.network is lab.state.network and lab.state.network.layers[0] == 64
    finally:
        ending.set()
        training.wait(10)
    training.step(block=True)
    assert training.history[-1]["epoch"] == 1


def test_new_data_draws_its_boundary_with_its_own_network_not_the_last_trainers():
    """Found by a full monkey run: after training on digits, choosing 2-D data drew the decision boundary with
    the digits trainer ("'X' should have shape (n_samples, 64) ...: shape = (3600, 2)" beside the plot): the
    data's redraw came before the trainer followed the new network."""
    lab = Lab(dataset="digits", hidden=[4])
    lab.state.trainer = "backprop"
    lab.training.step(block=True)
    lab.builder.dataset.value = "xor"
    output = lab.training.output
    assert not output.note.value and not lab.builder.note.value
    assert output.answers.shape == (60, 60)
    lab.training.step(block=True)                             # the new trainer's boundary after a step
    assert not output.note.value and lab.training.history[-1]["epoch"] == 1


def test_truncated_file_is_refused(lab, tmp_path):
    path = tmp_path / "state.json"
    lab.save(path)
    path.write_text(path.read_text()[:50])
    with pytest.raises(ValueError, match="readable qnn_lab state file"):
        lab.load(path)


def test_top_level_lab_entry_point():
    assert ql.Lab is Lab


def test_structure_controls_are_disabled_while_running(lab):
    lab.state.running = True
    assert lab.builder.dataset.disabled and lab.builder.add_layer.disabled and lab.sampler.choice.disabled
    assert all(b.disabled for row in lab.builder.layer_rows.children for b in row.children[1:])
    lab.state.running = False
    assert not lab.builder.dataset.disabled and not lab.builder.layer_rows.children[0].children[3].disabled


def test_a_late_call_for_an_older_running_change_leaves_the_controls_as_the_state_is(lab):
    """Runs end in their own threads: the controls' call for "running" may come after a newer change's (the
    sampler list stayed disabled after a Voila monkey run). They follow the state's value, not the change's."""
    lab.training.landscape_panel()
    assert not lab.state.running
    stale = {"name": "running", "old": False, "new": True}
    for call in (lab.builder._lock, lab.sampler._lock, lab.training._on_running):
        call(stale)
    assert not lab.builder.dataset.disabled and not lab.sampler.choice.disabled
    assert not lab.training.play_button.disabled


def test_long_runs_are_thinned_for_display():
    from qnn_lab.widgets.common import MAX_POINTS, thin
    assert list(thin(5)) == [0, 1, 2, 3, 4]
    idx = thin(10_000)
    assert len(idx) <= MAX_POINTS and idx[0] == 0 and idx[-1] == 9_999


def test_no_token_reaches_a_saved_state_or_the_cli_json(lab, tmp_path, monkeypatch):
    secret = "DEV-0123456789abcdef-not-a-real-token"
    monkeypatch.setenv("DWAVE_API_TOKEN", secret)
    lab.save(tmp_path / "state.json")
    proc = subprocess.run([sys.executable, "-m", "qnn_lab.cli", "train", "--dataset", "xor", "--epochs", "1", "--json",
                           str(tmp_path / "r.json")], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "DWAVE_API_TOKEN": secret})
    assert proc.returncode == 0
    for text in ((tmp_path / "state.json").read_text(), (tmp_path / "r.json").read_text(), proc.stdout, proc.stderr,
                 lab.message.value):
        assert secret not in text


@pytest.mark.slow
def test_soak_1000_training_steps_keep_memory_bounded(capsys):
    """1000 minibatch steps in the lab; prints RSS at start and end (run: pytest -m slow -s)."""
    def rss_mib():
        with open("/proc/self/status") as status:
            return int(next(line.split()[1] for line in status if line.startswith("VmRSS"))) / 1024

    lab = Lab(dataset="circles", hidden=[16])
    lab.state.trainer_params = {**lab.state.trainer_params, "batch_size": 4}
    lab.training.step(block=True)
    start = rss_mib()
    while lab.training.trainer.n_steps_ < 1000:
        lab.training.step(block=True)
    end = rss_mib()
    with capsys.disabled():
        print(f"\nsoak: {lab.training.trainer.n_steps_} steps, {lab.training.trainer.epoch_} epochs, "
              f"RSS {start:.0f} MiB -> {end:.0f} MiB")
    assert end - start < 200


def test_schedule_presets_and_the_drawn_editor_edit_one_setting(lab, tmp_path):
    lab.state.mode = "expert"
    lab.sampler.choice.value = "sa"
    preset, editor = lab.sampler.widgets["anneal_schedule"], lab.sampler.schedule
    preset.value = "pause"
    assert lab.state.sampler_params["anneal_schedule"] == AnnealSchedule.preset("pause")
    assert editor.text.value == "0, 0; 9, 0.45; 19, 0.45; 30, 1" and editor.valid
    editor.text.value = "0, 0; 10, 0.7; 5, 1"
    assert not editor.valid and "anneal_schedule" in lab.state.refused
    assert lab.state.sampler_params["anneal_schedule"] == AnnealSchedule.preset("pause")   # the valid one stays
    editor.text.value = "0, 0; 10, 0.5; 20, 1"
    assert editor.valid and not lab.state.refused and preset.value == "(drawn)"
    lab.save(tmp_path / "s.json")
    other = Lab(mode="expert")
    other.load(tmp_path / "s.json")
    assert other.state.sampler_params["anneal_schedule"] == AnnealSchedule([(0, 0), (10, 0.5), (20, 1)])
    assert other.sampler.schedule.text.value == "0, 0; 10, 0.5; 20, 1"


def test_display_puts_every_figures_data_into_its_widget_state(lab):
    """What Voila shows: the synced state, not replayed update messages."""
    fig = lab.training.accuracy
    lab.training.step(block=True)
    assert not fig._widget_data or not fig._widget_data[0].get("x")
    bundle = lab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert list(fig._widget_data[0]["x"]) == [1]                          # the accuracy curve's point
    assert lab.qubo.fig._widget_layout["title"]["text"].startswith("SPIN model")    # a tab built later: synced too


def test_the_lab_buttons_save_load_dismiss_and_regenerate(lab, tmp_path):
    lab.path.value = str(tmp_path / "state.json")
    lab.save_button.click()
    other = Lab()
    other.path.value = lab.path.value
    other.load_button.click()
    assert other.state.dataset == "xor" and other.state.hidden == [6] and not other.file_note.value
    assert str(tmp_path / "state.json") in lab.saved_note.value and "loaded" in other.saved_note.value
    lab.path.value = str(tmp_path / ("x" * 300))                    # the monkey's: 'File name too long'
    lab.save_button.click()
    assert "should be a file this kernel can write" in lab.file_note.value and "too long" in lab.file_note.value
    lab.path.value = str(tmp_path / "state.json")
    other.path.value = str(tmp_path / "missing.json")
    other.load_button.click()
    assert "missing.json" in other.file_note.value and other.file_note.layout.display is None   # beside Load
    other.path.value = lab.path.value
    other.load_button.click()
    assert not other.file_note.value and other.file_note.layout.display == "none"      # cleared by a success
    other.state.message = "note"
    other.dismiss.click()
    assert other.state.message == "" and other.dismiss.layout.display == "none"
    seed, version = lab.state.seed, lab.state.data_version
    lab.builder.regenerate.click()
    assert (lab.state.seed, lab.state.data_version) == (seed + 1, version + 1)


def test_the_qubo_view_redraws_only_for_what_it_shows(lab, monkeypatch):
    calls = []
    monkeypatch.setattr(lab.qubo, "redraw", lambda: calls.append(1))
    lab.state.bits = 3                                  # neurons encoding: bits are not shown
    assert calls == []
    lab.state.sample_index = 1
    assert calls == [1]


# ---------------------------------------------------------------- LabState owns every setting
def test_digits_in_the_lab_keep_every_image_and_take_no_features():
    state = LabState(dataset="digits", hidden=[4])          # the lab's n_samples and noise are the 2-D sets'
    assert len(state.data.y_train) + len(state.data.y_test) == 1797
    with pytest.raises(LabValueError, match="'features' should be empty for dataset 'digits'"):
        state.features = ["x1"]
    state.dataset = "spiral"
    state.features = ["x1", "x2", "sin(x1)"]
    assert state.data.n_features == 3 and state.network.layers[0] == 3


def test_every_setting_is_a_tagged_trait_and_refusals_name_the_setting():
    assert set(SETTINGS) == set(LabState.class_trait_names(setting=True))
    state = LabState(dataset="xor", hidden=[4], n_samples=60)
    for name, value, words in [("dataset", "nope", "'dataset' should be one of"),
                               ("sampler", "nope", "'sampler' should be one of"),
                               ("trainer", "nope", "'trainer' should be one of"),
                               ("sample_reads", 0, "'sample_reads' should be an integer"),
                               ("chain_strength", -1.0, "'chain_strength' should be"),
                               ("topology", "chimera", "'topology' should be one of"),
                               ("trainer_params", {"learning_rate": -1.0}, "'learning_rate'"),
                               ("trainer_params", {"rate": 1.0}, "should only hold"),
                               ("sampler_params", {"num_reads": 3}, "'sample_reads' per Sample click"),
                               ("features", ["x1", "r"], "'features' should name each feature once, from x1"),
                               ("mode", "wizard", "'mode' should be one of")]:
        before = getattr(state, name)
        with pytest.raises(LabValueError, match=words):
            setattr(state, name, value)
        assert getattr(state, name) == before


class _Recorder:
    """Wraps a sampler and records the parameters of every call it gets."""

    def __init__(self, sampler):
        self.sampler, self.calls = sampler, []
        self.parameters = sampler.parameters

    def sample(self, bqm, **params):
        self.calls.append(params)
        return self.sampler.sample(bqm, **params)


def test_a_late_edit_to_a_control_of_an_earlier_sampler_changes_nothing(lab):
    """KeyError: 'beta_schedule_type' in the kernel (the Voila monkey run): the page sent an edit to a control
    of the sampler before the current one, after the panel had rebuilt its controls."""
    panel = lab.sampler
    lab.mode.value = "expert"
    panel.choice.value = "sa"
    old = panel.widgets["beta_schedule_type"]
    panel.choice.value = "tabu"                                    # no beta_schedule_type
    params = dict(lab.state.sampler_params)
    old.value = "linear" if old.value != "linear" else "geometric"    # the page's late edit
    assert lab.state.sampler_params == params and not panel.error and not lab.state.refused


def test_the_sampler_panels_reads_and_seed_reach_the_calls_they_label(lab, monkeypatch):
    panel, h = lab.sampler, lab.histogram
    lab.state.mode = "expert"
    panel.choice.value = "sa"
    panel.reads.value = 30                          # "reads per Sample click"
    panel.widgets["seed"].value = "7"               # "seed (Sample clicks)"
    panel.widgets["num_sweeps"].value = 50
    assert h.num_reads.value == 30 and lab.state.sample_reads == 30          # one setting, two views
    made = []
    monkeypatch.setattr(lab.state, "make_sampler", lambda: made.append(_Recorder(LabState.make_sampler(lab.state)))
                        or made[-1])
    h.chunk_size.value = 10
    h.run(block=True)
    calls = made[-1].calls
    assert sum(c["num_reads"] for c in calls) == 30 and len(calls) == 3
    assert made[-1].sampler.defaults["num_sweeps"] == 50
    assert [c["seed"] for c in calls] == list(np.random.SeedSequence(7).generate_state(3) % MAX_SEED)
    first = h.gaps.copy()
    h.run(block=True)
    np.testing.assert_array_equal(h.gaps, first)                     # the seed fixes the reads
    assert lab.state.last_reads.n_reads == 30


def test_the_trainers_settings_reach_the_trainer(lab):
    tv = lab.training
    assert set(tv.param_widgets) == {"epochs", "learning_rate", "num_reads"}          # simple mode
    lab.mode.value = "expert"
    assert tv.param_widgets["num_reads"].description == "reads per training step"
    tv.param_widgets["num_reads"].value = 3
    tv.param_widgets["learning_rate"].value = 0.05
    tv.param_widgets["batch_size"].value = 16
    t = tv.trainer
    assert (t.num_reads, t.learning_rate, t.batch_size, t.sampler) == (3, 0.05, 16, "layered")
    lab.sampler.choice.value = "sa"
    lab.sampler.widgets["num_sweeps"].value = 40
    assert tv.trainer.sampler == "sa" and tv.trainer.sampler_params["num_sweeps"] == 40
    tv.step(block=True)
    assert tv.trainer.n_steps_ == -(-len(lab.state.data.X_train) // 16)


def test_samplers_and_trainers_registered_later_appear_in_the_lab(monkeypatch):
    from qnn_lab.parameters import Parameter
    from qnn_lab.samplers.registry import SAMPLERS, sampler_spec
    from qnn_lab.training.registry import TRAINERS, TrainerSpec, trainer_spec
    spec = sampler_spec("steepest")
    mine = type(spec)("my-steepest", "Steepest descent, registered by a test.", spec.parameters, spec.factory)
    monkeypatch.setitem(SAMPLERS._entries, "my-steepest", mine)
    base = trainer_spec("contrastive")
    rate = Parameter("learning_rate", "float", 0.07, 0.0, 1.0, doc="step")
    monkeypatch.setitem(TRAINERS._entries, "my-trainer", TrainerSpec("my-trainer", "A test's trainer.",
                                                                     (rate,), base.cls))
    lab = Lab(dataset="xor", hidden=[4], n_samples=60)
    assert "my-steepest" in lab.sampler.choice.options and "my-trainer" in lab.training.trainer_choice.options
    lab.sampler.choice.value = "my-steepest"
    lab.training.trainer_choice.value = "my-trainer"
    assert lab.state.sampler == "my-steepest" and lab.state.trainer_params == {"learning_rate": 0.07}
    assert lab.training.trainer.learning_rate == 0.07 and lab.training.trainer.sampler == "my-steepest"
    lab.histogram.num_reads.value = 5
    lab.histogram.run(block=True)
    assert lab.histogram.gaps.size == 5 * len(lab.histogram.probe())


def test_save_load_save_gives_the_same_file_with_every_panels_settings(tmp_path):
    lab = Lab(dataset="xor", hidden=[5, 3], n_samples=80, mode="expert")
    lab.sampler.choice.value = "sa"
    lab.sampler.widgets["num_sweeps"].value = 123
    lab.sampler.widgets["seed"].value = "11"
    lab.histogram.num_reads.value, lab.histogram.chunk_size.value = 40, 8
    lab.training.param_widgets["num_reads"].value = 2
    lab.embedding.topology.value, lab.embedding.num_reads.value = "zephyr", 25
    lab.embedding.chain_scale.value, lab.embedding.minibatch.value = 2.5, 3
    lab.qubo.sample.value = 4
    lab.state.selected_label = (0, "h", 1, 2)
    lab.training.step(block=True)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    lab.save(first)
    other = Lab()
    other.load(first)
    other.save(second)
    assert first.read_text() == second.read_text()
    saved = json.loads(first.read_text())
    assert {k: saved[k] for k in ("sample_reads", "sample_chunk", "topology", "embed_reads", "chain_strength",
                                  "embed_minibatch", "sample_index")} == {
        "sample_reads": 40, "sample_chunk": 8, "topology": "zephyr", "embed_reads": 25, "chain_strength": 2.5,
        "embed_minibatch": 3, "sample_index": 4}
    assert saved["sampler_params"]["num_sweeps"] == 123 and saved["sampler_params"]["seed"] == 11
    assert saved["trainer_params"]["num_reads"] == 2 and saved["selected_label"] == [0, "h", 1, 2]
    assert set(SETTINGS) <= set(saved) and len(saved["history"]) == 1
    assert other.histogram.num_reads.value == 40 and other.embedding.topology.value == "zephyr"
    assert other.training.param_widgets["num_reads"].value == 2 and other.state.selected_label == (0, "h", 1, 2)
    other.training.step(block=True)                                  # training goes on: epoch 2 after epoch 1
    assert [r["epoch"] for r in other.training.history] == [1, 2]


def test_version_1_files_migrate(tmp_path):
    lab = Lab(dataset="xor", hidden=[6], n_samples=120)
    v1 = {"format": "qnn_lab.state", "version": 1,
          "choices": {"dataset": "xor", "n_samples": 120, "noise": 0.05, "test_fraction": 0.25, "seed": 0,
                      "hidden": [6], "replicas": 2, "encoding": "neurons", "bits": 2, "sample_index": 3,
                      "sampler": "sa", "sampler_params": {"num_sweeps": 123, "num_reads": 30}},
          "network": lab.state.network.to_dict(),
          "training": {"trainer": "contrastive", "learning_rate": 0.03, "batch_size": 4,
                       "history": [{"epoch": 1, "train_accuracy": 0.5, "test_accuracy": 0.4}]}}
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1))
    other = Lab()
    other.load(path)
    s = other.state
    assert (s.dataset, s.hidden, s.sample_index, s.sampler, s.sample_reads) == ("xor", [6], 3, "sa", 30)
    assert s.sampler_params["num_sweeps"] == 123
    assert (s.trainer_params["learning_rate"], s.trainer_params["batch_size"]) == (0.03, 4)
    assert list(other.training.accuracy.data[0].y) == [0.5]
    assert other.to_dict()["version"] == STATE_VERSION == 2


# ---------------------------------------------------------------- issue 13: one regression test per bug
# (plotly's ValueError from the browser's trace defaults: tests/browser/test_figures.py, the page sends none)
def test_a_click_on_a_point_drawn_before_the_model_changed_selects_nothing(lab):
    """IndexError in the message area after removing every hidden layer and clicking plots."""
    from types import SimpleNamespace
    qubo = lab.qubo
    rows = qubo._shown_rows
    lab.builder.remove_layer.click()                   # no hidden layer: a smaller model
    assert lab.state.hidden == []
    qubo._select(SimpleNamespace(point_inds=[len(rows) - 1]), rows)    # a stale click from the old drawing
    qubo._select(SimpleNamespace(point_inds=[10_000]), qubo._shown_rows)
    assert not qubo.note.value and lab.state.selected_label is None
    qubo._select(SimpleNamespace(point_inds=[0]), np.arange(len(qubo.labels)))     # a field bar
    assert lab.state.selected_label == qubo.labels[0]


def test_switching_to_a_wide_dataset_rebuilds_data_and_network_together(lab):
    """'X' should have shape (n_samples, 2) after switching to the 64-input teacher dataset."""
    seen = []
    lab.state.observe(lambda _: seen.append((lab.state.data.n_features, lab.state.network.n_inputs)),
                      names=["data_version", "sample_index", "network_version"])
    lab.builder.dataset.value = "teacher"
    assert lab.state.layers[0] == 64 and seen and all(a == b for a, b in seen)
    assert not lab.builder.note.value and not lab.training.output.note.value
    assert lab.training.output.digit.layout.title.text.startswith("sample 0")     # its inputs and class energies


def test_a_long_invalid_schedule_is_explained_briefly_and_blocks_sample(lab):
    """A 2,000-character invalid schedule squeezed a panel to a sliver; a bad schedule was silently replaced."""
    lab.state.mode = "expert"
    lab.sampler.choice.value = "sa"
    editor = lab.sampler.schedule
    editor.text.value = ("0, 0; 1, x" * 200)[:2000]
    assert 0 < len(editor.note.text) <= 600 and not editor.valid
    assert "anneal_schedule" in lab.state.refused and lab.histogram.run_button.disabled
    lab.histogram.run_button.click()                                    # a click on the disabled button's code path
    assert "waiting for a valid 'anneal_schedule'" in lab.histogram.note.text
    lab.training.step_button.click()
    assert "waiting for a valid 'anneal_schedule'" in lab.training.note.text and not lab.state.running
    editor.text.value = "0, 0; 10, 1"
    assert not lab.state.refused and not editor.note.value and not lab.histogram.run_button.disabled
    lab.histogram.num_reads.value = 4
    lab.histogram.run_button.click()
    lab.histogram.wait(60)
    assert not lab.histogram.note.value and lab.histogram.gaps.size == 4 * len(lab.histogram.probe())   # cleared


def test_a_setting_typed_beside_a_refused_schedule_is_taken_and_the_schedules_reason_stays_beside_it(lab):
    """A temperature typed while the typed schedule was refused was refused too, with the schedule's reason."""
    lab.state.mode = "expert"
    lab.sampler.choice.value = "sqa"
    editor, temperature = lab.sampler.schedule, lab.sampler.widgets["temperature"]
    editor.text.value = "0, 0; 10, 0.7; 5, 1"
    why = lab.state.refused["anneal_schedule"]
    assert "times should increase" in why and editor.canvas.error == why
    temperature.value = 5.0
    assert lab.state.sampler_params["temperature"] == 5.0 and list(lab.state.refused) == ["anneal_schedule"]
    assert not lab.sampler.notes["temperature"].value
    assert editor.text.value == "0, 0; 10, 0.7; 5, 1" and editor.canvas.error == why      # the edit is kept
    lab.sampler.choice.value = "layered"                                 # another sampler that takes a schedule
    assert lab.state.sampler == "layered" and not lab.sampler.note.value and editor.canvas.error == why
    lab.sampler.choice.value = "tabu"           # follows no schedule: nothing blocks Sample
    assert not lab.state.refused and not lab.histogram.run_button.disabled
    lab.sampler.choice.value = "sqa"            # the kept edit is refused again
    assert lab.state.refused == {"anneal_schedule": why} and editor.canvas.error == why
    editor.text.value = "0, 0; 10, 1"
    assert not lab.state.refused and lab.state.sampler_params["anneal_schedule"].to_list() == [[0, 0], [10, 1]]


def test_emptying_the_schedule_text_after_a_refused_drawing_means_no_schedule(lab):
    """Found by a full monkey run: a point dragged behind the next one, then the text box emptied (no schedule,
    the sampler's own annealing): the kept drawing was refused again, and Play and Sample stayed blocked.
    Likewise the preset "(none)"."""
    lab.state.mode = "expert"
    lab.sampler.choice.value = "layered"
    editor = lab.sampler.schedule
    editor.canvas.points = [[0, 0], [10, 0.5], [5, 1]]                # a drag in the browser
    assert "anneal_schedule" in lab.state.refused and lab.histogram.run_button.disabled
    for text in ("", "  "):                                            # once more: the state already has none
        editor.text.value = text
        assert not lab.state.refused and editor.valid and lab.state.sampler_params["anneal_schedule"] is None
        assert not editor.canvas.error and not editor.canvas.bad and "no schedule set" in editor.canvas.status
        assert editor.text.value == text and not lab.histogram.run_button.disabled
    lab.sampler.choice.value = "tabu"
    lab.sampler.choice.value = "layered"                               # nothing refused is kept to come back
    assert not lab.state.refused and lab.state.sampler_params["anneal_schedule"] is None
    preset = lab.sampler.widgets["anneal_schedule"]
    preset.value = "standard"
    editor.canvas.points = [[0, 0], [10, 0.5], [5, 1]]
    assert "anneal_schedule" in lab.state.refused
    preset.value = "(none)"                                            # the preset box says it too
    assert not lab.state.refused and lab.state.sampler_params["anneal_schedule"] is None
    assert not editor.canvas.error and not lab.histogram.run_button.disabled
    lab.training.step(block=True)
    assert lab.training.trainer.epoch_ == 1


def test_a_refused_value_is_explained_beside_its_control_and_a_failing_view_is_not_dressed_as_one():
    """A view that failed while following a taken setting was shown as if the value were refused, the lab
    half redrawn: the monkey test could not see it (the schedule editor's bug above hid this way)."""
    state = LabState(dataset="xor", hidden=[2], n_samples=40)
    box, note = w.IntText(), ErrorNote()
    bind(state, "seed", box, note)
    box.value = -1                                           # refused: explained, nothing raised
    assert "'seed'" in note.text and state.seed != -1
    state.observe(lambda _: 1 / 0, names="seed")             # a broken view
    with pytest.raises(ZeroDivisionError):
        box.value = 5
    assert state.seed == 5


def test_a_weight_qubo_too_large_to_build_is_refused_beside_its_control_and_nothing_changes():
    """Found by a full monkey run: many weight bits of a wide network with 16 replicas asked the kernel for
    22 GB, and the system killed it (the lab's work lost). The setting that would make the QUBO larger than
    the lab builds is refused beside its control; new data that would do it falls back to the neuron model."""
    from qnn_lab.widgets.state import MAX_COUPLINGS
    lab = Lab(dataset="xor", hidden=[100], replicas=16, encoding="weights", n_samples=40)
    view, before = lab.panel("model"), lab.state.to_dict()
    view.bits.value = 4                                        # 2,604,992 couplings
    assert view.note.text == ("'bits' would give the weight QUBO 2,604,992 couplings, more than the 2,000,000 "
                              "the lab builds: value = 4; choose fewer bits, replicas or neurons in the last "
                              "hidden layer, or the neuron model")
    assert lab.state.to_dict() == before and lab.state._weight_couplings() <= MAX_COUPLINGS
    view.bits.value = 3                                        # 1,464,096 couplings: built
    assert not view.note.value and lab.state.current_model().bqm.num_interactions == 1_464_096
    view.bits.value = 2
    lab.builder.dataset.value = "digits"                       # 10 classes: 3,248,160 couplings
    assert lab.state.encoding == "neurons" and "3,248,160 couplings" in lab.state.message
    assert lab.state.current_model().bqm.num_variables == 100 + 160        # hidden and output spins


def test_pause_stops_the_qubo_trainer(lab):
    """With the qubo trainer Pause was ignored (epoch 9 to 186)."""
    lab.sampler.choice.value = "sa"
    lab.training.trainer_choice.value = "qubo"
    tv = lab.training
    tv.play(max_epochs=10_000)
    deadline = __import__("time").monotonic() + 60
    while not tv.history and __import__("time").monotonic() < deadline:
        tv.wait(0.05)
    tv.pause_button.click()
    tv.wait(60)
    epochs = len(tv.history)
    assert not tv.running and not lab.state.running and epochs < 10_000
    assert not tv.play_button.disabled and tv.pause_button.disabled


def test_the_sampler_list_follows_the_model_and_says_why(lab):
    panel = lab.sampler
    assert "layered" in panel.choice.options and "exact" in panel.choice.options     # 2-6-2 x2: 10 spins
    lab.state.encoding = "weights"                                           # the output layer's weight QUBO
    assert "layered" not in panel.choice.options and lab.state.sampler != "layered"
    assert "layered is left out: anneals whole layers of a neuron model" in panel.left_out.value
    assert "exact is left out: enumerates every state: at most 20 variables" in panel.left_out.value
    lab.state.encoding = "neurons"
    assert "layered" in panel.choice.options


def test_the_first_screen_timings_are_recorded():
    """tests/browser/test_first_screen.py measures them in the browser (medians of 5 fresh kernels)."""
    from pathlib import Path
    ui = json.loads((Path(__file__).parent.parent / "benchmarks" / "ui.json").read_text())
    for key in ("first_paint_s", "first_screen_s"):
        assert len(ui[f"{key}_all"]) == 5 and all(t > 0 for t in ui[f"{key}_all"])
        assert ui[f"{key}_median"] == sorted(ui[f"{key}_all"])[2]
    assert ui["first_paint_s_median"] <= ui["first_screen_s_median"] and "1366x768" in ui["first_screen_setting"]


def test_the_widgets_start_without_building_the_iri_grammar():
    """plotly -> nbformat -> jsonschema would build rfc3987_syntax's grammar (2.7 s of the lab's start)."""
    code = ("import sys, qnn_lab.widgets, plotly.graph_objects as go; go.FigureWidget(); "
            "print(sys.modules.get('rfc3987_syntax', 'absent'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "None"


def test_the_users_sampler_comes_back_when_the_model_allows_it_again(lab):
    panel = lab.sampler
    panel.choice.value = "sqa"
    lab.state.sampler_params = {**lab.state.sampler_params, "num_sweeps": 77}
    lab.state.encoding = "weights"                  # the weight QUBO: sqa stays usable
    assert lab.state.sampler == "sqa" and lab.state.sampler_params["num_sweeps"] == 77
    lab.state.encoding = "neurons"
    panel.choice.value = "layered"
    lab.state.sampler_params = {**lab.state.sampler_params, "num_sweeps": 33}
    lab.state.encoding = "weights"                  # layered cannot: another sampler stands in ...
    assert lab.state.sampler != "layered"
    lab.state.encoding = "neurons"                  # ... and the user's choice comes back, with its settings
    assert lab.state.sampler == "layered" and panel.choice.value == "layered"
    assert lab.state.sampler_params["num_sweeps"] == 33
    lab.state.encoding = "weights"
    panel.choice.value = "tabu"                     # chosen while another stands in: the new choice stays
    lab.state.encoding = "neurons"
    assert lab.state.sampler == "tabu"


@pytest.mark.parametrize("sampler, view", [("sqa", "probe"), ("mock-qpu", "sample")])
def test_the_reverse_preset_starts_from_the_right_answers_and_runs(lab, sampler, view):
    """Sample and a training step with the reverse preset: each read starts from its sample's clamped state."""
    lab.state.mode = "expert"
    lab.sampler.choice.value = sampler
    lab.state.sampler_params = {**lab.state.sampler_params, "num_sweeps": 50}
    lab.sampler.widgets["anneal_schedule"].value = "reverse"
    assert lab.state.sampler_params["anneal_schedule"].kind == "reverse"
    assert "starts from each sample's right answer" in lab.sampler.reverse_note.value
    hist = lab.histogram
    hist.view.value = view
    lab.state.sample_reads, lab.state.sample_chunk = 8, 8
    hist.run(block=True)
    assert not hist.note.value and len(hist.gaps) == 8 * len(hist.probe()), hist.note.value
    assert not lab.state.running
    if sampler == "sqa":
        lab.state.trainer_params = {**lab.state.trainer_params, "num_reads": 2, "batch_size": 45}
        lab.training.step(block=True)
        assert not lab.training.note.value and lab.training.history[-1]["epoch"] == 1
    lab.sampler.widgets["anneal_schedule"].value = "standard"
    assert not lab.sampler.reverse_note.value


def test_a_reverse_anneal_of_the_weight_qubo_is_refused_before_anything_runs(lab):
    lab.state.mode = "expert"
    lab.sampler.choice.value = "sqa"
    lab.sampler.widgets["anneal_schedule"].value = "reverse"
    lab.state.encoding = "weights"
    lab.histogram.run_button.click()
    assert "starts from each sample's right answer" in lab.histogram.note.text and not lab.state.running


def test_the_landscape_tab_shows_the_untrained_network_at_once_and_measures_on_demand(lab):
    tv = lab.training
    lab.panel("landscape")
    assert list(tv.curves.data[2].x) == [0] and tv.curves.data[2].z is not None     # P(q) of the network as it is
    assert "the network as it is now (epoch 0)" in tv.measure_note.value
    assert len(tv.curves.data[6].y) == 20 and len(tv.curves.data[0].y) == 1
    tv.play(max_epochs=1, block=True)                       # a run's own landscapes replace the measured one
    assert list(tv.curves.data[2].x) == [0, 1] and "2 landscapes of this training run" in tv.measure_note.value
    assert list(tv.curves.data[0].x) == [0, 1]              # heads per sample from the start, as the probe counts them
    assert tv.curves.data[0].y[0] == tv.history[0]["landscape_initial"]["heads_per_sample"]
    tv.reset()
    assert tv.curves.data[2].z is None and "No landscape yet" in tv.measure_note.value
    lab.state.sampler = "sa"                                # not measured at once on other samplers: on demand
    tv.measure_button.click()
    assert list(tv.curves.data[2].x) == [0] and not tv.measure_error.value


def test_the_landscape_tab_on_another_sampler_waits_for_measure_now():
    lab = Lab(dataset="xor", hidden=[6], n_samples=120, sampler="sa")
    lab.panel("landscape")
    assert lab.training.curves.data[2].z is None and "press Measure now" in lab.training.measure_note.value


def test_opening_the_landscape_tab_while_a_typed_schedule_is_refused_raises_nothing(lab):
    """Found by the monkey test: the tab's first measurement ran into the refused schedule inside the
    tab switch (a traceback in JupyterLab's log); now it waits, and Measure now says why beside it."""
    lab.state.sampler = "layered"
    lab.sampler.schedule.text.value = "-1"
    assert "anneal_schedule" in lab.state.refused
    lab.tabs.selected_index = list(TAB_TITLES).index("landscape")
    tv = lab.training
    assert lab.state.tab == "landscape" and not lab.state.message and tv.curves.data[2].z is None
    tv.measure_button.click()
    assert "waiting for a valid 'anneal_schedule'" in tv.measure_error.text



def test_the_default_lab_shows_heads_at_first_and_one_play_cuts_them_all():
    """Lab() as it comes (the lab notebook's lab): the Energies tab's probe set shows a spread of states with
    many heads (wrong class below the right answer) before training; after one Play (20 epochs) none is left."""
    lab = Lab()
    hist = lab.histogram
    hist.run(block=True)
    heads = (~hist.right) & (hist.gaps < 0)
    assert heads.mean() > 0.3 and hist.right.any() and np.ptp(hist.gaps) > 0.1     # a spread, heads among it
    assert "are heads" in hist.status.value
    lab.training.play(block=True)
    assert lab.training.history[-1]["epoch"] == 20 and lab.training.history[-1]["train_accuracy"] > 0.97
    hist.run(block=True)
    assert len(hist.gaps) == 200 * 32 and not ((~hist.right) & (hist.gaps < 0)).any()
    assert "<b>0%</b> are heads" in hist.status.value


def test_the_lab_notebook_builds_that_lab():
    from pathlib import Path
    source = json.loads((Path(__file__).parent.parent / "notebooks" / "lab.ipynb").read_text())
    code = "".join("".join(c["source"]) for c in source["cells"] if c["cell_type"] == "code")
    assert 'lab = ql.Lab.from_link(os.environ.get("QUERY_STRING", ""))' in code      # Lab()'s defaults
    state = Lab().state
    assert (state.dataset, state.hidden, state.replicas, state.trainer_params["learning_rate"]) == \
        ("circles", [32], 2, 0.1)
    assert ql.ContrastiveTrainer(ql.Network([2, 2])).learning_rate == 0.02          # the library keeps its own


def test_a_new_schedule_replaces_a_drawn_one_in_the_preset_box(lab):
    """Found by the lessons' browser walk: with "(drawn)" in the preset box, any new schedule (a lesson
    step, a load, a link) raised ValueError: 'preset' should be one of ...: value = '(drawn)'."""
    lab.state.mode = "expert"
    lab.sampler.choice.value = "sqa"
    preset = lab.sampler.widgets["anneal_schedule"]
    lab.state.sampler_params = {**lab.state.sampler_params, "anneal_schedule": [(0, 0), (8, 0.2), (8.4, 1)]}
    assert preset.value == "(drawn)"
    lab.state.sampler_params = {**lab.state.sampler_params, "anneal_schedule": AnnealSchedule.preset("pause")}
    assert preset.value == "pause"
    lab.state.sampler_params = {**lab.state.sampler_params, "anneal_schedule": [(0, 0), (8, 0.3), (8.4, 1)]}
    lab.state.sampler_params = {**lab.state.sampler_params, "anneal_schedule": [(0, 1), (2, 0.8), (12, 0.8), (14, 1)]}
    assert preset.value == "(drawn)" and "right answer" in lab.sampler.reverse_note.value


def test_the_first_screen_builds_only_the_figures_it_shows(lab):
    """Fast start: 2-D data need no sample figure; plotly's page code goes to the page once, not per figure."""
    from qnn_lab.widgets.common import PlotlyCode, figures_below

    titles = [fig.layout.title.text for fig in figures_below(lab)]
    assert len(titles) == 3 and "decision boundary" in titles and "accuracy" in titles
    assert all(len(fig._esm) < 4000 for fig in figures_below(lab))           # a loader, not plotly.js (4.9 MB)
    assert len(PlotlyCode.ensure().code) > 1_000_000 and PlotlyCode.ensure() is PlotlyCode.ensure()
    lab.state.dataset = "digits"
    sample = lab.training.output.digit
    assert sample in lab.training.output.sample_box.children
    assert sample._widget_data[0]["z"] is not None and "sample" in sample._widget_layout["title"]["text"]


def test_refused_values_read_the_same_beside_every_control():
    """Beside Sample a refused schedule read "ScheduleError: ...", beside the field without the prefix; lessons
    said "LessonError: ...". A refused value is now in its own words everywhere; an unexpected error names its type."""
    from qnn_lab.samplers.schedules import ScheduleError
    from qnn_lab.widgets.common import error_text
    from qnn_lab.widgets.lessons import LessonError
    assert error_text(ScheduleError("'anneal_schedule' should end at s = 1")) == "'anneal_schedule' should end at s = 1"
    assert error_text(LessonError("a run is in progress")) == "a run is in progress"
    assert error_text(RuntimeError("boom")) == "RuntimeError: boom"


def test_points_and_noise_show_only_for_datasets_that_take_them(lab):
    """On digits they changed nothing (all images, no noise): a control that does nothing is hidden."""
    b = lab.builder
    assert b.noise.layout.display is None and b.n_samples.layout.display is None      # circles
    lab.state.dataset = "digits"
    assert b.noise.layout.display == "none" and b.n_samples.layout.display == "none"
    lab.state.dataset = "moons"
    assert b.noise.layout.display is None and b.n_samples.layout.display is None


def test_the_boundarys_points_follow_the_data_not_the_network(lab, png_indices):
    """The decision boundary's data points are sent with new data only; a new network redraws the shade alone."""
    output = lab.training.output
    boundary = output.boundary
    shade = boundary.layout.images[0].source
    points = np.array(boundary.data[1].x)
    np.testing.assert_array_equal(points, lab.state.data.X_train[:, 0])
    lab.state.hidden = [5]                                             # a new network: new shade, same points
    assert boundary.layout.images[0].source != shade
    np.testing.assert_array_equal(png_indices(boundary.layout.images[0].source), output.answers[::-1] + 1)
    np.testing.assert_array_equal(output.answers, lab.state.network.predict(                   # the class at
        np.column_stack([np.repeat(boundary.data[0].x, 60), np.tile(boundary.data[0].y, 60)])).reshape(60, 60).T)
    np.testing.assert_array_equal(np.array(boundary.data[1].x), points)
    lab.state.seed += 1                                                # new data: new points, in their colours
    np.testing.assert_array_equal(np.array(boundary.data[1].x), lab.state.data.X_train[:, 0])
    assert len(boundary.data[1].marker.color) == len(lab.state.data.y_train)
    assert not np.array_equal(np.array(boundary.data[1].x), points)
