"""Discriminator rejection sampling: acceptance as the paper's formula, the distribution it yields, and what it leaves alone."""
import math

import pytest
import torch
from torch import nn

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.nets.base import Generator
from ganforge.sampling import generate, sampling_generator
from ganforge.train.state import build_state
from ganforge.tricks.rejection_sampling import RejectionSampler, acceptance_probability
from tests.conftest import tiny_digits_raw, tiny_ring_raw

LOG_4 = math.log(4.0)


class IdentityGenerator(Generator):
    """x = z in 2-D: the proposal distribution is N(0, I) itself."""

    def __init__(self):
        super().__init__(2, (2,))
        self.unused = nn.Parameter(torch.zeros(1))  # samplers look up the device from a parameter

    def forward(self, z, y=None):
        return z.clone()


class HalfPlaneCritic(nn.Module):
    """Logit 0 on the right half-plane, −log 4 on the left: D says p_data/p_g is 4× smaller on the left."""

    def forward(self, x, y=None):
        return torch.where(x[:, 0] > 0, 0.0, -LOG_4)


def sampler(gamma=0.0, max_rounds=100, seed=0, critic=None):
    return RejectionSampler(IdentityGenerator(), critic or HalfPlaneCritic(), burn_in=1000, gamma=gamma,
                            epsilon=1e-6, seed=seed, max_rounds=max_rounds)


def test_acceptance_with_gamma_zero_is_exp_of_the_logit_below_the_maximum():
    logits = torch.tensor([-LOG_4, -math.log(2.0), -5.0])
    assert acceptance_probability(logits, 0.0, 0.0, 1e-9).tolist() == pytest.approx([0.25, 0.5, math.exp(-5)], rel=1e-6)
    # γ shifts F: σ(log(p/(1-p)) - γ); p = 1/2, γ = log 3 gives 1/4
    assert acceptance_probability(torch.tensor([-math.log(2.0)]), 0.0, math.log(3.0), 1e-9).item() == pytest.approx(0.25)


def test_samples_follow_the_corrected_density():
    # Proposals put half their mass on each side; accepting 1 and 1/4 leaves P(right) = 1/(1 + 1/4) = 0.8
    torch.manual_seed(0)
    drs = sampler()
    assert drs.max_logit == 0.0  # the burn-in found the right half-plane
    x = generate(drs, torch.randn(20000, 2))
    right = (x[:, 0] > 0).float().mean().item()
    assert right == pytest.approx(0.8, abs=0.015)  # 5 standard errors (√(0.8·0.2/20000) ≈ 0.0028)
    assert drs.accepted / drs.proposals == pytest.approx(0.5 * 1 + 0.5 * 0.25, abs=0.015)  # 62.5% of proposals kept


def test_gamma_rejects_more_by_shifting_f():
    # γ = 2 leaves the right side at ≈ 1 and takes the left from 1/4 to σ(log(1/3) − 2) ≈ 0.043
    rates = []
    for gamma in (0.0, 2.0):
        drs = sampler(gamma=gamma)
        generate(drs, torch.randn(4000, 2, generator=torch.Generator().manual_seed(1)))
        rates.append(drs.accepted / drs.proposals)
    left = 1 / (1 + 3 * math.exp(2.0))
    assert rates[0] == pytest.approx(0.625, abs=0.02)
    assert rates[1] == pytest.approx(0.5 + 0.5 * left, abs=0.02)


def test_one_round_returns_the_first_proposals_unchanged():
    z = torch.randn(500, 2, generator=torch.Generator().manual_seed(2))
    assert torch.equal(generate(sampler(max_rounds=1), z), z)


def test_accepted_rows_keep_their_latent_and_samples_are_reproducible():
    z = torch.randn(2000, 2, generator=torch.Generator().manual_seed(3))
    first, second = generate(sampler(seed=5), z), generate(sampler(seed=5), z)
    assert torch.equal(first, second)
    right = z[:, 0] > 0  # always accepted (up to ε): those rows are G(z) itself
    assert torch.equal(first[right], z[right])


def tiny_ring_with_drs():
    raw = tiny_ring_raw(steps=4)
    raw["plugins"] = [{"name": "ema"}, {"name": "rejection_sampling", "burn_in": 200}]
    return validate(raw)


