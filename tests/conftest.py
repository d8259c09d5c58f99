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
