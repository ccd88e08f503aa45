"""The run's metric: how auto-remedy ranks the unremedied run's checkpoints and judges where its remedies ended.

    metric = choose_metric(run, config)          # "fid", ..., or "probe"; None when nothing was measured
    best = best_checkpoint(run, config, metric)  # (step, path, score) of the best-scored checkpoint, or None

Each value is turned into a *score*, lower is better, from what the run already logs:

- with periodic evaluation (`eval.every` > 0), eval.jsonl's first of: `fid`, `kid`, `swd`, `kl`
  (stacked modes), `ndb_js` (each as it is), `is` (negated), `modes` (Gaussian mixtures:
  −(modes + high_quality), so more modes captured always wins, and high-quality share breaks ties);
- otherwise (or while eval.jsonl has nothing yet) the doctor's sample probe in stats.jsonl, every
  `doctor.sample_every` steps: `probe` = samples/nn_ratio ÷ min(samples/diversity, 1). nn_ratio
  measures how far the samples lie from the data in units of the data's own nearest-neighbour
  spacing (≈1 on the data, ≫1 for noise or blur), but a G that sits on a few modes has samples on
  the data too; dividing by the diversity while it is below the data's own charges for that. A
  sampler like the data scores ≈1; the probe uses fixed latents and a fixed real batch, so scores
  at different steps compare.

A non-finite value scores +inf (worst). A checkpoint's score is the one measured at its step, or
else the newest measured before it, no more than one measurement interval earlier (`eval.every`,
or `doctor.sample_every` + `train.log_every` for the probe, which runs at the first flush after
each multiple of `sample_every`); a checkpoint with neither has no score.
"""
from __future__ import annotations

import math
from pathlib import Path

from ..jsonl import read_records
from ..train.checkpoint import checkpoint_step, list_checkpoints
from ..train.config_history import current_since

PROBE = "probe"
EVAL_METRICS = ("fid", "kid", "swd", "kl", "ndb_js", "is", "modes")  # the order a run's metric is chosen in
HIGHER_IS_BETTER = {"is"}


def eval_score(values: dict, metric: str) -> float | None:
    """The score (lower is better) of one evaluation's `values` under `metric`; None if it lacks that metric."""
    if metric not in values:
        return None
    if metric == "modes" and "high_quality" in values:
        return worst_if_not_finite(-(as_float(values["modes"]) + as_float(values["high_quality"])))
    value = as_float(values[metric])
    return worst_if_not_finite(-value if metric in HIGHER_IS_BETTER else value)


def probe_score(stats: dict) -> float | None:
    """samples/nn_ratio ÷ min(samples/diversity, 1) from one stats record; None if it holds no probe."""
    if "samples/nn_ratio" not in stats or "samples/diversity" not in stats:
        return None
    ratio, diversity = as_float(stats["samples/nn_ratio"]), as_float(stats["samples/diversity"])
    if not (math.isfinite(ratio) and math.isfinite(diversity)) or diversity <= 0:
        return math.inf
    return ratio / min(diversity, 1.0)


def measurements(run, metric: str) -> dict[int, float]:
    """{step: score} of every measurement of `metric` the run logged (the newest at a step wins)."""
    if metric == PROBE:
        found = ((record["step"], probe_score(record)) for record in read_records(run.stats)[0])
    else:
        found = ((record["step"], eval_score(record.get("metrics") or {}, metric))
                 for record in read_records(eval_log(run))[0])
    return {step: score for step, score in found if score is not None}


def choose_metric(run, config) -> str | None:
    """The run's metric: the periodic evaluation's when eval.jsonl holds one, else the probe when stats.jsonl
    holds one, else None."""
    if config.eval.every:
        for record in read_records(eval_log(run))[0]:
            named = [name for name in EVAL_METRICS if name in (record.get("metrics") or {})]
            if named:
                return named[0]
    return PROBE if measurements(run, PROBE) else None


def interval(config, metric: str) -> int:
    """How many steps a measurement may precede the checkpoint it scores."""
    return config.doctor.sample_every + config.train.log_every if metric == PROBE else config.eval.every


def score_at(measured: dict[int, float], step: int, within: int) -> float | None:
    """The score measured at `step`, else the newest before it no more than `within` steps earlier, else None."""
    earlier = [at for at in measured if step - within <= at <= step]
    return measured[max(earlier)] if earlier else None


def best_checkpoint(run, config, metric: str | None) -> tuple[int, Path, float] | None:
    """(step, path, score) of the run's best-scored checkpoint (the older one on a tie), or None if none is scored.

    Only checkpoints config.yaml can load count: those from the step a `ganforge resume` with a changed config
    started at (config-history/) on."""
    if metric is None:
        return None
    measured, within, since = measurements(run, metric), interval(config, metric), current_since(run.path)
    scored = [(score, checkpoint_step(path), path) for path in list_checkpoints(run.checkpoints)
              if checkpoint_step(path) >= since
              and (score := score_at(measured, checkpoint_step(path), within)) is not None]
    if not scored:
        return None
    score, step, path = min(scored, key=lambda item: item[:2])
    return step, path, score


def protected_steps(run, config) -> set[int]:
    """The step of the best-scored checkpoint so far, which checkpoint rotation must not delete (empty if none)."""
    best = best_checkpoint(run, config, choose_metric(run, config))
    return {best[0]} if best else set()


def eval_log(run) -> Path:
    return run.path / "eval.jsonl"


def as_float(value) -> float:
    """A logged number; the strings "nan"/"inf" that the logs write for non-finite values; NaN for anything else."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def worst_if_not_finite(score: float) -> float:
    return score if math.isfinite(score) else math.inf
