"""The reads of the last sampling, decoded per sample: what the histogram, read stepper and drawings show."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Reads"]


@dataclass(eq=False)
class Reads:
    """Reads (R) of P samples at once, in the network's spin layers, with what each means.

    A read's quality is its gap to the clamped target of its sample, per spin:
    ``gaps = (E_read - E_target) / n_spins``; below zero the network prefers the read to the
    right answer. ``order`` sorts every (read, sample) pair by that gap (for one sample: by
    energy), lowest first; the read stepper and ``LabState.selected_read`` index into it.

    Attributes:
        states: per spin layer an array (R, P, n_l) of +-1.
        X, y, indices: the samples' inputs (P, n_inputs), labels (P,) and training-set indices (P,).
        energies (R, P), clamped (P,), classes (R, P): energies, target energies, decoded classes.
        n_spins: spins per sample; chains: None, or (labels of one sample's model, broken (R, P, labels)
            bool) when the reads come from a QPU graph with chains.
        sampleset: the sampler's SampleSet (for the inspector), or None.
    """

    states: list
    X: np.ndarray
    y: np.ndarray
    indices: np.ndarray
    energies: np.ndarray
    clamped: np.ndarray
    classes: np.ndarray
    n_spins: int
    chains: tuple | None = None
    sampleset: object = None
    order: np.ndarray = field(init=False)

    def __post_init__(self):
        self.order = np.argsort(self.gaps.ravel(), kind="stable")

    @classmethod
    def decode(cls, network, X, y, indices, states, chains=None, sampleset=None):
        """Reads from spins per layer (R, P, n_l) of ``network`` on inputs X with labels y."""
        X, y = network.check_X(X), network.check_y(y, len(X))
        states = [np.asarray(s, dtype=float) for s in states]
        clamped = network.energy(X, network.clamped_state(X, y))
        return cls(states, X, y, np.asarray(indices, dtype=np.int64), network.energy(X, states), clamped,
                   network.decode_outputs(states[-1]), network.n_spins, chains, sampleset)

    def __len__(self):
        return self.energies.size

    @property
    def n_reads(self):
        return self.energies.shape[0]

    @property
    def n_samples(self):
        return self.energies.shape[1]

    @property
    def gaps(self):
        """(E_read - E_target) / n_spins, shape (R, P)."""
        return (self.energies - self.clamped[None, :]) / self.n_spins

    @property
    def right(self):
        """True where a read decodes to its sample's class, shape (R, P)."""
        return self.classes == self.y[None, :]

    def locate(self, k):
        """(read, sample) of the k-th lowest read; IndexError naming the range."""
        if not 0 <= k < len(self):
            raise IndexError(f"'selected_read' should be in [0, {len(self) - 1}]: value = {k!r}")
        return divmod(int(self.order[k]), self.n_samples)

    def spins(self, k):
        """The spins of the k-th lowest read, one (n_l,) array per spin layer."""
        r, p = self.locate(k)
        return [s[r, p] for s in self.states]

    def describe(self, k):
        """One line about the k-th lowest read: its sample, energy, gap and decoded class."""
        r, p = self.locate(k)
        verdict = "right class" if self.right[r, p] else "wrong class (a head if below 0)"
        return (f"read {k + 1} of {len(self)}: sample {self.indices[p]}, energy {self.energies[r, p]:.4g} "
                f"(target {self.clamped[p]:.4g}, gap {self.gaps[r, p]:+.3f} per spin), class "
                f"{self.classes[r, p]} of label {self.y[p]}: {verdict}")

    def broken(self, k):
        """The chain labels broken in the k-th lowest read (empty without chains)."""
        if self.chains is None:
            return []
        labels, broken = self.chains
        r, p = self.locate(k)
        return [label for label, b in zip(labels, broken[r, p]) if b]
