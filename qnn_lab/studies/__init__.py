"""Studies: many trainings at once (scaling fits, layer-wise deep networks) and the QPU time model."""
from .qpu_time import QpuTimeModel
from .scaling import ScalingFit, ScalingStudy, fit_power_law, fit_scaling, scaling_study

__all__ = ["QpuTimeModel", "ScalingFit", "ScalingStudy", "fit_power_law", "fit_scaling", "scaling_study"]
