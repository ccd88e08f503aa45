"""`ganforge evaluate`, periodic evaluation during training, real-data selection and the real-feature cache."""
import json

import numpy as np
import pytest
import torch
import yaml

from ganforge.cli import main
from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.metrics import real_cache
from ganforge.metrics.real_data import real_samples, real_source
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.stats import read_stats
from tests.conftest import tiny_ring_raw


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_CACHE", str(tmp_path / "cache"))


def trained_ring(tmp_path, name="run", **raw_extra):
    raw = {**tiny_ring_raw(), **raw_extra}
    run = RunDir.create(tmp_path, path=tmp_path / name)
    state = train(validate(raw), run, quiet=True)
    return run, state


def test_evaluate_prints_json_with_provenance_and_records_it(tmp_path, capsys):
    run, _ = trained_ring(tmp_path)
    assert main(["evaluate", str(run.path), "--metrics", "modes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 20
    assert set(result["metrics"]) == {"modes", "high_quality", "reverse_kl"}
    assert 0 <= result["metrics"]["modes"] <= 8
    assert result["provenance"]["extractor"] == "data" and result["provenance"]["generator"] == "G"
    recorded = [json.loads(line) for line in (run.path / "eval.jsonl").read_text().splitlines()]
    assert recorded == [result]


def test_evaluate_is_deterministic(tmp_path, capsys):
    run, _ = trained_ring(tmp_path)
    main(["evaluate", str(run.path), "--metrics", "modes", "--json"])
    main(["evaluate", str(run.path), "--metrics", "modes", "--json"])
    first, second = capsys.readouterr().out.splitlines()
    assert json.loads(first)["metrics"] == json.loads(second)["metrics"]


def test_unknown_metric_is_one_line_naming_the_choices(tmp_path, capsys):
    run, _ = trained_ring(tmp_path)
    assert main(["evaluate", str(run.path), "--metrics", "fidd"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "fidd" in error and "modes" in error


def test_evaluate_rejects_non_eval_overrides(tmp_path, capsys):
    run, _ = trained_ring(tmp_path)
    assert main(["evaluate", str(run.path), "train.steps=5"]) == 2
    assert "eval." in capsys.readouterr().err


def test_config_rejects_unknown_eval_metric():
    with pytest.raises(ConfigError, match="eval.metrics.0"):
        validate({**tiny_ring_raw(), "eval": {"metrics": ["nope"]}})


def test_periodic_evaluation_reports_on_the_bus_and_leaves_training_unchanged(tmp_path):
    evaluated = {"every": 10, "metrics": ["modes"], "n": 200}
    run, state = trained_ring(tmp_path, "with", eval=evaluated)
    _, plain = trained_ring(tmp_path, "without")
    steps = {record["step"]: record for record in read_stats(run.stats)}
    assert "eval/modes" in steps[10] and "eval/modes" in steps[20] and "eval/modes" not in steps[5]
    assert [json.loads(line)["step"] for line in (run.path / "eval.jsonl").read_text().splitlines()] == [10, 20]
    for mine, theirs in zip(state.G.parameters(), plain.G.parameters()):
        assert torch.equal(mine, theirs)  # evaluation draws from its own generators and changes no weights


def test_resume_drops_evaluations_newer_than_the_checkpoint(tmp_path):
    run, _ = trained_ring(tmp_path, eval={"every": 5, "metrics": ["modes"], "n": 100})
    log = run.path / "eval.jsonl"
    log.write_text(log.read_text() + json.dumps({"step": 25, "metrics": {}}) + "\n")
    config = validate({**tiny_ring_raw(steps=20), "eval": {"every": 5, "metrics": ["modes"], "n": 100}})
    train(config, run, resume=True, quiet=True)
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == [5, 10, 15, 20]


def test_real_split_auto_takes_a_test_split_only_where_one_exists():
    _, spec, split = real_source({"name": "ring"}, "auto")
    assert split == "train" and spec == {"name": "ring"}
    with pytest.raises(ConfigError, match="eval.real_split"):
        real_source({"name": "digits"}, "test")


def test_real_samples_are_the_same_rows_for_the_same_seed():
    source, _, _ = real_source({"name": "digits"}, "train")
    first, again, other = real_samples(source, 100, 0), real_samples(source, 100, 0), real_samples(source, 100, 1)
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert len(real_samples(source, 5000, 0)) == 1797  # never more rows than the split has


def test_real_feature_cache_reuses_a_result_and_keys_on_every_input(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(6.0).reshape(3, 2)

    key = {"data": {"name": "digits"}, "split": "train", "n": 3, "seed": 0, "extractor": ["c", "abc"]}
    first = real_cache.cached_real_features(key, compute)
    again = real_cache.cached_real_features(key, compute)
    assert np.array_equal(first, again) and len(calls) == 1
    real_cache.cached_real_features({**key, "extractor": ["c", "abd"]}, compute)  # other weights: other entry
    assert len(calls) == 2


def test_a_corrupt_cache_file_is_recomputed(tmp_path):
    key = {"data": "x"}
    real_cache.cached_real_features(key, lambda: np.ones((2, 2)))
    path = real_cache.cache_dir() / f"{real_cache.cache_key(key)}.npz"
    path.write_bytes(b"not a zip")
    assert np.array_equal(real_cache.cached_real_features(key, lambda: np.zeros((2, 2))), np.zeros((2, 2)))
