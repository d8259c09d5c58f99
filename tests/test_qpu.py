import json
import logging
import subprocess
import sys
import time

import dimod
import numpy as np
import pytest
from dimod.testing import assert_sampler_api, assert_sampleset_energies

pytest.importorskip("dwave.system")
import dwave.system
from dwave.embedding import is_valid_embedding
from dwave.samplers import SimulatedAnnealingSampler
from dwave.system.testing import MockDWaveSampler

import qnn_lab as ql
from qnn_lab.samplers import qpu as qpu_module
from qnn_lab.samplers import registry
from qnn_lab.samplers.embedding import qpu_graph
from qnn_lab.samplers.qpu import MockQpuSampler, QpuSampler, QpuUnavailableError, mock_dwave_sampler
from qnn_lab.samplers.schedules import AnnealSchedule

SECRET = "DEV-0123456789abcdef-not-a-real-token"
FAST = {"num_sweeps": 100}


@pytest.fixture(scope="module")
def one_sample():
    """A 3-6-2 network on one input: 10 spins, dense enough for the clique embedding."""
    net = ql.Network([3, 6, 2], output_replicas=2, random_state=0)
    return ql.encode_neurons(net, np.array([[0.4, -1.0, 0.7]]))


def test_mock_qpu_is_registered_and_passes_dimod_conformance(one_sample):
    assert "mock-qpu" in ql.list_samplers()
    sampler = ql.get_sampler("mock-qpu", **FAST)
    assert_sampler_api(sampler)
    assert_sampler_api(MockQpuSampler())
    ss = sampler.sample(one_sample.bqm, num_reads=8, seed=3)
    assert_sampleset_energies(ss, one_sample.bqm)
    assert len(ss) == 8 and set(ss.variables) == set(one_sample.bqm.variables)
    assert {"embedding", "chain_strength", "physical", "embedding_stats", "problem_id", "timing"} <= set(ss.info)


@pytest.mark.parametrize("spec", [registry.sampler_spec("mock-qpu"), registry.QPU_SPEC], ids=lambda s: s.name)
def test_qpu_samplers_have_a_schema_a_ui_can_use(spec):
    assert spec.doc
    for p in spec.parameters:
        assert p.doc and p.validate(p.default) == p.default


@pytest.mark.parametrize("topology, qubits", [("pegasus", 5640), ("zephyr", 4800)])
def test_mock_qpu_samples_the_embedded_model_on_the_full_qpu_graph(one_sample, topology, qubits):
    mock, _ = mock_dwave_sampler(topology)
    assert len(mock.nodelist) == qubits and mock.nodelist == sorted(qpu_graph(topology).nodes)
    ss = ql.get_sampler("mock-qpu", topology=topology, embedding_method="clique", **FAST).sample(
        one_sample.bqm, num_reads=5, seed=1)
    emb, physical = ss.info["embedding"], ss.info["physical"]
    assert emb.topology == topology
    assert is_valid_embedding(emb.chains, dimod.to_networkx_graph(one_sample.bqm), qpu_graph(topology))
    assert set(physical.variables) == {q for c in emb.chains.values() for q in c}
    assert len(physical) == 5 and np.all(physical.record.num_occurrences == 1)
    # the physical energies are those of the embedded model; the logical ones of the model
    assert_sampleset_energies(physical, physical.info["bqm"])
    stats = ss.info["embedding_stats"]
    assert stats["qubits_used"] == emb.qubits_used and stats["max_chain_length"] == emb.max_chain_length > 1
    assert stats["chain_break_fraction"] == pytest.approx(emb.broken(physical).mean())
    assert stats["chain_break_fraction"] == pytest.approx(ss.record.chain_break_fraction.mean())


def test_weak_chains_break_and_strong_ones_hold(one_sample):
    def breaks(prefactor):
        sampler = ql.get_sampler("mock-qpu", topology="zephyr", embedding_method="clique",
                                 chain_strength_prefactor=prefactor, **FAST)
        ss = sampler.sample(one_sample.bqm, num_reads=40, seed=7)
        return ss.info["embedding_stats"]["chain_break_fraction"], ss.info["chain_strength"]

    (weak, weak_strength), (strong, strong_strength) = breaks(0.05), breaks(3.0)
    assert strong_strength == pytest.approx(60 * weak_strength)
    assert weak > 0.1 and strong < weak / 4


