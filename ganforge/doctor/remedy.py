"""Auto-remedy (`doctor: {auto: true}`): on an error finding, roll back, apply the top untried advice, continue;
at the end, never a run worse than the one it found.

    from ganforge.doctor.remedy import train_with_remedies
    train_with_remedies(config, run)     # what `ganforge train` and `ganforge resume` call

The live doctor asks for a remedy of an error finding through `state.remedy`; the loop then stops
at once (writing a checkpoint as at any stop) and returns here. One remedy treats the error, or
the finding reported before it that is still standing (its likeliest cause: a weak D reported
before its G drifts off the data), while that one has advice left; then it
1. picks the newest checkpoint from before the trouble began (the finding's step less the
   doctor's window of flushes), or the start of training when the advice changes the nets
   (`hot: false`: spectral norm, packing, new layers) and so cannot reuse their weights;
2. checks the step budget (step_budget.py): the steps trained in all, thrown-away ones included,
   stay within `train.steps` × (1 + `doctor.max_extra_steps`) as planned before the first remedy
   (1.0 by default: at most twice the planned steps). A remedy that would throw away more steps
   than the budget has left is not applied: that is recorded like giving up (below);
3. before the first remedy only, keeps the unremedied run's best checkpoint by the run's metric
   (run_metric.py: the periodic evaluation's fid, kid, ... when the run has one, else the doctor's
   sample probe) with its config in `checkpoints/unremedied-best/` (kept_best.py); until then
   checkpoint rotation spares that checkpoint (loop.py);
4. moves everything newer than the rollback step aside, never deleting it: checkpoints to
   `checkpoints/abandoned-<k>/`, sample grids to `samples/abandoned-<k>/`, and a copy of
   stats.jsonl and eval.jsonl as `<name>.abandoned-<k>.jsonl` before they are cut back to it;
5. applies the first advice item not tried before (a dotted override, or a plugin appended to
   `plugins:`), writes the new config.yaml, and re-saves the rollback checkpoint for it
   (ganforge/train/reconfigure.py: optimiser settings from the new config, new plugins fresh);
6. gives back the steps it set aside, as far as the budget allows: `train.steps` grows by (the
   step training stopped at − the rollback step), or by what is left of the budget once those
   thrown-away steps are counted, whichever is fewer (a rollback from step 620 to 400 on a
   1,500-step run → 1,720 steps);
7. records the action in doctor.jsonl, stamped with the rollback step so a resume keeps it,
   with the steps thrown away and given back, the planned steps and the new `train.steps`;
8. resumes. After `doctor.max_attempts` remedies, when no advice is left, or when the budget
   stops it, it records that it gives up and training runs to the end with the last config.
Once a remedied run has trained to its end, its final score by the same metric is compared with
the kept one: if it is worse, the kept checkpoint is restored as the newest checkpoint (at the
step after the last one) with the config that trained it, and doctor.jsonl says what was restored
and why (kept_best.py); otherwise the run keeps its own, and doctor.jsonl says so too. A remedied
run that the NaN guard stops (DivergenceError) gets the kept checkpoint back the same way before
the error ends training.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..config import Config, apply_overrides, save_config, validate
from ..jsonl import read_records
from ..safe_files import copy_atomic
from ..train import interrupt
from ..train.checkpoint import checkpoint_path, list_checkpoints
from ..train.config_history import keep_previous
from ..train.guard import DivergenceError
from ..train.loop import train
from ..train.reconfigure import convert_checkpoint
from ..train.run_dir import RunDir
from ..train.stats import JsonlWriter
from .finding import Advice, Finding
from .kept_best import keep_best, settle, settle_after_error
from .step_budget import StepBudget, step_budget


def train_with_remedies(config: Config, run: RunDir, resume: bool = False, quiet: bool = False):
    attempts, tried = previous_attempts(run)
    gave_up = False
    while True:
        remedies_on = config.doctor.auto and not gave_up
        state = train_or_restore(config, run, resume, quiet, remedies_on, keep_best=remedies_on and attempts == 0)
        finding = state.remedy.finding
        if interrupt.received():  # a signal stopped it: the user's call, not a finding's
            return state
        if finding is None:
            settle_if_remedied(run, state, quiet)
            return state
        resume = True
        finding = treated_as(finding, state.remedy.cause, tried)
        remedied = remedy_once(run, config, state.step, finding, (attempts, tried), quiet)
        if remedied is None:
            gave_up = True  # no more remedies: train on to the end with this config
            continue
        config, advice = remedied
        attempts += 1
        tried.update(advice.keys)


def remedy_once(run: RunDir, config: Config, stopped: int, finding: Finding, so_far: tuple[int, set[str]],
                quiet: bool) -> tuple[Config, Advice] | None:
    """Apply the next remedy to a run stopped at step `stopped` and return (the new config, the advice applied); or
    record why no remedy is applied (attempts or advice used up, step budget reached) and return None."""
    attempts, tried = so_far
    advice = next_advice(finding, tried)
    if advice is None or attempts >= config.doctor.max_attempts:
        record(run, give_up_record(stopped, finding, attempts), quiet)
        return None
    to_step = rollback_step(run, config, finding, advice)
    budget = step_budget(config.train.steps, config.doctor.max_extra_steps, applied_remedies(run))
    given_back = budget.given_back(stopped - to_step)
    if given_back is None:
        record(run, budget_record(stopped, finding, budget, stopped - to_step), quiet)
        return None
    if attempts == 0:
        record(run, keep_best(run, config, to_step), quiet)  # before anything changes: kept aside, never deleted
    new = with_steps_given_back(apply_advice(config, advice), given_back)
    roll_back(run, config, new, finding, advice, attempts + 1)
    facts = {"given_back": given_back, "thrown_away": stopped - to_step, "planned": budget.planned}
    record(run, action_record(to_step, finding, advice, attempts + 1, facts, new.train.steps), quiet)
    return new, advice


def train_or_restore(config: Config, run: RunDir, resume: bool, quiet: bool, remedies_on: bool, keep_best: bool):
    """`train`; if it stops with a DivergenceError after a remedy, the kept unremedied best is restored before the
    error goes on (kept_best.py)."""
    try:
        return train(config, run, resume=resume, quiet=quiet, auto_remedy=remedies_on, keep_best=keep_best)
    except DivergenceError as error:
        settled = settle_after_error(run, remedy_lines(run), error)
        if settled is not None:
            record(run, settled, quiet)
        raise


def settle_if_remedied(run: RunDir, state, quiet: bool) -> None:
    """A run remedies changed, once trained to its end: keep its checkpoint, or restore the unremedied best (kept_best.py)."""
    if state.step < state.config.train.steps:
        return
    settled = settle(run, state, remedy_lines(run))
    if settled is not None:
        record(run, settled, quiet)


def treated_as(error: Finding, cause: Finding | None, tried: set[str]) -> Finding:
    """The finding to remedy: the error, or the earlier finding still standing when it came (its likeliest cause)
    while that one has advice left; the cause's step is where the trouble began, so the rollback goes before it."""
    if cause is None or cause.rule == error.rule or next_advice(cause, tried) is None:
        return error
    return Finding(cause.step, cause.rule, "error", f"{cause.message} (then {error.rule} at step {error.step})",
                   {**cause.evidence, "error_rule": error.rule, "error_step": error.step}, cause.advice)


