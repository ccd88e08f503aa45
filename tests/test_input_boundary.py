"""Hostile or broken input at the CLI: one line naming the field or file, exit code 2, nothing written or lost."""
import json
import struct

import pytest
import torch
import yaml

from ganforge.cli import main
from ganforge.config import validate
from ganforge.safe_yaml import MAX_DEPTH, MAX_EXPANDED_NODES
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from tests.conftest import tiny_ring_raw


def one_error_line(capsys) -> str:
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: "), error
    assert "Traceback" not in error
    return error


def refused(capsys, *argv) -> str:
    assert main(list(argv)) == 2
    return one_error_line(capsys)


def test_an_alias_bomb_config_is_refused_before_it_expands(tmp_path, capsys):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):  # 10^8 values once expanded, a few hundred bytes on disk
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    error = refused(capsys, "train", str(bomb), "--dry-run")
    assert error.startswith(f"error: {bomb}:") and f"more than {MAX_EXPANDED_NODES} values" in error


def test_a_config_that_is_not_utf8_names_the_file_and_the_byte(tmp_path, capsys):
    config = tmp_path / "latin1.yaml"
    config.write_bytes("name: caf\xe9\n".encode("latin-1"))
    error = refused(capsys, "train", str(config), "--dry-run")
    assert error.startswith(f"error: {config}:") and "UTF-8" in error and "byte 9" in error


def test_an_override_nested_past_the_limit_is_one_line(capsys):
    depth = MAX_DEPTH + 1
    error = refused(capsys, "train", "ring", "train.steps=" + "[" * depth + "]" * depth, "--dry-run")
    assert error.startswith("error: train.steps:") and f"more than {MAX_DEPTH} levels" in error


def test_a_net_too_large_for_memory_is_refused_before_it_is_built(tmp_path, capsys):
    error = refused(capsys, "train", "ring", "z_dim=1000000000000", "--run-dir", str(tmp_path / "run"), "--quiet")
    assert error.startswith("error: z_dim: training needs") and "GB available" in error
    assert not (tmp_path / "run").exists()  # a failed start leaves no run folder


@pytest.mark.parametrize("override, field", [
    ("train.seed=-1", "train.seed"),
    ("plugins=[{name: ema}, {name: ema}]", "plugins.1"),
])
def test_out_of_range_and_repeated_settings_name_their_field(capsys, override, field):
    assert refused(capsys, "train", "ring", override, "--dry-run").startswith(f"error: {field}:")


def idx_header(count: int, side: int = 28) -> bytes:
    return struct.pack(">BBBBIII", 0, 0, 8, 3, count, side, side)  # unsigned bytes, 3 dimensions


def test_an_idx_file_announcing_more_than_it_holds_is_refused_without_allocating(tmp_path, capsys):
    images = tmp_path / "images.idx"
    images.write_bytes(idx_header(10 ** 9) + bytes(28 * 28 * 3))  # claims 784 GB, holds three images
    error = refused(capsys, "train", "fashion_dcgan", "data.name=idx", f"data.images={images}", "--dry-run")
    assert error.startswith(f"error: {images}: is truncated or corrupt")
    assert "784000000000 bytes" in error and f"holds {28 * 28 * 3}" in error


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("boundary")
    run = RunDir.create(root, path=root / "run")
    train(validate(tiny_ring_raw(steps=10, checkpoint_every=5)), run, quiet=True)
    return run


def test_a_checkpoint_that_is_not_one_is_refused_and_left_alone(finished_run, tmp_path, capsys):
    fake = tmp_path / "step-00000099.pt"
    fake.write_bytes(b"not a checkpoint\n")
    error = refused(capsys, "sample", str(finished_run.path), "--checkpoint", str(fake), "--out", str(tmp_path / "s.png"))
    assert error.startswith(f"error: {fake}:")
    assert fake.read_bytes() == b"not a checkpoint\n" and not (tmp_path / "s.png").exists()


