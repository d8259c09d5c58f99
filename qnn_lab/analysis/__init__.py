"""Analysis of training: landscape metrics (glass -> order)."""
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

__all__ = ["GAP_EDGES", "OVERLAP_EDGES", "LandscapeMetrics", "distinct_counts", "energy_gaps", "landscape_metrics",
           "lowest_share", "overlap_distribution", "overlaps"]
