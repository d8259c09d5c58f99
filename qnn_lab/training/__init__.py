"""Training: the phases (free, clamped, heads, polish), the landscape a trainer records, and the trainers."""
from .backprop import BackpropTrainer
from .base import Trainer
from .contrastive import ContrastiveTrainer
from .landscape import (
    GAP_EDGES,
    OVERLAP_EDGES,
    LandscapeMetrics,
    distinct_counts,
    energy_gaps,
    landscape_metrics,
    lowest_share,
    overlap_distribution,
    overlaps,
)
from .layerwise import LayerwiseTrainer
from .phases import find_heads, free_phase, polish
from .qubo import QuboTrainer
from .registry import TRAINERS, TrainerSpec, list_trainers, make_trainer, register_trainer, trainer_spec

__all__ = [
    "GAP_EDGES",
    "OVERLAP_EDGES",
    "TRAINERS",
    "BackpropTrainer",
    "ContrastiveTrainer",
    "LandscapeMetrics",
    "LayerwiseTrainer",
    "QuboTrainer",
    "Trainer",
    "TrainerSpec",
    "distinct_counts",
    "energy_gaps",
    "find_heads",
    "free_phase",
    "landscape_metrics",
    "list_trainers",
    "lowest_share",
    "make_trainer",
    "overlap_distribution",
    "overlaps",
    "polish",
    "register_trainer",
    "trainer_spec",
]
