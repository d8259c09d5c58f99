"""Share links and teacher mode (qnn_lab.widgets.share): reading, applying, making, fuzzing."""
import re
import urllib.parse
from pathlib import Path

import pytest
import tomllib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnn_lab.widgets import Lab
from qnn_lab.widgets.share import (
    _panel_box,
    binder_link,
    link_query,
    read_link,
    repository,
    teacher_names,
    voila_link,
)
from qnn_lab.widgets.state import SETTINGS, LabState

ROOT = Path(__file__).resolve().parents[1]


def test_a_link_sets_the_lab_up_and_names_what_it_ignores():
    lab = Lab.from_link("https://host/voila/render/notebooks/lab.ipynb?dataset=xor&hidden=8,8&replicas=3"
                        "&sampler=sa&seed=3&sampler_params.num_sweeps=50&colour=red&replicas=x&noise=2",
                        hidden=[32])
    s = lab.state
    assert (s.dataset, s.hidden, s.sampler, s.seed, s.sampler_params["num_sweeps"]) == ("xor", [8, 8], "sa", 3, 50)
    assert s.replicas == 3                            # the later, bad replicas=x is ignored
    assert "unknown key 'colour'" in s.message and "'replicas' should be an integer: value = 'x'" in s.message
    assert "'noise'" in s.message and s.noise == 0.05
    assert lab.state.layers == [2, 8, 8, 2]


def test_defaults_apply_where_the_link_is_silent():
    lab = Lab.from_link("", dataset="gauss", hidden=[5])
    assert lab.state.dataset == "gauss" and lab.state.hidden == [5] and lab.state.message == ""


def test_hide_and_lock_panels_and_settings():
    lab = Lab.from_link("?dataset=xor&hidden=4&hide=qpu,noise,nothing&lock=dataset,hidden,training")
    assert _panel_box(lab, lab.embedding).layout.display == "none"
    assert lab.builder.noise.layout.display == "none"
    assert lab.builder.dataset.disabled and lab.builder.add_layer.disabled
    assert lab.training.play_button.disabled if hasattr(lab.training, "play_button") else True
    assert "'hide' should name panels or settings" in lab.state.message and "'nothing'" in lab.state.message
    lab.state.hidden = [9]                            # held: a locked setting changes back
    assert lab.state.hidden == [4] and "'hidden' is locked" in lab.state.message
    lab.builder.dataset.disabled = False              # a panel that re-enables its controls is overruled
    assert lab.builder.dataset.disabled
    assert {"network", "qpu", "dataset", "hidden", "files", "share"} <= set(teacher_names(lab))


def test_a_lesson_opens_from_the_link():
    lab = Lab.from_link("?lesson=01_spin_glass")
    assert lab.lessons.lesson.name == "01_spin_glass" and lab.state.tab == "energies"     # its first step's tab
    assert lab.lessons.lesson_box in lab.lesson_bar.children                              # the text in view
    assert Lab.from_link("?lesson=05_annealing_vs_backprop").state.tab == "lessons"       # a step without one
    bad = Lab.from_link("?lesson=nope")
    assert "'lesson' should be one of" in bad.state.message


def test_the_share_link_round_trips():
    lab = Lab(dataset="xor", hidden=[6, 5])
    lab.state.replicas, lab.state.seed, lab.state.sampler = 3, 7, "sa"
    lab.state.sampler_params = {**lab.state.sampler_params, "num_sweeps": 77}
    lab.state.trainer_params = {**lab.state.trainer_params, "learning_rate": 0.02}
    lab.share.hide.value, lab.share.lock.value = "qpu", "seed"
    link = lab.share.voila.value
    assert link.startswith("http://localhost:8888/voila/render/notebooks/lab.ipynb?") and "hide=qpu" in link
    again = Lab.from_link(link)
    assert again.state.message == ""
    assert {k: v for k, v in again.state.to_dict().items()} == lab.state.to_dict()
    binder = lab.share.binder.value
    urlpath = urllib.parse.parse_qs(urllib.parse.urlsplit(binder).query)["urlpath"][0]
    assert urlpath == "voila/render/notebooks/lab.ipynb?" + urllib.parse.urlsplit(link).query
    assert binder.startswith(f"https://mybinder.org/v2/gh/{repository()}/main?")


