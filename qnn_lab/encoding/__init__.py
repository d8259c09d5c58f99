"""Encoding: training problems as dimod models (neurons as spins, weights as qubits) and their labels."""
from .labels import variable_name
from .layered_model import LayeredModel
from .neurons import NeuronEncoding, NeuronStates, WindowEncoding, encode_neurons, encode_window, window_model
from .weights import WeightEncoding, encode_weights, layer_problem

__all__ = ["LayeredModel", "NeuronEncoding", "NeuronStates", "WeightEncoding", "WindowEncoding", "encode_neurons",
           "encode_weights", "encode_window", "layer_problem", "variable_name", "window_model"]
