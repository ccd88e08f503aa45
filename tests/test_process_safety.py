"""One writer per run, files that are never torn, and checkpoints holding NaN/Inf never used as if sound."""
import pytest
import torch

from ganforge import safe_files
from ganforge.cli import main
from ganforge.config import validate
from ganforge.errors import GanforgeError
from ganforge.train.checkpoint import list_checkpoints, newest_finite_checkpoint, read_checkpoint
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.run_lock import LOCK_NAME, RunLock
from tests.conftest import tiny_ring_raw


def trained(tmp_path, steps=20):
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    train(validate(tiny_ring_raw(steps=steps, checkpoint_every=10, keep_checkpoints=5)), run, quiet=True)
    return run


def poison(checkpoint_path):
    """Write NaN into the first generator tensor of a checkpoint, as a diverged step would have left it."""
    checkpoint = read_checkpoint(checkpoint_path)
    first = next(iter(checkpoint["generator"]))
    checkpoint["generator"][first] = torch.full_like(checkpoint["generator"][first], float("nan"))
    torch.save(checkpoint, checkpoint_path)
    return first


def test_a_run_being_written_refuses_a_second_writer_and_names_the_holder(tmp_path, capsys):
    run = trained(tmp_path)
    holder = RunLock.acquire(run.path, "train")
    try:
        assert main(["resume", str(run.path), "train.steps=30", "--quiet"]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "another ganforge process is writing this run" in error
        assert "`ganforge train`" in error and "pid" in error
        assert [read_checkpoint(p)["step"] for p in list_checkpoints(run.checkpoints)] == [10, 20]  # nothing touched
    finally:
        holder.release()
    assert main(["resume", str(run.path), "train.steps=30", "--quiet"]) == 0  # free again: the resume runs
    assert read_checkpoint(list_checkpoints(run.checkpoints)[-1])["step"] == 30


def test_a_lock_left_by_a_killed_process_is_taken_over_with_a_note(tmp_path, capsys):
    run = trained(tmp_path)
    (run.path / LOCK_NAME).write_text('{"pid": 999999, "host": "elsewhere", "command": "train"}\n')  # no flock held
    assert main(["resume", str(run.path), "train.steps=30", "--quiet"]) == 0
    assert "took over the lock left by `ganforge train`, pid 999999 on elsewhere" in capsys.readouterr().out
    assert (run.path / LOCK_NAME).read_text() == ""  # a clean end empties it: nobody to take over from next time


def test_resume_skips_a_non_finite_newest_checkpoint_and_keeps_it_aside(tmp_path, capsys):
    run = trained(tmp_path)
    newest = list_checkpoints(run.checkpoints)[-1]
    poison(newest)
    good, passed_over = newest_finite_checkpoint(run.checkpoints)
    assert (good.name, passed_over) == ("step-00000010.pt", [newest])
    assert main(["resume", str(run.path), "train.steps=30", "--quiet"]) == 0
    assert "step-00000020.pt holding NaN/Inf" in capsys.readouterr().err
    assert (run.checkpoints / "step-00000020.pt.non-finite").is_file()  # kept, renamed, never deleted
    final = read_checkpoint(list_checkpoints(run.checkpoints)[-1])
    assert final["step"] == 30 and all(torch.isfinite(t).all() for t in final["generator"].values())


def test_sample_and_evaluate_refuse_a_checkpoint_holding_nan_in_one_line(tmp_path, capsys):
    run = trained(tmp_path)
    tensor = poison(list_checkpoints(run.checkpoints)[-1])
    assert main(["sample", str(run.path), "-n", "4", "--out", str(tmp_path / "s.png")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "non-finite values (NaN or Inf)" in error and tensor in error
    assert not (tmp_path / "s.png").exists()
    assert main(["sample", str(run.path), "-n", "4", "--out", str(tmp_path / "s.png"),
                 "--checkpoint", str(run.checkpoints / "step-00000010.pt")]) == 0  # the older one still works
    assert (tmp_path / "s.png").is_file()


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "config.yaml"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with safe_files.atomic_file(target, "w", encoding="utf-8") as file:
            file.write("half of the new")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def test_keep_aside_never_overwrites_an_earlier_copy(tmp_path):
    path = tmp_path / "step-00000010.pt"
    kept = []
    for content in ("first", "second", "third"):
        path.write_text(content)
        kept.append(safe_files.keep_aside(path, "before-reconfigure"))
    assert [p.name for p in kept] == ["step-00000010.pt.before-reconfigure", "step-00000010.pt.before-reconfigure-2",
                                      "step-00000010.pt.before-reconfigure-3"]
    assert [p.read_text() for p in kept] == ["first", "second", "third"]


def test_a_second_lock_in_one_process_is_refused_too(tmp_path):
    first = RunLock.acquire(tmp_path, "train")
    try:
        with pytest.raises(GanforgeError, match="another ganforge process is writing this run"):
            RunLock.acquire(tmp_path, "resume")
    finally:
        first.release()
    RunLock.acquire(tmp_path, "resume").release()
