"""Analysis of training: landscape metrics."""
from .landscape import energy_gaps

__all__ = ["energy_gaps"]
