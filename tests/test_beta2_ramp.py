"""beta2_ramp: Adam's β₂ follows a cosine from the configured value to `final`, and a resume follows it too."""
import math

import pytest

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from ganforge.tricks.beta2_ramp import Beta2Ramp
from tests.conftest import tiny_ring_raw


def ramped(steps=20, ramp_steps=10, **train_options):
    raw = tiny_ring_raw(steps=steps, log_every=1, **train_options)
    raw["optim"] = {"g": {"betas": [0.5, 0.9]}, "d": {"betas": [0.0, 0.8]}}
    raw["plugins"] = [{"name": "beta2_ramp", "final": 0.99, "steps": ramp_steps}]
    return validate(raw)


def test_beta2_starts_at_the_configured_value_and_follows_the_cosine(tmp_path):
    state = train(ramped(steps=20), RunDir.create(tmp_path, path=tmp_path / "run"), quiet=True)
    ramp = state.plugins[0]
    assert ramp.beta2_at("g", 0) == pytest.approx(0.9)
    assert ramp.beta2_at("g", 5) == pytest.approx(0.99 - 0.09 / 2)  # half way: cos(π/2) = 0, the mean of the ends
    assert ramp.beta2_at("d", 5) == pytest.approx(0.99 - 0.19 / 2)
    assert ramp.beta2_at("g", 40) == pytest.approx(0.99)  # held at `final` after the ramp
    assert [g["betas"] for g in state.opt_g.param_groups] == [(0.5, pytest.approx(0.99))]  # β₁ untouched
    assert [g["betas"] for g in state.opt_d.param_groups] == [(0.0, pytest.approx(0.99))]
    logged = [record["optim/beta2"] for record in read_stats(tmp_path / "run" / "stats.jsonl")]
    expected = [0.99 + (0.9 - 0.99) * 0.5 * (1 + math.cos(math.pi * min(t / 10, 1))) for t in range(1, 21)]
    assert logged == pytest.approx(expected)  # each record: the β₂ the next step runs with


def test_a_resumed_run_follows_the_same_schedule(tmp_path):
    whole = train(ramped(steps=12, ramp_steps=20), RunDir.create(tmp_path, path=tmp_path / "whole"), quiet=True)
    run = RunDir.create(tmp_path, path=tmp_path / "split")
    train(ramped(steps=6, ramp_steps=20, checkpoint_every=6), run, quiet=True)
    resumed = train(ramped(steps=12, ramp_steps=20, checkpoint_every=6), run, resume=True, quiet=True)
    assert resumed.opt_g.param_groups[0]["betas"] == whole.opt_g.param_groups[0]["betas"]
    assert resumed.opt_g.param_groups[0]["betas"][1] != pytest.approx(0.99)  # still on the ramp at step 12


def test_options_and_optimisers_are_checked():
    with pytest.raises(ConfigError, match="plugins.beta2_ramp.final"):
        Beta2Ramp(final=1.0)
    with pytest.raises(ConfigError, match="plugins.beta2_ramp.steps"):
        Beta2Ramp(steps=0)
    raw = tiny_ring_raw(steps=2)
    raw["optim"] = {"g": {"name": "sgd"}}
    raw["plugins"] = [{"name": "beta2_ramp"}]
    with pytest.raises(ConfigError, match=r"^optim.g.name: beta2_ramp needs adam or adamw"):
        build_state(validate(raw))
