"""Samplers: a registry of dimod samplers with parameter schemas, and streaming."""
from .layered import LayeredAnnealer, beta_schedule, default_beta_range
from .qpu import MockQpuSampler, QpuSampler, qpu_credentials
from .registry import ConfiguredSampler, SamplerSpec, get_sampler, list_samplers, register_sampler, sampler_spec
from .sqa import SimulatedQuantumAnnealer, beta_from_temperature, path_integral_fields
from .streaming import sample_in_chunks

__all__ = [
           "ConfiguredSampler",
           "LayeredAnnealer",
           "MockQpuSampler",
           "QpuSampler",
           "SamplerSpec",
           "SimulatedQuantumAnnealer",
           "beta_from_temperature",
           "beta_schedule",
           "default_beta_range",
           "get_sampler",
           "list_samplers",
           "path_integral_fields",
           "qpu_credentials",
           "register_sampler",
           "sample_in_chunks",
           "sampler_spec",
]
