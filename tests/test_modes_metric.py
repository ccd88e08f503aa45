import math

import numpy as np
import pytest
import torch

from ganforge.data import DATA
from ganforge.metrics.modes import mixture_modes


def true_samples(source, n, seed=0):
    x, _ = source.batch(0, n, seed)
    return source.to_data_units(x)


@pytest.mark.parametrize("name, modes", [("ring", 8), ("grid", 25)])
def test_perfect_sampler_captures_every_mode_with_989_percent_high_quality(name, modes):
    source = DATA.build({"name": name})
    scores = mixture_modes(true_samples(source, 2500), source.centres.numpy(), source.std)
    assert scores["modes"] == modes
    # P(|N(0, σ²I₂)| ≤ 3σ) = 1 − exp(−4.5) = 0.98889; 2,500 samples give a standard error of 0.2%
    assert scores["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert scores["reverse_kl"] < 0.02


def test_collapse_onto_one_mode_has_kl_log_k():
    source = DATA.build({"name": "ring"})
    points = np.repeat(source.centres.numpy()[:1], 2500, axis=0)
    scores = mixture_modes(points, source.centres.numpy(), source.std)
    assert scores == {"modes": 1, "high_quality": 1.0, "reverse_kl": pytest.approx(math.log(8))}


def test_a_mode_needs_twenty_high_quality_samples():
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    points = np.array([[0.0, 0.0]] * 100 + [[10.0, 0.0]] * 19)
    assert mixture_modes(points, centres, std=0.1)["modes"] == 1
    points = np.vstack([points, [[10.0, 0.0]]])
    assert mixture_modes(points, centres, std=0.1)["modes"] == 2


def test_metric_on_a_generator_uses_data_units():
    from ganforge.metrics import METRICS

    source = DATA.build({"name": "grid"})

    class Perfect(torch.nn.Module):  # emits the true mixture in [-1, 1] units, as a trained G would
        def __init__(self):
            super().__init__()
            self.anchor = torch.nn.Parameter(torch.zeros(1))

        def sample_latent(self, n, device="cpu", generator=None):
            return torch.arange(n).float()[:, None]

        def forward(self, z, y=None):
            return source.batch(0, len(z), 5)[0]

    from ganforge.metrics.context import EvalContext

    context = EvalContext(Perfect(), source, source, {"name": "grid"})
    scores = METRICS.build({"name": "modes"}, context=context)
    assert scores["modes"] == 25 and scores["high_quality"] > 0.97
