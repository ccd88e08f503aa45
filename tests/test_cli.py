"""The `ganforge` command end to end on a few steps."""
import subprocess
import sys

import numpy as np
import pytest
import yaml
from PIL import Image

from ganforge.cli import main
from tests.conftest import tiny_digits_raw, tiny_ring_raw


@pytest.fixture
def ring_yaml(tmp_path):
    path = tmp_path / "ring.yaml"
    path.write_text(yaml.safe_dump(tiny_ring_raw()))
    return path


def test_dry_run_prints_resolved_config(ring_yaml, capsys):
    assert main(["train", str(ring_yaml), "loss.name=hinge", "--dry-run"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["loss"] == {"name": "hinge"}
    assert printed["data"]["std"] == 0.01


def test_config_error_is_one_line_and_exit_code_2(ring_yaml, capsys):
    assert main(["train", str(ring_yaml), "loss.name=hing"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: loss.name: unknown loss 'hing'")
    assert "Traceback" not in error


def test_train_resume_sample_end_to_end(tmp_path, ring_yaml, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", str(ring_yaml), "train.steps=10", "--run-dir", str(run_dir), "--quiet"]) == 0
    assert main(["resume", str(run_dir), "train.steps=20", "--quiet"]) == 0
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["train"]["steps"] == 20
    assert (run_dir / "checkpoints" / "step-00000020.pt").is_file()

    out = tmp_path / "points.npy"
    assert main(["sample", str(run_dir), "-n", "100", "--format", "npy", "--out", str(out)]) == 0
    points = np.load(out)
    assert points.shape == (100, 2)
    assert main(["sample", str(run_dir), "-n", "100", "--format", "npy", "--out", str(tmp_path / "again.npy")]) == 0
    np.testing.assert_array_equal(points, np.load(tmp_path / "again.npy"))  # same --seed, same samples
    assert main(["sample", str(run_dir), "--out", str(tmp_path / "plot.png")]) == 0
    assert Image.open(tmp_path / "plot.png").size[0] > 100


def test_sample_images_are_pixels(tmp_path):
    config = tmp_path / "digits.yaml"
    config.write_text(yaml.safe_dump(tiny_digits_raw()))
    run_dir = tmp_path / "digits"
    assert main(["train", str(config), "--run-dir", str(run_dir), "--quiet"]) == 0
    out = tmp_path / "x.npy"
    assert main(["sample", str(run_dir), "-n", "5", "--format", "npy", "--out", str(out)]) == 0
    pixels = np.load(out)
    assert pixels.shape == (5, 1, 8, 8) and pixels.dtype == np.uint8
    assert main(["sample", str(run_dir), "-n", "16", "--out", str(tmp_path / "grid.png")]) == 0
    assert Image.open(tmp_path / "grid.png").mode == "L"


def test_numbered_run_directories(tmp_path, ring_yaml):
    root = tmp_path / "runs"
    for _ in range(2):
        assert main(["train", str(ring_yaml), "train.steps=2", "--runs-root", str(root), "--quiet"]) == 0
    assert sorted(p.name for p in root.iterdir()) == ["00000-tiny", "00001-tiny"]


def test_resume_of_a_non_run_is_a_clear_error(tmp_path, capsys):
    assert main(["resume", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_list_shows_every_registry(capsys):
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    for name in ("nonsaturating", "hinge", "dcgan (generator)", "resnet (discriminator)", "ring", "fashion_mnist",
                 "cifar10", "quickstart"):
        assert name in listing


def test_module_entry_point_runs_in_a_fresh_process(ring_yaml):
    done = subprocess.run([sys.executable, "-m", "ganforge", "train", str(ring_yaml), "train.steps=0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: train.steps:")


def test_setup_error_leaves_no_empty_run_directory(tmp_path, ring_yaml, capsys):
    root = tmp_path / "runs"
    code = main(["train", str(ring_yaml), "loss.name=hinge", "plugins=[{name: label_smoothing}]",
                 "--runs-root", str(root), "--quiet"])
    assert code == 2
    assert "has no effect with loss 'hinge'" in capsys.readouterr().err
    assert not root.exists()  # made by this invocation, so removed with the run folder inside it


def test_a_failed_train_keeps_the_users_own_folder_and_files(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "draft.tmp").write_text("notes")
    code = main(["train", "ring", "data.name=array", f"data.path={tmp_path / 'missing.npy'}",
                 "--run-dir", str(mine), "--quiet"])
    assert code == 2
    assert "missing.npy" in capsys.readouterr().err
    assert sorted(p.name for p in mine.iterdir()) == ["draft.tmp"]  # what ganforge made is gone, the user's file is not
    assert (mine / "draft.tmp").read_text() == "notes"


def test_a_failed_train_keeps_an_empty_folder_the_user_made(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    assert main(["train", "ring", "data.name=array", "data.path=missing.npy", "--run-dir", str(mine), "--quiet"]) == 2
    assert mine.is_dir() and list(mine.iterdir()) == []
    nested = tmp_path / "a" / "b"
    assert main(["train", "ring", "data.name=array", "data.path=missing.npy", "--run-dir", str(nested), "--quiet"]) == 2
    assert not (tmp_path / "a").exists()  # every level was made by that invocation


def test_train_without_a_config_runs_the_quickstart_preset(capsys):
    assert main(["train", "train.steps=7", "--dry-run"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["name"] == "quickstart" and printed["data"]["name"] == "digits"
    assert printed["train"]["steps"] == 7  # overrides still apply to the default preset
