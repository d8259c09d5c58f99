"""QPU samplers: "mock-qpu" (MockDWaveSampler running simulated annealing) and "qpu" (a D-Wave QPU).

Both minor-embed the logical model on the QPU graph (``qnn_lab.samplers.embedding.embed``), join
each chain with a ferromagnetic coupling (uniform torque compensation times a prefactor,
as dwave-system's EmbeddingComposite does), sample the physical model and unembed by
majority vote. The physical sample set is kept, so chain breaks are the real ones:
the returned (logical) SampleSet's ``info`` holds "embedding", "chain_strength",
"physical" (its info holds "bqm", the embedded model, and the QPU "params"), "embedding_stats",
"embedding_context" (for dwave-inspector), "bqm" (the logical model), "qpu" (the
structured sampler that ran it) and "problem_id"/"timing" (the mock's timing is
dwave-system's fixed demonstration numbers).

"mock-qpu" anneals with dwave-samplers' automatic beta range by default. An
``anneal_schedule`` is checked against the mock's QPU properties and becomes one beta per
sweep, beta(t) = beta_QPU B(s(t)) / B(1) (``schedules.beta_schedule_from``), with beta_QPU
the QPU's own inverse temperature at s = 1 (``qpu_beta_max``: the model auto-scaled into
h_range / j_range at 12 mK), so schedules act as on hardware rather than as a frozen
quench at the annealer's very cold default end.

"qpu" passes the schedule to the QPU as ``anneal_schedule``. It reads the API token
from dwave-cloud's configuration (``DWAVE_API_TOKEN`` or ``dwave config create``); qnn_lab
never takes, stores, prints or logs it.
"""
from __future__ import annotations

import os
import threading

import dimod
import numpy as np

from ..exceptions import QnnLabError
from ..parameters import Parameter, resolve_parameters
from .embedding import DEFAULT_SHAPES, TOPOLOGIES, embed, qpu_graph
from .schedules import check_initial_state, check_schedule, start_state

__all__ = ["MOCK_QPU_PARAMETERS", "QPU_PARAMETERS", "MockQpuSampler", "QpuSampler", "QpuUnavailableError",
           "mock_dwave_sampler", "qpu_beta_max", "qpu_credentials"]

CHAIN_BREAK_METHOD = "majority_vote"
#: Effective temperature of an Advantage-class QPU in millikelvin (D-Wave reports 12 to 16 mK).
QPU_TEMPERATURE_MK = 12.0
_EMBEDDING_METHODS = {"auto": "auto", "clique": True, "heuristic": False}

_COMMON = (
    Parameter("num_reads", "int", 10, 1, 10_000, doc="Reads (anneals) of the embedded model."),
    Parameter("chain_strength_prefactor", "float", 1.414, 0, 100,
              doc="Chain coupling = this x the RMS coupling per qubit (uniform torque compensation); "
                  "small values let chains break."),
    Parameter("embedding_method", "choice", "auto", choices=tuple(_EMBEDDING_METHODS),
              doc="clique: minorminer busclique; heuristic: find_embedding; auto: clique for dense models."),
    Parameter("embedding_seed", "seed", 0, doc="Seed of the heuristic embedding (embeddings are cached per seed)."),
    Parameter("anneal_schedule", "schedule", None, reverse_ok=True, check=check_schedule,
              doc="QPU anneal schedule points (t_us, s), checked against the "
                  "QPU's annealing_time_range and max_anneal_schedule_points."),
    Parameter("initial_state", "object", None, check=check_initial_state,
              doc="Start state {variable: value} of a reverse anneal (needed by one, refused otherwise); "
                  "every qubit of a variable's chain starts at its value."),
)
MOCK_QPU_PARAMETERS = (
    _COMMON[0],
    Parameter("topology", "choice", "pegasus", choices=TOPOLOGIES,
              doc="pegasus: Advantage-like P16 (5640 qubits); zephyr: Advantage2-like Z12 (4800 qubits)."),
    Parameter("num_sweeps", "int", 1000, 1, 1_000_000, doc="Sweeps of the simulated annealer standing in for the QPU."),
    *_COMMON[1:],
    Parameter("seed", "seed", None, doc="Seed of the simulated annealer; None: fresh entropy."),
)
QPU_PARAMETERS = _COMMON


