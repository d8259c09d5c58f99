"""LabState: every setting of the lab as a validated trait, and what follows from the settings.

Panels only show and edit these traits. ``LabState.to_dict()`` / ``from_dict()`` is the whole
save format (and the names are the keys of share links); older files migrate on load.
"""
from __future__ import annotations

import contextlib
import reprlib

import numpy as np
import traitlets as tl

from ..data import dataset_spec, list_datasets, load_dataset
from ..data.datasets import FEATURES
from ..encoding import encode_neurons, encode_weights
from ..encoding.layered_model import LayeredModel
from ..encoding.weights import weight_qubo_couplings
from ..exceptions import check_choice, check_float, check_int
from ..network import Network
from ..parameters import MAX_SEED
from ..samplers import LayeredAnnealer, get_sampler, list_samplers, sampler_spec
from ..samplers.embedding import TOPOLOGIES
from ..samplers.schedules import AnnealSchedule
from ..training import list_trainers, make_trainer, trainer_spec

__all__ = ["LAB_TRAINER_DEFAULTS", "MAX_COUPLINGS", "MAX_HIDDEN", "MAX_LAYERS", "SETTINGS", "STATE_VERSION", "LabState",
           "LabValueError", "migrate", "trainer_defaults"]

MAX_HIDDEN = 256     # neurons per hidden layer a control allows
MAX_LAYERS = 4       # hidden layers a control allows
MAX_COUPLINGS = 2_000_000   # couplings of the weight QUBO the lab builds (about 0.25 GB and 0.5 s per redraw)
STATE_VERSION = 2    # 2: flat settings (this module); 1: {"choices", "training"} of the first lab
MODES = ("simple", "expert")
TABS = ("model", "sampler", "energies", "landscape", "qpu", "lessons")    # the deeper views; tab "" is none open
#: Sampler parameters the lab does not keep: reads are set per use (sample_reads, the trainer's
#: num_reads, embed_reads); callables and Python objects have no saved form.
NOT_KEPT = ("num_reads",)


class LabValueError(tl.TraitError, ValueError):
    """A refused lab setting: a ValueError that traitlets also treats as a TraitError."""


def dataset_names():
    """The registered datasets (the dropdown reads them when it is drawn)."""
    return list_datasets()


def dataset_parameters(name):
    """Names of the options dataset ``name`` takes (n_samples, noise, features, ...)."""
    return {p.name for p in dataset_spec(name).parameters}


def sized_by_the_lab(name):
    """Which of the lab's "points" and "noise" (n_samples, noise) dataset ``name`` takes: the 2-D sets'
    (digits' n_samples defaults to None: all images; teacher and csv take neither)."""
    return {p.name for p in dataset_spec(name).parameters if p.name in ("n_samples", "noise") and p.default is not None}


def kept_parameters(spec):
    """The sampler parameters a lab keeps in ``sampler_params`` (shown by the sampler panel)."""
    return [p for p in spec.parameters if p.kind not in ("callable", "object") and p.name not in NOT_KEPT]


def _refuse(exc):
    raise LabValueError(str(exc)) from None


#: Where the lab's trainer defaults differ from the library's: the contrastive trainer learns at 0.1 in the lab,
#: so heads fill the Energies tab's probe set at first and one Play (20 epochs) cuts them all.
LAB_TRAINER_DEFAULTS = {"contrastive": {"learning_rate": 0.1}}


def trainer_defaults(name):
    """The lab's default parameters of trainer ``name``: the library's, with ``LAB_TRAINER_DEFAULTS``."""
    return {p.name: p.validate(LAB_TRAINER_DEFAULTS.get(name, {}).get(p.name, p.default))
            for p in trainer_spec(name).parameters}


