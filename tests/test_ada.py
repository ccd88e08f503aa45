"""ADA: the probability p follows r_t by hand-computed steps, is clamped, logged, checkpointed and resumed exactly."""
import json

import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.plugins import PLUGINS
from ganforge.regularizers.ada import augment
from ganforge.train.hooks import StepContext
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import StatsBus, use_bus
from tests.conftest import tiny_digits_raw


def ada_state(loss: str = "nonsaturating", **options):
    raw = tiny_digits_raw()
    raw["loss"] = {"name": loss}
    raw["plugins"] = [{"name": "ada", **options}]
    state = build_state(validate(raw))
    use_bus(StatsBus())
    return state, state.plugins[0]


def one_d_step(plugin, state, real_logits, fake_logits) -> None:
    x = torch.zeros(len(real_logits), 1, 8, 8)
    ctx = StepContext(state, x, x, x, x, torch.tensor(real_logits), torch.tensor(fake_logits), None,
                      torch.zeros(len(real_logits), 8), state.D)
    assert plugin.d_terms(ctx) == {}
    plugin.after_d_step(state)


def test_p_moves_by_batch_times_interval_over_speed_and_is_clamped():
    # batch 16 (tiny digits), interval 1, speed 160: each update moves p by 16·1/160 = 0.1
    state, ada = ada_state(interval=1, speed=160)
    for expected in (0.1, 0.2, 0.3):
        one_d_step(ada, state, [1.0] * 16, [-1.0] * 16)  # r_t = 1 > 0.6: more augmentation
        assert ada.p == pytest.approx(expected)
    for _ in range(20):
        one_d_step(ada, state, [1.0] * 16, [-1.0] * 16)
    assert ada.p == 1.0  # never past 1
    for _ in range(30):
        one_d_step(ada, state, [-1.0] * 16, [1.0] * 16)  # r_t = −1 < 0.6: less
    assert ada.p == 0.0  # never below 0


def test_r_t_is_averaged_over_the_interval():
    # interval 2: 16 positive real logits, then 12 of 16: r_t = (16 + 12 − 4) / 32 = 0.75 > 0.6, although
    # the second batch alone (r = 0.5) is below the target; each update moves p by 16·2/320 = 0.1
    state, ada = ada_state(interval=2, speed=320, initial=0.5)
    one_d_step(ada, state, [1.0] * 16, [0.0] * 16)
    assert ada.p == 0.5  # no update between intervals
    one_d_step(ada, state, [1.0] * 12 + [-1.0] * 4, [0.0] * 16)
    assert ada.p == pytest.approx(0.6)


def test_relativistic_losses_judge_real_logits_against_the_fake_mean():
    # every real logit is −1, below 0 but above the fakes' mean of −3: a relativistic D calls them real
    for loss, direction in (("rpgan", +1), ("nonsaturating", -1)):
        state, ada = ada_state(loss, interval=1, speed=160, initial=0.5)
        one_d_step(ada, state, [-1.0] * 16, [-3.0] * 16)
        assert ada.p == pytest.approx(0.5 + direction * 0.1)


def test_augment_applies_each_transform_with_probability_p():
    torch.manual_seed(0)
    x = torch.arange(2000 * 4, dtype=torch.float32).reshape(2000, 1, 2, 2)
    assert torch.equal(augment(x, 0.0, ("xflip",)), x)
    assert torch.equal(augment(x, 1.0, ("xflip",)), x.flip(-1))
    flipped = (augment(x, 0.5, ("xflip",)) != x).flatten(1).any(dim=1).sum().item()
    assert abs(flipped - 1000) < 4 * (2000 * 0.25) ** 0.5  # Binomial(2000, ½): within 4σ ≈ 89


def test_augment_is_differentiable():
    x = torch.rand(8, 3, 8, 8, requires_grad=True)
    augment(x, 1.0, ("xflip", "rotate90", "translation", "brightness", "contrast", "saturation")).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_bad_options_name_the_field():
    for options, field in [({"target": 1.5}, "plugins.ada.target"), ({"interval": 0}, "plugins.ada.interval"),
                           ({"speed": 0}, "plugins.ada.speed"), ({"initial": 2.0}, "plugins.ada.initial"),
                           ({"policy": ["xflip", "xflip"]}, "plugins.ada.policy")]:
        with pytest.raises(ConfigError) as error:
            PLUGINS.build({"name": "ada", **options})
        assert error.value.field == field


def test_p_is_logged_checkpointed_and_resumed_exactly(tmp_path):
    raw = tiny_digits_raw(steps=6, log_every=3, sample_every=6, checkpoint_every=3)
    raw["plugins"] = [{"name": "ada", "interval": 1, "speed": 64, "initial": 0.5}]
    straight = train(validate(raw), RunDir.create(path=tmp_path / "straight"), quiet=True)
    halves = RunDir.create(path=tmp_path / "halves")
    train(validate({**raw, "train": {**raw["train"], "steps": 3}}), halves, quiet=True)
    resumed = train(validate(raw), halves, resume=True, quiet=True)
    p_straight, p_resumed = straight.plugins[0].p, resumed.plugins[0].p
    assert p_straight == p_resumed and p_straight != 0.5  # it moved, and the resumed run followed the same path
    for a, b in zip(straight.D.state_dict().values(), resumed.D.state_dict().values()):
        assert torch.equal(a, b)
    records = [json.loads(line) for line in (tmp_path / "straight" / "stats.jsonl").read_text().splitlines()]
    assert all(0.0 <= r["ada/p"] <= 1.0 for r in records) and "ada/r_t" in records[0]
