"""One state object per lab: the user's choices as traitlets, and what follows from them."""
from __future__ import annotations

import traitlets as tl

from ..data import DATASETS, load_dataset
from ..encoding import encode_neurons, encode_weights
from ..network import Network
from ..samplers import get_sampler, list_samplers, sampler_spec
from ..samplers.schedules import AnnealSchedule

__all__ = ["MAX_HIDDEN", "MAX_LAYERS", "LabState"]

MAX_HIDDEN = 256     # neurons per hidden layer a control allows
MAX_LAYERS = 4       # hidden layers a control allows


class LabValueError(tl.TraitError, ValueError):
    """A refused lab setting: a ValueError that traitlets also treats as a TraitError."""


class LabState(tl.HasTraits):
    """Everything a lab shows follows from these traits; views observe them.

    ``data_version`` bumps when the dataset is rebuilt, ``network_version`` when the
    network's structure or weights change; views redraw on those, nothing else.
    ``selected_label`` links the views: the variable a click picked, or None.
    """

    dataset = tl.Enum(DATASETS, default_value="circles")
    n_samples = tl.Int(400)
    noise = tl.Float(0.05)
    test_fraction = tl.Float(0.25)
    seed = tl.Int(0)
    hidden = tl.List(tl.Int(), default_value=[16])
    replicas = tl.Int(2)
    encoding = tl.Enum(("neurons", "weights"), default_value="neurons")
    bits = tl.Int(2)
    sample_index = tl.Int(0)
    sampler = tl.Enum(tuple(list_samplers()), default_value="layered")
    sampler_params = tl.Dict()
    running = tl.Bool(False)
    message = tl.Unicode("")
    selected_label = tl.Any(None, allow_none=True)    # a model variable picked in the QUBO or embedding view
    data_version = tl.Int(0)
    network_version = tl.Int(0)

    def __init__(self, **kwargs):
        self.data = None                 # observers wait until every trait is set
        super().__init__(**kwargs)
        self.rebuild_dataset()

    # ------------------------------------------------------------ validation
    @tl.validate("n_samples")
    def _check_n_samples(self, proposal):
        return self._in_range("n_samples", proposal["value"], 8, 5000)

    @tl.validate("noise")
    def _check_noise(self, proposal):
        return self._in_range("noise", proposal["value"], 0, 1, "a number")

    @tl.validate("test_fraction")
    def _check_test_fraction(self, proposal):
        return self._in_range("test_fraction", proposal["value"], 0.05, 0.9, "a number")

    @tl.validate("hidden")
    def _check_hidden(self, proposal):
        value = list(proposal["value"])
        if len(value) > MAX_LAYERS or any(not 1 <= n <= MAX_HIDDEN for n in value):
            raise LabValueError(f"'hidden' should be up to {MAX_LAYERS} layers of 1..{MAX_HIDDEN} neurons: "
                                f"value = {value!r}")
        return value

    @tl.validate("replicas")
    def _check_replicas(self, proposal):
        return self._in_range("replicas", proposal["value"], 1, 16)

    @tl.validate("bits")
    def _check_bits(self, proposal):
        return self._in_range("bits", proposal["value"], 1, 8)

    @tl.validate("seed")
    def _check_seed(self, proposal):
        return self._in_range("seed", proposal["value"], 0, 2**31 - 2)

    @tl.validate("sample_index")
    def _check_sample_index(self, proposal):
        n = len(self.data.X_train) if self.data is not None else 2**31
        return self._in_range("sample_index", proposal["value"], 0, n - 1)

    @tl.validate("sampler_params")
    def _check_sampler_params(self, proposal):
        spec = sampler_spec(self.sampler)
        try:
            return spec.resolve(dict(proposal["value"]))
        except (TypeError, ValueError) as exc:
            raise LabValueError(str(exc)) from None

    @staticmethod
    def _in_range(name, value, low, high, what="an integer"):
        if not low <= value <= high:
            raise LabValueError(f"{name!r} should be {what} in [{low}, {high}]: value = {value!r}")
        return value

    # ------------------------------------------------------------ what follows
    @tl.observe("dataset", "n_samples", "noise", "test_fraction", "seed")
    def _on_data_choice(self, change):
        if self.data is not None:
            self.rebuild_dataset()

    @tl.observe("hidden", "replicas")
    def _on_network_choice(self, change):
        if self.data is not None:
            self.rebuild_network()

    @tl.observe("sampler")
    def _on_sampler(self, change):
        self.sampler_params = {}

    def rebuild_dataset(self):
        """Load the dataset the traits describe, then a fresh network for it."""
        opts = {} if self.dataset in ("digits", "teacher") else {"n_samples": self.n_samples, "noise": self.noise}
        self.data = load_dataset(self.dataset, test_fraction=self.test_fraction, random_state=self.seed, **opts)
        self.sample_index = min(self.sample_index, len(self.data.X_train) - 1)
        self.data_version += 1
        self.rebuild_network()

    def rebuild_network(self):
        """A fresh network of the chosen shape (initial weights from the seed)."""
        layers = [self.data.n_features, *self.hidden, self.data.n_classes]
        self.network = Network(layers, output_replicas=self.replicas, random_state=self.seed)
        self.network_version += 1

    def set_network(self, network):
        """Show trained weights (from a trainer) in every view."""
        self.network = network
        self.network_version += 1

    @property
    def layers(self):
        return self.network.layers

    def current_model(self):
        """The model the QUBO view shows: the chosen sample's neuron model, or the weight QUBO."""
        if self.encoding == "neurons":
            X = self.data.X_train[self.sample_index:self.sample_index + 1]
            return encode_neurons(self.network, X)
        return encode_weights(self.network, self.data, layer=-1, bits=self.bits)

    def make_sampler(self):
        return get_sampler(self.sampler, **self.sampler_params)

    def to_dict(self):
        """The user's choices (no data, no secrets) as plain JSON."""
        names = ("dataset", "n_samples", "noise", "test_fraction", "seed", "hidden", "replicas", "encoding", "bits",
                 "sample_index", "sampler", "sampler_params")
        choices = {name: getattr(self, name) for name in names}
        choices["sampler_params"] = {k: v.to_list() if isinstance(v, AnnealSchedule) else v
                                     for k, v in self.sampler_params.items()}
        return choices
