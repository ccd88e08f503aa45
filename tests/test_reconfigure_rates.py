"""A resume with optimiser overrides changes exactly what they say: schedules and untouched rates carry over."""
import pytest

from ganforge.cli import main
from ganforge.config import validate
from ganforge.train.checkpoint import latest_checkpoint, read_checkpoint
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from tests.conftest import tiny_ring_raw

BASE = 2e-4  # the optimisers' default lr


def decaying_run(tmp_path):
    raw = tiny_ring_raw(steps=5, checkpoint_every=5)
    raw["plugins"] = [{"name": "lr_decay", "start_step": 0, "end_step": 10, "final": 0.0}]
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    train(validate(raw), run, quiet=True)
    return run


def rates(run):
    checkpoint = read_checkpoint(latest_checkpoint(run.checkpoints))
    return checkpoint["opt_g"]["param_groups"][0]["lr"], checkpoint["opt_d"]["param_groups"][0]["lr"]


def test_lr_decay_half_way_then_a_new_d_rate_leaves_g_alone_and_keeps_the_decay(tmp_path):
    run = decaying_run(tmp_path)
    g_before, d_before = rates(run)
    assert g_before == pytest.approx(BASE * 0.5) and d_before == pytest.approx(BASE * 0.5)  # f(5) = 1 − 5/10
    assert main(["resume", str(run.path), "optim.d.lr=2e-3", "train.steps=6", "--quiet"]) == 0
    g_after, d_after = rates(run)
    assert g_after == pytest.approx(BASE * 0.4)  # only the schedule moved it: f(6) = 0.4
    assert d_after == pytest.approx(2e-3 * 0.4)  # the new rate, under the same schedule


@pytest.mark.parametrize("override, changed", [
    ("optim.g.weight_decay=0.01", ("g", "weight_decay", 0.01)),
    ("optim.g.betas=[0.0, 0.99]", ("g", "betas", (0.0, 0.99))),
])
def test_other_settings_change_alone(tmp_path, override, changed):
    run = decaying_run(tmp_path)
    before = read_checkpoint(latest_checkpoint(run.checkpoints))
    assert main(["resume", str(run.path), override, "train.steps=6", "--quiet"]) == 0
    after = read_checkpoint(latest_checkpoint(run.checkpoints))
    side, key, value = changed
    setting = after[f"opt_{side}"]["param_groups"][0][key]
    assert (tuple(setting) if key == "betas" else setting) == value
    other = "d" if side == "g" else "g"
    assert after[f"opt_{other}"]["param_groups"][0]["weight_decay"] == before[f"opt_{other}"]["param_groups"][0]["weight_decay"]
    assert after["opt_g"]["param_groups"][0]["lr"] == pytest.approx(BASE * 0.4)  # the decay went on, nothing reset it