class QpuUnavailableError(QnnLabError, RuntimeError):
    """The D-Wave QPU cannot be reached (no extra, no credentials, or the cloud refused)."""


def qpu_credentials():
    """Where dwave-cloud would find credentials: "DWAVE_API_TOKEN", a config file path, or None.

    Only looks whether they exist; never reads the token.
    """
    if os.environ.get("DWAVE_API_TOKEN"):
        return "DWAVE_API_TOKEN"
    path = os.environ.get("DWAVE_CONFIG_FILE")
    if path and os.path.isfile(path):
        return path
    try:
        import homebase
    except ImportError:
        return None
    dirs = [homebase.user_config_dir("dwave", "dwavesystem"),
            *homebase.site_config_dir_list("dwave", "dwavesystem"), os.getcwd()]
    return next((p for p in (os.path.join(d, "dwave.conf") for d in dirs) if os.path.isfile(p)), None)


class _EmbeddedSampler(dimod.Sampler):
    """Embed, sample the physical model on a structured QPU sampler, unembed by majority vote."""

    name = ""
    _parameters = ()

    @property
    def parameters(self):
        return {p.name: [] for p in self._parameters}

    def sample(self, bqm, **params):
        """Sample ``bqm`` through its embedding; see the module docstring for what ``info`` holds."""
        try:
            from dwave.embedding import embed_bqm, majority_vote, unembed_sampleset
            from dwave.embedding.chain_strength import uniform_torque_compensation
        except ImportError as exc:
            raise ImportError(f"{self.name!r} needs the qpu extra: pip install 'qnn_lab[qpu]' ({exc})") from None
        params = {**{p.name: p.default for p in self._parameters if p.kind != "callable"},
                  **resolve_parameters(self.name, self._parameters, params)}
        start = start_state(bqm, params["anneal_schedule"], params["initial_state"])
        qpu, target, topology = self._qpu(params)
        emb = embed(bqm, topology, target=target, clique=_EMBEDDING_METHODS[params["embedding_method"]],
                    random_state=params["embedding_seed"])
        chain_strength = float(uniform_torque_compensation(bqm, emb.chains, params["chain_strength_prefactor"]))
        embedded = embed_bqm(bqm, emb.chains, target, chain_strength=chain_strength, smear_vartype=dimod.SPIN)
        initial = None if start is None else {q: int(value) for v, value in zip(bqm.variables, start)
                                               for q in emb.chains[v]}
        physical = self._sample_physical(qpu, embedded, params, initial)
        schedule = params["anneal_schedule"]
        physical.info.update(bqm=embedded, params={"num_reads": params["num_reads"], "answer_mode": "raw", **(
            {} if schedule is None else {"anneal_schedule": schedule.to_list()}), **(
            {} if initial is None else {"initial_state": initial, "reinitialize_state": True})})
        logical = unembed_sampleset(physical, emb.chains, bqm, chain_break_method=majority_vote,
                                    chain_break_fraction=True)
        logical.info.update(
            embedding=emb, chain_strength=chain_strength, physical=physical, bqm=bqm, qpu=qpu,
            embedding_stats=emb.stats(physical),
            embedding_context={"embedding": emb.chains, "chain_strength": chain_strength,
                               "chain_break_method": CHAIN_BREAK_METHOD},
            **{k: physical.info[k] for k in ("problem_id", "timing") if k in physical.info})
        return logical

    def _check_schedule(self, qpu, schedule):
        """The schedule as a list of points, checked by qnn_lab and by dwave-system against ``qpu``."""
        from dwave.system.samplers.dwave_sampler import DWaveSampler

        schedule.validate(qpu.properties)
        points = schedule.to_list()
        DWaveSampler.validate_anneal_schedule(qpu, points)     # unbound: the mock lacks the method
        return points


def _raw(sampleset):
    """One row per read (the mock answers in histogram mode)."""
    rec = sampleset.record
    return dimod.SampleSet.from_samples((np.repeat(rec.sample, rec.num_occurrences, axis=0), sampleset.variables),
                                        sampleset.vartype, np.repeat(rec.energy, rec.num_occurrences),
                                        info=dict(sampleset.info))


