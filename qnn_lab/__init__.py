"""qnn_lab: train classical neural networks with annealers, and watch it happen."""
from .data import DATASETS, Dataset, DatasetSpec, list_datasets, load_dataset, register_dataset
from .encoding import NeuronEncoding, WeightEncoding, WindowEncoding, encode_neurons, encode_weights, encode_window
from .exceptions import ModelTooLargeError, QnnLabError, UnknownNameError
from .network import Network
from .parameters import Parameter
from .samplers import (
    SamplerSpec,
    get_sampler,
    list_samplers,
    register_sampler,
    sample_in_chunks,
    sampler_spec,
)
from .samplers.embedding import Embedding, embed, qpu_graph
from .samplers.inspector import show_inspector
from .samplers.schedules import AnnealSchedule, EnergyScales
from .studies import scaling_study
from .training import (
    BackpropTrainer,
    ContrastiveTrainer,
    LayerwiseTrainer,
    QuboTrainer,
    TrainerSpec,
    list_trainers,
    make_trainer,
    register_trainer,
)

__version__ = "0.1.0"

__all__ = [
           "DATASETS",
           "AnnealSchedule",
           "BackpropTrainer",
           "ContrastiveTrainer",
           "Dataset",
           "DatasetSpec",
           "Embedding",
           "EnergyScales",
           "LayerwiseTrainer",
           "ModelTooLargeError",
           "Network",
           "NeuronEncoding",
           "Parameter",
           "QnnLabError",
           "QuboTrainer",
           "SamplerSpec",
           "TrainerSpec",
           "UnknownNameError",
           "WeightEncoding",
           "WindowEncoding",
           "embed",
           "encode_neurons",
           "encode_weights",
           "encode_window",
           "get_sampler",
           "list_datasets",
           "list_samplers",
           "list_trainers",
           "load_dataset",
           "make_trainer",
           "qpu_graph",
           "register_dataset",
           "register_sampler",
           "register_trainer",
           "sample_in_chunks",
           "sampler_spec",
           "scaling_study",
           "show_inspector",
]


def __getattr__(name):
    """``ql.Lab`` loads the widgets on first use, so ``import qnn_lab`` needs no ipywidgets."""
    if name == "Lab":
        try:
            from .widgets import Lab
        except ImportError as exc:
            raise ImportError(f"qnn_lab.Lab needs the lab extra: pip install 'qnn_lab[lab]' ({exc})") from None
        return Lab
    raise AttributeError(f"module 'qnn_lab' has no attribute {name!r}")
