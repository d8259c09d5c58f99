"""The lab's widgets (ipywidgets 8 + plotly): the only package that imports them."""
from . import _fast_start  # noqa: F401  (first: see its docstring)
from .builder import NetworkBuilder
from .embedding_view import EmbeddingView
from .histogram import EnergyHistogram
from .lab import Lab
from .qubo_view import QuboView
from .sampler_panel import SamplerPanel
from .state import LabState
from .training_view import TrainingView

__all__ = ["EmbeddingView", "EnergyHistogram", "Lab", "LabState", "NetworkBuilder", "QuboView", "SamplerPanel",
           "TrainingView"]