_MOCKS = {}
_MOCKS_LOCK = threading.Lock()


def mock_dwave_sampler(topology="pegasus", shape=None):
    """A fully yielded MockDWaveSampler on ``qpu_graph(topology, shape)`` substituting simulated annealing (cached).

    Returns (mock, lock): hold the lock while setting ``mock.substitute_kwargs`` and sampling.
    """
    graph = qpu_graph(topology, shape)
    key = (topology, graph.graph["rows"])
    with _MOCKS_LOCK:
        if key not in _MOCKS:
            try:
                from dwave.samplers import SimulatedAnnealingSampler
                from dwave.system.testing import MockDWaveSampler
            except ImportError as exc:
                raise ImportError(f"'mock-qpu' needs the qpu extra: pip install 'qnn_lab[qpu]' ({exc})") from None
            shape_arg = [key[1]] if topology == "pegasus" else [key[1], 4]
            mock = MockDWaveSampler(topology_type=topology, topology_shape=shape_arg,
                                    substitute_sampler=SimulatedAnnealingSampler())
            _MOCKS[key] = (mock, threading.Lock())
        return _MOCKS[key]


def qpu_beta_max(embedded, properties, temperature=QPU_TEMPERATURE_MK):
    """Inverse temperature at s = 1 for ``embedded`` as a QPU anneals it, in the model's own units.

    The QPU scales the spin form of the model into its h_range / j_range (auto_scale); the
    Ising term then weighs B(1)/2 (D-Wave's convention, B from ``schedules.EnergyScales``) at
    ``temperature`` millikelvin: beta = h B(1) / (2 k_B T) per unit of scaled bias, about 12 at 12 mK.
    """
    from .schedules import EnergyScales
    from .sqa import auto_scale, beta_from_temperature
    h, (_, _, J), _ = embedded.spin.to_numpy_vectors()
    scale = auto_scale(h, J, max(map(abs, properties["h_range"])), max(map(abs, properties["j_range"])))
    return float(beta_from_temperature(temperature) * EnergyScales().B(1.0) / 2 / scale)


class MockQpuSampler(_EmbeddedSampler):
    """dwave-system's MockDWaveSampler on a full Advantage (Pegasus P16) or Advantage2 (Zephyr Z12) graph.

    Simulated annealing (dwave-samplers) stands in for the quantum anneal of the physical,
    embedded model, so chains really break when the chain strength is too weak.

    Examples:
        >>> import dimod
        >>> bqm = dimod.BQM({}, {("a", "b"): -1.0, ("b", "c"): -1.0, ("a", "c"): -1.0}, 0, "SPIN")
        >>> ss = MockQpuSampler().sample(bqm, topology="zephyr", num_reads=4, seed=1)
        >>> float(ss.first.energy), ss.info["embedding"].num_logical
        (-3.0, 3)
    """

    name = "mock-qpu"
    _parameters = MOCK_QPU_PARAMETERS

    @property
    def properties(self):
        from .schedules import ADVANTAGE_PROPERTIES
        return {"category": "qpu (mock)", "topologies": {t: DEFAULT_SHAPES[t] for t in TOPOLOGIES},
                "chain_break_method": CHAIN_BREAK_METHOD, **ADVANTAGE_PROPERTIES}

    def __repr__(self):
        return "MockQpuSampler()"

    def _qpu(self, params):
        mock, _ = mock_dwave_sampler(params["topology"])
        return mock, qpu_graph(params["topology"]), params["topology"]

    def _sample_physical(self, mock, embedded, params, initial=None):
        from .schedules import beta_schedule_from
        sa = {"num_sweeps": params["num_sweeps"], "seed": params["seed"]}
        if params["anneal_schedule"] is not None:
            self._check_schedule(mock, params["anneal_schedule"])
            betas = beta_schedule_from(params["anneal_schedule"], params["num_sweeps"],
                                       qpu_beta_max(embedded, mock.properties))
            sa = {"seed": params["seed"], "beta_schedule_type": "custom", "beta_schedule": betas}
        if initial is not None:          # a reverse anneal: every read starts in the given state (the QPU's
            sa.update(initial_states=([[initial[q] for q in embedded.variables]], list(embedded.variables)),
                      initial_states_generator="tile")           # reinitialize_state=True)
        _, lock = mock_dwave_sampler(params["topology"])
        with lock:
            mock.substitute_kwargs = sa
            try:
                return _raw(mock.sample(embedded, num_reads=params["num_reads"]))
            finally:
                mock.substitute_kwargs = {}