def test_chain_strength_is_uniform_torque_compensation_by_default(one_sample):
    from dwave.embedding.chain_strength import uniform_torque_compensation
    ss = ql.get_sampler("mock-qpu", topology="zephyr", **FAST).sample(one_sample.bqm, num_reads=2, seed=0)
    expected = uniform_torque_compensation(one_sample.bqm, ss.info["embedding"].chains)
    assert ss.info["chain_strength"] == pytest.approx(expected)


def test_anneal_schedule_maps_to_annealer_betas_and_is_checked_against_the_qpu(one_sample):
    sampler = ql.get_sampler("mock-qpu", topology="zephyr", num_sweeps=1000)
    pause = AnnealSchedule.preset("pause")
    ss = sampler.sample(one_sample.bqm, num_reads=20, seed=2, anneal_schedule=pause)
    exact = ql.get_sampler("exact").sample(one_sample.bqm).first.energy
    assert ss.first.energy == pytest.approx(exact)
    physical_info = ss.info["physical"].info
    assert physical_info["params"]["anneal_schedule"] == pause.to_list()
    assert physical_info["beta_schedule_type"] == "custom"                  # what the annealer ran
    with pytest.raises(ValueError, match="'anneal_schedule' should last at most 2000 us"):
        sampler.sample(one_sample.bqm, anneal_schedule=[(0, 0), (3000, 1)])
    many = [(0, 0), *((t, t / 13) for t in range(1, 13)), (13, 1)]
    with pytest.raises(ValueError, match="at most 12 points"):
        sampler.sample(one_sample.bqm, anneal_schedule=many)
    with pytest.raises(ValueError, match="a reverse 'anneal_schedule' needs an initial state"):
        sampler.sample(one_sample.bqm, anneal_schedule=AnnealSchedule.preset("reverse"))


def test_mock_qpu_reverse_anneals_start_from_the_initial_state():
    """A ferromagnetic ring of 24 spins has two ground states, all up and all down. A shallow reverse
    anneal (to s = 0.9) keeps every read in the state it starts from; a forward anneal takes no start."""
    ring = dimod.BQM({}, {(k, (k + 1) % 24): -1.0 for k in range(24)}, 0, "SPIN")
    sampler = ql.get_sampler("mock-qpu", topology="zephyr", num_sweeps=200)
    shallow = AnnealSchedule.preset("reverse", s_reverse=0.9)
    for spin in (1, -1):
        ss = sampler.sample(ring, num_reads=5, seed=1, anneal_schedule=shallow,
                            initial_state={v: spin for v in ring.variables})
        assert np.all(ss.record.sample == spin)
        physical = ss.info["physical"].info["params"]
        assert physical["reinitialize_state"] and set(physical["initial_state"].values()) == {spin}
        assert len(physical["initial_state"]) == sum(map(len, ss.info["embedding"].chains.values()))
    with pytest.raises(ValueError, match="a reverse 'anneal_schedule' needs an initial state"):
        sampler.sample(ring, anneal_schedule=shallow)
    with pytest.raises(ValueError, match="'initial_state' is only for a reverse 'anneal_schedule'"):
        sampler.sample(ring, initial_state={v: 1 for v in ring.variables})
    with pytest.raises(ValueError, match="'initial_state' should give a value for every variable"):
        sampler.sample(ring, anneal_schedule=shallow, initial_state={0: 1})


def test_schedules_anneal_at_the_qpu_temperature_of_the_auto_scaled_model():
    props = {"h_range": [-4.0, 4.0], "j_range": [-1.0, 1.0]}
    beta_12mk = 6.62607015e-34 * 6.1e9 / (2 * 1.380649e-23 * 0.012)              # h B(1) / (2 k_B T), B(1) = 6.1 GHz
    j_bound = dimod.BQM({"a": 1.0}, {("a", "b"): -2.0}, 0, "SPIN")                 # |J| = 2 -> scaled by 1/2
    h_bound = dimod.BQM({"a": 12.0}, {("a", "b"): -2.0}, 0, "SPIN")                # |h| = 12 -> scaled by 1/3
    assert qpu_module.qpu_beta_max(j_bound, props) == pytest.approx(beta_12mk / 2)
    assert qpu_module.qpu_beta_max(h_bound, props) == pytest.approx(beta_12mk / 3)
    assert qpu_module.qpu_beta_max(j_bound, props, temperature=24.0) == pytest.approx(beta_12mk / 4)
    assert qpu_module.qpu_beta_max(j_bound.binary, props) == pytest.approx(beta_12mk / 2)   # scales the spin form


