"""Auto-remedy never leaves a run worse than it found it: the unremedied run's best checkpoint is kept aside before
the first remedy, and restored when the remedies end worse.

    line = keep_best(run, config, stamp)     # remedy.py, before the first remedy changes anything
    line = settle(run, state, records)       # remedy.py, once a remedied run has trained to its end
    line = settle_after_error(run, records, error)   # remedy.py, when training a remedied run raised DivergenceError

Both return the doctor.jsonl line to record. Scores come from the run's metric (run_metric.py).

Keeping: the best-scored checkpoint of the unremedied run (checkpoint rotation spares it until
then, loop.py) is copied, with the config.yaml that trained it, into `checkpoints/unremedied-best/`;
nothing there is ever replaced or deleted.

Settling: the remedied run's final score is the one logged at its last step, or else measured
there now, by the same protocol (a periodic evaluation, appended to eval.jsonl as any other; or a
probe of the samples). If it is worse than the kept score, the kept checkpoint becomes the newest:
its states are written as `step-<final step + 1>.pt` (only its step changes), config.yaml
becomes the config that trained it with `train.steps` at that step (the remedied config is kept in
config-history/ first), so `ganforge sample`, `evaluate` and `resume` take it up. A tie keeps the
remedied run's own checkpoint. A remedied run that training stops with an error (the NaN guard
gave up: DivergenceError) ended worse than any finite score: the kept checkpoint is restored after
its newest checkpoint, and the error still ends training. Nothing already written is deleted; stats.jsonl and eval.jsonl keep
the remedied run's history, and the line in doctor.jsonl says what was restored and why.
"""
from __future__ import annotations

import math

from ..config import load_config, save_config
from ..metrics.evaluate import append_record, evaluate_state
from ..safe_files import copy_atomic
from ..train.checkpoint import atomic_save, checkpoint_path, checkpoint_step, list_checkpoints, read_checkpoint
from ..train.config_history import keep_previous
from .run_metric import PROBE, best_checkpoint, choose_metric, eval_log, eval_score, measurements, probe_score
from .sample_stats import SampleProbe, heldout_source_for

FOLDER = "unremedied-best"


def keep_best(run, config, stamp: int) -> dict:
    """Copy the best-scored checkpoint and config.yaml into checkpoints/unremedied-best/; the line saying so."""
    metric = choose_metric(run, config)
    best = best_checkpoint(run, config, metric)
    if best is None or not math.isfinite(best[2]):
        return line(stamp, "info", "no checkpoint of the unremedied run has a finite measured score: none kept for "
                                   "comparison", {"kept": None}, {"metric": metric})
    step, path, score = best
    folder = run.checkpoints / FOLDER
    folder.mkdir(exist_ok=True)
    copy_atomic(path, folder / path.name)
    copy_atomic(run.config, folder / "config.yaml")
    kept = {"step": step, "metric": metric, "score": score, "checkpoint": f"checkpoints/{FOLDER}/{path.name}",
            "config": f"checkpoints/{FOLDER}/config.yaml"}
    return line(stamp, "info", f"kept step {step}, the unremedied run's best by {metric} ({score:.4g}), "
                               f"as {kept['checkpoint']}", {"kept": kept}, {"kept_step": step, metric: score})


def settle(run, state, records: list[dict]) -> dict | None:
    """After a remedied run's last step: restore the kept checkpoint if the run ended worse; the line saying what
    was done (None when nothing was kept, or this run was settled before)."""
    kept = kept_entry(records)
    if kept is None or settled(records):
        return None
    final = final_score(run, state, kept["metric"])
    compared = {**kept_facts(kept), "final_step": state.step, "final_score": logged(final)}
    if final is not None and final <= kept["score"]:
        return line(state.step, "info", f"the remedied run ends no worse than the unremedied run's best "
                    f"({kept['metric']} {final:.4g} at step {state.step}, {kept['score']:.4g} at step {kept['step']}): "
                    f"it keeps its own checkpoint", {"compared": compared}, compared)
    restored = restore(run, kept, state.step + 1)
    why = "could not be measured" if final is None else f"{kept['metric']} {final:.4g}"
    return line(restored, "warn", f"the remedied run ends worse ({why} at step {state.step}) than the unremedied "
                f"run's best ({kept['score']:.4g} at step {kept['step']}): restored that checkpoint as "
                f"{checkpoint_path(run.checkpoints, restored).name} with the config that trained it",
                {"restored": {**compared, "as_step": restored}}, {**compared, "restored_as": restored})


def settle_after_error(run, records: list[dict], error: Exception) -> dict | None:
    """A remedied run that training stopped with an error (the NaN guard gave up) ended worse than any finite
    score: restore the kept checkpoint after the newest one; the line saying so (None when nothing was kept)."""
    kept = kept_entry(records)
    if kept is None or settled(records):
        return None
    newest = max([checkpoint_step(path) for path in list_checkpoints(run.checkpoints)] + [kept["step"]])
    restored = restore(run, kept, newest + 1)
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    facts = {**kept_facts(kept), "error": reason}
    return line(restored, "warn", f"the remedied run stopped with an error ({reason}); restored the unremedied "
                f"run's best ({kept['metric']} {kept['score']:.4g} at step {kept['step']}) as "
                f"{checkpoint_path(run.checkpoints, restored).name} with the config that trained it",
                {"restored": {**facts, "as_step": restored}}, {**facts, "restored_as": restored})


def settled(records: list[dict]) -> bool:
    return any("restored" in r["action"] or "compared" in r["action"] for r in records)


def restore(run, kept: dict, step: int) -> int:
    """The kept checkpoint's states as the newest checkpoint, at `step` (or after any newer one, never over a file),
    and its config as config.yaml; returns the step it was written at."""
    step = max([step] + [checkpoint_step(path) + 1 for path in list_checkpoints(run.checkpoints)])
    checkpoint = read_checkpoint(run.path / kept["checkpoint"])
    checkpoint["step"] = step
    checkpoint.pop("stats_window", None)  # stats of a stretch this run's stats.jsonl does not hold
    config = load_config(run.path / kept["config"], [f"train.steps={step}"])
    keep_previous(run.path, run.config, step - 1)  # config-history/: the remedied config, until its last step
    atomic_save(checkpoint, checkpoint_path(run.checkpoints, step))
    save_config(config, run.config)
    return step


def final_score(run, state, metric: str) -> float | None:
    """The score logged at the run's last step, else measured now by the same protocol."""
    at_end = measurements(run, metric).get(state.step)
    if at_end is not None:
        return at_end
    if metric == PROBE:
        return probe_score(SampleProbe(state, heldout_source_for(state.config))(state))
    result = evaluate_state(state)
    append_record(eval_log(run), result)
    return eval_score(result["metrics"], metric)


def kept_entry(records: list[dict]) -> dict | None:
    """What keep_best kept, from doctor.jsonl's auto-remedy lines (None if it kept nothing or never ran)."""
    return next((r["action"]["kept"] for r in records if "kept" in r["action"]), None)


def kept_facts(kept: dict) -> dict:
    return {"metric": kept["metric"], "kept_step": kept["step"], "kept_score": kept["score"]}


def line(step: int, severity: str, message: str, action: dict, evidence: dict) -> dict:
    return {"step": step, "rule": "auto_remedy", "severity": severity, "message": message, "evidence": evidence,
            "advice": [], "action": action}


def logged(score: float | None):
    """A score as doctor.jsonl holds it: non-finite values as strings ("inf"), as in the run's other logs."""
    return score if score is None or math.isfinite(score) else str(score)
