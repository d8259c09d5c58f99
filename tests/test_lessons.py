"""Lessons: the files load and apply, the player walks them, and each lesson's claims hold in a real lab."""
import inspect
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

import qnn_lab as ql
from qnn_lab.samplers.embedding import embed
from qnn_lab.training import trainer_spec
from qnn_lab.training.landscape import energy_gaps, landscape_metrics
from qnn_lab.training.phases import free_phase
from qnn_lab.widgets.lab import TAB_TITLES
from qnn_lab.widgets.lessons import (
    LessonError,
    LessonPlayer,
    apply_step,
    check_lesson,
    list_lessons,
    load_lesson,
    step_settings,
)
from qnn_lab.widgets.state import LabState


def walk(name):
    """A fresh lab state and a function that sets it to step k of lesson ``name``."""
    lesson, state = load_lesson(name), LabState()
    return state, lambda k: apply_step(state, lesson, k)


def play(state, **extra):
    """What the lab's Play does: a fresh trainer on the lab's network, "epochs per Play" partial_fits, no
    return to the best epoch (the lab shows the weights it has); the trained network goes to the lab.
    Returns the test accuracy after each epoch."""
    takes = inspect.signature(trainer_spec(state.trainer).cls).parameters
    trainer = state.make_trainer(**{k: v for k, v in (("keep_best", False), ("probe_size", 0)) if k in takes}, **extra)
    accuracy = []
    for _ in range(state.trainer_params["epochs"]):
        trainer.partial_fit(state.data.X_train, state.data.y_train)
        accuracy.append(trainer.score(state.data.X_test, state.data.y_test))
    state.set_network(trainer.network_)
    return accuracy


def histogram_gaps(state):
    """What the Energies tab plots for the probe set: every read's energy minus its clamped target's."""
    X, y = state.data.X_train[:32], state.data.y_train[:32]
    return energy_gaps(state.network, X, y, state.make_sampler(), state.sample_reads, seed=0)


def probe_landscape(state, reads=8):
    X, y = state.data.X_train[:32], state.data.y_train[:32]
    return landscape_metrics(state.network, X, y, state.make_sampler(), reads, seed=0)


# ---------------------------------------------------------------- files and loader
def test_at_least_five_lessons_ship_and_every_step_applies_to_a_lab():
    names = list_lessons()
    assert len(names) >= 5
    for name in names:
        lesson = check_lesson(name)
        assert lesson.title and lesson.summary and lesson.steps
        assert any(step.question for step in lesson.steps), name


def write(tmp_path, data, name="mine.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


@pytest.mark.slow
def test_the_package_build_ships_every_lesson(tmp_path):
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(root)], check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    assert {f"qnn_lab/lessons/{name}.json" for name in list_lessons()} <= set(names)


GOOD = {"title": "t", "summary": "s", "settings": {"dataset": "xor"},
        "steps": [{"text": "one"}, {"text": ["two", "three"], "settings": {"noise": 0.1},
                                     "question": "q?", "choices": ["a", "b"], "answer": "b"}]}


