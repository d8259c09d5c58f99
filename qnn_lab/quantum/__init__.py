"""The coherent view: exact small-system annealing dynamics and Grover minimum finding."""
from .annealing import (
    AnnealResult,
    GapResult,
    anneal_state,
    ground_state_probability,
    hamiltonian,
    ising_energies,
    minimum_gap,
    spectrum,
    stretch_schedule,
)
from .grover import (
    ScalingResult,
    SearchResult,
    classical_minimum_search,
    durr_hoyer_minimum,
    fit_query_exponent,
    grover_state,
    grover_success_probability,
    query_scaling,
    random_ising_energies,
)

__all__ = [
    "AnnealResult",
    "GapResult",
    "ScalingResult",
    "SearchResult",
    "anneal_state",
    "classical_minimum_search",
    "durr_hoyer_minimum",
    "fit_query_exponent",
    "ground_state_probability",
    "grover_state",
    "grover_success_probability",
    "hamiltonian",
    "ising_energies",
    "minimum_gap",
    "query_scaling",
    "random_ising_energies",
    "spectrum",
    "stretch_schedule",
]
