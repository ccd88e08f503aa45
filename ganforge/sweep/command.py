"""`ganforge sweep SPEC.yaml`: one Optuna study, its trials run until the budget is spent.

The study lives in `storage` (default: sqlite:///<sweep dir>/study.db), under the spec's name, and
is loaded if it exists: a sweep that was stopped, killed or is run again goes on where it was, and
processes on several machines given one database URL share the study (Optuna's own distributed
mode; each takes the next trial the sampler proposes). Storage heartbeats mark the trials of a
killed process as failed, after HEARTBEAT_GRACE_S, so they never count as still running.
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import optuna

from ..train import interrupt
from .page import write_page
from .results import counted, summary, table, write_best_config, write_results
from .space import choice_label
from .spec import SweepSpec, read_spec
from .trial_runner import TrialFailed, TrialRunner

HEARTBEAT_INTERVAL_S = 20
HEARTBEAT_GRACE_S = 60


def run_sweep(spec_path: str, sweep_dir: str | None = None, quiet: bool = False) -> int:
    spec = read_spec(spec_path)
    folder = Path(sweep_dir) if sweep_dir else Path("sweeps") / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # each trial's own line says how it ended
    study = open_study(spec, folder)
    print(f"sweep directory: {folder} (study {spec.name!r} in {storage_url(spec, folder)})", flush=True)
    try:
        with interrupt.StopRequest():  # the first Ctrl-C stops each running trial at its next step boundary
            optimise(study, spec, folder, quiet)
    except KeyboardInterrupt:
        finish(study, spec, folder, quiet=True)
        stop = interrupt.Interrupted(interrupt.received() or 2)
        stop.hint = f"the study is kept; go on with: ganforge sweep {spec_path}" + (f" --sweep-dir {sweep_dir}" if sweep_dir else "")
        raise stop from None
    finish(study, spec, folder, quiet)
    return 0


def storage_url(spec: SweepSpec, folder: Path) -> str:
    return spec.storage or f"sqlite:///{(folder / 'study.db').resolve()}"


def open_study(spec: SweepSpec, folder: Path) -> optuna.Study:
    with warnings.catch_warnings():  # heartbeats are marked experimental in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        storage = optuna.storages.RDBStorage(storage_url(spec, folder), heartbeat_interval=HEARTBEAT_INTERVAL_S,
                                             grace_period=HEARTBEAT_GRACE_S)
    sampler = make_sampler(spec)
    pruner = optuna.pruners.MedianPruner() if spec.optuna_pruner == "median" else optuna.pruners.NopPruner()
    return optuna.create_study(storage=storage, study_name=spec.name, sampler=sampler, pruner=pruner,
                               direction=spec.objective.direction, load_if_exists=True)


def make_sampler(spec: SweepSpec) -> optuna.samplers.BaseSampler:
    if spec.sampler == "grid":  # every combination of the choices, in an order the seed shuffles
        grid = {param.path: [choice_label(choice) for choice in param.choices] for param in spec.space}
        return optuna.samplers.GridSampler(grid, seed=spec.sampler_seed)
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=spec.sampler_seed)
    return optuna.samplers.TPESampler(seed=spec.sampler_seed)


def optimise(study: optuna.Study, spec: SweepSpec, folder: Path, quiet: bool) -> None:
    remaining = None if spec.trials is None else spec.trials - sum(map(counted, study.trials))
    if (remaining is not None and remaining <= 0) or cpu_spent(study) >= (spec.cpu_seconds or float("inf")):
        print("the budget is spent already; nothing to run")
        return
    callbacks = [lambda study, trial: progress(study, trial, spec, quiet), lambda study, trial: stop_at_cpu(study, spec)]
    study.optimize(TrialRunner(spec, folder), n_trials=remaining, n_jobs=spec.workers, catch=(TrialFailed,),
                   callbacks=callbacks, gc_after_trial=False, show_progress_bar=False)


def cpu_spent(study: optuna.Study) -> float:
    return sum(float(trial.user_attrs.get("cpu_seconds", 0.0)) for trial in study.trials)


def stop_at_cpu(study: optuna.Study, spec: SweepSpec) -> None:
    if spec.cpu_seconds is not None and cpu_spent(study) >= spec.cpu_seconds:
        study.stop()  # trials already running finish; no new one starts


def progress(study, trial, spec: SweepSpec, quiet: bool) -> None:
    if quiet:
        return
    params = " ".join(f"{name}={value:.3g}" if isinstance(value, float) else f"{name}={value}"
                      for name, value in trial.params.items())
    outcome = (f"{spec.objective.metric} {trial.value:.4g}" if trial.value is not None
               else trial.user_attrs.get("pruned_by", trial.state.name.lower()))
    print(f"trial {trial.number} {trial.state.name.lower()}: {params} -> {outcome} "
          f"({trial.user_attrs.get('cpu_seconds', 0):.1f} s CPU)", flush=True)


def finish(study: optuna.Study, spec: SweepSpec, folder: Path, quiet: bool) -> None:
    written = [write_results(study, spec.objective, folder), write_page(study, spec.objective, folder, spec.name)]
    best = write_best_config(study, folder, spec.name)
    if not quiet:
        print(table(study, spec.objective) + summary(study, spec.objective))
        print("wrote " + ", ".join(str(path) for path in [*written, *([best] if best else [])]), file=sys.stdout)
