"""benchmarks/sweep.py's verdicts: which arm's best is as good, in the objective's direction, and who runs held out."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import sweep as bench  # noqa: E402


@pytest.mark.parametrize("doctor, plain, maximise, expected", [
    (12, 12, True, True), (1, 12, True, False), (20, 12, True, True),  # modes: more is better
    (65.9, 65.9, False, True), (70.0, 65.9, False, False),  # FD: less is better
    (None, 3, True, False), (3, None, True, True), (None, None, False, True),  # no completed trial in an arm
])
def test_the_doctor_arms_best_is_judged_in_the_objectives_direction(doctor, plain, maximise, expected):
    assert bench.as_good({"best": doctor}, {"best": plain}, maximise) is expected


def test_the_short_trial_illustration_stays_off_the_held_out_seeds():
    seeds = [*bench.TUNING_SEEDS, *bench.HELD_OUT_SEEDS]
    assert bench.seeds_of(bench.SETTINGS["ring_300"], seeds) == list(bench.SHORT_TRIAL_SEEDS)
    assert set(bench.SHORT_TRIAL_SEEDS) <= set(bench.TUNING_SEEDS)
    assert bench.seeds_of(bench.SETTINGS["grid"], seeds) == seeds
    assert not set(bench.TUNING_SEEDS) & set(bench.HELD_OUT_SEEDS)


def test_a_sweep_whose_every_trial_was_stopped_reports_the_best_stopped_value(tmp_path):
    import optuna

    study = optuna.create_study(study_name="s", storage=f"sqlite:///{tmp_path / 'study.db'}", direction="maximize")
    for values in ([0.0, 2.0], [3.0], []):  # modes at steps 250, 500, ...; the third stopped before any
        trial = study.ask()
        trial.set_user_attr("run_dir", str(tmp_path / f"t{trial.number}"))
        for step, value in enumerate(values, start=1):
            trial.report(value, 250 * step)
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    summary = bench.summarise(tmp_path, "s", bench.SETTINGS["ring"])
    assert (summary["best"], summary["best_stopped"], summary["failed"]) == (3.0, True, 0)
    assert bench.cell(summary["best"], summary["best_stopped"]) == "3 (stopped)"


def test_the_summary_counts_compute_saved_and_seeds_as_good():
    results = {("ring", 0, False): {"cpu": 100.0, "failed_cpu": 60.0, "best": 8},
               ("ring", 0, True): {"cpu": 60.0, "failed_cpu": 20.0, "best": 8},
               ("ring", 1, False): {"cpu": 100.0, "failed_cpu": 50.0, "best": 8},
               ("ring", 1, True): {"cpu": 80.0, "failed_cpu": 30.0, "best": 7}}
    row, met = bench.summary_row(results, "tuning", "ring", [("ring", 0), ("ring", 1)])
    assert "| 200 s | 140 s | 30% |" in row and "110 s → 50 s" in row and "1 of 2" in row
    assert not met  # 30% less, but seed 1's best is worse
