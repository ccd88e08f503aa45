"""The doctor's labelled suite (benchmarks/doctor_suite/): configs, the loss-spike plugin, caching and scoring."""
import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from ganforge.config import validate
from tests.conftest import tiny_ring_raw

SUITE = Path(__file__).resolve().parent.parent / "benchmarks" / "doctor_suite"


def load_runner():
    spec = importlib.util.spec_from_file_location("doctor_suite_run", SUITE / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("doctor_suite_run", module)
    spec.loader.exec_module(module)
    module.spike.register()
    return module


@pytest.fixture(scope="module")
def runner():
    return load_runner()


def test_suite_has_the_runs_issue_5_asks_for(runner):
    runs = runner.suite_runs(None)
    labels = Counter(run.label for run in runs)
    assert len(runs) >= 24
    assert labels["healthy"] >= 8
    assert all(labels[kind] >= 3 for kind in runner.KINDS if kind != "off_data"), labels
    assert labels["off_data"] >= 2, labels  # and the calibration folder held_out/ has two more
    assert {run.dataset for run in runs} == {"ring", "grid", "digits", "fashion"}
    for run in runs:  # every file is a valid config whose name matches its file
        config = runner.suite_config(run.path)
        assert config.name == run.name
        assert config.doctor.sample_every * 20 <= config.train.steps <= config.doctor.sample_every * 40 + 1


def test_loss_spike_swaps_targets_only_inside_its_windows(runner):
    spike = runner.spike.LossSpike(at=[5, 20], length=3)
    real, fake = torch.ones(4), torch.zeros(4)

    class At:
        def __init__(self, step):
            self.step = step

    swapped = [step for step in range(30) if spike.d_targets(real, fake, At(step))[0].sum() == 0]
    assert swapped == [5, 6, 7, 20, 21, 22]


def test_a_finished_run_is_not_trained_again(runner, tmp_path):
    config = validate(tiny_ring_raw(steps=6, sample_every=3, checkpoint_every=3, log_every=3))
    first = runner.train_cached(config, tmp_path / "run")
    stats_written = (tmp_path / "run" / "stats.jsonl").stat().st_mtime_ns
    second = runner.train_cached(config, tmp_path / "run")
    assert first == second and first["steps_done"] == 6 and first["error"] is None
    assert (tmp_path / "run" / "stats.jsonl").stat().st_mtime_ns == stats_written


def test_a_remedied_run_longer_than_its_config_still_counts_as_finished(runner, tmp_path):
    import json

    config = validate(tiny_ring_raw(steps=6, sample_every=3, checkpoint_every=3, log_every=3))
    first = runner.train_cached(config, tmp_path / "run")
    marker = tmp_path / "run" / "suite.json"
    marker.write_text(json.dumps({**first, "steps_done": 9}))  # auto-remedy gave back 3 steps after a rollback
    assert runner.train_cached(config, tmp_path / "run")["steps_done"] == 9  # not trained again


def test_remedy_actions_name_the_steps_given_back(runner, tmp_path):
    import json

    lines = [{"rule": "auto_remedy", "evidence": {"steps_given_back": 220},
              "action": {"advice": {"override": "optim.d.lr=0.00025 optim.g.lr=0.00025"}}},
             {"rule": "auto_remedy", "evidence": {}, "action": {"gave_up": True}}]
    (tmp_path / "doctor.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert runner.remedy_actions(tmp_path) == ["optim.d.lr=0.00025 optim.g.lr=0.00025 (+220 steps)", "gave up"]


class FakeFinding:
    def __init__(self, rule, step, severity="warn", evidence=None):
        self.rule, self.step, self.severity, self.evidence = rule, step, severity, evidence or {}


def test_detection_after_a_nan_guard_rollback_counts_from_the_step_that_failed(runner):
    rolled_back = FakeFinding("divergence", 10, "error", {"guard/failed_step": 53.0})
    run = runner.SuiteRun("digits_divergence", "divergence", Path("a"), "digits", 1000, findings=[rolled_back])
    assert runner.detection_fraction(run) == 0.053
    run.findings = [FakeFinding("divergence", 10, "error")]
    assert runner.detection_fraction(run) == 0.01


def test_scores_count_recall_false_alarms_right_kind_and_detection_step(runner):
    make = runner.SuiteRun
    runs = [
        make("ring_healthy", "healthy", Path("a"), "ring", 1000, findings=[]),
        make("digits_healthy", "healthy", Path("b"), "digits", 1000, findings=[FakeFinding("oscillation", 500)]),
        make("ring_d_weak", "d_weak", Path("c"), "ring", 1000, findings=[FakeFinding("d_weak", 100)]),
        make("grid_d_weak", "d_weak", Path("d"), "grid", 2000, findings=[FakeFinding("mode_collapse", 100)]),
        make("digits_d_weak", "d_weak", Path("e"), "digits", 1000, findings=[]),
    ]
    text = "\n".join(runner.totals_lines(runs, {}))
    assert "recall** (failing runs with a warn/error finding): 2/3 (67%)" in text
    assert "false alarms** (healthy runs with a warn/error finding): 1 of 2 (digits_healthy)" in text
    assert "right kind** (first warn/error finding names the label): 1/2 (50%)" in text
    assert "median detection step**: 8% of the run" in text  # median of 100/1000 and 100/2000


def test_seeds_table_puts_calibration_and_held_out_scores_side_by_side(runner):
    make = runner.SuiteRun
    seed0 = [make("ring_healthy", "healthy", Path("a"), "ring", 1000, findings=[]),
             make("ring_d_weak", "d_weak", Path("c"), "ring", 1000, findings=[FakeFinding("d_weak", 100)])]
    seed1 = [make("ring_healthy", "healthy", Path("a"), "ring", 1000, findings=[FakeFinding("d_weak", 300)]),
             make("ring_d_weak", "d_weak", Path("c"), "ring", 1000, findings=[FakeFinding("divergence", 200)])]
    lines = runner.seeds_table({0: seed0, 7: seed1}, {0: {}, 7: {}})
    assert lines[0] == "| target | calibration (seed 0) | held-out (seed 7) |"
    assert "calibration (seed 2)" in runner.seeds_table({0: seed0, 2: seed1}, {0: {}, 2: {}})[0]  # tuned on since
    assert lines[2].endswith("| 1/1 (100%) | 1/1 (100%) |")  # recall
    assert lines[3].endswith("| 0 of 1 | 1 of 1 (ring_healthy) |")  # false alarms
    assert lines[4].endswith("| 1/1 (100%) | 0/1 (0%) |")  # right kind
    assert lines[5].endswith("| 10% | 20% |")  # detection step: 100/1000 and 200/1000


def test_rescue_compares_with_the_healthy_run_on_the_same_dataset(runner):
    run = runner.SuiteRun("ring_d_weak", "d_weak", Path("c"), "ring", 1000, remedy={"fid": 0.3})
    assert runner.rescued(run, {"ring": 0.2}) is True  # 0.3 ≤ 1.5 × 0.2
    assert runner.rescued(run, {"ring": 0.19}) is False  # 0.3 > 0.285
    assert runner.rescued(run, {"grid": 0.2}) is None  # no healthy reference for the ring


def test_the_doctor_md_section_is_replaced_not_duplicated(runner, tmp_path, monkeypatch):
    target = tmp_path / "doctor.md"
    target.write_text("# The doctor\n\nhandbook text\n")
    monkeypatch.setattr(runner, "DOCTOR_MD", target)
    runner.write_doctor_section("table one")
    runner.write_doctor_section("table two")
    text = target.read_text()
    assert text.count("<!-- doctor-suite:start -->") == 1 and "table two" in text and "table one" not in text
    assert text.startswith("# The doctor\n\nhandbook text\n")


def test_a_signal_during_a_run_stops_the_suite_not_just_the_run(runner, tmp_path, monkeypatch):
    import os
    import signal

    from ganforge.doctor import remedy
    from ganforge.train import interrupt

    def stopped_run(config, run, quiet):  # the loop's part: the first SIGTERM only asks it to stop at a step
        with interrupt.StopRequest():
            os.kill(os.getpid(), signal.SIGTERM)
        return type("State", (), {"step": 3})()

    monkeypatch.setattr(remedy, "train_with_remedies", stopped_run)
    previous = interrupt.install()
    try:
        with pytest.raises(SystemExit) as stop:
            runner.train_cached(validate(tiny_ring_raw(steps=9)), tmp_path / "run")
    finally:
        interrupt.install()  # forgets the signal received
        interrupt.uninstall(previous)  # and puts the test runner's handlers back
    assert stop.value.code == 143
    assert not (tmp_path / "run" / "suite.json").exists()  # not recorded as a finished run
