"""A full disk or an unwritable run directory: one clear error, and the earlier checkpoints intact."""
import errno
import os
import stat

import pytest
import torch

from ganforge.config import validate
from ganforge import safe_files
from ganforge.errors import CheckpointError, GanforgeError
from ganforge.train import checkpoint
from ganforge.train.checkpoint import list_checkpoints, read_checkpoint
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from tests.conftest import tiny_ring_raw


def test_disk_full_during_the_second_checkpoint(tmp_path, monkeypatch):
    real_save, calls = torch.save, []

    def save_until_the_disk_fills(payload, file):
        calls.append(file)
        if len(calls) == 2:
            file.write(b"PK\x03\x04 half a checkpoint")  # a partial write, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_save(payload, file)

    monkeypatch.setattr(checkpoint.torch, "save", save_until_the_disk_fills)
    run = RunDir.create(path=tmp_path / "run")
    config = validate(tiny_ring_raw(steps=20, checkpoint_every=10))
    with pytest.raises(CheckpointError) as raised:
        train(config, run, quiet=True)
    message = str(raised.value)
    assert message == (f"{run.checkpoints / 'step-00000020.pt'}: cannot write checkpoint (No space left on device); "
                       "the earlier checkpoints are intact")
    assert [p.name for p in run.checkpoints.iterdir()] == ["step-00000010.pt"]  # no temporary file left behind
    assert read_checkpoint(list_checkpoints(run.checkpoints)[-1])["step"] == 10


def test_fsync_failure_is_reported_the_same_way(tmp_path, monkeypatch):
    run = RunDir.create(path=tmp_path / "run")
    state = train(validate(tiny_ring_raw(steps=10, checkpoint_every=10)), run, quiet=True)
    monkeypatch.setattr(safe_files.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, os.strerror(errno.EIO))))
    state.step = 20
    with pytest.raises(CheckpointError, match=r"step-00000020\.pt: cannot write checkpoint \(Input/output error\)"):
        checkpoint.save_checkpoint(state, run.checkpoints, keep=3)
    assert [p.name for p in run.checkpoints.iterdir()] == ["step-00000010.pt"]


def test_a_read_only_run_directory_fails_at_start(tmp_path):
    run = RunDir.create(path=tmp_path / "run")
    train(validate(tiny_ring_raw(steps=10)), run, quiet=True)
    before = sorted(p.name for p in run.checkpoints.iterdir())
    run.path.chmod(stat.S_IRUSR | stat.S_IXUSR)  # 0o500
    try:
        if os.access(run.path, os.W_OK):
            pytest.skip("running as root: chmod does not stop writes")
        with pytest.raises(GanforgeError, match=rf"^{run.path}: run directory is not writable \(Permission denied\)$"):
            train(validate(tiny_ring_raw(steps=20)), run, resume=True, quiet=True)
    finally:
        run.path.chmod(0o700)
    assert sorted(p.name for p in run.checkpoints.iterdir()) == before


def test_a_run_directory_whose_checkpoint_folder_is_a_file_fails_at_start(tmp_path):
    """Works as root too: the OS refuses to treat a file as a folder whoever asks."""
    run = RunDir.create(path=tmp_path / "run")
    run.checkpoints.rmdir()
    run.checkpoints.write_text("not a folder")
    with pytest.raises(GanforgeError, match=rf"^{run.checkpoints}: run directory is not writable \(File exists\)$"):
        train(validate(tiny_ring_raw(steps=10)), run, quiet=True)


def test_create_accepts_a_directory_left_by_a_run_killed_during_start_up(tmp_path):
    first = RunDir.create(path=tmp_path / "run")  # killed here: only the empty subfolders exist
    again = RunDir.create(path=first.path)
    assert again.path == first.path
    (first.samples / "step-00000010.png").write_bytes(b"")
    with pytest.raises(GanforgeError, match="exists and is not empty"):
        RunDir.create(path=first.path)


def test_disk_full_while_writing_stats_is_one_line_and_checkpoints_survive(tmp_path, monkeypatch, capsys):
    """Any OSError outside the checkpoint writer (stats, sample grids) still ends in one line, exit 2."""
    import errno

    import yaml

    from ganforge.cli import main
    from ganforge.train import stats
    from ganforge.train.checkpoint import list_checkpoints, read_checkpoint
    from tests.conftest import tiny_ring_raw

    config = tmp_path / "ring.yaml"
    config.write_text(yaml.safe_dump(tiny_ring_raw(steps=20, checkpoint_every=5, log_every=5)))
    original = stats.JsonlWriter.__call__

    def full_after_step_10(self, step, means):
        if step > 10:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
        original(self, step, means)

    monkeypatch.setattr(stats.JsonlWriter, "__call__", full_after_step_10)
    run_dir = tmp_path / "run"
    assert main(["train", str(config), "--run-dir", str(run_dir), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "stats.jsonl: No space left on device" in error
    checkpoints = list_checkpoints(run_dir / "checkpoints")
    assert [p.name for p in checkpoints] == ["step-00000005.pt", "step-00000010.pt"]
    assert read_checkpoint(checkpoints[-1])["step"] == 10
