"""train.precision: bf16 and fp16 autocast train finitely; penalties stay float32; fp16's skipped steps are no divergence."""
import json
import math

import pytest
import torch

from ganforge.config import validate
from ganforge.plugins import Plugin
from ganforge.regularizers.gradient_penalty import squared_gradient_norms
from ganforge.train.checkpoint import list_checkpoints, read_checkpoint
from ganforge.train.loop import train
from ganforge.train.objectives import discriminator_loss
from ganforge.train.precision import autocast
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from tests.conftest import temporary_plugin, tiny_digits_raw, tiny_ring_raw

INF_GRAD_PLUGIN = "test_inf_d_gradient"


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
@pytest.mark.parametrize("make_raw", [tiny_ring_raw, tiny_digits_raw], ids=["mlp", "dcgan"])
def test_mixed_precision_trains_with_finite_stats(tmp_path, precision, make_raw):
    raw = make_raw(steps=12, log_every=4, sample_every=12, checkpoint_every=12, precision=precision)
    raw["plugins"] = [{"name": "r1", "gamma": 1.0}]
    run = RunDir.create(path=tmp_path / "run")
    state = train(validate(raw), run, quiet=True)
    assert state.step == 12 and not (run.path / "events.jsonl").exists()  # no rollback
    records = read_stats(run.stats)
    assert [r["step"] for r in records] == [4, 8, 12]
    assert all(isinstance(r[name], float) and math.isfinite(r[name]) for r in records for name in ("loss/d", "loss/g", "loss/d_r1"))
    if precision == "fp16":
        assert set(read_checkpoint(list_checkpoints(run.checkpoints)[-1])["grad_scalers"]) == {"g", "d"}


def test_a_penalty_under_bf16_is_the_float32_penalty():
    """The penalty's critic pass runs with autocast off: its value under bf16 equals fp32's to float32 rounding
    (relative 1e-6), while the adversarial loss, computed in bf16, only agrees to bf16's 8-bit mantissa (2e-2)."""
    raw = tiny_digits_raw(precision="bf16")
    raw["discriminator"]["norm"] = "none"
    raw["plugins"] = [{"name": "r1", "gamma": 1.0}]
    state = build_state(validate(raw))
    real, labels = state.next_batch()
    torch.manual_seed(0)
    fp32_total, fp32_adversarial, fp32_terms, _, _ = discriminator_loss(state, real, labels)
    torch.manual_seed(0)
    with autocast("bf16", state.device):
        bf16_total, bf16_adversarial, bf16_terms, _, _ = discriminator_loss(state, real, labels)
        squared = squared_gradient_norms(state.D, real, labels)
    assert squared.dtype == torch.float32
    assert bf16_terms["r1"].item() == pytest.approx(fp32_terms["r1"].item(), rel=1e-6)
    assert bf16_terms["r1"].item() > 0
    assert bf16_adversarial.item() == pytest.approx(fp32_adversarial.item(), rel=2e-2)


class InfDGradient(Plugin):
    """Test-only: D's gradients become inf during step `at_step` (its loss stays finite), as an fp16 overflow does."""

    def __init__(self, at_step: int = 6):
        self.at_step, self.fired = at_step, False  # once: a rollback does not re-arm it

    def d_terms(self, ctx):
        if ctx.state.step + 1 == self.at_step and not self.fired:
            self.fired = True
            ctx.real_logits.register_hook(lambda grad: grad * math.inf)
        return {}


@pytest.fixture
def inf_gradient_plugin():
    with temporary_plugin(INF_GRAD_PLUGIN, InfDGradient) as name:
        yield name


def overflow_run(tmp_path, name, precision, plugins):
    raw = tiny_ring_raw(steps=10, log_every=5, sample_every=10, checkpoint_every=5, precision=precision)
    raw["plugins"] = plugins
    run = RunDir.create(path=tmp_path / name)
    state = train(validate(raw), run, quiet=True)
    events = (run.path / "events.jsonl").read_text().splitlines() if (run.path / "events.jsonl").exists() else []
    return state, [json.loads(line)["event"] for line in events], read_stats(run.stats)


def test_an_overflowing_gradient_is_a_skipped_step_under_fp16(tmp_path, inf_gradient_plugin):
    """GradScaler skips the step and halves D's scale; the guard and the stats take it as routine."""
    plain, plain_events, plain_stats = overflow_run(tmp_path, "plain", "fp16", [])
    hit, hit_events, hit_stats = overflow_run(tmp_path, "hit", "fp16", [{"name": INF_GRAD_PLUGIN, "at_step": 7}])
    assert hit.step == 10 and hit_events == plain_events == []
    assert hit.scalers["d"].get_scale() == plain.scalers["d"].get_scale() / 2  # one more skipped D step
    assert hit.scalers["g"].get_scale() == plain.scalers["g"].get_scale()
    assert hit_stats[1]["amp/skipped_d"] == pytest.approx(plain_stats[1]["amp/skipped_d"] + 1 / 5)  # steps 6-10
    assert all(math.isfinite(record["grad/d"]) for record in hit_stats)  # the mean over the steps taken
    assert all(torch.isfinite(p).all() for p in hit.D.parameters())


def test_the_same_overflow_under_fp32_is_rolled_back(tmp_path, inf_gradient_plugin):
    state, events, _ = overflow_run(tmp_path, "fp32", "fp32", [{"name": INF_GRAD_PLUGIN, "at_step": 7}])
    assert state.step == 10 and events == ["rollback"]
