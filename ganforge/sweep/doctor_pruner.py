"""Reasons to stop a trial early: the doctor's first error finding, or an Optuna pruner on the periodic values.

The trial's training process writes doctor.jsonl and eval.jsonl as it goes (doctor/live.py,
train/periodic_eval.py); the sweep reads them while it runs. An error finding stops the trial at
once, with the finding as the reason, unless the trial leads the study: its latest periodic value
beats every finished trial's value, so stopping it would leave the study a worse best. A leading
trial trains on with the finding kept as its `doctor_kept` attribute, and is stopped as soon as a
later periodic value no longer leads. Each periodic value of the objective is reported to Optuna
as an intermediate value, and Optuna's pruner (median, ...) may stop the trial too.
"""
from __future__ import annotations

import math
from pathlib import Path

import optuna

from ..jsonl import read_records
from .objective import Objective


def doctor_reason(finding: dict) -> str:
    return f"doctor: {finding.get('rule')} at step {finding.get('step')}: {finding.get('message', '')}".rstrip(": ")


def first_error(run_path: Path) -> dict | None:
    records, _ = read_records(run_path / "doctor.jsonl")
    return next((record for record in records if record.get("rule") and record.get("severity") == "error"), None)


def periodic_values(run_path: Path, objective: Objective) -> list[tuple[int, float]]:
    """(step, value) of the objective from each periodic evaluation so far; non-finite values are left out."""
    records, _ = read_records(run_path / "eval.jsonl")
    values = [(int(record["step"]), record.get("metrics", {}).get(objective.metric)) for record in records]
    return [(step, float(value)) for step, value in values
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)]


class TrialPruner:
    """Watches one trial's run directory; `verdict()` is the reason to stop it now, or None."""

    def __init__(self, trial, run_path: Path, objective: Objective, doctor: bool):
        self.trial, self.run_path, self.objective, self.doctor = trial, run_path, objective, doctor
        self.reported: set[int] = set()
        self.leading: tuple[int, bool] | None = None  # (periodic values seen, whether the latest leads the study)

    def verdict(self) -> str | None:
        if self.doctor:
            finding = first_error(self.run_path)
            if finding is not None:
                if not self.leads():
                    return doctor_reason(finding)
                self.trial.set_user_attr("doctor_kept", doctor_reason(finding))
        return self.report_new_values()

    def leads(self) -> bool:
        """Whether the latest periodic value beats every finished trial's value (False before any of either)."""
        values = periodic_values(self.run_path, self.objective)
        if self.leading is None or self.leading[0] != len(values):  # judged again only when a new value arrives
            finished = [trial.value for trial in self.trial.study.get_trials(
                deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))]
            ahead = bool(values and finished) and all(self.objective.better(values[-1][1], value) for value in finished)
            self.leading = (len(values), ahead)
        return self.leading[1]

    def report_new_values(self) -> str | None:
        for step, value in periodic_values(self.run_path, self.objective):
            if step in self.reported:
                continue
            self.reported.add(step)
            self.trial.report(value, step)
            if self.trial.should_prune():
                return f"optuna: {type(self.trial.study.pruner).__name__} at step {step} ({self.objective.metric} {value:.4g})"
        return None
