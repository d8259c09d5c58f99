"""The named samplers of qnn_lab, each a dimod sampler with a parameter schema."""
from __future__ import annotations

from dataclasses import dataclass, field

import dimod

from ..exceptions import ModelTooLargeError, UnknownNameError
from ..parameters import Parameter, Registry, resolve_parameters
from .layered import LAYERED_PARAMETERS, LayeredAnnealer
from .qpu import MOCK_QPU_PARAMETERS, QPU_PARAMETERS, MockQpuSampler, QpuSampler, qpu_credentials
from .schedules import beta_schedule_from, check_schedule
from .sqa import SQA_PARAMETERS, SimulatedQuantumAnnealer

__all__ = ["SAMPLERS", "ConfiguredSampler", "SamplerSpec", "get_sampler", "list_samplers", "register_sampler",
           "sampler_spec"]

#: The largest model the exact solver enumerates (2**20 states).
EXACT_MAX_VARIABLES = 20

_NUM_READS = Parameter("num_reads", "int", 10, 1, 100_000, doc="Reads: independent samples of the model.")
_SEED = Parameter("seed", "seed", None, doc="Seed of the random numbers; None: fresh entropy.")
_SCHEDULE = Parameter("anneal_schedule", "schedule", None, check=check_schedule,
                      doc="QPU-style points (t_us, s); betas follow B(s(t)) (see schedules.beta_schedule_from).")


def _sa_schedule(bqm, params):
    """An anneal_schedule becomes SA's custom beta schedule, with the cold end of beta_range at s = 1."""
    schedule = params.pop("anneal_schedule", None)
    if schedule is None:
        return params
    from dwave.samplers.sa.sampler import default_beta_range

    beta_max = (params.get("beta_range") or default_beta_range(bqm))[1]
    betas = beta_schedule_from(schedule, params.get("num_sweeps", 1000), beta_max)
    params = {k: v for k, v in params.items() if k not in ("beta_range", "num_sweeps", "beta_schedule_type")}
    return {**params, "beta_schedule_type": "custom", "beta_schedule": betas}


def _dwave(name):
    def make():
        import dwave.samplers
        return getattr(dwave.samplers, name)()
    return make


@dataclass(frozen=True)
class SamplerSpec:
    """A registered sampler: its name, one-line doc, parameters and how to make it."""

    name: str
    doc: str
    parameters: tuple
    factory: object = field(repr=False)
    max_variables: int | None = None
    adapter: object = field(default=None, repr=False)     # (bqm, params) -> the child's params

    def parameter(self, name):
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def resolve(self, params, *, stacklevel=4):
        """Validate ``params``; unknown names warn and are dropped."""
        return resolve_parameters(self.name, self.parameters, params, stacklevel=stacklevel)

    def defaults(self):
        return {p.name: p.default for p in self.parameters if p.kind != "callable"}


SAMPLERS = Registry("sampler")


def register_sampler(spec):
    """Add a SamplerSpec to the registry (used by qnn_lab's own samplers and by extensions)."""
    return SAMPLERS.register(spec)


register_sampler(SamplerSpec(
    "sa", "Simulated annealing, single-spin Metropolis (dwave-samplers).",
    (_NUM_READS,
     Parameter("num_sweeps", "int", 1000, 1, 1_000_000, doc="Sweeps; one beta per sweep."),
     Parameter("beta_range", "range", None, doc="(hot, cold) inverse temperatures; None: automatic from the biases."),
     Parameter("beta_schedule_type", "choice", "geometric", choices=("geometric", "linear"),
               doc="Spacing of the betas between the ends of beta_range."),
     _SCHEDULE,
     _SEED,
     Parameter("interrupt_function", "callable", None, doc="Called between reads; True stops the run.")),
    _dwave("SimulatedAnnealingSampler"), adapter=_sa_schedule))
register_sampler(SamplerSpec(
    "tabu", "Multistart tabu search (dwave-samplers).",
    (_NUM_READS,
     Parameter("timeout", "int", 20, 1, 600_000, doc="Milliseconds of search per read."),
     _SEED),
    _dwave("TabuSampler")))