@pytest.mark.parametrize("options, error, words", [
    ({"num_reads": 0}, ValueError, "'num_reads' should be an integer in [1, 10000]: value = 0"),
    ({"topology": "chimera"}, ValueError, "'topology' should be one of 'pegasus', 'zephyr'"),
    ({"chain_strength_prefactor": -1.0}, ValueError, "'chain_strength_prefactor'"),
    ({"embedding_method": "fast"}, ValueError, "'embedding_method' should be one of 'auto', 'clique', 'heuristic'"),
])
def test_bad_mock_qpu_options_are_refused(options, error, words):
    with pytest.raises(error) as exc:
        ql.get_sampler("mock-qpu", **options)
    assert words in str(exc.value)


def test_unknown_mock_qpu_options_warn(one_sample):
    with pytest.warns(dimod.exceptions.SamplerUnknownArgWarning, match="annealing_time"):
        MockQpuSampler().sample(one_sample.bqm, num_reads=1, annealing_time=5, **FAST)


def test_mock_qpu_trains_xor_end_to_end():
    ds = ql.load_dataset("xor", n_samples=200, noise=0.0, random_state=0)
    net = ql.Network([2, 4, 2], output_replicas=2, random_state=0)
    t0 = time.perf_counter()
    # the class rule it was measured with: the margin rule (default) ends at 0.78 on this 4-spin hidden layer
    tr = ql.ContrastiveTrainer(net, sampler="mock-qpu", sampler_params={"num_sweeps": 200}, learning_rate=0.03,
                               head_rule="class", margin=-1.0,
                               batch_size=16, epochs=8, random_state=0).fit(ds.X_train, ds.y_train)
    assert tr.score(ds.X_test, ds.y_test) >= 0.85
    assert time.perf_counter() - t0 < 40


# ---- the "qpu" sampler, with MockDWaveSampler standing where DWaveSampler is constructed ----

class RecordingQpu(MockDWaveSampler):
    """A mock QPU that records the keyword arguments of every sample call."""

    def __init__(self, **kwargs):
        super().__init__(topology_type="zephyr", topology_shape=[4, 4], substitute_sampler=SimulatedAnnealingSampler(),
                         substitute_kwargs={"num_sweeps": 100})
        self.config = kwargs
        self.calls = []

    def sample(self, bqm, **kwargs):
        self.calls.append(kwargs)
        return super().sample(bqm, num_reads=kwargs["num_reads"])     # the mock would hand QPU-only kwargs to SA


@pytest.fixture
def qpu_registered(monkeypatch):
    """Credentials in the environment, "qpu" registered, DWaveSampler replaced by RecordingQpu."""
    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    monkeypatch.setitem(registry.SAMPLERS._entries, "qpu", registry.QPU_SPEC)
    monkeypatch.setattr(dwave.system, "DWaveSampler", RecordingQpu)


