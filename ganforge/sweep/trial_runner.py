"""One trial: `ganforge train` into <sweep dir>/trials/NNNNN, watched until it ends or is stopped.

The trial is an ordinary run directory (config.yaml, stats.jsonl, doctor.jsonl, eval.jsonl,
checkpoints, samples): `ganforge report`, `resume`, `evaluate` and `compare` all work on it. Its
output goes to <sweep dir>/logs/NNNNN.log. What the sweep learns is kept as the trial's user
attributes in the study: run_dir, cpu_seconds (the training process's CPU time, plus a final
evaluation's when one was needed), steps, and pruned_by (why it was stopped).
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import optuna

from ..jsonl import read_records
from ..train import interrupt
from .child_process import POLL_S, ChildProcess, ganforge_command
from .doctor_pruner import TrialPruner, periodic_values
from .spec import SweepSpec


INTERRUPTED = "interrupted"  # the pruned-by of a trial a Ctrl-C stopped (results.counted leaves it out)


class TrialFailed(Exception):
    """The trial's training ended with an error (its last line says which); the sweep goes on."""


class TrialRunner:
    def __init__(self, spec: SweepSpec, sweep_dir: Path):
        self.spec, self.sweep_dir = spec, sweep_dir

    def __call__(self, trial: optuna.Trial) -> float:
        values = {param.path: param.suggest(trial) for param in self.spec.space}
        run_path = self.sweep_dir / "trials" / f"{trial.number:05d}"
        trial.set_user_attr("run_dir", str(run_path))
        child = ChildProcess(ganforge_command("train", self.spec.base, *self.spec.trial_overrides(values),
                                              "--run-dir", str(run_path), "--quiet"), self.log_path(trial))
        reason = self.watch(child, TrialPruner(trial, run_path, self.spec.objective, self.spec.doctor_pruner))
        self.record(trial, child.cpu_seconds, run_path, reason)
        if reason == INTERRUPTED:
            raise KeyboardInterrupt  # Optuna records the trial as failed and ends the study's loop
        if reason is not None:
            raise optuna.TrialPruned(reason)
        if child.returncode != 0:
            trial.set_user_attr("pruned_by", f"failed: {child.last_line()}")
            raise TrialFailed(child.last_line())
        value = self.final_value(trial, run_path)
        if not math.isfinite(value):
            trial.set_user_attr("pruned_by", f"failed: {self.spec.objective.metric} is {value}")
            raise TrialFailed(f"{self.spec.objective.metric} is {value}")
        return value

    def log_path(self, trial) -> Path:
        return self.sweep_dir / "logs" / f"{trial.number:05d}.log"

    def watch(self, child: ChildProcess, pruner: TrialPruner) -> str | None:
        """Poll until the child ends (None), a pruner's reason stops it (the reason) or a Ctrl-C does (INTERRUPTED)."""
        while not child.finished():
            if interrupt.received():
                child.stop()
                return INTERRUPTED
            reason = pruner.verdict()
            if reason is not None:
                child.stop()
                return reason
            time.sleep(POLL_S)
        return None

    def record(self, trial, cpu_seconds: float, run_path: Path, reason: str | None) -> None:
        trial.set_user_attr("cpu_seconds", round(cpu_seconds, 3))
        trial.set_user_attr("steps", trained_steps(run_path))
        if reason is not None:
            trial.set_user_attr("pruned_by", reason)

    def final_value(self, trial, run_path: Path) -> float:
        """The periodic value at the last step; if the last step had none, `ganforge evaluate` computes it."""
        steps = trained_steps(run_path)
        values = dict(periodic_values(run_path, self.spec.objective))
        if steps in values:
            return values[steps]
        records, _ = read_records(run_path / "eval.jsonl")
        if any(int(record["step"]) == steps for record in records):  # evaluated, but the value was not finite
            return math.nan
        objective = self.spec.objective
        words = ["evaluate", str(run_path), "--json", "--metrics", objective.computed_by]
        child = ChildProcess(ganforge_command(*words, *(["--n", str(objective.n)] if objective.n else [])),
                             self.log_path(trial).with_suffix(".evaluate.log"))
        child.wait()
        trial.set_user_attr("cpu_seconds", round(trial.user_attrs["cpu_seconds"] + child.cpu_seconds, 3))
        if child.returncode != 0:
            raise TrialFailed(child.last_line())
        value = json.loads(child.last_line())["metrics"].get(objective.metric)
        return math.nan if value is None else float(value)


def trained_steps(run_path: Path) -> int:
    """The last step in the trial's stats.jsonl (0 before the first record)."""
    records, _ = read_records(run_path / "stats.jsonl")
    return max((int(record["step"]) for record in records), default=0)
