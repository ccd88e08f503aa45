"""The stacked-data presets (baseline DCGAN and best, on digits and Fashion-MNIST) load and train.

benchmarks/stacked.py compares these presets under the stacked-MNIST protocol, so each must name
stacked data of its own base (1,000 modes, 3 channels) and the baseline must be the plain DCGAN
the benchmark claims: nonsaturating loss, Adam 2e-4 with β1 = 0.5, batch 64, no plugins.
"""
from pathlib import Path

import pytest
import torch

from ganforge.config import load_config, preset_names
from ganforge.sampling import sampling_generator
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir

BASES = {"stacked_digits": "digits", "stacked_digits_best": "digits",
         "stacked_fashion": "fashion_mnist", "stacked_fashion_best": "fashion_mnist", "stacked_fashion_fast": "fashion_mnist"}
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
SIDES = {"digits": 8, "fashion_mnist": 28}
TINY = ["train.steps=3", "train.batch_size=8", "data.size=64", "generator.width=8", "discriminator.width=8",
        "train.log_every=1", "train.tensorboard=false", "doctor.enabled=false", "eval.every=0"]


@pytest.mark.parametrize("name", sorted(BASES))
def test_preset_is_listed_and_names_stacked_data_of_its_base(name):
    assert name in preset_names()
    config = load_config(name)
    assert config.name == name
    assert config.data.name == "stacked"
    assert config.data.model_dump()["base"] == BASES[name]


@pytest.mark.parametrize("name", ["stacked_digits", "stacked_fashion"])
def test_baseline_is_a_plain_dcgan(name):
    config = load_config(name)
    assert config.generator.name == config.discriminator.name == "dcgan"
    assert config.loss.name == "nonsaturating" and not config.plugins
    assert config.train.batch_size == 64
    for optimiser in (config.optim.g, config.optim.d):
        options = optimiser.model_dump()
        assert options["name"] == "adam" and options["lr"] == pytest.approx(2e-4)
        assert options["betas"][0] == pytest.approx(0.5)


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.skipif(
    BASES[name] == "fashion_mnist" and not FASHION_MNIST.is_dir(), reason="Fashion-MNIST not installed"))
    for name in sorted(BASES)])
def test_three_steps_train_and_sample_three_channel_images_of_the_base_size(name, tmp_path):
    config = load_config(name, TINY)
    state = train(config, RunDir.create(path=tmp_path / name), quiet=True)
    assert state.step == 3
    side = SIDES[BASES[name]]
    assert state.data.shape == (3, side, side) and state.data.num_classes == 1000
    generator = sampling_generator(state, config.eval.ema)
    with torch.no_grad():
        images = generator(torch.randn(5, config.z_dim))
    assert images.shape == (5, 3, side, side)
    assert images.abs().max() <= 1  # tanh output
