"""Stacked data (3 base images as RGB channels, 1,000 modes) and the stacked mode-coverage metric."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ganforge.data import DATA
from ganforge.errors import ConfigError
from ganforge.metrics.extractors import build_extractor
from ganforge.metrics.stacked_modes import stacked_mode_histogram, stacked_modes, stacked_modes_metric


@pytest.fixture(scope="module")
def stacked():
    return DATA.build({"name": "stacked", "base": "digits"})


def test_shape_modes_and_options(stacked):
    assert stacked.shape == (3, 8, 8) and stacked.num_classes == 1000 and stacked.is_image
    assert len(stacked) == 60000 and stacked.base == "digits"
    assert DATA.build({"name": "stacked", "size": 100, "image_size": 16}).shape == (3, 16, 16)
    with pytest.raises(ConfigError, match="data.size"):
        DATA.build({"name": "stacked", "size": 0})


def test_batches_are_a_pure_function_of_index_and_seed(stacked):
    again = DATA.build({"name": "stacked", "base": "digits"})
    x, y = stacked.batch(7, 64, seed=3)
    x_again, y_again = again.batch(7, 64, seed=3)
    assert torch.equal(x, x_again) and torch.equal(y, y_again)
    assert x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1
    assert not torch.equal(stacked.batch(7, 64, seed=4)[0], x)
    assert not torch.equal(DATA.build({"name": "stacked", "seed": 1}).batch(7, 64, seed=3)[0], x)


def test_labels_are_the_channels_base_labels(stacked):
    """Find each channel's image among the 1,797 base digits by its pixels; its label is that digit's label."""
    base = stacked.base_source
    x, y = stacked.batch(0, 40, seed=0)
    pixels = stacked.to_data_units(x)  # uint8 [40, 3, 8, 8]
    flat_base = base.samples.reshape(len(base), -1).numpy()
    for row, label in zip(pixels, y.tolist()):
        channel_labels = []
        for channel in row:
            matches = np.flatnonzero((flat_base == channel.reshape(-1)).all(axis=1))
            assert len(matches) >= 1 and len(set(base.labels[matches].tolist())) == 1
            channel_labels.append(int(base.labels[matches[0]]))
        assert label == 100 * channel_labels[0] + 10 * channel_labels[1] + channel_labels[2]


def test_to_data_units_returns_the_stored_pixels(stacked):
    rows = torch.arange(5)
    stored = stacked.samples[rows]
    assert stored.shape == (5, 3, 8, 8) and stored.dtype == torch.uint8
    assert np.array_equal(stacked.to_data_units(stacked._to_unit_range(stored)), stored.numpy())


# the metric ------------------------------------------------------------------------------------------------------
def test_kl_of_known_histograms():
    collapsed = stacked_modes(np.full(26000, 417))
    assert collapsed["modes"] == 1 and collapsed["kl"] == pytest.approx(math.log(1000))
    half = stacked_modes(np.repeat(np.arange(0, 1000, 2), 52))
    assert half["modes"] == 500 and half["kl"] == pytest.approx(math.log(2))
    # p = (1/2, 1/4, 1/4): H = 1.5 log 2, so KL = log 1000 - 1.5 log 2
    skewed = stacked_modes(np.array([3, 3, 9, 999]))
    assert skewed["modes"] == 3 and skewed["kl"] == pytest.approx(math.log(1000) - 1.5 * math.log(2))
    assert stacked_modes(np.arange(1000))["kl"] == pytest.approx(0.0, abs=1e-12)


def test_kl_splits_into_channel_marginals_and_their_dependence():
    rng = np.random.default_rng(0)
    # channels drawn independently, channel 0 from (1/2, 1/2, 0, ...): no dependence, so the KL is all per-channel
    skewed = stacked_modes(100 * rng.integers(0, 2, 200000) + rng.integers(0, 100, 200000))
    assert skewed["kl_channels"] == pytest.approx(math.log(5), abs=2e-3)  # KL((1/2, 1/2, 0, ...) ‖ U10) = log 5
    assert skewed["kl"] == pytest.approx(skewed["kl_channels"], abs=2e-3)
    # the 10 modes 111·d: every channel uniform, so the per-channel part is 0 and the KL (log 100) is all dependence
    diagonal = stacked_modes(np.repeat(111 * np.arange(10), 30))
    assert diagonal["kl_channels"] == pytest.approx(0.0, abs=1e-12)
    assert diagonal["kl"] == pytest.approx(math.log(100))


def test_mode_ids_classify_each_channel(stacked):
    classifier = build_extractor("digits_classifier", stacked)
    x, y = stacked.batch(0, 200, seed=0)
    ids = stacked_mode_histogram(x, classifier)
    assert ids.shape == (200,) and ids.dtype == np.int64
    per_channel = [classifier.probabilities(x[:, c:c + 1]).argmax(1) for c in range(3)]
    assert np.array_equal(ids, (100 * per_channel[0] + 10 * per_channel[1] + per_channel[2]).numpy())
    # the classifier is 99.75% accurate per channel on held-out digits, so ~99% of stacked labels are right; ask for 95%
    assert (ids == y.numpy()).mean() >= 0.95


def test_real_stacked_digits_cover_almost_every_mode(stacked):
    """The ceiling a generator is compared against: 26,000 real stacked digits, scored like generated ones.

    With 26 samples a mode on average, a mode is missed with probability ≈ e^-26; the plug-in KL's
    finite-sample bias is ≈ (K - 1) / 2N ≈ 0.02.
    """
    x, _ = stacked.batch(0, 26000, seed=0)
    context = SimpleNamespace(data_source=stacked, samples=lambda n: x[:n])
    result = stacked_modes_metric(context)
    assert result["modes"] >= 990 and result["kl"] < 0.1
