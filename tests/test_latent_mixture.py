"""latent_mixture: latents on K separated islands, the same islands after a checkpoint, clear errors, a short run.

The tiny ring has z_dim 4. There 50 centres picked by farthest-point selection on the sphere of
radius 2 are 1.2 apart at the closest (random points would be 0.3 apart), so islands of spread
s = 0.05 are far apart: a draw is s·‖ε‖ from its centre with ‖ε‖ ~ χ_4, and by Gaussian
concentration P(‖ε‖ > √4 + t) ≤ exp(−t²/2): with t = 6, 1.5e-8 per draw.
"""
import math

import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.metrics.evaluate import evaluate, evaluate_run
from ganforge.sampling import generate, sampling_generator
from ganforge.train.checkpoint import latest_checkpoint, load_checkpoint
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.step import discriminator_step, generator_step
from ganforge.tricks.latent_mixture import IslandLatentGenerator, nearest_pair_distance
from tests.conftest import tiny_digits_raw, tiny_ring_raw

K, SPREAD, Z_DIM = 50, 0.05, 4
DRAWS = 10_000  # 200 per island on average


def mixture_raw(*plugins, **train):
    raw = tiny_ring_raw(**train)
    raw["plugins"] = [{"name": "latent_mixture", "components": K, "spread": SPREAD}, *plugins]
    return raw


def draws_and_islands(G, seed=0):
    z = G.sample_latent(DRAWS, generator=torch.Generator().manual_seed(seed))  # (DRAWS, z_dim)
    distance, island = torch.cdist(z, G.centres).min(dim=1)  # to the nearest centre, and which
    return z, distance, island


def test_draws_lie_on_k_separated_islands():
    G = build_state(validate(mixture_raw())).G
    assert G.centres.shape == (K, Z_DIM)
    assert torch.allclose(G.centres.norm(dim=1), torch.full((K,), math.sqrt(Z_DIM)))  # the normal latent's shell
    gap = nearest_pair_distance(G.centres)
    assert gap > 20 * SPREAD  # 1.2 here: ≫ s
    z, distance, island = draws_and_islands(G)
    assert distance.max() < SPREAD * (math.sqrt(Z_DIM) + 6)  # every draw within 0.4 of a centre
    counts = torch.bincount(island, minlength=K)
    # k uniform: each island's count is Binomial(10,000, 1/50), mean 200, std 14; ±5 std holds for all 50
    assert counts.min() > 200 - 5 * 14 and counts.max() < 200 + 5 * 14
    different = island[:, None] != island[None, :2000]  # draws of different islands: never closer than 8 s
    assert torch.cdist(z, z[:2000])[different].min() > 8 * SPREAD


def test_centres_come_from_the_run_seed_alone():
    torch.manual_seed(123)  # the global RNG does not matter
    a = build_state(validate(mixture_raw())).G.centres
    torch.manual_seed(456)
    b = build_state(validate(mixture_raw())).G.centres
    other_seed = build_state(validate(mixture_raw(seed=4))).G.centres
    assert torch.equal(a, b) and not torch.allclose(a, other_seed)


def test_training_and_the_sample_grid_use_the_islands():
    state = build_state(validate(mixture_raw()))
    for z in (state.sample_latent(256), state.fixed_z):
        assert torch.cdist(z, state.G.centres).min(dim=1).values.max() < SPREAD * (math.sqrt(Z_DIM) + 6)


@pytest.mark.parametrize("order", ["mixture first", "ema first"])
def test_sampling_generator_has_the_prior_whatever_the_order(order):
    """On digits, whose G has batch-norm buffers that EMA copies from G one for one."""
    mixture, ema = {"name": "latent_mixture", "components": K, "spread": SPREAD}, {"name": "ema", "beta": 0.9}
    raw = {**tiny_digits_raw(), "plugins": [mixture, ema] if order == "mixture first" else [ema, mixture]}
    state = build_state(validate(raw))
    generator = sampling_generator(state)
    assert isinstance(generator, IslandLatentGenerator) and generator is not state.G  # the EMA average, behind the prior
    assert torch.equal(generator.centres, state.G.centres)
    before = [p.clone() for p in generator.parameters()]
    for _ in range(2):  # EMA pairs the average's weights with G's one for one: the prior adds none
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
    assert any(not torch.equal(a, p) for a, p in zip(before, generator.parameters()))


def test_checkpoint_resume_and_evaluate_use_the_same_islands(tmp_path):
    run = RunDir.create(path=tmp_path / "run")
    trained = train(validate(mixture_raw({"name": "ema", "beta": 0.9}, steps=20)), run, quiet=True)
    resumed = build_state(validate(mixture_raw({"name": "ema", "beta": 0.9}, steps=20)))
    load_checkpoint(latest_checkpoint(run.checkpoints), resumed)
    assert torch.equal(resumed.G.centres, trained.G.centres)
    assert torch.equal(resumed.fixed_z, trained.fixed_z)
    z = resumed.G.sample_latent(64, generator=torch.Generator().manual_seed(5))
    assert torch.equal(generate(sampling_generator(resumed), z), generate(sampling_generator(trained), z))
    metrics = [{"name": "modes", "n": 500}]
    from_disk = evaluate_run(run.path, metrics, record=False)["metrics"]
    config = trained.config
    in_memory = evaluate(sampling_generator(trained), trained.data, config.data.model_dump(), config.eval, metrics)["metrics"]
    assert from_disk == in_memory  # `ganforge evaluate` on the checkpoint scores exactly what the run had


@pytest.mark.parametrize("option, value, field", [
    ("components", 1, "components"),
    ("components", 0, "components"),
    ("spread", 0.0, "spread"),
    ("spread", -0.1, "spread"),
])
def test_bad_options_are_one_line_config_errors(option, value, field):
    raw = mixture_raw()
    raw["plugins"][0][option] = value
    with pytest.raises(ConfigError, match=rf"^plugins\.0\.{field}: expected") as error:
        build_state(validate(raw))
    assert "\n" not in str(error.value)


def test_islands_that_would_touch_are_refused_with_the_spread_that_fits():
    raw = mixture_raw()
    raw["z_dim"] = 2  # 50 centres on a circle of radius √2: 0.14 apart, room for a spread of 0.015 at most
    with pytest.raises(ConfigError, match=r"^plugins\.0\.spread: 50 islands in z_dim 2 .* use a spread below 0\.01") as error:
        build_state(validate(raw))
    assert "\n" not in str(error.value)


def test_a_short_run_trains_g_through_the_prior(tmp_path):
    state = train(validate(mixture_raw(steps=40)), RunDir.create(path=tmp_path / "run"), quiet=True)
    initial = build_state(validate(mixture_raw(steps=40)))
    assert state.step == 40
    inner_now, inner_before = state.G.generator.state_dict(), initial.G.generator.state_dict()
    assert any(not torch.equal(inner_now[k], inner_before[k]) for k in inner_now)  # the wrapped G was trained
    assert torch.equal(state.G.centres, initial.G.centres)  # the islands were not
    samples = generate(state.G, state.fixed_z)
    assert samples.shape == (len(state.fixed_z), 2) and torch.isfinite(samples).all()