class LabState(tl.HasTraits):
    """Everything a lab shows follows from these traits; views observe them.

    Settings (saved, tagged ``setting=True``) are listed in ``SETTINGS`` in the order they
    are applied. ``data_version`` bumps when the dataset is rebuilt, ``network_version`` when
    the network's structure or weights change; views redraw on those.

    Examples:
        >>> s = LabState(dataset="xor", hidden=[4])
        >>> s.layers, s.trainer_params["num_reads"]
        ([2, 4, 2], 4)
    """

    # data
    own_data = tl.Unicode("").tag(setting=True)       # CSV text of one's own data (dataset "csv")
    dataset = tl.Unicode("circles").tag(setting=True)
    n_samples = tl.Int(400).tag(setting=True)
    noise = tl.Float(0.05).tag(setting=True)
    test_fraction = tl.Float(0.25).tag(setting=True)
    features = tl.List(tl.Unicode()).tag(setting=True)
    seed = tl.Int(0).tag(setting=True)
    # network
    hidden = tl.List(tl.Int(), default_value=[32]).tag(setting=True)
    replicas = tl.Int(2).tag(setting=True)
    # model
    encoding = tl.Unicode("neurons").tag(setting=True)
    bits = tl.Int(2).tag(setting=True)
    sample_index = tl.Int(0).tag(setting=True)
    # sampler
    sampler = tl.Unicode("layered").tag(setting=True)
    sampler_params = tl.Dict().tag(setting=True)
    # energies panel
    sample_reads = tl.Int(200).tag(setting=True)
    sample_chunk = tl.Int(20).tag(setting=True)
    # training
    trainer = tl.Unicode("contrastive").tag(setting=True)
    trainer_params = tl.Dict().tag(setting=True)
    # QPU panel
    topology = tl.Unicode("pegasus").tag(setting=True)
    embed_reads = tl.Int(50).tag(setting=True)
    chain_strength = tl.Float(1.414).tag(setting=True)
    embed_minibatch = tl.Int(8).tag(setting=True)
    # view
    selected_label = tl.Any(None, allow_none=True).tag(setting=True)
    selected_read = tl.Int(None, allow_none=True).tag(setting=True)
    mode = tl.Unicode("simple").tag(setting=True)
    tab = tl.Unicode("").tag(setting=True)

    # not settings: what the lab is doing and what it made
    running = tl.Bool(False)
    message = tl.Unicode("")
    data_version = tl.Int(0)
    network_version = tl.Int(0)
    last_reads = tl.Any(None, allow_none=True)       # the last sampling's SampleSet (the read stepper's)
    refused = tl.Dict()      # typed settings a control refused, {name: why}: Sample and Play wait for them

    def __init__(self, **settings):
        self.data = None                 # observers wait until every trait is set
        self._quiet = 0
        super().__init__()
        with self._batch():
            for name in SETTINGS:
                if name in settings:
                    setattr(self, name, settings.pop(name))
        if settings:
            raise LabValueError(f"LabState got unknown setting(s) {', '.join(map(repr, sorted(settings)))}; "
                                f"it takes {', '.join(SETTINGS)}")
        if not self.sampler_params:
            self.sampler_params = {}
        if not self.trainer_params:
            self.trainer_params = {}
        self.rebuild_dataset()

    @contextlib.contextmanager
    def _batch(self):
        """Set several settings without rebuilding the data or network after each one."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    # ------------------------------------------------------------ validation
    def _idle(self, name, value):
        """The data and the network stay as they are while a run uses them (a training run would put its
        network back over the new one, and Save would then write a state that does not load)."""
        if self.running:
            raise LabValueError(f"{name!r} cannot change while the network trains or the Energies tab samples: "
                                f"value = {reprlib.repr(value)}; press Pause or Stop first")

    def _weight_couplings(self, **change):
        """Couplings of the output layer's weight QUBO with ``change`` made (0 for the neuron model)."""
        s = {"hidden": self.hidden, "replicas": self.replicas, "bits": self.bits, "encoding": self.encoding, **change}
        data = self.data
        if s["encoding"] != "weights" or data is None:
            return 0
        return weight_qubo_couplings((s["hidden"] or [data.n_features])[-1], data.n_classes * s["replicas"], s["bits"])

    def _fits(self, name, value):
        """Refuse a setting that makes the weight QUBO larger than the lab builds (it would fill the memory)."""
        n = 0 if self._quiet else self._weight_couplings(**{name: value})
        if n > MAX_COUPLINGS:
            raise LabValueError(f"{name!r} would give the weight QUBO {n:,} couplings, more than the {MAX_COUPLINGS:,} "
                                f"the lab builds: value = {reprlib.repr(value)}; choose fewer bits, replicas or "
                                "neurons in the last hidden layer, or the neuron model")
        return value

    @tl.validate("dataset")
    def _check_dataset(self, proposal):
        self._idle("dataset", proposal["value"])
        try:
            name = check_choice("dataset", proposal["value"], dataset_names(), error=ValueError)
        except (TypeError, ValueError) as exc:
            _refuse(exc)
        if name == "csv" and not self.own_data:
            raise LabValueError("'dataset' 'csv' is your own data: upload a CSV file (or click points on the "
                                "decision-boundary plot) first")
        return name

    @tl.validate("own_data")
    def _check_own_data(self, proposal):
        self._idle("own_data", proposal["value"])
        from ..data.csv import read_csv

        if proposal["value"]:
            try:
                read_csv(proposal["value"].encode())
            except ValueError as exc:
                _refuse(exc)
        return proposal["value"]

    @tl.validate("features")
    def _check_features(self, proposal):
        self._idle("features", proposal["value"])
        value = list(proposal["value"])
        if value and "features" not in dataset_parameters(self.dataset):
            raise LabValueError(f"'features' should be empty for dataset {self.dataset!r} (it takes no input "
                                f"features): value = {value!r}")
        if len(set(value)) != len(value) or not set(value) <= set(FEATURES):
            raise LabValueError(f"'features' should name each feature once, from {', '.join(FEATURES)}: "
                                f"value = {value!r}")
        return value

    @tl.validate("n_samples")
    def _check_n_samples(self, proposal):
        self._idle("n_samples", proposal["value"])
        return self._int("n_samples", proposal["value"], 8, 5000)

    @tl.validate("noise")
    def _check_noise(self, proposal):
        self._idle("noise", proposal["value"])
        return self._float("noise", proposal["value"], 0, 1)

    @tl.validate("test_fraction")
    def _check_test_fraction(self, proposal):
        self._idle("test_fraction", proposal["value"])
        return self._float("test_fraction", proposal["value"], 0.05, 0.9)

    @tl.validate("seed")
    def _check_seed(self, proposal):
        self._idle("seed", proposal["value"])
        return self._int("seed", proposal["value"], 0, MAX_SEED - 1)

    @tl.validate("hidden")
    def _check_hidden(self, proposal):
        self._idle("hidden", proposal["value"])
        value = list(proposal["value"])
        if len(value) > MAX_LAYERS or any(not 1 <= n <= MAX_HIDDEN for n in value):
            raise LabValueError(f"'hidden' should be up to {MAX_LAYERS} layers of 1..{MAX_HIDDEN} neurons: "
                                f"value = {value!r}")
        return self._fits("hidden", value)

    @tl.validate("replicas")
    def _check_replicas(self, proposal):
        self._idle("replicas", proposal["value"])
        return self._fits("replicas", self._int("replicas", proposal["value"], 1, 16))

    @tl.validate("encoding")
    def _check_encoding(self, proposal):
        return self._fits("encoding", self._choice("encoding", proposal["value"], ("neurons", "weights")))

    @tl.validate("bits")
    def _check_bits(self, proposal):
        return self._fits("bits", self._int("bits", proposal["value"], 1, 8))

    @tl.validate("sample_index")
    def _check_sample_index(self, proposal):
        n = len(self.data.X_train) if self.data is not None else 2**31
        return self._int("sample_index", proposal["value"], 0, n - 1)

    @tl.validate("sampler")
    def _check_sampler(self, proposal):
        return self._choice("sampler", proposal["value"], list_samplers())

    @tl.validate("sampler_params")
    def _check_sampler_params(self, proposal):
        """All kept parameters of the sampler: the given ones checked, the others at their defaults."""
        spec = sampler_spec(self.sampler)
        kept = {p.name: p for p in kept_parameters(spec)}
        given = dict(proposal["value"])
        unknown = sorted(set(given) - set(kept))
        if unknown:
            raise LabValueError(
                f"'sampler_params' of sampler {spec.name!r} should only hold {', '.join(kept) or 'nothing'}: "
                f"got {', '.join(map(repr, unknown))}" + (
                    " (reads are set where they are used: 'sample_reads' per Sample click, the trainer's "
                    "'num_reads' per training step, 'embed_reads' on the QPU)" if "num_reads" in unknown else ""))
        try:
            return {name: p.validate(given.get(name, p.default)) for name, p in kept.items()}
        except (TypeError, ValueError) as exc:
            _refuse(exc)

    @tl.validate("sample_reads")
    def _check_sample_reads(self, proposal):
        return self._int("sample_reads", proposal["value"], 1, 100_000)

    @tl.validate("sample_chunk")
    def _check_sample_chunk(self, proposal):
        return self._int("sample_chunk", proposal["value"], 1, 10_000)

    @tl.validate("trainer")
    def _check_trainer(self, proposal):
        return self._choice("trainer", proposal["value"], list_trainers())

    @tl.validate("trainer_params")
    def _check_trainer_params(self, proposal):
        """Every parameter of the trainer's spec: the given ones checked, the others at their defaults."""
        spec = trainer_spec(self.trainer)
        params = {p.name: p for p in spec.parameters}
        given = dict(proposal["value"])
        unknown = sorted(set(given) - set(params))
        if unknown:
            raise LabValueError(f"'trainer_params' of trainer {spec.name!r} should only hold "
                                f"{', '.join(params)}: got {', '.join(map(repr, unknown))}")
        defaults = trainer_defaults(spec.name)
        try:
            return {name: p.validate(given[name]) if name in given else defaults[name] for name, p in params.items()}
        except (TypeError, ValueError) as exc:
            _refuse(exc)

    @tl.validate("topology")
    def _check_topology(self, proposal):
        return self._choice("topology", proposal["value"], TOPOLOGIES)

    @tl.validate("embed_reads")
    def _check_embed_reads(self, proposal):
        return self._int("embed_reads", proposal["value"], 1, 10_000)

    @tl.validate("chain_strength")
    def _check_chain_strength(self, proposal):
        return self._float("chain_strength", proposal["value"], 0.01, 100)

    @tl.validate("embed_minibatch")
    def _check_embed_minibatch(self, proposal):
        return self._int("embed_minibatch", proposal["value"], 1, 10_000)

    @tl.validate("selected_label")
    def _check_selected_label(self, proposal):
        value = proposal["value"]
        if value is None:
            return None
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, (int, str)) for v in value):
            raise LabValueError(f"'selected_label' should be None or a model variable such as (0, 'h', 1, 2): "
                                f"value = {value!r}")
        return tuple(value)

    @tl.validate("selected_read")
    def _check_selected_read(self, proposal):
        value = proposal["value"]
        return None if value is None else self._int("selected_read", value, 0, None)

    @tl.validate("mode")
    def _check_mode(self, proposal):
        return self._choice("mode", proposal["value"], MODES)

    @tl.validate("tab")
    def _check_tab(self, proposal):
        return self._choice("tab", proposal["value"], ("", *TABS))

    @staticmethod
    def _int(name, value, low, high):
        try:
            return check_int(name, value, low=low, high=high)
        except (TypeError, ValueError) as exc:
            _refuse(exc)

    @staticmethod
    def _float(name, value, low, high):
        try:
            return check_float(name, value, low=low, high=high)
        except (TypeError, ValueError) as exc:
            _refuse(exc)

    @staticmethod
    def _choice(name, value, choices):
        try:
            return check_choice(name, value, list(choices), error=ValueError)
        except (TypeError, ValueError) as exc:
            _refuse(exc)

    # ------------------------------------------------------------ what follows
    @tl.observe("dataset")
    def _on_dataset(self, change):
        if self.features and "features" not in dataset_parameters(self.dataset):
            self.features = []

    @tl.observe("dataset", "own_data", "n_samples", "noise", "test_fraction", "features", "seed")
    def _on_data_choice(self, change):
        if change["name"] == "own_data" and self.dataset != "csv":
            return
        if self.data is not None and not self._quiet:
            self.rebuild_dataset()

    @tl.observe("hidden", "replicas")
    def _on_network_choice(self, change):
        if self.data is not None and not self._quiet:
            self.rebuild_network()

    @tl.observe("sampler")
    def _on_sampler(self, change):
        """The new sampler's defaults; the seed and schedule carry over where it takes them."""
        kept = {p.name for p in kept_parameters(sampler_spec(change["new"]))}
        carried = {k: v for k, v in self.sampler_params.items() if k in ("seed", "anneal_schedule") and k in kept}
        try:
            self.sampler_params = carried
        except LabValueError:            # e.g. a reverse schedule the new sampler refuses
            self.sampler_params = {k: v for k, v in carried.items() if k == "seed"}

    @tl.observe("trainer")
    def _on_trainer(self, change):
        """The new trainer's defaults."""
        self.trainer_params = {}

    def rebuild_dataset(self):
        """Load the dataset the traits describe and a fresh network for it; then tell the views.

        Data and network change together before any observer runs, so no view ever sees the new
        data with the old network (a 64-input dataset on a 2-input network).
        """
        takes = dataset_parameters(self.dataset)
        opts = {name: getattr(self, name) for name in sized_by_the_lab(self.dataset)}
        if self.features and "features" in takes:         # none chosen: the dataset's own (x1, x2)
            opts["features"] = list(self.features)
        if self.dataset == "csv":
            opts["data"] = self.own_data
        self.data = load_dataset(self.dataset, test_fraction=self.test_fraction, random_state=self.seed, **opts)
        self.network = self._fresh_network()
        n = self._weight_couplings()
        if n > MAX_COUPLINGS:                  # new data (a load, more classes): the neuron model instead
            self.encoding = "neurons"
            self.message = (f"the weight QUBO of {self.dataset!r} with these settings would have {n:,} couplings, "
                            f"more than the {MAX_COUPLINGS:,} the lab builds: the Ising/QUBO tab shows the neuron "
                            "model (fewer bits, replicas or neurons bring the weights back)")
        self.last_reads = None
        self.sample_index = min(self.sample_index, len(self.data.X_train) - 1)
        self.data_version += 1
        self.network_version += 1

    def show_reads(self, reads, chosen=None):
        """Make ``reads`` the last sampling's with read ``chosen`` (an index, or None) chosen. Both change
        together, so a view that shows the chosen read redraws once, not for the reads and then the choice."""
        with self.hold_trait_notifications():
            self.last_reads = reads
            self.selected_read = chosen if reads is not None and len(reads) else None

    def rebuild_network(self):
        """A fresh network of the chosen shape (initial weights from the seed)."""
        self.network = self._fresh_network()
        self.last_reads = None
        self.network_version += 1

    def _fresh_network(self):
        layers = [self.data.n_features, *self.hidden, self.data.n_classes]
        return Network(layers, output_replicas=self.replicas, random_state=self.seed)

    def set_network(self, network):
        """Show trained weights (from a trainer) in every view."""
        self.network = network
        self.network_version += 1

    @property
    def layers(self):
        return self.network.layers

    def current_model(self):
        """The model the lab shows: the chosen sample's neuron model, or the output layer's weight QUBO."""
        if self.encoding == "neurons":
            X = self.data.X_train[self.sample_index:self.sample_index + 1]
            return encode_neurons(self.network, X)
        return encode_weights(self.network, self.data, layer=-1, bits=self.bits)

    def sampler_problems(self, model=None):
        """{sampler: why it cannot sample the shown model} for the registered samplers that cannot."""
        bqm = (self.current_model() if model is None else model).bqm
        problems = {}
        for name in list_samplers():
            spec = sampler_spec(name)
            if spec.max_variables is not None and bqm.num_variables > spec.max_variables:
                problems[name] = (f"enumerates every state: at most {spec.max_variables} variables, this model "
                                  f"has {bqm.num_variables}")
            elif isinstance(spec.factory, type) and issubclass(spec.factory, LayeredAnnealer):
                try:
                    LayeredModel.from_bqm(bqm)
                except (TypeError, ValueError):
                    problems[name] = "anneals whole layers of a neuron model; this model is not one"
        return problems

    def check_runnable(self):
        """ValueError naming the refused settings that block sampling and training."""
        if self.refused:
            name, why = next(iter(self.refused.items()))
            raise ValueError(f"waiting for a valid {name!r} in the Sampler tab ({why})")

    def make_sampler(self):
        """The chosen sampler with the kept parameters (seed, schedule, sweeps, ...) as its defaults."""
        return get_sampler(self.sampler, **self.sampler_params)

    def make_trainer(self, network=None, **extra):
        """A fresh trainer (``trainer`` with ``trainer_params``) for ``network`` (the lab's by default).

        A trainer that calls a sampler gets the lab's sampler and its parameters; its data
        shuffling and per-call seeds come from ``seed``.
        """
        spec = trainer_spec(self.trainer)
        params = {**self.trainer_params, "random_state": self.seed, **extra}
        if spec.calls_sampler:
            params.update(sampler=self.sampler, sampler_params=self.sampler_params)
        return make_trainer(self.trainer, self.network if network is None else network, **params)

    # ------------------------------------------------------------ save format
    def to_dict(self):
        """Every setting as plain JSON, with the format ``version``."""
        out = {"version": STATE_VERSION}
        for name in SETTINGS:
            value = getattr(self, name)
            if name == "sampler_params":
                value = {k: v.to_list() if isinstance(v, AnnealSchedule) else _plain(v) for k, v in value.items()}
            out[name] = _plain(value)
        return out

    @classmethod
    def from_dict(cls, d):
        """A new LabState from ``to_dict()`` output (older versions migrate); LabValueError if damaged."""
        return cls(**_settings_of(d))

    def apply(self, d):
        """Set every setting in ``d`` (a ``to_dict()``, maybe older or partial) after checking all of it.

        Nothing changes when any value is refused; the data and network are rebuilt once. A setting
        missing from ``d`` keeps this state's value, also while checking the others (a sampler's
        parameters are checked against the sampler this state keeps).
        """
        if self.running:
            raise LabValueError("the lab's settings cannot be replaced while the network trains or the Energies "
                                "tab samples: press Pause or Stop first")
        settings = _settings_of(d)
        probe = type(self)(**{**_settings_of(self.to_dict()), **settings})   # validates every value, in order
        with self._batch():
            for name in SETTINGS:
                if name in settings:
                    setattr(self, name, getattr(probe, name))
        self.rebuild_dataset()
        return self


