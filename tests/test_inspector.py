import os

import dimod
import numpy as np
import pytest

pytest.importorskip("dwave.inspector")
from dwave.cloud.solver import StructuredSolver
from dwave.inspector import storage
from dwave.inspector.proxies import rewrite_url
from dwave.inspector.server import app_server

import qnn_lab as ql
from qnn_lab.samplers import inspector
from qnn_lab.samplers import qpu as qpu_module
from qnn_lab.samplers.inspector import InspectorViewerMissing, inspector_data, show_inspector


@pytest.fixture(scope="module")
def weak_chains():
    """A mock-qpu sample set of a dense model with chains weak enough to break."""
    net = ql.Network([3, 6, 2], output_replicas=2, random_state=0)
    enc = ql.encode_neurons(net, np.array([[0.4, -1.0, 0.7]]))
    sampler = ql.get_sampler("mock-qpu", topology="pegasus", embedding_method="clique", chain_strength_prefactor=0.05,
                             num_sweeps=100)
    return sampler.sample(enc.bqm, num_reads=30, seed=4)


def test_viewer_data_holds_the_embedded_problem_and_the_physical_reads(weak_chains):
    info = weak_chains.info
    data = inspector_data(weak_chains)
    solver = data["rel"]["solver"]
    assert isinstance(solver, StructuredSolver) and solver.properties["topology"] == {"type": "pegasus", "shape": [16]}
    problem = data["data"]["data"]
    assert len(problem["lin"]) == len(solver.properties["qubits"]) == 5640
    active = data["answer"]["active_variables"]
    assert active == sorted(q for c in info["embedding"].chains.values() for q in c)
    assert sum(v is not None for v in problem["lin"]) == len(active)
    assert problem["embedding"] == {str(v): sorted(c) for v, c in info["embedding"].chains.items()}
    stats = data["data"]["stats"]
    assert stats["chain_strength"] == info["chain_strength"]
    assert stats["max_chain_length"] == info["embedding"].max_chain_length > 1
    assert stats["num_target_variables"] == info["embedding_stats"]["qubits_used"]
    physical = info["physical"]
    cols = [physical.variables.index(q) for q in active]
    np.testing.assert_array_equal(data["answer"]["solutions"], physical.record.sample[:, cols])
    # energies as SAPI reports them: the embedded model's, without its offset
    embedded = physical.info["bqm"]
    np.testing.assert_allclose(data["answer"]["energies"], embedded.energies(physical) - embedded.offset)
    assert data["unembedded_answer"]["solutions"] == weak_chains.record.sample.tolist()
    assert data["data"]["params"]["num_reads"] == 30 and data["data"]["params"]["answer_mode"] == "raw"


def test_broken_chains_reach_the_viewer(weak_chains):
    data = inspector_data(weak_chains)
    spins = dict(zip(data["answer"]["active_variables"], np.array(data["answer"]["solutions"]).T))
    broken = [len({tuple(spins[q]) for q in chain}) > 1 for chain in data["data"]["data"]["embedding"].values()]
    assert any(broken)                                   # dwave-inspector's own reconstruction never shows one
    assert weak_chains.info["embedding_stats"]["chain_break_fraction"] > 0


def test_without_the_viewer_app_show_says_how_to_install_it(weak_chains, monkeypatch):
    monkeypatch.setattr(inspector, "viewer_installed", lambda: False)
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    monkeypatch.delenv("DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL", raising=False)
    with pytest.raises(InspectorViewerMissing, match="run `dwave install inspector`") as exc:
        show_inspector(weak_chains)
    assert "DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL" in str(exc.value)
    assert not app_server.is_alive()
    with pytest.raises(ValueError, match="'block' should be one of 'never', 'once', 'forever': value = 'always'"):
        show_inspector(weak_chains, block="always")


def test_this_machine_has_no_viewer_app():
    assert inspector.viewer_installed() is False            # closed source: `dwave install inspector` only


def test_with_the_viewer_show_pushes_the_data_and_opens_it(weak_chains, monkeypatch):
    opened = []
    monkeypatch.setattr(inspector, "viewer_installed", lambda: True)
    monkeypatch.setattr("dwave.inspector.open_problem", lambda pid, block: opened.append((pid, block)) or f"url:{pid}")
    url = show_inspector(weak_chains)
    pid = weak_chains.info["problem_id"]
    assert url == f"url:{pid}" and opened == [(pid, "never")]
    assert storage.problem_store[pid]["answer"] == inspector_data(weak_chains)["answer"]


