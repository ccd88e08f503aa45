"""Rejection sampling through a critic refitted after training: the ratio it learns, when it is used, what it leaves alone."""
import numpy as np
import pytest
import torch
from torch import nn

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.nets.base import Generator
from ganforge.sampling import generate, sampling_generator
from ganforge.train.state import build_state
from ganforge.tricks.refit_critic import refit_critic
from tests.conftest import tiny_ring_raw

DATA_STD, PROPOSAL_STD = 0.2, 0.4  # the data: N(0, 0.2² I) in 2-D (clipped to [-1, 1] at 5σ); G proposes N(0, 0.4² I)


class IdentityGenerator(Generator):
    """x = 0.4 z in 2-D: the proposal distribution is N(0, 0.4² I)."""

    def __init__(self):
        super().__init__(2, (2,))
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, z, y=None):
        return PROPOSAL_STD * z


def gaussian_state(tmp_path, refit_steps=400, **drs):
    path = tmp_path / "gaussian.npy"
    np.save(path, np.random.default_rng(0).normal(0.0, DATA_STD, (20_000, 2)).clip(-1, 1).astype(np.float32))
    raw = tiny_ring_raw(steps=4, batch_size=256)
    raw.update(data={"name": "array", "path": str(path)}, z_dim=2)
    raw["plugins"] = [{"name": "rejection_sampling", "burn_in": 2000, "max_rounds": 1000, "refit_steps": refit_steps,
                       "refit_critic": {"name": "mlp", "width": 32, "depth": 2}, **drs}]
    state = build_state(validate(raw))
    state.G = IdentityGenerator()
    return state


def test_the_refitted_logit_follows_log_p_data_over_p_g(tmp_path):
    """log N(x; 0, 0.04 I) − log N(x; 0, 0.16 I) = c − 9.375|x|²: the logit at the origin exceeds the one at |x| = 0.4 by 1.5."""
    state = gaussian_state(tmp_path)
    critic = refit_critic(state, state.G, {"name": "mlp", "width": 32, "depth": 2}, steps=400, lr=1e-3, seed=0)
    with torch.no_grad():
        centre = critic(torch.zeros(1, 2)).item()
        ring = critic(torch.tensor([[0.4, 0.0], [0.0, 0.4], [-0.4, 0.0], [0.0, -0.4]])).mean().item()
    assert 0.9 < centre - ring < 2.1  # 1.5 ± 0.6: 400 steps of a small MLP; seeds 0-2 give 1.68-1.90


def test_exact_rejection_through_the_refitted_critic_turns_the_proposals_into_the_data(tmp_path):
    state = gaussian_state(tmp_path)
    state.step = state.config.train.steps  # the run has finished: sampling refits
    samples = generate(sampling_generator(state), torch.randn(4000, 2, generator=torch.Generator().manual_seed(1)))
    # the proposals' std is 0.4; 4,000 accepted N(0, 0.04 I) points would give 0.2 ± 0.002: the critic's fit decides the rest
    assert abs(float(samples.std()) - DATA_STD) < 0.03


def test_during_training_the_trained_d_scores_and_at_the_last_step_one_refit_serves_until_a_net_changes(tmp_path):
    state = gaussian_state(tmp_path)
    drs = state.plugins[-1]
    assert drs.critic(state.G, state) is state.D  # mid-run: grids and probes use the trained D
    state.step = state.config.train.steps
    first = drs.critic(state.G, state)
    assert first is not state.D and drs.critic(state.G, state) is first  # refitted once, then kept
    drs.after_g_step(state)
    assert drs.critic(state.G, state) is not first  # G changed: refit again


def test_a_refit_is_the_same_every_time_and_leaves_training_untouched(tmp_path):
    state = gaussian_state(tmp_path, refit_steps=20)
    d_before = [p.clone() for p in state.D.parameters()]
    batches, rng = state.batches_drawn, torch.get_rng_state()
    spec = {"name": "mlp", "width": 8, "depth": 1}
    first = refit_critic(state, state.G, spec, steps=20, lr=1e-3, seed=5)
    second = refit_critic(state, state.G, spec, steps=20, lr=1e-3, seed=5)
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), second.parameters()))
    assert not any(p.requires_grad for p in first.parameters()) and not first.training
    assert all(torch.equal(a, b) for a, b in zip(d_before, state.D.parameters()))
    assert state.batches_drawn == batches and torch.equal(torch.get_rng_state(), rng)


def test_without_a_spec_the_refit_continues_a_copy_of_the_trained_d(tmp_path):
    state = gaussian_state(tmp_path, refit_steps=5)
    critic = refit_critic(state, state.G, None, steps=5, lr=1e-3, seed=0)
    assert type(critic) is type(state.D) and critic is not state.D
    assert any(not torch.equal(a, b) for a, b in zip(critic.parameters(), state.D.parameters()))


@pytest.mark.parametrize("option, value, match", [
    ("refit_critic", {"name": "mlp", "width": 0}, r"^plugins\.0\.refit_critic: discriminator\.width: must be a positive"),
    ("refit_steps", -1, r"^plugins\.0\.refit_steps: expected ≥ 0"),
    ("refit_lr", 0.0, r"^plugins\.0\.refit_lr: expected a positive"),
])
def test_bad_refit_options_fail_at_start_up_naming_their_field(tmp_path, option, value, match):
    with pytest.raises(ConfigError, match=match):
        gaussian_state(tmp_path, **{option: value})
