"""The doctor as a sweep pruner: the same random search with and without it, on the ring.

    OMP_NUM_THREADS=1 python benchmarks/sweep.py      # writes the "sweep" section of docs/benchmarks.md

Each repeat is one sampler seed: `ganforge sweep` runs the same number of trials from the same seeded
random sampler twice, once with `pruner.doctor: true` and once with `false` (no Optuna pruner in
either). A random sampler draws its values whatever the earlier trials scored, so both arms train the
same configurations and a trial the doctor leaves alone ends exactly as in the other arm: the
difference is the compute the doctor saves on the trials it stops, and any trial it stops that
would have been the best. The space holds failing regions: learning rates over four decades,
1-5 D steps per G step, and four losses, Wasserstein without a Lipschitz penalty among them.

A trial counts as failed when the doctor reported an error finding in it (in the arm without the
pruner the doctor still runs and writes doctor.jsonl, it only stops nothing) or when it ended with
an error. CPU is each trial's process CPU time (one torch thread) as the sweep records it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import optuna
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ganforge.sweep.doctor_pruner import first_error  # noqa: E402

STEPS = 300
BATCH_SIZE = 128
SPACE = {
    "optim.g.lr": {"log_uniform": [1.0e-5, 1.0e-1]},
    "optim.d.lr": {"log_uniform": [1.0e-5, 1.0e-1]},
    "optim.n_critic": {"int": [1, 5]},
    "loss.name": {"choice": ["nonsaturating", "hinge", "wasserstein", "minimax"]},
}


def spec(seed: int, trials: int, doctor: bool) -> dict:
    return {"name": f"ring-seed{seed}-{'doctor' if doctor else 'plain'}", "base": "ring",
            "overrides": {"train.steps": STEPS, "train.batch_size": BATCH_SIZE, "train.sample_every": STEPS, "train.checkpoint_every": STEPS,
                          "train.tensorboard": False},
            "space": SPACE, "objective": {"metric": "reverse_kl", "direction": "minimize", "every": 100},
            "budget": {"trials": trials}, "sampler": {"name": "random", "seed": seed},
            "pruner": {"doctor": doctor, "optuna": "none"}}


def start_sweep(workdir: Path, seed: int, trials: int, doctor: bool) -> tuple[subprocess.Popen, Path]:
    settings = spec(seed, trials, doctor)
    path = workdir / f"{settings['name']}.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    sweep_dir = workdir / settings["name"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "ganforge", "sweep", str(path), "--sweep-dir", str(sweep_dir), "--quiet"]
    return subprocess.Popen(command, env=env, cwd=ROOT), sweep_dir


def summarise(sweep_dir: Path, name: str) -> dict:
    study = optuna.load_study(study_name=name, storage=f"sqlite:///{sweep_dir / 'study.db'}")
    trials = study.trials
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL
              or first_error(Path(t.user_attrs["run_dir"])) is not None]
    complete = [t.value for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    return {"trials": len(trials), "best": min(complete) if complete else None,
            "cpu": sum(t.user_attrs.get("cpu_seconds", 0.0) for t in trials),
            "failed": len(failed), "failed_cpu": sum(t.user_attrs.get("cpu_seconds", 0.0) for t in failed),
            "pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in trials)}


def run(workdir: Path, seeds: list[int], trials: int) -> dict:
    results = {}
    for seed in seeds:  # the two arms of a seed side by side: one process each, one torch thread each
        arms = {doctor: start_sweep(workdir, seed, trials, doctor) for doctor in (False, True)}
        for doctor, (process, sweep_dir) in arms.items():
            if process.wait() != 0:
                raise SystemExit(f"sweep {sweep_dir} failed with exit code {process.returncode}")
            results[(seed, doctor)] = summarise(sweep_dir, spec(seed, trials, doctor)["name"])
            print(json.dumps({"seed": seed, "doctor": doctor, **results[(seed, doctor)]}), flush=True)
    return results


def cell(value) -> str:
    return "–" if value is None else f"{value:.3g}"


def markdown(results: dict, seeds: list[int], trials: int) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from report import machine

    lines = ["| seed | pruner | trials | best reverse KL | CPU, all trials | failed trials | CPU on failed trials | pruned |",
             "|---|---|---|---|---|---|---|---|"]
    for seed in seeds:
        for doctor in (False, True):
            r = results[(seed, doctor)]
            lines.append(f"| {seed} | {'doctor' if doctor else 'none'} | {r['trials']} | {cell(r['best'])} | "
                         f"{r['cpu']:.0f} s | {r['failed']} | {r['failed_cpu']:.0f} s | {r['pruned']} |")
    total = {doctor: sum(results[(s, doctor)]["cpu"] for s in seeds) for doctor in (False, True)}
    failed = {doctor: sum(results[(s, doctor)]["failed_cpu"] for s in seeds) for doctor in (False, True)}
    as_good = sum(results[(s, True)]["best"] is not None and (results[(s, False)]["best"] is None or
                  results[(s, True)]["best"] <= results[(s, False)]["best"]) for s in seeds)
    saved = 1 - total[True] / total[False]
    return f"""## Sweep: the doctor as a pruner (`benchmarks/sweep.py`)

`ganforge sweep` on the ring preset ({STEPS} steps of batch {BATCH_SIZE} a trial, objective: reverse KL of the mode shares,
minimised, at the last step), a seeded random sampler over {', '.join(f'`{k}`' for k in SPACE)}
({SPACE['optim.g.lr']['log_uniform'][0]:g} to {SPACE['optim.g.lr']['log_uniform'][1]:g} for both learning
rates, log-uniform; 1-5 D steps; losses {', '.join(SPACE['loss.name']['choice'])}); {trials} trials per sweep,
the same budget with the doctor pruner on and off (no Optuna pruner). A failed trial: the doctor reported
an error finding in it, or it ended with an error.

{chr(10).join(lines)}

Over {len(seeds)} seeds: {total[True]:.0f} s of trial CPU with the doctor pruner against {total[False]:.0f} s
without ({100 * saved:.0f}% less; on failed trials {failed[True]:.0f} s against {failed[False]:.0f} s); the best
trial as good or better with the pruner on {as_good} of {len(seeds)} seeds. Target: an equal or better
best metric with at least 30% less compute: {'met' if as_good == len(seeds) and saved >= 0.3 else 'not met'}.
CPU includes each trial's start-up (Python, PyTorch, building the nets), the same in both arms.

On {machine()}; each trial a process of its own, one torch thread. Rerun with the same `--workdir`, the
script trains nothing new: each sweep's budget is spent, and the table is read from the studies again."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--workdir", type=Path, help="keep the sweeps here (default: a new temporary folder)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    args.workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ganforge-sweep-"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"sweeps in {args.workdir}", flush=True)
    results = run(args.workdir, args.seeds, args.trials)
    text = markdown(results, args.seeds, args.trials)
    print(text)
    if not args.no_write:
        from report import write_section

        write_section("sweep", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