def test_a_teachers_lesson_file_loads_with_paragraphs_joined(tmp_path):
    lesson = check_lesson(write(tmp_path, GOOD))
    assert lesson.name == "mine" and lesson.steps[1].text == "two\n\nthree"
    assert lesson.steps[1].choices == ("a", "b") and lesson.steps[1].answer == "b"


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("title"), "lesson file 'mine.json': the key 'title' is missing"),
    (lambda d: d.update(author="me"), "key 'author' should be one of title, summary, settings, steps"),
    (lambda d: d.update(steps=[]), "'steps' should be a non-empty list"),
    (lambda d: d["steps"][1].update(settings={"noize": 0.1}),
     "lesson file 'mine.json', step 2: 'settings' key 'noize' should be one of the lab's settings"),
    (lambda d: d["steps"][1].pop("answer"), "step 2: a step with a 'question' needs an 'answer'"),
    (lambda d: d["steps"][0].update(settings={"tab": "qpu"}), "step 1: 'settings' should not set 'tab'"),
    (lambda d: d["steps"][1].update(answer="c"), "step 2: 'answer' should be one of the choices"),
    (lambda d: d["steps"][0].update(text=""), "step 1: 'text' should be a non-empty string"),
    (lambda d: d["steps"][0].update(hint="x"), "step 1: key 'hint' should be one of text, tab, settings"),
    (lambda d: d["steps"][0].update(tab="energy"), "step 1: 'tab' should be one of 'model', 'sampler', 'energies'"),
])
def test_a_broken_lesson_file_names_file_step_and_key(tmp_path, change, message):
    data = json.loads(json.dumps(GOOD))
    change(data)
    with pytest.raises(LessonError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_lesson(write(tmp_path, data))


def test_bad_json_and_a_bad_setting_value_are_named(tmp_path):
    with pytest.raises(LessonError, match="lesson file 'mine.json' is not valid JSON"):
        load_lesson(write(tmp_path, "{"))
    with pytest.raises(LessonError, match="lesson file 'missing.json' cannot be read"):
        load_lesson(tmp_path / "missing.json")
    data = json.loads(json.dumps(GOOD))
    data["steps"][1]["settings"] = {"noise": 7}
    with pytest.raises(LessonError, match=r"lesson file 'mine.json', step 2: 'noise' should be"):
        check_lesson(write(tmp_path, data))


def test_step_settings_add_parameters_unless_the_sampler_changes():
    lesson = load_lesson("03_anneal_speed")
    first, second = step_settings(lesson, 0), step_settings(lesson, 1)
    assert first["sampler_params"]["num_sweeps"] == 300 and second["sampler_params"]["num_sweeps"] == 10
    assert second["sampler_params"]["temperature"] == 12.0                     # kept from the lesson's settings
    backprop = step_settings(load_lesson("05_annealing_vs_backprop"), 1)
    assert backprop["trainer"] == "backprop" and "num_reads" not in backprop["trainer_params"]
    assert step_settings(lesson, 0)["features"] == []                           # untouched settings: defaults


# ---------------------------------------------------------------- the player
def test_player_walks_a_lesson_and_sets_the_lab_up_at_every_step():
    state = LabState(dataset="xor", hidden=[4])
    player = LessonPlayer(state)
    assert player.lesson_box.layout.display == "none"
    player.choose.value = "03_anneal_speed"
    player.start_button.click()
    assert player.status.value == "" and state.sampler == "sqa" and state.sampler_params["num_sweeps"] == 300
    assert "step 1 of 6" in player.progress.value and player.back_button.disabled
    player.next_button.click()
    assert state.sampler_params["num_sweeps"] == 10
    player.back_button.click()
    assert state.sampler_params["num_sweeps"] == 300
    state.sampler_params = {**state.sampler_params, "num_sweeps": 7}            # the student tries something
    player.again_button.click()
    assert state.sampler_params["num_sweeps"] == 300 and player.step == 0
    for _ in range(5):
        player.next_button.click()
    assert player.step == 5 and player.next_button.disabled
    assert state.sampler_params["anneal_schedule"].points[1] == (5.5, 0.45)


def test_a_step_opens_the_tab_it_talks_about_and_its_text_stays_in_view():
    pytest.importorskip("plotly")
    from qnn_lab.widgets import Lab
    lab = Lab(dataset="xor", hidden=[4])
    player = lab.lessons
    assert player.lesson_box in lab.lesson_bar.children and player.lesson_box not in player.children
    player.start("04_qpu_chains")
    assert lab.state.tab == "qpu" and lab.tabs.selected_index == list(TAB_TITLES).index("qpu")
    assert player.lesson_box.layout.display is None and "step 1 of 4" in player.progress.value
    player.start("01_spin_glass")
    assert lab.state.tab == "energies"
    player.next()
    lab.state.tab = "sampler"                       # the student looks elsewhere; the next step brings the tab back
    player.next()
    assert lab.state.tab == "model"
    player.back()
    assert lab.state.tab == "energies"


def test_start_right_away_starts_the_first_lesson():
    """Found by the browser walk: the lesson list started with nothing chosen, so Start said
    "'lesson' should be one of ...: value = None"."""
    player = LessonPlayer(LabState(dataset="xor", hidden=[4]))
    player.start_button.click()
    assert player.lesson.name == list_lessons()[0] and not player.status.value


def test_player_takes_a_teachers_lesson_file(tmp_path):
    player = LessonPlayer(LabState(dataset="xor", hidden=[4]), lessons=["01_spin_glass"])
    lesson = player.add(write(tmp_path, GOOD))
    assert [value for _, value in player.choose.options] == ["01_spin_glass", "mine"]
    player.start(lesson.name)
    player.next()
    assert player.state.dataset == "xor" and player.state.noise == 0.1
    assert "Question:</b> q?" in player.question.value and list(player.choices.options) == ["a", "b"]


def test_player_checks_answers_and_shows_them():
    player = LessonPlayer(LabState(dataset="xor", hidden=[4]), lessons=["04_qpu_chains"])
    player.start("04_qpu_chains")
    player.check_button.click()
    assert "choose an answer first" in player.status.value
    player.choices.value = "One"
    player.check_button.click()
    assert player.status.value == "" and "Not quite" in player.feedback.value
    player.choices.value = "About three"
    player.check_button.click()
    assert "Right." in player.feedback.value
    player.answer_button.click()
    assert "About three" in player.feedback.value and "36 qubits" in player.feedback.value


def test_a_step_that_keeps_data_and_network_keeps_the_trained_weights():
    state, go = walk("02_cutting_heads")
    go(0)
    trained = state.network.copy()
    trained.weights[0] = trained.weights[0] + 1.0
    state.set_network(trained)
    assert go(1) == [] and go(2) == []
    assert state.network is trained


def test_player_refuses_to_move_while_the_lab_runs():
    state = LabState(dataset="xor", hidden=[4])
    player = LessonPlayer(state)
    player.start("01_spin_glass")
    state.running = True
    player.next_button.click()
    assert "stop it before" in player.status.value and player.step == 0
    state.running = False
    player.next_button.click()
    assert player.status.value == "" and player.step == 1


# ---------------------------------------------------------------- each lesson's claims, in a real lab
def test_lesson_spin_glass_random_network_has_many_minima_and_heads_below_the_target():
    state, go = walk("01_spin_glass")
    go(0)
    gaps = histogram_gaps(state)
    assert np.mean(gaps.min(axis=0) < 0) >= 0.9               # "yes, for almost every digit"
    assert np.mean(gaps < 0) > 0.5                            # most reads left of zero
    go(1)
    model = state.current_model()                             # the "one sample" view and its read stepper
    reads = model.sample_array(state.make_sampler().sample(model.bqm, num_reads=state.sample_reads))
    assert len({tuple(read) for read in reads}) >= 3          # "several different states"
    m = probe_landscape(state)                                # and so for the 32 probe digits
    assert m.distinct_minima >= 3 and m.lowest_share < 0.6 and m.mean_overlap < 0.9
    go(2)
    couplings = np.array(list(state.current_model().bqm.quadratic.values()))
    assert 0.35 < np.mean(couplings > 0) < 0.65                 # both signs, about equally


def test_lesson_cutting_heads_two_epochs_leave_fewer_heads():
    state, go = walk("02_cutting_heads")
    go(0)
    X, y = state.data.X_train[:32], state.data.y_train[:32]
    states = free_phase(state.network, X, state.make_sampler(), state.sample_reads, 0)
    below = state.network.energy(X, states) < state.network.energy(X, state.network.clamped_state(X, y))[None]
    wrong = state.network.decode_outputs(states[-1]) != y[None]
    assert wrong[below].mean() > 0.5                                  # "mostly heads"
    before = probe_landscape(state)
    go(1)
    untrained = state.network
    play(state)
    trained = state.network
    after = probe_landscape(state)
    assert after.heads_per_sample < before.heads_per_sample / 2     # "fewer"
    go(2)
    assert state.network is trained
    # "a minority" of digits keep a head below: the typical outcome, over the lab's seed and two more
    shares = [np.mean(histogram_gaps(state).min(axis=0) < 0)]
    for seed in (1, 2):
        state.set_network(untrained)
        play(state, random_state=seed)
        shares.append(np.mean(histogram_gaps(state).min(axis=0) < 0))
    assert np.mean(shares) < 0.5, shares


def anneal_energies(state):
    model = state.current_model()
    return state.make_sampler().sample(model.bqm, num_reads=state.sample_reads).record.energy


def test_lesson_anneal_speed_quench_and_fast_anneals_end_higher_than_a_slow_one():
    state, go = walk("03_anneal_speed")
    energies = []
    for k in range(4):
        go(k)
        energies.append(anneal_energies(state))
    ground = min(e.min() for e in energies)
    share = [np.mean(e <= ground + 1e-9) for e in energies]
    mean = [e.mean() for e in energies]
    slow, fast, quench, pause = range(4)
    assert share[slow] > 0.5                                   # "yes, most reads"
    assert mean[fast] > mean[slow] + 0.5 and share[fast] < share[slow]
    assert mean[quench] > mean[slow] and share[quench] < share[slow]
    assert abs(mean[pause] - mean[slow]) < 0.1 and share[pause] > 0.5   # "about the same here"


def test_lesson_anneal_speed_reverse_to_a_smaller_s_moves_further_and_ends_lower():
    state, go = walk("03_anneal_speed")
    go(4)
    model = state.current_model()
    X, y = model.X, state.data.y_train[state.sample_index:state.sample_index + 1]
    start = np.concatenate(state.network.clamped_state(X, y), axis=-1)[0]
    initial = dict(zip(model.labels, start.tolist()))
    results = []
    for k in (4, 5):
        go(k)
        ss = state.make_sampler().sample(model.bqm, num_reads=state.sample_reads, initial_state=initial)
        overlap = (model.sample_array(ss) @ start / len(start)).mean()
        results.append((overlap, ss.record.energy.mean()))
    (q_08, e_08), (q_045, e_045) = results
    assert q_045 < q_08 and e_045 < e_08


def test_lesson_qpu_chains_break_at_a_low_prefactor_and_a_high_one_anneals_worse():
    state, go = walk("04_qpu_chains")
    go(0)
    model = state.current_model()
    emb = embed(model.bqm, state.topology, random_state=state.seed)
    assert model.bqm.num_variables == 12 and emb.qubits_used == 36 and emb.max_chain_length == 3   # "about three"
    sampler = ql.get_sampler("mock-qpu")
    results = {}
    for k in (1, 2, 3):
        go(k)
        ss = sampler.sample(model.bqm, topology=state.topology, num_reads=state.embed_reads,
                            chain_strength_prefactor=state.chain_strength, seed=0)
        results[state.chain_strength] = (ss.info["embedding_stats"]["chain_break_fraction"], ss.record.energy.mean())
    assert results[0.1][0] > 0.05 and results[1.414][0] < 0.01 and results[5.0][0] < 0.01
    assert results[5.0][1] > results[1.414][1] + 1.0


def test_lesson_annealing_vs_backprop_both_learn_moons_annealing_in_fewer_epochs_backprop_wins_circles():
    state, go = walk("05_annealing_vs_backprop")
    curves = []
    for k in range(4):
        go(k)
        state.rebuild_network()                                   # "press Reset, then Play"
        curves.append(play(state))
    moons_annealing, moons_backprop, circles_annealing, circles_backprop = curves
    assert moons_annealing[-1] > 0.9                             # "above 0.9"
    assert moons_backprop[-1] > 0.95 and abs(moons_annealing[-1] - moons_backprop[-1]) < 0.05
    first_above = [next(e for e, a in enumerate(c, 1) if a > 0.95) for c in (moons_annealing, moons_backprop)]
    assert first_above[0] <= 5 and first_above[1] > 15         # "within its five epochs" / "after more than fifteen"
    assert 0.6 < circles_annealing[-1] < 0.85                   # "not yet (about 0.7)"
    assert circles_backprop[-1] > 0.95


def test_lesson_weights_as_qubits_two_bits_beat_binary_weights():
    state, go = walk("06_weights_as_qubits")
    go(0)
    assert state.current_model().bqm.num_variables == 136
    accuracy = []
    for k in (1, 2):
        go(k)
        assert state.bits == state.trainer_params["bits"] == k
        state.rebuild_network()                                   # "press Reset, then Play"
        accuracy.append(play(state)[-1])
    one_bit, two_bits = accuracy
    assert one_bit < 0.8 and two_bits > one_bit + 0.1


def test_lesson_temperature_hot_reads_wander_cold_reads_stick_annealed_reads_go_lowest():
    state, go = walk("07_temperature")
    results = []
    for k in range(3):
        go(k)
        model = state.current_model()
        ss = state.make_sampler().sample(model.bqm, num_reads=state.sample_reads)
        distinct = len({tuple(read) for read in model.sample_array(ss)})
        results.append((ss.record.energy.mean(), ss.record.energy.min(), distinct))
    (hot, _, hot_distinct), (annealed, lowest, annealed_distinct), (cold, _, cold_distinct) = results
    assert hot_distinct == state.sample_reads and hot > lowest / 2          # all different, far above
    assert annealed_distinct <= 4                                           # only a few
    assert cold > annealed and cold_distinct > annealed_distinct            # stuck higher, in different valleys


def test_the_player_offers_the_first_lesson_with_its_summary():
    """The lesson chooser showed no lesson and "no lessons found" until one was picked."""
    player = LessonPlayer(LabState())
    assert player.choose.value == list_lessons()[0] and "no lessons found" not in player.summary.value


def test_a_step_that_fails_halfway_leaves_the_lab_as_it_was():
    lesson = load_lesson("03_anneal_speed")
    settings = {k: v for k, v in step_settings(lesson, 0).items() if k not in ("sampler", "sampler_params",
                                                                                 "sample_reads")}
    state = LabState(**settings)
    before = state.to_dict()

    def fail(change):                  # e.g. a view that raises on the new value, after the sampler changed
        raise RuntimeError("boom")
    state.observe(fail, names="sample_reads")
    with pytest.raises(RuntimeError, match="boom"):
        apply_step(state, lesson, 0)
    state.unobserve(fail, names="sample_reads")
    assert state.to_dict() == before
    assert apply_step(state, lesson, 0) == ["sampler", "sampler_params", "sample_reads"]


def test_a_step_checks_the_sampler_parameters_against_the_sampler_the_lab_keeps():
    """Found by the monkey: a step that keeps the lab's sampler (sa) but sets its parameters had them
    checked against the default sampler's, and failed with "'sampler_params' of sampler 'sa' ..."."""
    state = LabState()
    state.sampler = "sa"
    apply_step(state, load_lesson("07_temperature"), 2)
    assert state.sampler == "sa" and list(state.sampler_params["beta_range"]) == [5.0, 5.0]
