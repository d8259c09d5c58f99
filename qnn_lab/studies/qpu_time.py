"""A model of the time a D-Wave QPU would spend on a training run.

Per sampler call the QPU is programmed once; every read is then one anneal, one readout
and one delay before the next anneal:

    qpu_seconds = sampler_calls * programming + reads * (anneal + readout + delay)

A read anneals the whole minibatch model at once (its samples are disjoint parts of one
BQM), so it is reads, not reads x samples, that cost QPU time. The default constants are
typical values of an Advantage-class QPU from D-Wave's documentation ("Operation and
Timing": qpu_programming_time ~15-20 ms, qpu_readout_time_per_sample ~100-200 us,
default annealing_time 20 us, qpu_delay_time_per_sample ~20 us); change them to match a
particular solver's reported timing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..exceptions import check_float

__all__ = ["QpuTimeModel"]


@dataclass(frozen=True)
class QpuTimeModel:
    """Modelled QPU access time of sampler calls and reads (all times in microseconds).

    Examples:
        >>> model = QpuTimeModel()
        >>> round(model.seconds(sampler_calls=10, reads=40), 6)
        0.1576
        >>> QpuTimeModel(programming_us=-1)
        Traceback (most recent call last):
        ...
        ValueError: 'programming_us' should be a finite number >= 0: value = -1.0
    """

    programming_us: float = 15_000.0
    anneal_us: float = 20.0
    readout_us: float = 150.0
    delay_us: float = 20.0

    def __post_init__(self):
        for name, value in asdict(self).items():
            object.__setattr__(self, name, check_float(name, value, low=0))

    @property
    def per_read_us(self):
        """One anneal, its readout and the delay before the next one."""
        return self.anneal_us + self.readout_us + self.delay_us

    def seconds(self, sampler_calls, reads):
        """QPU seconds of ``sampler_calls`` programmings and ``reads`` reads (numbers or arrays)."""
        return (sampler_calls * self.programming_us + reads * self.per_read_us) * 1e-6

    def to_dict(self):
        """The constants, for a JSON record of a study."""
        return asdict(self)
