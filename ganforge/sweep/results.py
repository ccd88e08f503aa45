"""A sweep's results: one row a trial (parameters, metric, state, pruned-by), and the best trial's config.

results.txt holds the table `ganforge sweep` prints; best.yaml is the best trial's resolved config
(its run directory's config.yaml, renamed), a file `ganforge train best.yaml` trains from.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import optuna
import yaml

from ..config import load_config, save_config
from ..safe_files import write_text_atomic
from .objective import Objective

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL)


@dataclass(frozen=True)
class Row:
    number: int
    params: dict
    value: float | None
    state: str
    pruned_by: str
    cpu_seconds: float
    run_dir: str


def rows(study: optuna.Study) -> list[Row]:
    return [Row(trial.number, trial.params, trial.value, trial.state.name.lower(), stopped_or_kept(trial),
                float(trial.user_attrs.get("cpu_seconds", 0.0)), trial.user_attrs.get("run_dir", ""))
            for trial in study.trials]


def stopped_or_kept(trial) -> str:
    """Why the trial was stopped, or the doctor's error finding it trained through because it led the study."""
    kept = trial.user_attrs.get("doctor_kept")
    return trial.user_attrs.get("pruned_by") or (f"not stopped, leading: {kept}" if kept else "")


def counted(trial) -> bool:
    """Trials that spend the budget: every finished one except those a Ctrl-C stopped (a resume runs them anew)."""
    return trial.state in FINISHED and trial.user_attrs.get("pruned_by") != "interrupted"


def best_trial(study: optuna.Study):
    complete = [trial for trial in study.trials if trial.state == optuna.trial.TrialState.COMPLETE]
    return study.best_trial if complete else None


def best_stopped_trial(study: optuna.Study, objective: Objective):
    """The pruned trial with the best last periodic value (Optuna keeps it as the trial's value), or None.

    A stopped trial's value was measured before the planned last step, so it is named only when no
    trial completed: the least bad of a study in which every trial was stopped.
    """
    best = None
    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.PRUNED and trial.value is not None and math.isfinite(trial.value):
            best = trial if best is None or objective.better(trial.value, best.value) else best
    return best


def format_value(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(study: optuna.Study, objective: Objective) -> str:
    found = rows(study)
    params = sorted({name for row in found for name in row.params})
    header = ["trial", *params, objective.metric, "state", "CPU s", "pruned by"]
    body = [[str(row.number), *(format_value(row.params.get(name)) for name in params), format_value(row.value),
             row.state, f"{row.cpu_seconds:.1f}", row.pruned_by] for row in found]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header) - 1)]
    return "".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1] + "\n"
                   for line in [header, *body])


def summary(study: optuna.Study, objective: Objective) -> str:
    best = best_trial(study)
    spent = sum(row.cpu_seconds for row in rows(study))
    if best is None:
        stopped = best_stopped_trial(study, objective)
        least_bad = "" if stopped is None else (
            f"; best value of a stopped trial: trial {stopped.number}, {objective.metric} {stopped.value:.4g} "
            f"at step {max(stopped.intermediate_values)} ({stopped_or_kept(stopped)})")
        return f"no trial completed ({len(study.trials)} trials, {spent:.0f} s CPU){least_bad}"
    return (f"best: trial {best.number}, {objective.metric} {best.value:.4g} ({len(study.trials)} trials, "
            f"{spent:.0f} s CPU)")


def write_results(study: optuna.Study, objective: Objective, sweep_dir: Path) -> Path:
    path = sweep_dir / "results.txt"
    write_text_atomic(path, table(study, objective) + summary(study, objective) + "\n")
    return path


def write_best_config(study: optuna.Study, sweep_dir: Path, name: str) -> Path | None:
    """best.yaml: the best trial's resolved config, under the sweep's name; None before a trial completes."""
    best = best_trial(study)
    if best is None:
        return None
    raw = yaml.safe_load((Path(best.user_attrs["run_dir"]) / "config.yaml").read_text())
    raw["name"] = f"{name}-best"
    path = sweep_dir / "best.yaml"
    write_text_atomic(path, yaml.safe_dump(raw, sort_keys=False))
    save_config(load_config(path), path)  # read back as `ganforge train` will: it must load
    return path