class QpuSampler(_EmbeddedSampler):
    """A D-Wave QPU (dwave-system's DWaveSampler) with qnn_lab's embedding and chain statistics.

    Args:
        child: a structured sampler standing for the QPU (tests pass a MockDWaveSampler);
            None: ``DWaveSampler(**config)`` from dwave-cloud's configuration.
        **config: passed to ``DWaveSampler`` (e.g. ``solver``, ``profile``); never a token
            (keep it in ``DWAVE_API_TOKEN`` or the dwave config file).
    """

    name = "qpu"
    _parameters = QPU_PARAMETERS

    def __init__(self, child=None, **config):
        if "token" in config:
            raise ValueError("'token' should not be passed to qnn_lab: set DWAVE_API_TOKEN or run "
                             "`dwave config create`")
        self.child = _connect(**config) if child is None else child
        topology = self.child.properties.get("topology", {})
        if topology.get("type") not in TOPOLOGIES:
            raise QpuUnavailableError(f"'qpu' takes a Pegasus or Zephyr QPU: this one is {topology!r}")
        self.topology = topology["type"]
        self.target = self.child.to_networkx_graph()

    @property
    def properties(self):
        props = self.child.properties
        keep = ("chip_id", "topology", "num_qubits", "annealing_time_range", "max_anneal_schedule_points",
                "h_range", "j_range", "num_reads_range", "default_annealing_time")
        return {**{k: props[k] for k in keep if k in props}, "chain_break_method": CHAIN_BREAK_METHOD}

    def __repr__(self):
        return f"QpuSampler(chip_id={self.child.properties.get('chip_id')!r})"

    def _qpu(self, params):
        return self.child, self.target, self.topology

    def _sample_physical(self, qpu, embedded, params, initial=None):
        extra = {}
        if params["anneal_schedule"] is not None:
            extra["anneal_schedule"] = self._check_schedule(qpu, params["anneal_schedule"])
        if initial is not None:
            extra.update(initial_state=initial, reinitialize_state=True)
        lo, hi = qpu.properties.get("num_reads_range", (1, 10_000))
        if not lo <= params["num_reads"] <= hi:
            raise ValueError(f"'num_reads' should be an integer in [{lo}, {hi}] on this QPU: "
                             f"value = {params['num_reads']}")
        ss = qpu.sample(embedded, num_reads=params["num_reads"], answer_mode="raw", label="qnn_lab", **extra)
        ss.resolve()
        return _raw(ss)


def _connect(**config):
    """DWaveSampler(**config); an error names what to do and never contains the token."""
    if qpu_credentials() is None and "profile" not in config and "config_file" not in config:
        raise QpuUnavailableError("no D-Wave credentials found: set DWAVE_API_TOKEN or run `dwave config create` "
                                  "(then 'qpu' appears in list_samplers())")
    try:
        from dwave.system import DWaveSampler
    except ImportError as exc:
        raise QpuUnavailableError(f"'qpu' needs the qpu extra: pip install 'qnn_lab[qpu]' ({exc})") from None
    try:
        return DWaveSampler(**config)
    except Exception as exc:                          # any cloud failure becomes one clear, token-free message
        message = str(exc)
        for token in _tokens(config):
            message = message.replace(token, "***")
        raise QpuUnavailableError(f"could not open a D-Wave QPU ({type(exc).__name__}: {message}); check the token "
                                  "(DWAVE_API_TOKEN or `dwave config create`) and the network") from None


def _tokens(config):
    """The API tokens the cloud client may have used (environment, config file), to mask them in messages."""
    tokens = {os.environ.get("DWAVE_API_TOKEN")}
    try:
        from dwave.cloud.config import load_config
        tokens.add(load_config(**config).get("token"))
    except Exception:                                 # no readable config: nothing more to mask
        pass
    return [t for t in tokens if t]