def test_the_sample_set_alone_carries_what_the_inspector_needs(weak_chains):
    assert not hasattr(qpu_module, "last_sampleset")       # no module-level state shared across threads
    other = ql.get_sampler("mock-qpu", topology="zephyr").sample(dimod.BQM({"a": 1.0}, {}, 0, "SPIN"), num_reads=2)
    assert inspector_data(weak_chains)["details"]["id"] == weak_chains.info["problem_id"]     # not the latest one
    assert inspector_data(other)["details"]["id"] == other.info["problem_id"] != weak_chains.info["problem_id"]
    with pytest.raises(TypeError):
        inspector_data()


def test_other_sample_sets_are_refused():
    ss = ql.get_sampler("exact").sample(dimod.BQM({"a": 1.0}, {}, 0, "SPIN"))
    with pytest.raises(ValueError, match="'sampleset' should be a sample set from the 'mock-qpu' or 'qpu' sampler"):
        inspector_data(ss)


def test_binder_proxy_setting_rewrites_the_viewer_url(monkeypatch):
    base = "https://hub.mybinder.org/user/alice-qnn_lab-xyz/"
    monkeypatch.setenv("DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL", base)
    assert rewrite_url("http://127.0.0.1:18000/?problemId=p") == base + "proxy/18000/?problemId=p"


def test_qpu_sampler_problems_open_too():
    from dwave.samplers import SimulatedAnnealingSampler
    from dwave.system.testing import MockDWaveSampler
    qpu = MockDWaveSampler(topology_type="zephyr", topology_shape=[3, 4],
                           substitute_sampler=SimulatedAnnealingSampler())
    bqm = dimod.generators.ran_r(1, 8, seed=0)
    ss = qpu_module.QpuSampler(qpu).sample(bqm, num_reads=3)
    data = inspector_data(ss)
    assert data["details"]["solver"].startswith("MockDWaveSampler-zephyr")
    assert len(data["answer"]["solutions"]) == 3 and data["unembedded_answer"]["num_variables"] == 8


@pytest.mark.parametrize("href, prefix, expected", [
    ("https://hub.example.org/user/ab-x/lab/tree/notebooks/lab.ipynb", "/user/ab-x/",
     "https://hub.example.org/user/ab-x/"),
    ("https://hub.example.org/user/ab-x/voila/render/notebooks/lab.ipynb?dataset=xor", "/user/ab-x",
     "https://hub.example.org/user/ab-x/"),
    ("http://127.0.0.1:8888/lab/tree/lab.ipynb", "", None),                     # not on a hub
    ("https://elsewhere.org/other/page", "/user/ab-x/", None),                  # not this server's page
    ("", "/user/ab-x/", None),
])
def test_the_proxy_address_comes_from_the_page_the_lab_is_shown_on(href, prefix, expected):
    from qnn_lab.samplers.inspector import proxy_url_from_page
    assert proxy_url_from_page(href, prefix) == expected


def test_the_lab_sets_the_proxy_address_from_its_page_on_a_hub_unless_it_is_set(monkeypatch):
    pytest.importorskip("ipywidgets")
    from qnn_lab.widgets import Lab
    setting = "DWAVE_INSPECTOR_JUPYTER_SERVER_PROXY_EXTERNAL_URL"
    monkeypatch.delenv(setting, raising=False)
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ab-x/")
    lab = Lab(dataset="xor", hidden=[2])
    lab.browser.href = "https://hub.2i2c.example.org/user/ab-x/lab/tree/notebooks/lab.ipynb"
    assert os.environ[setting] == "https://hub.2i2c.example.org/user/ab-x/"
    assert rewrite_url("http://127.0.0.1:18001/?problemId=p") == \
        "https://hub.2i2c.example.org/user/ab-x/proxy/18001/?problemId=p"
    monkeypatch.setenv(setting, "https://mine.example.org/x/")                  # set by hand (or binder/start): kept
    lab.browser.href = "https://hub.2i2c.example.org/user/ab-x/voila/render/notebooks/lab.ipynb"
    assert os.environ[setting] == "https://mine.example.org/x/"
