import numpy as np
import pytest

import qnn_lab as ql


@pytest.fixture
def small_net():
    """A 3-4-2 network with 2 replicas: 10 spins per sample, small enough to enumerate."""
    return ql.Network([3, 4, 2], output_replicas=2, random_state=1)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


class DeltaTrainer(ql.training.Trainer):
    """A trainer from outside qnn_lab: the delta rule on the output layer, the hidden layers' clamped states fixed."""

    def __init__(self, network, *, learning_rate=0.1, batch_size=8, epochs=2, random_state=None, callback=None):
        self.network = network
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.random_state = random_state
        self.callback = callback

    def _step(self, X, y):
        net = self.network_
        h = net.clamped_state(X, y)[-2] if len(net.weights) > 1 else X
        out = np.tanh(h @ net.weights[-1].T + net.biases[-1])
        error = net.target_codes(y) - out
        net.weights[-1] = net.weights[-1] + self.learning_rate * error.T @ h / len(X)
        net.biases[-1] = net.biases[-1] + self.learning_rate * error.mean(0)
        return {"loss": float(np.mean(error ** 2))}


def _stripes(rng, n_samples, width):
    """Three vertical stripes of [-1, 1]^2, the middle one ``width`` wide."""
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    return X, np.digitize(X[:, 0], [-width / 2, width / 2]).astype(np.int64), 3


@pytest.fixture
def new_entries():
    """A dataset, a sampler and a trainer registered from outside qnn_lab (removed afterwards): their names.

    What reads the registries (the CLI, the studies, the lab) should offer them with no other edit.
    """
    import dimod

    from qnn_lab.data import DatasetSpec, register_dataset
    from qnn_lab.data.datasets import DATASETS
    from qnn_lab.parameters import Parameter
    from qnn_lab.samplers import SamplerSpec, register_sampler
    from qnn_lab.samplers.registry import SAMPLERS
    from qnn_lab.training import TRAINERS, TrainerSpec, register_trainer

    register_dataset(DatasetSpec(
        "stripes", "Three vertical stripes.",
        (Parameter("n_samples", "int", 60, 6, doc="Points."),
         Parameter("width", "float", 0.6, 0.0, 2.0, low_open=True, doc="Width of the middle stripe.")), _stripes))
    register_sampler(SamplerSpec(
        "random-test", "Uniformly random states (dimod's RandomSampler).",
        (Parameter("num_reads", "int", 10, 1, 1000, doc="Reads."),), dimod.RandomSampler))
    register_trainer(TrainerSpec(
        "delta", "Delta rule on the output layer.",
        (Parameter("epochs", "int", 2, 0, 1000, doc="Passes."),
         Parameter("batch_size", "int", 8, 1, 1000, doc="Batch."),
         Parameter("learning_rate", "float", 0.1, 0.0, 10.0, low_open=True, doc="Step.")),
        DeltaTrainer, calls_sampler=False))
    yield {"dataset": "stripes", "sampler": "random-test", "trainer": "delta"}
    DATASETS.unregister("stripes")
    SAMPLERS.unregister("random-test")
    TRAINERS.unregister("delta")


def _png_indices(url):
    """The palette entries of a PNG data URL made by ``png_url`` (8-bit palette, filter 1 on every row)."""
    import base64
    import struct
    import zlib

    png = base64.b64decode(url.split(",", 1)[1])
    pos, width, height, data = 8, 0, 0, b""
    while pos < len(png):
        size, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + size]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            data += body
        pos += 12 + size
    rows = np.frombuffer(zlib.decompress(data), np.uint8).reshape(height, width + 1)
    assert (rows[:, 0] == 1).all()                                 # filter 1 (Sub): each byte adds to its left
    return np.cumsum(rows[:, 1:], axis=1, dtype=np.uint8)


@pytest.fixture
def png_indices():
    """Decode a lab figure's PNG picture back to its palette entries."""
    return _png_indices
