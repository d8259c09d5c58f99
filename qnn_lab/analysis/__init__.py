"""Analysis of training: landscape metrics."""
from .landscape import energy_gaps
from .qpu_time import QpuTimeModel
from .scaling import ScalingFit, ScalingStudy, fit_power_law, fit_scaling, scaling_study

__all__ = ["QpuTimeModel", "ScalingFit", "ScalingStudy", "energy_gaps", "fit_power_law", "fit_scaling",
           "scaling_study"]