def test_a_stats_log_with_torn_undecodable_and_over_nested_lines_still_reports(finished_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_run.path, run)
    good = (run / "stats.jsonl").read_bytes()
    nested = json.dumps({"step": 11, "x": 0}).replace("0}", "[" * 5000 + "]" * 5000 + "}")
    (run / "stats.jsonl").write_bytes(good + b'{"step": 12, "loss/d": \xff\xfe}\n' + nested.encode() + b'\n{"step": 1')
    assert main(["report", str(run), "--out", str(tmp_path / "report.html")]) == 0
    assert (tmp_path / "report.html").is_file()
    assert (run / "stats.jsonl").read_bytes().startswith(good)  # the report reads the log, never rewrites it


def test_the_presets_themselves_stay_inside_the_yaml_limits():
    from ganforge.config import preset_names, find_preset
    from ganforge.safe_yaml import read_yaml_file

    for name in preset_names():
        assert read_yaml_file(find_preset(name)) == yaml.safe_load(find_preset(name).read_text()), name


def test_vectors_of_any_width_train_resume_and_sample(tmp_path, capsys):
    import numpy as np

    vectors = tmp_path / "v5.npy"
    np.save(vectors, np.random.default_rng(0).uniform(-1, 1, size=(200, 5)).astype("float32"))
    run = tmp_path / "run"
    common = ["train.sample_every=10", "train.checkpoint_every=10", "--quiet"]
    assert main(["train", "ring", "data.name=array", f"data.path={vectors}", "train.steps=20", *common,
                 "--run-dir", str(run)]) == 0
    assert sorted(p.name for p in (run / "samples").glob("step-*.png")) == ["step-00000010.png", "step-00000020.png"]
    assert main(["resume", str(run), "train.steps=30", "--quiet"]) == 0
    assert main(["sample", str(run), "--out", str(tmp_path / "s.npy"), "-n", "7"]) == 0
    assert np.load(tmp_path / "s.npy").shape == (7, 5)


def test_a_one_sample_dataset_trains(tmp_path):
    import numpy as np

    single = tmp_path / "one.npy"
    np.save(single, np.zeros((1, 2), dtype="float32"))
    run = tmp_path / "run"
    assert main(["train", "ring", "data.name=array", f"data.path={single}", "train.steps=10", "train.batch_size=4",
                 "--run-dir", str(run), "--quiet"]) == 0
    from ganforge.train.checkpoint import latest_checkpoint, read_checkpoint

    final = read_checkpoint(latest_checkpoint(run / "checkpoints"))
    assert final["step"] == 10 and final["batches_drawn"] == 10  # every batch is the one sample, repeated
    assert all(torch.isfinite(tensor).all() for tensor in final["generator"].values())


def test_compare_skips_undecodable_and_over_nested_eval_lines(finished_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_run.path, run)
    good = json.dumps({"step": 10, "metrics": {"fd": 1.5}, "extractor": "x"})
    nested = '{"step": 11, "metrics": ' + "[" * 5000 + "]" * 5000 + "}"
    (run / "eval.jsonl").write_bytes(good.encode() + b"\n" + nested.encode() + b"\n\xff\xfe{\"step\": 12\n")
    assert main(["compare", str(run), str(finished_run.path), "--out", str(tmp_path / "c.html")]) == 0
    from ganforge.report.compare import latest_evaluation

    assert latest_evaluation(run / "eval.jsonl")["metrics"] == {"fd": 1.5}  # the newest readable evaluation
    assert (tmp_path / "c.html").is_file()


def test_resume_with_nothing_to_do_still_reports_a_damaged_newest_checkpoint(finished_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_run.path, run)
    newest = run / "checkpoints" / "step-00000010.pt"
    newest.write_bytes(newest.read_bytes()[:100])  # what a full disk leaves
    error = refused(capsys, "resume", str(run), "--quiet")
    assert error.startswith(f"error: {newest}")
