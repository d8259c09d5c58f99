"""Plain words: every panel, setting and parameter of the lab has one; the glossary covers the lab's physics."""
import inspect
import re

import pytest

pytest.importorskip("ipywidgets")

import ipywidgets as w

from qnn_lab.data import dataset_spec, list_datasets, load_dataset
from qnn_lab.samplers import list_samplers, sampler_spec
from qnn_lab.samplers.registry import QPU_SPEC
from qnn_lab.training import list_trainers, trainer_spec
from qnn_lab.widgets import Lab, words
from qnn_lab.widgets.common import ErrorNote, bind
from qnn_lab.widgets.state import SETTINGS, TABS, kept_parameters


def sampler_specs():
    return [sampler_spec(name) for name in list_samplers()] + [QPU_SPEC]


def one_line(text):
    return isinstance(text, str) and "\n" not in text and 10 < len(text) <= 300 and text.endswith(".")


def test_every_sampler_parameter_has_words():
    for spec in sampler_specs():
        for p in spec.parameters:
            assert one_line(words.explain("sampler", p.name)), (spec.name, p.name)


def test_every_trainer_parameter_has_words():
    for name in list_trainers():
        for p in trainer_spec(name).parameters:
            assert one_line(words.explain("trainer", p.name)), (name, p.name)


def test_every_dataset_option_has_words():
    keywords = [n for n, p in inspect.signature(load_dataset).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY]
    options = {p.name for name in list_datasets() for p in dataset_spec(name).parameters}
    assert keywords and options
    for name in [*keywords, *sorted(options)]:
        assert one_line(words.explain("dataset", name)), name


def test_every_lab_setting_and_tab_has_words():
    for name in SETTINGS:
        assert one_line(words.explain("setting", name)), name
    for tab in filter(None, TABS):                         # "": no deeper view open
        assert one_line(words.explain("panel", tab)), tab
    assert set(words.SETTINGS) == set(SETTINGS)           # no words for settings the lab does not have


TERMS = ["spin", "Ising model", "QUBO", "field", "coupling", "anneal", "read", "sweep", "temperature", "beta",
         "schedule s(t)", "A(s) / B(s)", "transverse field", "Trotter slices", "heads", "replicas", "clamped target",
         "free phase", "clamped phase", "energy gap", "P(q)", "overlap", "spin glass", "glass -> order",
         "melting temperature", "embedding", "chain", "chain break", "chain strength prefactor", "auto_scale",
         "beta_schedule_type", "qubit", "QPU", "Pegasus / Zephyr", "quench", "pause", "reverse anneal"]


def test_glossary_explains_the_lab_physics_in_one_to_three_sentences():
    for term in TERMS:
        assert term in words.GLOSSARY, term
    for term, text in words.GLOSSARY.items():
        sentences = len(re.findall(r"[.!?](\s|$)", text))
        assert 1 <= sentences <= 3 and len(text) <= 400, (term, sentences, len(text))


def test_simple_mode_names_real_parameters_of_every_sampler():
    for spec in sampler_specs():
        assert spec.name in words.SIMPLE_PARAMETERS, spec.name
        offered = {p.name for p in kept_parameters(spec)}
        assert set(words.SIMPLE_PARAMETERS[spec.name]) <= offered, spec.name


def test_simple_mode_shows_few_parameters_expert_every_one():
    spec = sampler_spec("sqa")
    offered = kept_parameters(spec)
    simple = words.shown_parameters("sqa", offered, "simple")
    assert [p.name for p in simple] == ["num_sweeps", "anneal_schedule", "temperature"]
    assert words.shown_parameters("sqa", offered, "expert") == offered
    assert words.shown_parameters("someone-elses", offered, "simple") == offered
    with pytest.raises(ValueError, match="'mode' should be 'simple' or 'expert': value = 'easy'"):
        words.shown_parameters("sqa", offered, "easy")


def test_explain_names_what_is_missing():
    with pytest.raises(KeyError, match="no words for 'warp_drive' in section 'sampler'"):
        words.explain("sampler", "warp_drive")
    with pytest.raises(KeyError, match="'section' should be one of"):
        words.explain("planet", "spin")


def test_help_note_and_tooltip_carry_the_words():
    note = words.help_note("term", "P(q)")
    assert "title='The histogram of overlaps" in note.value and ">?</span>" in note.value
    inline = words.help_note("setting", "replicas", inline=True)
    assert words.SETTINGS["replicas"] in inline.value
    slider = words.add_tooltip(w.IntSlider(), "sampler", "num_sweeps")
    assert slider.tooltip == words.SAMPLER_PARAMETERS["num_sweeps"]


def test_glossary_widget_filters_as_you_type():
    glossary = words.Glossary()
    assert f"{len(words.GLOSSARY)} of {len(words.GLOSSARY)}" in glossary.count.value
    glossary.search.value = "chain"
    found = glossary.matches()
    assert "chain break" in found and "spin" not in found
    assert "<b>chain break</b>" in glossary.entries.value and "<b>spin</b>" not in glossary.entries.value
    glossary.search.value = "qubit graph pegasus"
    assert glossary.matches() == ["Pegasus / Zephyr"] or set(glossary.matches()) >= {"Pegasus / Zephyr"}
    glossary.search.value = "xyzzy"
    assert "no term matches" in glossary.entries.value


def test_every_control_bound_to_a_setting_carries_its_words():
    lab = Lab(dataset="xor", hidden=[4], n_samples=40)
    assert lab.builder.noise.tooltip == words.SETTINGS["noise"]
    own = w.IntText(tooltip="my own words")
    bind(lab.state, "seed", own, ErrorNote())
    assert own.tooltip == "my own words"
