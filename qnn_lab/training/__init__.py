"""Trainers with scikit-learn's shape: contrastive annealing, weight-QUBO, backprop."""
from .backprop import BackpropTrainer
from .base import Trainer
from .contrastive import ContrastiveTrainer, find_heads
from .qubo import QuboTrainer

__all__ = ["BackpropTrainer", "ContrastiveTrainer", "QuboTrainer", "Trainer", "find_heads"]