def test_sampling_leaves_the_modes_of_d_and_g_as_they_were():
    state = build_state(tiny_ring_with_drs())
    state.G.train()
    state.D.train()
    generator = sampling_generator(state)
    assert isinstance(generator, RejectionSampler)
    generate(generator, torch.randn(300, state.config.z_dim))
    assert state.G.training and state.D.training
    assert not any(module is state.D for module in generator.modules())  # D is not part of the sampler


def test_pacgan_discriminators_are_refused_at_start_up():
    raw = tiny_ring_raw(steps=4)
    raw["plugins"] = [{"name": "pacgan", "packing": 2}, {"name": "rejection_sampling"}]
    with pytest.raises(ConfigError, match=r"^plugins\.1: rejection_sampling scores single samples of shape \(2,\)"):
        build_state(validate(raw))


def test_pacgan_listed_after_it_is_refused_when_sampling():
    raw = tiny_ring_raw(steps=4)
    raw["plugins"] = [{"name": "rejection_sampling"}, {"name": "pacgan", "packing": 2}]
    state = build_state(validate(raw))
    with pytest.raises(ConfigError, match="drop pacgan or rejection_sampling"):
        sampling_generator(state)


class CountingCritic(nn.Module):
    """HalfPlaneCritic that counts the rows it scores."""

    def __init__(self):
        super().__init__()
        self.rows = 0

    def forward(self, x, y=None):
        self.rows += len(x)
        return HalfPlaneCritic()(x)


def test_a_sampler_built_again_before_the_nets_change_skips_the_burn_in_and_samples_the_same():
    state = build_state(tiny_ring_with_drs())
    state.D = CountingCritic()
    z = torch.randn(50, state.config.z_dim, generator=torch.Generator().manual_seed(1))
    first = generate(sampling_generator(state), z)
    after_first = state.D.rows
    second = generate(sampling_generator(state), z)
    second_rows = state.D.rows - after_first
    assert after_first >= 200 and second_rows < 200  # no second burn-in of 200 proposals
    assert torch.equal(first, second)  # the stream is where a burn-in would have left it
    drs = state.plugins[-1]
    for changed in (lambda: drs.after_g_step(state), lambda: drs.after_d_step(state), lambda: drs.load_state_dict({})):
        changed()  # a training step of either net, or a checkpoint loaded: burn in again
        before = state.D.rows
        generate(sampling_generator(state), z)
        assert state.D.rows - before >= 200 + len(z)  # the burn-in again, then at least one proposal per row


@pytest.mark.parametrize("raw, plugins", [
    (tiny_digits_raw(steps=2), []),  # batch norm's running statistics
    (tiny_ring_raw(steps=2), [{"name": "spectral_norm", "generator": True}]),  # spectral norm's power-iteration vectors
], ids=["batch_norm", "spectral_norm"])
def test_the_burn_in_leaves_g_s_buffers_as_training_left_them(raw, plugins):
    """A sample grid drawn mid-training must not move G's buffers (a resumed run would differ)."""
    raw["plugins"] = [*plugins, {"name": "rejection_sampling", "burn_in": 64}]
    state = build_state(validate(raw))
    state.G.train()
    buffers = [buffer.clone() for buffer in state.G.buffers()]
    assert buffers
    generate(sampling_generator(state), torch.randn(8, state.config.z_dim))
    assert all(torch.equal(before, after) for before, after in zip(buffers, state.G.buffers()))


class SharpCritic(nn.Module):
    """Logit −10⁵·x₀²: a proposal is accepted with probability about exp(−10⁵·x₀²), only within |x₀| < 0.01."""

    def forward(self, x, y=None):
        return -1e5 * x[:, 0] ** 2


def test_a_row_that_reaches_max_rounds_keeps_its_highest_scored_proposal():
    z = torch.randn(400, 2, generator=torch.Generator().manual_seed(2))
    one = generate(sampler(max_rounds=1, critic=SharpCritic()), z)
    five = sampler(max_rounds=5, critic=SharpCritic())
    kept = generate(five, z)
    assert five.accepted < 0.05 * len(z)  # nearly every row used all five proposals
    # the first proposal is among each row's five: the kept one scores at least as high (|x₀| no larger), and
    # the best of five N(0, 1) draws beats the first in about 4 rows of 5 (the last proposal would in 1 of 2)
    assert bool((kept[:, 0].abs() <= one[:, 0].abs() + 1e-6).all())
    assert float((kept[:, 0].abs() < one[:, 0].abs()).float().mean()) > 0.7
