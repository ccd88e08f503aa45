"""The tuned mixture presets (ring_best, grid_best): they load, use the PacGAN geometry, and score the EMA copy.

The mode-coverage benchmark (benchmarks/mode_coverage.py) compares these presets with the plain
`ring` / `grid` ones under the PacGAN protocol, so their data must be the protocol's mixtures and
their evaluation must come from the generator that sampling uses.
"""
import math

import pytest
import torch

from ganforge.config import load_config, preset_names
from ganforge.data import DATA
from ganforge.sampling import sampling_generator
from ganforge.train.state import build_state

BEST = ("ring_best", "grid_best")


def test_best_presets_are_listed_and_load_under_their_own_names():
    assert set(BEST) <= set(preset_names())
    for name in BEST:
        assert load_config(name).name == name


def test_ring_best_is_pacgans_ring_eight_modes_on_the_unit_circle_with_std_001():
    data = DATA.build(load_config("ring_best").data.model_dump())
    angles = torch.atan2(data.centres[:, 1], data.centres[:, 0]) % (2 * math.pi)
    assert torch.allclose(data.centres.norm(dim=1), torch.ones(8), atol=1e-6)
    assert torch.allclose(angles.sort().values, torch.arange(8) * math.pi / 4, atol=1e-6)  # 45° apart
    assert data.std == pytest.approx(0.01)


def test_grid_best_is_pacgans_grid_twenty_five_modes_at_even_coordinates_with_std_005():
    data = DATA.build(load_config("grid_best").data.model_dump())
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(round(v) for v in centre.tolist()) for centre in data.centres} == expected
    assert torch.allclose(data.centres, data.centres.round(), atol=1e-6)
    assert data.std == pytest.approx(0.05)


@pytest.mark.parametrize("name", BEST)
def test_best_presets_sample_and_evaluate_from_the_ema_average(name):
    config = load_config(name, ["train.steps=1"])
    assert config.eval.ema
    state = build_state(config)
    generator = sampling_generator(state)
    assert generator is not state.G  # the EMA plugin's copy, never optimised
    assert not any(p.requires_grad for p in generator.parameters())


@pytest.mark.parametrize("name", BEST)
def test_best_presets_decay_the_learning_rates_to_zero_exactly_at_their_last_step(name):
    config = load_config(name)
    decay = next(plugin for plugin in config.plugins if plugin.name == "lr_decay").model_dump()
    assert decay["end_step"] == config.train.steps  # CycleGAN's schedule: the whole second part of the run
    assert decay.get("final", 0.0) == 0.0
    assert 0 < decay["start_step"] < config.train.steps


def test_ring_best_filters_the_ema_average_not_g_itself():
    """rejection_sampling after ema: D's filter wraps the average, so the table's G-alone row is the EMA net."""
    from ganforge.tricks.rejection_sampling import RejectionSampler

    state = build_state(load_config("ring_best", ["train.steps=1", "plugins.3.burn_in=100"]))
    generator = sampling_generator(state)
    assert isinstance(generator, RejectionSampler)
    ema = next(plugin for plugin in state.plugins if type(plugin).__name__ == "EMA")
    assert generator.generator is ema.average


def test_grid_best_samples_from_the_islands_of_its_latent_mixture():
    state = build_state(load_config("grid_best", ["train.steps=1"]))
    generator = sampling_generator(state)
    z = generator.sample_latent(2000, generator=torch.Generator().manual_seed(0))
    centres = generator.centres
    assert z.shape == (2000, 8) and centres.shape == (100, 8)
    # z = c_k + 0.1·ε in 8-D: ‖z − c_k‖ ≈ 0.1·√8 ≈ 0.28, while the nearest two centres are > 2 apart
    assert torch.cdist(z, centres).min(dim=1).values.max() < 0.6
