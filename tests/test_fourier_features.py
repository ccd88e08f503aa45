"""Random Fourier features and the MLP discriminator's `fourier_scale`: values by hand, a fixed seeded matrix, bad options."""
import math

import pytest
import torch

from ganforge.errors import ConfigError
from ganforge.nets import DISCRIMINATORS
from ganforge.nets.fourier_features import FourierFeatures


def test_features_are_sine_and_cosine_of_two_pi_x_b_by_hand():
    features = FourierFeatures(inputs=2, features=2, scale=1.0)
    features.frequencies.copy_(torch.tensor([[0.25, 1.0], [0.0, 0.5]]))
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # phases 2π·xB: (π/2, 2π), (0, π), (π/2, 3π)
    expected = torch.tensor([[1.0, 0.0, 0.0, 1.0],
                             [0.0, 0.0, 1.0, -1.0],
                             [1.0, 0.0, 0.0, -1.0]])
    assert torch.allclose(features(x), expected, atol=1e-6)


def test_the_matrix_comes_from_its_seed_with_the_scale_as_standard_deviation():
    first, again, other = FourierFeatures(2, 5000, 8.0, seed=3), FourierFeatures(2, 5000, 8.0, seed=3), FourierFeatures(2, 5000, 8.0, seed=4)
    assert torch.equal(first.frequencies, again.frequencies)
    assert not torch.equal(first.frequencies, other.frequencies)
    # 10,000 N(0, 8²) draws: the sample std's own sd is 8/√20,000 ≈ 0.06
    assert abs(float(first.frequencies.std()) - 8.0) < 0.3
    assert "frequencies" in first.state_dict() and not list(first.parameters())  # saved, never trained


def test_an_mlp_discriminator_with_fourier_scale_reads_the_features_not_the_points():
    D = DISCRIMINATORS.build({"name": "mlp", "width": 4, "depth": 1, "fourier_scale": 8.0, "fourier_features": 16},
                             data_shape=(2,), num_classes=0)
    assert D.hidden[0].in_features == 32  # sin and cos of 16 features
    x = torch.tensor([[0.1, -0.2], [0.5, 0.3], [-0.7, 0.9]])
    phases = 2 * math.pi * x @ D.fourier.frequencies  # the net's own B, applied by hand
    by_hand = D.head(D.hidden(torch.cat([phases.sin(), phases.cos()], dim=1))).squeeze(1)
    assert torch.allclose(D(x), by_hand, atol=1e-6)
    plain = DISCRIMINATORS.build({"name": "mlp", "width": 4, "depth": 1}, data_shape=(2,), num_classes=0)
    assert plain.hidden[0].in_features == 2  # off by default: the points themselves


@pytest.mark.parametrize("option, value, field", [("fourier_scale", -1.0, "discriminator.fourier_scale"),
                                                   ("fourier_features", 0, "discriminator.fourier_features")])
def test_bad_fourier_options_name_their_field(option, value, field):
    with pytest.raises(ConfigError, match=f"^{field}: expected"):
        DISCRIMINATORS.build({"name": "mlp", "fourier_scale": 1.0, option: value}, data_shape=(2,), num_classes=0)


def test_a_period_of_the_features_is_one_over_the_frequency():
    features = FourierFeatures(1, 1, 1.0)
    features.frequencies.fill_(4.0)
    x = torch.tensor([[0.1]])
    assert torch.allclose(features(x), features(x + 0.25), atol=1e-5)  # one period: 1/4
    assert not torch.allclose(features(x), features(x + 0.125), atol=1e-2)  # half a period flips the signs
    assert math.isclose(float(features(x)[0, 0]), math.sin(2 * math.pi * 0.4), abs_tol=1e-6)
