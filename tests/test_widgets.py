"""Widget logic in plain pytest: set traits, click buttons, assert state and figure data."""
import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

import qnn_lab as ql
from qnn_lab.samplers.schedules import AnnealSchedule
from qnn_lab.widgets import Lab
from qnn_lab.widgets.lab import STATE_VERSION
from qnn_lab.widgets.qubo_view import coupling_matrix


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
    b.layer_rows.children[0].children[2].click()                  # "+" on hidden layer 1
    assert lab.state.hidden == [7, 6]
    b.remove_layer.click()
    assert lab.state.hidden == [7]
    n_links = 2 * 7 + 7 * 4
    assert len(b.fig.data[2].x) == n_links and len(b.fig.data[2].text) == n_links
    assert len(b.fig.data[3].x) == 2 + 7 + 4                        # neurons drawn


def test_dataset_control_rebuilds_data_and_views(lab):
    lab.builder.dataset.value = "circles"
    assert lab.state.data.name == "circles"
    lab.builder.dataset.value = "digits"
    assert lab.state.layers == [64, 6, 10]
    assert lab.qubo.sample.max == len(lab.state.data.X_train) - 1


def test_qubo_view_shows_couplings_with_their_origin(lab):
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
    lab.qubo.encoding.value = "weights"
    assert lab.state.encoding == "weights"
    assert len(lab.qubo.fig.data[1].y) == (6 + 1) * 2 * 4              # (n + bias) x bits x outputs
    assert "BINARY" in lab.qubo.fig.layout.title.text


def test_sampler_panel_builds_controls_from_the_schema(lab):
    panel = lab.sampler
    panel.choice.value = "sa"
    assert set(panel.widgets) == {"num_reads", "num_sweeps", "beta_range", "beta_schedule_type", "anneal_schedule",
                                  "seed"}
    panel.widgets["num_sweeps"].value = 77
    assert lab.state.sampler_params == {"num_sweeps": 77}
    panel.widgets["beta_range"].value = "2, 1"
    assert "'beta_range' should be a pair" in panel.error.value
    assert lab.state.sampler_params == {"num_sweeps": 77}               # the last valid parameters stay
    panel.widgets["beta_range"].value = "0.1, 5"
    assert lab.state.sampler_params == {"num_sweeps": 77, "beta_range": (0.1, 5.0)} and not panel.error.value


def test_histogram_counts_every_read_and_marks_target_and_ground(lab):
    h = lab.histogram
    h.num_reads.value, h.chunk_size.value = 60, 20
    h.run(block=True)
    counts = np.asarray(h.fig.data[0].y) + np.asarray(h.fig.data[1].y)
    assert counts.sum() == 60
    assert set(h.marks) == {"clamped target", "exact ground state"}
    assert min(h.energies) >= h.marks["exact ground state"] - 1e-9
    assert "60 of 60 reads" in h.status.value and not lab.state.running


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
    assert 0 < len(h.energies) < 10_000 and "(stopped)" in h.status.value


def test_training_step_play_and_the_views_follow(lab):
    tv = lab.training
    before = lab.state.network_version
    tv.step(block=True)
    assert tv.trainer.epoch_ == 1 and len(tv.curves.data[0].x) == 1
    tv.play(max_epochs=2, block=True)
    assert list(tv.curves.data[0].x) == [1, 2, 3]
    assert lab.state.network_version > before                         # network drawing and QUBO view redrawn
    assert np.asarray(tv.curves.data[3].z).shape == (40, 4)             # glass -> order heatmap: start + 3 epochs
    assert np.asarray(tv.curves.data[4].z).shape == (20, 4)             # P(q) over training
    assert tv.boundary.data[0].z.shape == (60, 60)
    tv.reset()
    assert len(tv.curves.data[0].x) == 0