register_sampler(SamplerSpec(
    "steepest", "Steepest descent from random states to the nearest local minimum (dwave-samplers).",
    (_NUM_READS, _SEED),
    _dwave("SteepestDescentSolver")))
register_sampler(SamplerSpec(
    "exact", f"Every state, exactly (dimod); models up to {EXACT_MAX_VARIABLES} variables.",
    (), dimod.ExactSolver, max_variables=EXACT_MAX_VARIABLES))
register_sampler(SamplerSpec(
    "layered", "Anneals a network layer by layer, every spin of a layer at once (compiled kernel; torch on a GPU); "
    "models from encode_neurons.",
    LAYERED_PARAMETERS, LayeredAnnealer))
register_sampler(SamplerSpec(
    "sqa", "Simulated quantum annealing: path-integral Monte Carlo along the schedule's A(s), B(s) at a temperature.",
    SQA_PARAMETERS, SimulatedQuantumAnnealer))
register_sampler(SamplerSpec(
    "mock-qpu", "dwave-system's MockDWaveSampler (Pegasus P16 or Zephyr Z12) annealing the embedded model with SA; "
    "real chains, real chain breaks.", MOCK_QPU_PARAMETERS, MockQpuSampler))
QPU_SPEC = SamplerSpec(
    "qpu", "A D-Wave QPU (DWaveSampler), embedded by qnn_lab; listed when D-Wave credentials are found.",
    QPU_PARAMETERS, QpuSampler)
if qpu_credentials() is not None:
    register_sampler(QPU_SPEC)


def list_samplers():
    """Names of the registered samplers."""
    return SAMPLERS.names()


def sampler_spec(name):
    """The SamplerSpec (doc and parameter schema) of sampler ``name``."""
    try:
        return SAMPLERS[name]
    except UnknownNameError as exc:
        if name == "qpu":
            raise UnknownNameError(f"{exc}; 'qpu' needs D-Wave credentials: set DWAVE_API_TOKEN or run "
                                   "`dwave config create`") from None
        raise


class ConfiguredSampler(dimod.Sampler):
    """A registered sampler with checked default parameters; ``sample`` checks every call.

    The wrapped dimod sampler is ``child``; ``spec`` holds the schema.
    """

    def __init__(self, spec, child, defaults):
        self.spec = spec
        self.child = child
        self.defaults = defaults

    @property
    def name(self):
        return self.spec.name

    @property
    def parameters(self):
        return {p.name: [] for p in self.spec.parameters}

    @property
    def properties(self):
        return {"name": self.spec.name, "doc": self.spec.doc, "child_properties": dict(self.child.properties),
                "max_variables": self.spec.max_variables}

    def __repr__(self):
        opts = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return f"get_sampler({self.spec.name!r}{', ' if opts else ''}{opts})"

    def check_size(self, bqm):
        limit = self.spec.max_variables
        if limit is not None and bqm.num_variables > limit:
            raise ModelTooLargeError(
                f"sampler {self.spec.name!r} takes models with at most {limit} variables: "
                f"this one has {bqm.num_variables} (use 'sa' or 'layered' for larger models)")

    def sample(self, bqm, **params):
        """Sample ``bqm`` with the defaults given to ``get_sampler`` overridden by ``params``."""
        params = {**self.defaults, **self.spec.resolve(params)}
        self.check_size(bqm)
        if self.spec.adapter is not None:
            params = self.spec.adapter(bqm, params)
        return self.child.sample(bqm, **params)


def get_sampler(name, **options):
    """A dimod sampler by name, with ``options`` as its default parameters (checked now).

    Args:
        name: one of ``list_samplers()``.
        **options: parameters of that sampler (see ``sampler_spec(name).parameters``);
            unknown ones warn and are ignored.

    Examples:
        >>> s = get_sampler("sa", num_reads=5, num_sweeps=100, seed=1)
        >>> int(s.sample_ising({"a": 1.0}, {}).first.sample["a"])
        -1
    """
    spec = sampler_spec(name)
    return ConfiguredSampler(spec, spec.factory(), spec.resolve(options))
