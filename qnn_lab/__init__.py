"""qnn_lab: train classical neural networks with annealers, and watch it happen."""
from .analysis import scaling_study
from .datasets import DATASETS, Dataset, load_dataset
from .embedding import Embedding, embed, qpu_graph
from .encoding import NeuronEncoding, WeightEncoding, WindowEncoding, encode_neurons, encode_weights, encode_window
from .exceptions import ModelTooLargeError, QnnLabError, UnknownNameError
from .inspector import show_inspector
from .network import Network
from .samplers import get_sampler, list_samplers, sample_in_chunks, sampler_spec
from .training import BackpropTrainer, ContrastiveTrainer, LayerwiseTrainer, QuboTrainer

__version__ = "0.1.0"

__all__ = [
           "DATASETS",
           "BackpropTrainer",
           "ContrastiveTrainer",
           "Dataset",
           "Embedding",
           "LayerwiseTrainer",
           "ModelTooLargeError",
           "Network",
           "NeuronEncoding",
           "QnnLabError",
           "QuboTrainer",
           "UnknownNameError",
           "WeightEncoding",
           "WindowEncoding",
           "embed",
           "encode_neurons",
           "encode_weights",
           "encode_window",
           "get_sampler",
           "list_samplers",
           "load_dataset",
           "qpu_graph",
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
