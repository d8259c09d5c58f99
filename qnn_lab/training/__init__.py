"""Trainers with scikit-learn's shape: contrastive annealing (whole or layer-wise), weight-QUBO, backprop."""
from .backprop import BackpropTrainer
from .base import Trainer
from .contrastive import ContrastiveTrainer, find_heads
from .layerwise import LayerwiseTrainer
from .qubo import QuboTrainer

__all__ = ["BackpropTrainer", "ContrastiveTrainer", "LayerwiseTrainer", "QuboTrainer", "Trainer", "find_heads"]
