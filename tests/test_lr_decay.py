"""The lr_decay plugin: the rates it sets, step by step, against the formula worked out by hand."""
import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.step import discriminator_step, generator_step
from tests.conftest import tiny_ring_raw

G_LR, D_LR = 1e-3, 4e-4


def ring_with_decay(steps=20, **options):
    raw = tiny_ring_raw(steps=steps, checkpoint_every=5, sample_every=steps, log_every=5)
    raw["optim"] = {"g": {"lr": G_LR}, "d": {"lr": D_LR}}
    raw["plugins"] = [{"name": "lr_decay", **options}]
    return validate(raw)


def rates_before_each_step(config):
    """[(G's lr, D's lr)] in force at each of the config's steps."""
    state = build_state(config)
    rates = []
    while state.step < config.train.steps:
        rates.append((state.opt_g.param_groups[0]["lr"], state.opt_d.param_groups[0]["lr"]))
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
        state.step += 1
    return rates, state


def test_rates_stay_until_start_step_then_fall_linearly_to_zero_and_stay_there():
    # s = 10, e = 18, final 0: f(t) = 1 up to t = 10, then 1 - (t - 10)/8: 0.875 at step 11, ..., 0 from step 18
    rates, _ = rates_before_each_step(ring_with_decay(steps=20, start_step=10, end_step=18, final=0.0))
    expected = [1.0] * 11 + [1 - k / 8 for k in range(1, 8)] + [0.0, 0.0]
    assert [g / G_LR for g, _ in rates] == pytest.approx(expected, rel=1e-9)
    assert [d / D_LR for _, d in rates] == pytest.approx(expected, rel=1e-9)  # D follows the same multiplier


def test_final_fraction_is_reached_at_end_step_and_kept():
    # s = 0, e = 10, final 0.5: f(t) = 1 - 0.05 t up to step 10, then 0.5
    rates, state = rates_before_each_step(ring_with_decay(steps=12, end_step=10, final=0.5))
    assert rates[0] == pytest.approx((G_LR, D_LR))
    assert rates[9][0] == pytest.approx(0.55 * G_LR)
    assert [g for g, _ in rates[10:]] == pytest.approx([0.5 * G_LR] * 2)
    assert state.opt_g.param_groups[0]["lr"] == pytest.approx(0.5 * G_LR)


def test_a_rate_changed_from_outside_keeps_its_factor():
    """The NaN guard halves the rates in force; the schedule multiplies on from there instead of undoing it."""
    config = ring_with_decay(steps=10, end_step=10, final=0.0)
    state = build_state(config)
    for step in range(4):
        if step == 2:
            for optimizer in (state.opt_g, state.opt_d):
                optimizer.param_groups[0]["lr"] /= 2
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
        state.step += 1
    assert state.opt_g.param_groups[0]["lr"] == pytest.approx(G_LR * 0.6 / 2)  # f(4) = 1 - 4/10, halved once


def test_a_resumed_run_has_the_rates_and_weights_of_an_uninterrupted_one(tmp_path):
    config = ring_with_decay(steps=20, start_step=5, end_step=25, final=0.0)
    straight = train(config, RunDir.create(path=tmp_path / "straight"), quiet=True)
    halves = RunDir.create(path=tmp_path / "halves")
    train(validate({**config.to_dict(), "train": {**config.to_dict()["train"], "steps": 10}}), halves, quiet=True)
    resumed = train(config, halves, resume=True, quiet=True)
    assert straight.opt_g.param_groups[0]["lr"] == pytest.approx(G_LR * (1 - 15 / 20))  # f(20): s = 5, e = 25
    assert resumed.opt_g.param_groups[0]["lr"] == straight.opt_g.param_groups[0]["lr"]
    for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("options, field", [({"final": 1.5}, "final"), ({"final": -0.1}, "final"),
                                            ({"start_step": -1}, "start_step"),
                                            ({"start_step": 100, "end_step": 100}, "end_step")])
def test_options_out_of_range_are_config_errors(options, field):
    with pytest.raises(ConfigError, match=rf"^plugins\.0\.{field}: expected"):
        ring_with_decay(**options)