def test_glass_to_order_panels_are_drawn_from_the_trainers_history(lab):
    tv = lab.training
    tv.play(max_epochs=2, block=True)
    history = tv.trainer.history_
    start, marks = history[0]["landscape_initial"], [r["landscape"] for r in history]
    assert list(tv.curves.data[4].x) == [0, 1, 2]                      # P(q) over training, from epoch 0
    np.testing.assert_allclose(np.asarray(tv.curves.data[4].z)[:, 0], start["overlap_distribution"])
    assert list(tv.curves.data[5].y) == [start["lowest_share"]] + [m["lowest_share"] for m in marks]
    assert list(tv.curves.data[7].y) == [start["head_below_target"]] + [m["head_below_target"] for m in marks]
    assert list(tv.curves.data[8].y) == start["overlap_distribution"]
    assert list(tv.curves.data[9].y) == marks[-1]["overlap_distribution"]
    np.testing.assert_allclose(np.asarray(tv.curves.data[3].z).sum(0), 1.0)   # each epoch's gap column sums to 1
    tv.trainer_choice.value = "backprop"                                 # no landscape: the panels stay empty
    tv.step(block=True)
    assert tv.curves.data[4].z is None and len(tv.curves.data[5].y) == 0


def test_pause_stops_a_running_training(lab):
    tv = lab.training
    tv.play()
    tv.pause()
    tv.wait(60)
    assert not tv.running and not lab.state.running and not tv.play_button.disabled


def test_a_failing_callback_shows_its_error_and_the_lab_keeps_working(lab, monkeypatch):
    monkeypatch.setattr(lab.state, "current_model", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    lab.histogram.run_button.click()
    assert lab.state.message == "RuntimeError: boom" and "boom" in lab.message.value
    monkeypatch.undo()
    lab.histogram.num_reads.value = 5
    lab.histogram.run(block=True)
    assert lab.histogram.energies.size == 5


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
    assert other.loaded_history == lab.training.trainer.history_
    assert "token" not in path.read_text().lower()


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.update(version=STATE_VERSION + 1), "newer qnn_lab"),
    (lambda d: d.update(format="something else"), "'qnn_lab.state' file"),
    (lambda d: d["choices"].update(hidden=[0]), "damaged"),
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
    assert not lab.builder.dataset.disabled and not lab.builder.layer_rows.children[0].children[2].disabled


def test_long_runs_are_thinned_for_display():
    from qnn_lab.widgets.training_view import MAX_POINTS, thin
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
    lab.training.batch_size.value = 4
    lab.training.step(block=True)
    start = rss_mib()
    while lab.training.trainer.n_steps_ < 1000:
        lab.training.step(block=True)
    end = rss_mib()
    with capsys.disabled():
        print(f"\nsoak: {lab.training.trainer.n_steps_} steps, {lab.training.trainer.epoch_} epochs, "
              f"RSS {start:.0f} MiB -> {end:.0f} MiB")
    assert end - start < 200


def test_schedule_editor_presets_plot_and_inline_rule(lab, tmp_path):
    lab.sampler.choice.value = "sa"
    editor = lab.sampler.widgets["anneal_schedule"]
    editor.preset.value = "pause"
    assert lab.state.sampler_params["anneal_schedule"] == AnnealSchedule.preset("pause")
    assert list(editor.fig.data[0].y) == [0, 0.45, 0.45, 1]
    editor.text.value = "0, 0; 10, 0.7; 5, 1"
    assert "times should increase" in editor.error.value
    assert lab.state.sampler_params["anneal_schedule"] == AnnealSchedule.preset("pause")   # the valid one stays
    lab.save(tmp_path / "s.json")
    other = Lab()
    other.load(tmp_path / "s.json")
    assert other.state.sampler_params["anneal_schedule"] == AnnealSchedule.preset("pause")


def test_display_puts_every_figures_data_into_its_widget_state(lab):
    """What Voila shows: the synced state, not replayed update messages."""
    assert lab.builder.fig._widget_data == [] or not lab.builder.fig._widget_data[0].get("x")
    bundle = lab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert len(lab.builder.fig._widget_data[3]["x"]) == 2 + 6 + 4          # the neurons
    assert lab.qubo.fig._widget_layout["title"]["text"].startswith("SPIN model")


def test_the_lab_buttons_save_load_dismiss_and_regenerate(lab, tmp_path):
    lab.path.value = str(tmp_path / "state.json")
    lab.save_button.click()
    other = Lab()
    other.path.value = lab.path.value
    other.load_button.click()
    assert other.state.dataset == "xor" and other.state.hidden == [6] and not other.state.message
    other.path.value = str(tmp_path / "missing.json")
    other.load_button.click()
    assert "missing.json" in other.state.message and other.dismiss.layout.display is None
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
