"""Spin networks: neurons are Ising spins, weights are couplings; deterministic inference and export."""
from .network import Network, spin_sign

__all__ = ["Network", "spin_sign"]
