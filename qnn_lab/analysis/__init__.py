"""Analysis of training: landscape metrics (glass -> order), scaling fits, the QPU time model."""
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
from .qpu_time import QpuTimeModel
from .scaling import ScalingFit, ScalingStudy, fit_power_law, fit_scaling, scaling_study

__all__ = ["GAP_EDGES", "OVERLAP_EDGES", "LandscapeMetrics", "QpuTimeModel", "ScalingFit", "ScalingStudy",
           "distinct_counts", "energy_gaps", "fit_power_law", "fit_scaling", "landscape_metrics", "lowest_share",
           "overlap_distribution", "overlaps", "scaling_study"]