def test_qpu_sampler_embeds_validates_and_passes_the_schedule(qpu_registered, one_sample):
    sampler = ql.get_sampler("qpu", num_reads=6)
    assert isinstance(sampler.child, QpuSampler) and isinstance(sampler.child.child, RecordingQpu)
    assert_sampler_api(sampler)
    schedule = [(0, 0), (10, 0.4), (20, 0.4), (30, 1)]
    ss = sampler.sample(one_sample.bqm, anneal_schedule=schedule)
    call = sampler.child.child.calls[-1]
    assert call["anneal_schedule"] == [[0.0, 0.0], [10.0, 0.4], [20.0, 0.4], [30.0, 1.0]]
    assert call["num_reads"] == 6 and call["answer_mode"] == "raw"
    assert_sampleset_energies(ss, one_sample.bqm)
    assert ss.info["embedding"].topology == "zephyr" and "chain_break_fraction" in ss.info["embedding_stats"]
    with pytest.raises(ValueError, match="slope"):
        sampler.sample(one_sample.bqm, anneal_schedule=[(0, 0), (0.1, 1)])
    assert len(sampler.child.child.calls) == 1                       # a bad schedule never reaches the QPU
    start = {v: 1 for v in one_sample.bqm.variables}
    sampler.sample(one_sample.bqm, anneal_schedule=AnnealSchedule.preset("reverse"), initial_state=start)
    call = sampler.child.child.calls[-1]
    assert call["reinitialize_state"] is True and call["anneal_schedule"][0] == [0.0, 1.0]
    assert set(call["initial_state"].values()) == {1}               # every qubit of every chain


def test_no_token_in_qpu_sampler_repr_properties_errors_or_logs(qpu_registered, one_sample, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    sampler = ql.get_sampler("qpu")
    texts = [repr(sampler), repr(sampler.child), json.dumps(sampler.properties, default=str),
             json.dumps(ql.sampler_spec("qpu").defaults(), default=str)]
    for bad in ({"num_reads": 0}, {"anneal_schedule": [(0, 0), (5000, 1)]}):
        with pytest.raises(ValueError) as exc:
            sampler.sample(one_sample.bqm, **bad)
        texts.append(str(exc.value))
    ss = sampler.sample(one_sample.bqm, num_reads=2)
    texts += [repr(ss.info), caplog.text, *capsys.readouterr()]
    for text in texts:
        assert SECRET not in text
    with pytest.raises(ValueError, match="'token' should not be passed to qnn_lab"):
        QpuSampler(token=SECRET)


def test_cloud_errors_become_one_message_without_the_token(qpu_registered, monkeypatch):
    def refuse(**config):
        raise RuntimeError(f"invalid token {SECRET} for https://cloud.dwavesys.com")
    monkeypatch.setattr(dwave.system, "DWaveSampler", refuse)
    with pytest.raises(QpuUnavailableError) as exc:
        ql.get_sampler("qpu")
    assert SECRET not in str(exc.value) and "***" in str(exc.value) and "DWAVE_API_TOKEN" in str(exc.value)


def test_qpu_refuses_chimera_qpus():
    with pytest.raises(QpuUnavailableError, match="Pegasus or Zephyr QPU"):
        QpuSampler(MockDWaveSampler(topology_type="chimera"))


def test_qpu_is_listed_only_with_credentials(monkeypatch, tmp_path):
    for var in ("DWAVE_API_TOKEN", "DWAVE_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(registry.SAMPLERS._entries, "qpu", raising=False)
    assert qpu_module.qpu_credentials() is None
    assert "qpu" not in ql.list_samplers()
    with pytest.raises(ql.UnknownNameError, match="'qpu' needs D-Wave credentials: set DWAVE_API_TOKEN"):
        ql.get_sampler("qpu")
    with pytest.raises(QpuUnavailableError, match="no D-Wave credentials found"):
        QpuSampler()
    (tmp_path / "dwave.conf").write_text("[defaults]\n")
    assert qpu_module.qpu_credentials() == str(tmp_path / "dwave.conf")
    monkeypatch.setenv("DWAVE_API_TOKEN", SECRET)
    assert qpu_module.qpu_credentials() == "DWAVE_API_TOKEN"


def test_import_works_without_the_qpu_extra_and_use_says_how_to_install_it():
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "minorminer" or name.startswith(
                ("dwave.system", "dwave.embedding", "dwave.graphs", "dwave.inspector")):
            raise ImportError(f"blocked {name}")
sys.meta_path.insert(0, Block())
import dimod, qnn_lab as ql
assert "mock-qpu" in ql.list_samplers()
bqm = dimod.BQM({}, {("a", "b"): -1.0}, 0, "SPIN")
for use in (lambda: ql.get_sampler("mock-qpu").sample(bqm), lambda: ql.embed(bqm, "zephyr", 2)):
    try:
        use()
    except ImportError as exc:
        print(exc)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 and all("pip install 'qnn_lab[qpu]'" in line for line in lines)
