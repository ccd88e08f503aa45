"""Kill -9 and SIGTERM against real `ganforge` processes: nothing saved is ever lost or corrupt.

The uninterrupted reference run is shared by both tests; every process runs single-threaded,
so the runs compare bitwise.
"""
import random
import signal
import sys
import time
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from kill_resume import (CHECKPOINT_EVERY, Results, episode, final_state, ganforge, same_tensors,  # noqa: E402
                         tiny_ring_config, uninterrupted)

from ganforge.train.checkpoint import list_checkpoints, read_checkpoint  # noqa: E402
from ganforge.train.stats import read_stats  # noqa: E402

STEPS = 60


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("interruptions")
    config_file = workdir / "ring-tiny.yaml"
    config_file.write_text(yaml.safe_dump(tiny_ring_config(STEPS)))
    final, timing = uninterrupted(config_file, workdir / "reference", STEPS)
    return config_file, final, timing


def test_sigkills_lose_at_most_one_interval_and_end_bitwise_equal(reference, tmp_path):
    """One kill aimed at each of start-up, training and a checkpoint write (benchmarks/kill_resume.py does 50)."""
    config_file, final, timing = reference
    results = Results()
    rng = random.Random(1)
    while results.kills < 3:
        episode(config_file, tmp_path / f"episode-{results.episodes}", STEPS, timing, rng, results, final, 3)
    assert results.failures == []
    assert results.kills == sum(results.phases.values()) == 3
    assert results.episodes >= 1 and results.max_steps_lost <= CHECKPOINT_EVERY


def test_sigterm_stops_at_a_step_boundary_with_a_checkpoint_and_resume_finishes(reference, tmp_path):
    """Exit 143 (not 0: `train ... && next` must stop), and the resumed run equals the uninterrupted one in its
    weights and in every stats.jsonl record (all but the wall-clock time/* columns)."""
    config_file, final, _ = reference
    run = tmp_path / "run"
    process = ganforge(config_file, run, resume=False)
    while not list_checkpoints(run / "checkpoints"):  # the first checkpoint (step 5): training is under way
        assert process.poll() is None, process.communicate()[1].decode()
        time.sleep(0.002)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, errors.decode()
    assert "Traceback" not in errors.decode()
    assert f"checkpoint saved; resume with: ganforge resume {run}" in errors.decode()
    newest = list_checkpoints(run / "checkpoints")[-1]
    stopped_at = read_checkpoint(newest)["step"]
    assert CHECKPOINT_EVERY <= stopped_at < STEPS  # the stop came before the end...
    assert newest.name == f"step-{stopped_at:08d}.pt"  # ...and saved the very step it stopped at
    assert not [p for p in (run / "checkpoints").iterdir() if p.name.endswith(".tmp")]

    resumed = ganforge(config_file, run, resume=True)
    _, errors = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, errors.decode()
    assert same_tensors(final_state(run, STEPS), final)
    assert logged_records(run) == logged_records(reference_run(config_file))


def test_ctrl_c_saves_a_checkpoint_and_exits_130(reference, tmp_path):
    config_file, _, _ = reference
    run = tmp_path / "run"
    process = ganforge(config_file, run, resume=False)
    while not list_checkpoints(run / "checkpoints"):
        assert process.poll() is None, process.communicate()[1].decode()
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGINT, errors.decode()
    assert "Traceback" not in errors.decode() and "stopped by SIGINT at step" in errors.decode()
    newest = list_checkpoints(run / "checkpoints")[-1]
    assert newest.name == f"step-{read_checkpoint(newest)['step']:08d}.pt"


@pytest.mark.parametrize("delay_s", [0.3, 1.0])
def test_ctrl_c_during_start_up_is_one_line_and_the_same_command_then_runs(reference, tmp_path, delay_s):
    """Before the first step (imports, data, nets): exit 130, no traceback, and nothing left that blocks a rerun."""
    config_file, _, _ = reference
    run = tmp_path / "run"
    process = ganforge(config_file, run, resume=False)
    time.sleep(delay_s)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert process.returncode == 128 + signal.SIGINT, errors.decode()
    assert "Traceback" not in errors.decode() and errors.decode().count("\n") <= 2, errors.decode()
    again = ganforge(config_file, run, resume=bool(list_checkpoints(run / "checkpoints")) if run.exists() else False)
    _, errors = again.communicate(timeout=300)
    assert again.returncode == 0, errors.decode()


def reference_run(config_file: Path) -> Path:
    return config_file.parent / "reference"


def logged_records(run: Path) -> list[dict]:
    return [{name: value for name, value in record.items() if not name.startswith("time/")}
            for record in read_stats(run / "stats.jsonl")]