def next_advice(finding: Finding, tried: set[str]) -> Advice | None:
    """The first advice item that changes nothing an earlier remedy already changed."""
    return next((item for item in finding.advice if not item.keys & tried), None)


def with_steps_given_back(config: Config, steps: int) -> Config:
    """`train.steps` longer by the steps a rollback throws away, so the fix gets the run's full length."""
    raw = config.to_dict()
    raw["train"]["steps"] = config.train.steps + max(steps, 0)
    return validate(raw)


def apply_advice(config: Config, advice: Advice) -> Config:
    raw = config.to_dict()
    if advice.override is not None:
        apply_overrides(raw, advice.overrides)
    else:
        raw["plugins"] = with_plugin(raw["plugins"], dict(advice.plugin))
    return validate(raw)


def with_plugin(specs: list[dict], new: dict) -> list[dict]:
    """`specs` with `new` in place of a plugin of its name: appended, or just before pacgan for a plugin that
    must see D's single samples (replay; `before_packing`)."""
    from ..plugins import PLUGINS

    kept = [spec for spec in specs if spec["name"] != new["name"]]
    names = [spec["name"] for spec in kept]
    at = names.index("pacgan") if PLUGINS.get(new["name"]).before_packing and "pacgan" in names else len(kept)
    return [*kept[:at], new, *kept[at:]]


def rollback_step(run: RunDir, config: Config, finding: Finding, advice: Advice) -> int:
    """The newest checkpoint step at or before the trouble began; 0 (a fresh start) if none, or if the nets change."""
    if not advice.hot:
        return 0
    began = finding.step - config.doctor.window * config.train.log_every
    steps = [_step_of(path) for path in list_checkpoints(run.checkpoints)]
    return max((step for step in steps if step <= began), default=0)


