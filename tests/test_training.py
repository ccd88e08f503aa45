"""The loop, checkpoints and exact resume."""
import pickle

import pytest
import torch

from ganforge.config import validate
from ganforge.errors import CheckpointError
from ganforge.train.checkpoint import list_checkpoints, load_checkpoint, read_checkpoint
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from tests.conftest import tiny_digits_raw, tiny_ring_raw

SIGNALS = {"loss/d", "loss/g", "d/real", "d/fake", "d/accuracy", "d/sign_real", "grad/d", "grad/g"}


def parameters_of(state):
    return [p.detach().clone() for p in [*state.G.parameters(), *state.D.parameters()]]


def buffers_of(state):
    return [b.detach().clone() for b in [*state.G.buffers(), *state.D.buffers()]]


def run_to(tmp_path, raw, name, steps, resume_from=None):
    raw = {**raw, "train": {**raw["train"], "steps": steps}}
    if resume_from is None:
        run = RunDir.create(path=tmp_path / name)
        return train(validate(raw), run, quiet=True), run
    return train(validate(raw), resume_from, resume=True, quiet=True), resume_from


@pytest.mark.parametrize("make_raw, split, total", [(tiny_ring_raw, 10, 20), (tiny_digits_raw, 3, 6)])
def test_interrupted_and_resumed_equals_uninterrupted_bitwise(tmp_path, make_raw, split, total):
    raw = make_raw()
    straight, _ = run_to(tmp_path, raw, "straight", total)
    _, first_half = run_to(tmp_path, raw, "halves", split)
    resumed, _ = run_to(tmp_path, raw, "halves", total, resume_from=first_half)
    assert resumed.step == straight.step == total
    for a, b in zip(parameters_of(straight) + buffers_of(straight), parameters_of(resumed) + buffers_of(resumed)):
        assert torch.equal(a, b)
    straight_steps = [r["step"] for r in read_stats(tmp_path / "straight" / "stats.jsonl")]
    resumed_steps = [r["step"] for r in read_stats(tmp_path / "halves" / "stats.jsonl")]
    assert straight_steps == resumed_steps


def test_run_writes_signals_samples_and_keeps_last_checkpoints(tmp_path):
    raw = tiny_ring_raw(steps=40, checkpoint_every=10, keep_checkpoints=2, sample_every=20, log_every=10)
    state, run = run_to(tmp_path, raw, "run", 40)
    records = read_stats(run.stats)
    assert [r["step"] for r in records] == [10, 20, 30, 40]
    assert SIGNALS <= set(records[-1])
    assert 0.0 <= records[-1]["d/accuracy"] <= 1.0 and -1.0 <= records[-1]["d/sign_real"] <= 1.0
    assert sorted(p.name for p in run.samples.iterdir()) == ["step-00000020.png", "step-00000040.png"]
    assert [p.name for p in list_checkpoints(run.checkpoints)] == ["step-00000030.pt", "step-00000040.pt"]
    assert not [p for p in run.checkpoints.iterdir() if p.name.endswith(".tmp")]
    assert (run.path / "config.yaml").is_file()


def test_n_critic_draws_one_batch_per_d_step(tmp_path):
    raw = tiny_ring_raw(steps=5)
    raw["optim"] = {"n_critic": 3}
    state, _ = run_to(tmp_path, raw, "critic", 5)
    assert state.batches_drawn == 15


def test_training_moves_the_ring_generator_towards_the_data(tmp_path):
    """After a short run, G's samples sit much nearer radius 1 than at initialisation."""
    raw = tiny_ring_raw(steps=500, checkpoint_every=500, sample_every=500, log_every=50)
    raw["generator"]["width"] = raw["discriminator"]["width"] = 32
    raw["optim"] = {"g": {"lr": 2e-3}, "d": {"lr": 2e-3}}
    untrained = build_state(validate(raw))
    state, _ = run_to(tmp_path, raw, "learn", 500)

    def radius_error(s):
        with torch.no_grad():
            points = s.G(s.G.sample_latent(512)) / s.data.scale
        return (points.norm(dim=1) - 1).abs().mean().item()

    assert radius_error(state) < 0.5 * radius_error(untrained)


def test_checkpoint_from_other_shapes_is_a_clear_mismatch(tmp_path):
    state, run = run_to(tmp_path, tiny_ring_raw(), "a", 10)
    wider = tiny_ring_raw()
    wider["generator"]["width"] = 32
    with pytest.raises(CheckpointError, match="does not match this run's config"):
        load_checkpoint(list_checkpoints(run.checkpoints)[-1], build_state(validate(wider)))


class CreatesFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_malicious_pickle_checkpoint_is_refused_and_runs_nothing(tmp_path):
    victim = tmp_path / "pwned.txt"
    evil = tmp_path / "step-00000001.pt"
    evil.write_bytes(pickle.dumps({"step": CreatesFile(victim)}))
    with pytest.raises(CheckpointError, match="refused to load"):
        read_checkpoint(evil)
    assert not victim.exists()


def test_truncated_checkpoint_is_reported(tmp_path):
    _, run = run_to(tmp_path, tiny_ring_raw(), "t", 10)
    path = list_checkpoints(run.checkpoints)[-1]
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="unreadable or truncated"):
        read_checkpoint(path)