def test_links_keep_the_notebook_defaults():
    lab = Lab.from_link("?seed=4", dataset="circles", hidden=[32])
    query = link_query(lab.state, always=tuple(lab.link_defaults))
    assert "dataset=circles" in query and "hidden=32" in query and "seed=4" in query
    fresh = Lab.from_link(query, dataset="gauss", hidden=[3])
    assert (fresh.state.dataset, fresh.state.hidden, fresh.state.seed) == ("circles", [32], 4)


@pytest.mark.parametrize("page, expected", [
    (None, "http://localhost:8888/voila/render/notebooks/lab.ipynb?a=1"),
    ("http://127.0.0.1:9/voila/render/lab.ipynb?dataset=xor", "http://127.0.0.1:9/voila/render/lab.ipynb?a=1"),
    ("https://hub.org/user/x/lab/tree/notebooks/lab.ipynb",
     "https://hub.org/user/x/voila/render/notebooks/lab.ipynb?a=1"),
    ("http://localhost:8888/doc/tree/lab.ipynb", "http://localhost:8888/voila/render/lab.ipynb?a=1"),
    ("http://localhost:8866/?dataset=xor", "http://localhost:8866/?a=1"),            # voila notebooks/lab.ipynb
])
def test_voila_links_name_the_server_the_lab_is_shown_on(page, expected):
    assert voila_link("a=1", page) == expected


def test_repository_is_pyprojects_source():
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Source"]
    assert url == f"https://github.com/{repository()}"
    assert binder_link("").endswith("urlpath=voila%2Frender%2Fnotebooks%2Flab.ipynb")


def test_the_readme_teacher_links_apply_cleanly():
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"^\[teacher-[\w-]+\]: (\S+)$", text, flags=re.M)
    assert len(links) == 2
    for link in links:
        urlpath = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["urlpath"][0]
        lab = Lab.from_link(urlpath)
        assert lab.state.message == "", lab.state.message


keys = st.one_of(st.sampled_from([*SETTINGS, "hide", "lock", "lesson", "sampler_params.num_sweeps",
                                  "trainer_params.epochs", "sampler_params", "x"]), st.text(max_size=8))
values = st.one_of(st.text(max_size=12), st.integers(-10**12, 10**12).map(str), st.sampled_from(
    ["xor", "8,8", "", "none", "nan", "inf", "1e400", "sa", "layered", "{}", "[1,2]", "0,h,1,2", "qpu,seed"]))
queries = st.one_of(st.lists(st.tuples(keys, values), max_size=6).map(urllib.parse.urlencode), st.text(max_size=60))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries)
def test_fuzzed_queries_give_valid_settings_and_named_problems(query):
    """Whatever the query: no exception; the accepted settings make a valid lab state."""
    link = read_link(query)
    assert all(isinstance(p, str) and p for p in link.problems)
    LabState(**link.settings)


def test_a_link_that_names_another_trainer_gives_it_its_own_parameters_not_the_labs_defaults():
    from qnn_lab.training import trainer_spec
    lab = Lab.from_link("?trainer=backprop", dataset="circles", trainer_params={"learning_rate": 0.1})
    own = {p.name: p.default for p in trainer_spec("backprop").parameters}
    assert lab.state.trainer == "backprop" and lab.state.trainer_params["learning_rate"] == own["learning_rate"]
    kept = Lab.from_link("?trainer_params.epochs=5", dataset="circles", trainer_params={"learning_rate": 0.1})
    assert kept.state.trainer_params["learning_rate"] == 0.1 and kept.state.trainer_params["epochs"] == 5