def roll_back(run: RunDir, previous: Config, config: Config, finding: Finding, advice: Advice, attempt: int) -> int:
    to_step = rollback_step(run, config, finding, advice)
    set_aside(run, to_step, attempt)
    keep_previous(run.path, run.config, finding.step)  # config-history/: what trained the run until the finding
    save_config(config, run.config)
    if to_step:
        convert_checkpoint(checkpoint_path(run.checkpoints, to_step), previous, config)
    return to_step


def set_aside(run: RunDir, to_step: int, attempt: int) -> None:
    """Move checkpoints and grids newer than `to_step` into abandoned-<attempt>/; keep copies of the logs, then cut them."""
    for folder, paths in ((run.checkpoints, list_checkpoints(run.checkpoints)), (run.samples, run.samples.glob("step-*.png"))):
        for path in list(paths):
            if _step_of(path) > to_step:
                (folder / f"abandoned-{attempt}").mkdir(exist_ok=True)
                path.replace(folder / f"abandoned-{attempt}" / path.name)
    for log in (run.stats, run.path / "eval.jsonl"):
        if log.exists():
            copy_atomic(log, log.with_name(f"{log.stem}.abandoned-{attempt}.jsonl"))
            JsonlWriter(log).truncate_after(to_step)


def previous_attempts(run: RunDir) -> tuple[int, set[str]]:
    """Remedies already recorded in doctor.jsonl (a resumed run keeps counting from there)."""
    attempts, tried = 0, set()
    for record_ in _records(run):
        if record_.get("rule") == "auto_remedy" and "advice" in record_.get("action", {}):
            attempts += 1
            tried.update(Advice.from_json(record_["action"]["advice"]).keys)
    return attempts, tried


def action_record(to_step: int, finding: Finding, advice: Advice, attempt: int, facts: dict, steps: int) -> dict:
    """The line of one remedy; `facts`: steps given back and thrown away, and the run's planned steps."""
    given_back = facts["given_back"]
    return {"step": to_step, "rule": "auto_remedy", "severity": "info",
            "message": f"attempt {attempt}: {finding.rule} at step {finding.step}; rolled back to step {to_step}, "
                       f"applied {advice.change()} and gave back {given_back} steps (train.steps={steps})",
            "evidence": {"detected_at": finding.step, "rolled_back_to": to_step, "attempt": attempt,
                         "steps_given_back": given_back, "steps_thrown_away": facts["thrown_away"],
                         "planned_steps": facts["planned"], "train_steps": steps},
            "advice": [], "action": {"advice": advice.to_json(), "finding": finding.to_json()}}


def give_up_record(step: int, finding: Finding, attempts: int) -> dict:
    return {"step": step, "rule": "auto_remedy", "severity": "warn",
            "message": f"giving up after {attempts} remedies: {finding.rule} persists; training continues unchanged",
            "evidence": {"detected_at": finding.step, "attempts": attempts}, "advice": [],
            "action": {"gave_up": True, "finding": finding.to_json()}}


def budget_record(step: int, finding: Finding, budget: StepBudget, thrown: int) -> dict:
    return {"step": step, "rule": "auto_remedy", "severity": "warn",
            "message": f"stopping remedies: {finding.rule} persists, and remedying it would throw away {thrown} steps "
                       f"when {budget.extra - budget.spent} of the {budget.extra} extra steps allowed are left "
                       f"(doctor.max_extra_steps); training continues unchanged",
            "evidence": {"detected_at": finding.step, "planned_steps": budget.planned, "extra_steps": budget.extra,
                         "extra_steps_spent": budget.spent, "steps_to_throw_away": thrown},
            "advice": [], "action": {"gave_up": True, "budget_reached": True, "finding": finding.to_json()}}


def remedy_lines(run: RunDir) -> list[dict]:
    """doctor.jsonl's auto-remedy lines that record an action, in order."""
    return [r for r in _records(run) if r.get("rule") == "auto_remedy" and isinstance(r.get("action"), dict)]


def applied_remedies(run: RunDir) -> list[dict]:
    """The lines of the remedies applied so far, in order."""
    return [r for r in remedy_lines(run) if "advice" in r["action"]]


def record(run: RunDir, line: dict, quiet: bool) -> None:
    with (run.path / "doctor.jsonl").open("a") as file:
        file.write(json.dumps(line) + "\n")
    if not quiet:
        print(f"doctor: {line['message']}")


def _records(run: RunDir) -> list[dict]:
    path = run.path / "doctor.jsonl"
    if not path.exists():
        return []
    return read_records(path)[0]


def _step_of(path: Path) -> int:
    """step-00001200.pt / step-00001200.png → 1200; -1 for any other name (such a file is never moved)."""
    match = re.fullmatch(r"step-(\d+)\.(pt|png)", path.name)
    return int(match.group(1)) if match else -1