#: The settings, in the order they are applied (each may depend on the ones before it).
SETTINGS = ("own_data", "dataset", "features", "n_samples", "noise", "test_fraction", "seed", "hidden", "replicas",
            "encoding", "bits", "sample_index", "sampler", "sampler_params", "sample_reads", "sample_chunk", "trainer",
            "trainer_params", "topology", "embed_reads", "chain_strength", "embed_minibatch", "selected_label",
            "selected_read", "mode", "tab")


def migrate(d):
    """A saved dict of any known version as the current version's settings (plus ``version``)."""
    if not isinstance(d, dict):
        raise LabValueError(f"a lab state should be a dict: got {type(d).__name__}")
    version = d.get("version")
    if not isinstance(version, int) or version > STATE_VERSION or version < 1:
        raise LabValueError(f"the state's 'version' should be an integer in [1, {STATE_VERSION}]: value = "
                            f"{version!r} (made by a newer qnn_lab?)")
    if version == 1:                      # {"choices": {...}, "training": {trainer, learning_rate, batch_size}}
        choices = dict(d.get("choices", {}))
        params = dict(choices.pop("sampler_params", {}) or {})
        reads = params.pop("num_reads", None)
        training = d.get("training", {})
        trainer = training.get("trainer", "contrastive")
        names = {p.name for p in trainer_spec(trainer).parameters} if trainer in list_trainers() else set()
        d = {"version": 2, **choices, "sampler_params": params, "trainer": trainer,
             "trainer_params": {k: training[k] for k in ("learning_rate", "batch_size") if k in training
                                and k in names},
             **({"sample_reads": reads} if reads is not None else {})}
    return d


def _settings_of(d):
    d = migrate(d)
    unknown = sorted(set(d) - set(SETTINGS) - {"version"})
    if unknown:
        raise LabValueError(f"the state has unknown setting(s) {', '.join(map(repr, unknown))}; "
                            f"a lab state holds {', '.join(SETTINGS)}")
    return {k: v for k, v in d.items() if k != "version"}


def _plain(value):
    """JSON-ready copies of settings (tuples become lists, numpy scalars Python numbers)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
