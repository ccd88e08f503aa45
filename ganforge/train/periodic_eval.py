"""Evaluation during training: every `eval.every` steps, the run's metrics on the stats bus as `eval/<name>`.

Each result also goes, with its provenance, to the run's eval.jsonl (rank 0 writes it). Evaluation
draws from its own seeded generators and runs the nets in eval mode, so it changes nothing a
resumed run would see: with or without it, training is bitwise the same.
"""
from __future__ import annotations

from ..metrics.evaluate import append_record, check_evaluation, evaluate_state
from . import distributed
from .run_dir import RunDir
from .stats import JsonlWriter, report


def check(state) -> None:
    """Before the first step: what the first evaluation will build (real split, extractor), so a mistake fails now."""
    if state.config.eval.every:
        check_evaluation(state.data, state.config.data.model_dump(), state.config.eval)


def due(state) -> bool:
    every = state.config.eval.every
    return bool(every) and state.step % every == 0


def evaluate_now(state, run: RunDir) -> dict:
    result = evaluate_state(state)
    for name, value in result["metrics"].items():
        report(f"eval/{name}", value)
    if distributed.is_main():
        append_record(eval_log(run), result)
    return result


def eval_log(run: RunDir):
    return run.path / "eval.jsonl"


def forget_after(run: RunDir, step: int) -> None:
    """On resume: drop results newer than the checkpoint (they will be computed again)."""
    JsonlWriter(eval_log(run)).truncate_after(step)
