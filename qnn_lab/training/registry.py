"""The named trainers of qnn_lab, declared like samplers and datasets: a doc and Parameter specs.

The specs are what the CLI, the lab and the studies offer and check; a trainer's own
``__init__`` keeps every default (scikit-learn's contract), so a spec's default is only
what a UI shows first.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..parameters import Parameter, Registry
from .backprop import BackpropTrainer
from .contrastive import ContrastiveTrainer
from .layerwise import LayerwiseTrainer
from .qubo import QuboTrainer

__all__ = ["TRAINERS", "TrainerSpec", "list_trainers", "make_trainer", "register_trainer", "trainer_spec"]


@dataclass(frozen=True)
class TrainerSpec:
    """A registered trainer: its name, one-line doc, the parameters a UI offers, and its class."""

    name: str
    doc: str
    parameters: tuple
    cls: type = field(repr=False)
    calls_sampler: bool = True

    def defaults(self):
        return {p.name: p.default for p in self.parameters}


TRAINERS = Registry("trainer")


def register_trainer(spec):
    """Add a TrainerSpec to the registry (qnn_lab's own trainers and extensions)."""
    return TRAINERS.register(spec)


def list_trainers():
    """Names of the registered trainers."""
    return TRAINERS.names()


def trainer_spec(name):
    """The TrainerSpec of trainer ``name``; UnknownNameError naming the choices otherwise."""
    return TRAINERS[name]


def make_trainer(name, network, **params):
    """An unfitted trainer by name; ``params`` are checked against its spec, then passed on."""
    spec = trainer_spec(name)
    by_name = {p.name: p for p in spec.parameters}
    checked = {k: by_name[k].validate(v) if k in by_name else v for k, v in params.items()}
    return spec.cls(network, **checked)


_EPOCHS = Parameter("epochs", "int", 20, 0, 100_000, doc="Passes over the training set.")
_BATCH = Parameter("batch_size", "int", 32, 1, 100_000, doc="Training samples per step.")
_RATE = Parameter("learning_rate", "float", 0.02, 0.0, 100.0, doc="Step size of each weight update.")
_READS = Parameter("num_reads", "int", 4, 1, 10_000, doc="Reads of the sampler per training sample and step.")
_DECAY = Parameter("lr_decay", "float", 0.3, 0.0, 100.0, doc="Learning-rate decay: eta / (1 + lr_decay * epoch).")
_HEADS = (Parameter("head_rule", "choice", "margin", choices=("margin", "class"),
                    doc="margin: a wrong state is a head only within the margin of the target; class: also "
                        "every wrong-class state."),
          Parameter("margin", "float", None, -1e6, 1e6, doc="Head margin (energy); None: 0.03 per spin."))

register_trainer(TrainerSpec(
    "contrastive", "Contrastive annealing: anneal the free network, cut the deep wrong minima ('heads').",
    (_EPOCHS, _BATCH, _RATE, _DECAY, _READS,
     Parameter("heads_per_sample", "int", 2, 1, 1000, doc="Deepest wrong states cut per sample."),
     Parameter("variant", "choice", "contrastive", choices=("contrastive", "nudged"),
               doc="Cut the heads, or nudge the outputs (equilibrium propagation)."), *_HEADS),
    ContrastiveTrainer))
register_trainer(TrainerSpec(
    "layerwise", "Contrastive annealing of a window of consecutive layers at a time (deep networks).",
    (_EPOCHS, _BATCH, _RATE, _DECAY, _READS,
     Parameter("window", "int", None, 1, 100, doc="Spin layers annealed together in one window; None: all of them."),
     *_HEADS),
    LayerwiseTrainer))
register_trainer(TrainerSpec(
    "qubo", "Weights as qubits: each layer's least-squares fit as a QUBO over K-bit weights.",
    (Parameter("epochs", "int", 3, 0, 100_000, doc="Passes over the training set."),
     Parameter("bits", "int", 3, 1, 8, doc="Bits per weight."),
     Parameter("num_reads", "int", 10, 1, 10_000, doc="Reads of the sampler per layer QUBO.")),
    QuboTrainer))
register_trainer(TrainerSpec(
    "backprop", "Backpropagation (torch, Adam) on the same layer sizes: the classical baseline.",
    (Parameter("epochs", "int", 30, 0, 100_000, doc="Passes over the training set."), _BATCH,
     Parameter("learning_rate", "float", 0.01, 0.0, 100.0, doc="Step size of the optimiser.")),
    BackpropTrainer, calls_sampler=False))
