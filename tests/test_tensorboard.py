"""TensorBoard events: every stats flush as scalars (the same numbers as stats.jsonl), every grid as an image."""
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from ganforge.config import validate  # noqa: E402
from ganforge.train.loop import train  # noqa: E402
from ganforge.train.run_dir import RunDir  # noqa: E402
from ganforge.train.stats import read_stats  # noqa: E402
from tests.conftest import tiny_digits_raw  # noqa: E402


def load_events(path):
    events = EventAccumulator(str(path), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    return events


def test_scalars_match_stats_jsonl_and_grids_become_images(tmp_path):
    # 6 steps, log_every 3, sample_every 3: flushes and grids at steps 3 and 6
    run = RunDir.create(path=tmp_path / "run")
    train(validate(tiny_digits_raw()), run, quiet=True)
    assert list(run.path.glob("events.out.tfevents.*")), "event file in the run directory itself"

    events = load_events(run.path)
    records = read_stats(run.stats)
    for name in ("loss/d", "loss/g", "d/real", "d/fake"):
        logged = events.Scalars(name)
        assert [e.step for e in logged] == [r["step"] for r in records] == [3, 6]
        assert [e.value for e in logged] == pytest.approx([r[name] for r in records], rel=1e-6)  # float32 in events

    images = events.Images("samples")
    assert [image.step for image in images] == [3, 6]
    assert images[0].width >= 256 and images[0].height >= 256  # the PNG as saved (enlarged to ≥256 px)


@pytest.mark.parametrize("switch, installed", [(False, True), (True, False)])
def test_switched_off_or_not_installed_writes_no_events(tmp_path, monkeypatch, switch, installed):
    monkeypatch.setattr("ganforge.train.tensorboard.tensorboard_available", lambda: installed)
    run = RunDir.create(path=tmp_path / "run")
    train(validate(tiny_digits_raw(steps=3, tensorboard=switch)), run, quiet=True)
    assert not list(run.path.glob("events.out.tfevents.*"))
    assert len(read_stats(run.stats)) == 1


def test_resume_purges_events_after_the_checkpoint(tmp_path):
    run = RunDir.create(path=tmp_path / "run")
    train(validate(tiny_digits_raw(steps=6)), run, quiet=True)  # checkpoints at 3 and 6
    (run.checkpoints / "step-00000006.pt").unlink()  # as if killed after step 6's stats, before its checkpoint
    train(validate(tiny_digits_raw(steps=6)), run, resume=True, quiet=True)
    logged = load_events(run.path).Scalars("loss/d")
    assert [e.step for e in logged] == [3, 6]  # the first run's step-6 value is purged, not shown twice
    assert [e.value for e in logged] == pytest.approx([r["loss/d"] for r in read_stats(run.stats)], rel=1e-6)
