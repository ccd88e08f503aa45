"""The NaN/Inf guard: a non-finite step is rolled back, never checkpointed, and recorded."""
import json

import pytest
import torch

from ganforge.cli import main
from ganforge.config import validate
from ganforge.plugins import Plugin
from ganforge.train.checkpoint import list_checkpoints, read_checkpoint
from ganforge.train.guard import DivergenceError
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.stats import read_stats
from tests.conftest import temporary_plugin, tiny_ring_raw

NAN_PLUGIN = "test_nan_d_term"
BASE_LR = 2e-4  # the OptimizerConfig default


class NanDTerm(Plugin):
    """Test-only: a D loss term that is NaN (and so poisons D's gradients) during step `at_step`, `times` times."""

    def __init__(self, at_step: int = 15, times: int = 1):
        self.at_step, self.times_left = at_step, times

    def d_terms(self, ctx):
        if ctx.state.step + 1 != self.at_step or self.times_left == 0:  # state.step counts completed G steps
            return {}
        self.times_left -= 1  # not in state_dict: a rollback does not re-arm it
        return {"nan": ctx.real_logits.mean() * float("nan")}


@pytest.fixture
def nan_plugin():
    """Registered only while a test runs, so the registry-wide plugin contract tests never see it."""
    with temporary_plugin(NAN_PLUGIN, NanDTerm) as name:
        yield name


def nan_run(tmp_path, at_step, times=1, **on_nan):
    raw = tiny_ring_raw(steps=20, checkpoint_every=10, log_every=5, keep_checkpoints=5, on_nan=on_nan)
    raw["plugins"] = [{"name": NAN_PLUGIN, "at_step": at_step, "times": times}]
    return validate(raw), RunDir.create(path=tmp_path / "run")


def events_of(run):
    return [json.loads(line) for line in (run.path / "events.jsonl").read_text().splitlines()]


def assert_every_checkpoint_finite(run):
    for path in list_checkpoints(run.checkpoints):
        checkpoint = read_checkpoint(path)
        for net in ("generator", "discriminator"):
            for name, tensor in checkpoint[net].items():
                assert torch.isfinite(tensor).all(), f"{path.name}: {net}.{name}"
        for opt in ("opt_g", "opt_d"):
            for slot in checkpoint[opt]["state"].values():
                assert all(torch.isfinite(v).all() for v in slot.values() if torch.is_tensor(v))


@pytest.mark.parametrize("at_step, rolled_back_to", [(15, 10), (5, 0)])
def test_a_nan_step_rolls_back_halves_the_rates_and_the_run_finishes(tmp_path, nan_plugin, at_step, rolled_back_to):
    config, run = nan_run(tmp_path, at_step)
    state = train(config, run, quiet=True)
    assert state.step == 20
    [event] = events_of(run)
    assert (event["event"], event["step"], event["to_step"], event["attempt"]) == ("rollback", at_step, rolled_back_to, 1)
    assert "loss/d_nan" in event["non_finite"]
    assert event["lr_g"] == event["lr_d"] == BASE_LR / 2
    assert [g["lr"] for opt in (state.opt_g, state.opt_d) for g in opt.param_groups] == [BASE_LR / 2] * 2
    assert_every_checkpoint_finite(run)
    assert [p.name for p in list_checkpoints(run.checkpoints)] == ["step-00000010.pt", "step-00000020.pt"]
    records = read_stats(run.stats)
    assert [r["step"] for r in records] == [5, 10, 15, 20]  # the rolled-back window was dropped, not duplicated
    assert all(isinstance(r["loss/d"], float) for r in records)  # no "nan" strings reached the log
    assert [r.get("guard/rollbacks") for r in records if "guard/rollbacks" in r] == [1]
    assert [r["guard/failed_step"] for r in records if "guard/failed_step" in r] == [at_step]  # where it went wrong


def test_a_persistent_nan_stops_after_max_attempts_with_the_last_good_checkpoint_intact(tmp_path, nan_plugin):
    config, run = nan_run(tmp_path, at_step=15, times=100, max_attempts=2)
    with pytest.raises(DivergenceError, match=r"^training diverged: non-finite loss/d_nan.* at step 15 after 2 rollbacks; try lower"):
        train(config, run, quiet=True)
    assert [e["event"] for e in events_of(run)] == ["rollback", "rollback", "diverged"]
    assert [e["lr_g"] for e in events_of(run)[:2]] == [BASE_LR / 2, BASE_LR / 4]  # halved on each rollback
    assert [p.name for p in list_checkpoints(run.checkpoints)] == ["step-00000010.pt"]
    assert_every_checkpoint_finite(run)


def test_action_stop_fails_at_the_first_non_finite_step(tmp_path, nan_plugin):
    config, run = nan_run(tmp_path, at_step=12, action="stop")
    with pytest.raises(DivergenceError, match=r"^training diverged: non-finite loss/d_nan.* at step 12; try lower"):
        train(config, run, quiet=True)
    assert [e["event"] for e in events_of(run)] == ["diverged"]
    assert_every_checkpoint_finite(run)


def test_an_absurd_learning_rate_is_a_clear_cli_error(tmp_path, capsys):
    """SGD at lr 1e6 overflows within a step or two; three halvings (to 1.25e5) cannot save it."""
    import yaml

    raw = tiny_ring_raw(steps=20)
    raw["optim"] = {"g": {"name": "sgd", "lr": 1e6}, "d": {"name": "sgd", "lr": 1e6}}
    path = tmp_path / "absurd.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["train", str(path), "--run-dir", str(tmp_path / "run"), "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: training diverged: non-finite") and "after 3 rollbacks" in error
    assert len(error.splitlines()) == 1
    run = RunDir(tmp_path / "run")
    assert [e["event"] for e in events_of(run)] == ["rollback"] * 3 + ["diverged"]
    assert_every_checkpoint_finite(run)
