"""Shared fixtures: tiny, fast configs (CPU only, no network)."""
import contextlib

import pytest

from ganforge.config import validate
from ganforge.plugins import PLUGINS


def tiny_ring_raw(**train):
    """An MLP GAN on the ring small enough for a step to take a millisecond or two."""
    return {
        "name": "tiny",
        "data": {"name": "ring"},
        "generator": {"name": "mlp", "width": 16, "depth": 2},
        "discriminator": {"name": "mlp", "width": 16, "depth": 2},
        "z_dim": 4,
        "train": {"steps": 20, "batch_size": 32, "sample_every": 10, "checkpoint_every": 10,
                  "log_every": 5, "seed": 3, **train},
    }


def tiny_digits_raw(**train):
    """A narrow DCGAN on the 8×8 digits (batch norm, conv layers, labels present)."""
    return {
        "name": "tiny-digits",
        "data": {"name": "digits"},
        "generator": {"name": "dcgan", "width": 8},
        "discriminator": {"name": "dcgan", "width": 8},
        "z_dim": 8,
        "train": {"steps": 6, "batch_size": 16, "sample_every": 3, "checkpoint_every": 3, "log_every": 3,
                  "seed": 1, **train},
    }


@pytest.fixture
def tiny_ring():
    return validate(tiny_ring_raw())


@contextlib.contextmanager
def temporary_plugin(name: str, plugin_class):
    """`plugin_class` registered as `name` only inside the block, so the registry-wide contract tests never see it."""
    PLUGINS.register(name)(plugin_class)
    try:
        yield name
    finally:
        PLUGINS._entries.pop(name)
        PLUGINS._schemas.pop(name, None)
