"""The doctor as a sweep pruner: the same random search with and without it, on the ring, the grid and Fashion-MNIST.

    OMP_NUM_THREADS=1 python benchmarks/sweep.py      # writes the "sweep" section of docs/benchmarks.md

Each repeat is one sampler seed: `ganforge sweep` runs the same number of trials from the same seeded
random sampler twice, once with `pruner.doctor: true` and once with `false` (no Optuna pruner in
either). A random sampler draws its values whatever the earlier trials scored, so both arms train the
same configurations and a trial the doctor leaves alone ends exactly as in the other arm: the
difference is the compute the doctor saves on the trials it stops, and any trial it stops that
would have been the best. The space holds failing regions: learning rates over four decades,
1-5 D steps per G step, and four losses, Wasserstein without a Lipschitz penalty among them.

The doctor does not stop a trial that leads the study (its latest periodic value beats every finished
trial's); that rule was chosen with the sweeps of seeds 0 and 1 in view. A sweep in which every trial
was stopped reports the best last periodic value of a stopped trial, as `ganforge sweep` does; that was
decided with the sweeps of seeds 2 and 3 in view. Seeds 0-3 are therefore tuning material; seeds 4 and 5
are held out: run once, after both were frozen. `ring_300` illustrates short trials and runs on seeds 0
and 1 only.

A trial counts as failed when the doctor reported an error finding in it (in the arm without the
pruner the doctor still runs and writes doctor.jsonl, it only stops nothing) or when it ended with
an error. CPU is each trial's process CPU time (one torch thread) as the sweep records it, start-up
included. The sweeps run two at a time (one process each, one torch thread each).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import optuna
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ganforge.sweep.doctor_pruner import first_error  # noqa: E402
from ganforge.sweep.objective import parse_objective  # noqa: E402
from ganforge.sweep.results import best_stopped_trial, best_trial  # noqa: E402

SPACE = {
    "optim.g.lr": {"log_uniform": [1.0e-5, 1.0e-1]},
    "optim.d.lr": {"log_uniform": [1.0e-5, 1.0e-1]},
    "optim.n_critic": {"int": [1, 5]},
    "loss.name": {"choice": ["nonsaturating", "hinge", "wasserstein", "minimax"]},
}


# Modes captured (PacGAN's protocol, 2,500 samples), not the reverse KL of the mode shares: that KL assigns
# every sample to its nearest mode, so a uniform spread over the square scores almost as well as a fit.
MODES = {"metric": "modes", "direction": "maximize", "every": 250}


@dataclass(frozen=True)
class Setting:
    """One base config to sweep: how long a trial trains and what it is scored by."""
    name: str
    base: str
    steps: int
    batch_size: int
    objective: dict
    about: str
    held_out: bool = True  # run on every seed and counted in the target (False: SHORT_TRIAL_SEEDS only)

    @property
    def maximise(self) -> bool:
        return self.objective["direction"] == "maximize"

    def overrides(self) -> dict:
        return {"train.steps": self.steps, "train.batch_size": self.batch_size, "train.sample_every": self.steps,
                "train.checkpoint_every": self.steps, "train.tensorboard": False}


SETTINGS = {setting.name: setting for setting in (
    Setting("ring", "ring", 2000, 256, MODES, "the `ring` preset's own length and batch; modes captured (maximised)"),
    Setting("ring_300", "ring", 300, 128, {**MODES, "every": 100}, "short trials; modes captured (maximised)",
            held_out=False),
    Setting("grid", "grid", 2000, 256, MODES,
            "the `grid` preset (it trains 5000 steps) screened at 2000; modes captured (maximised)"),
    Setting("fashion", "fashion_dcgan", 400, 64, {"metric": "fid", "direction": "minimize", "every": 100, "n": 2000},
            "the `fashion_dcgan` preset (it trains 2000 steps) screened at 400; FD on 2,000 samples in "
            "`fashion_classifier` features (minimised)"),
)}
ARMS = (False, True)  # doctor pruner off, on
TUNING_SEEDS, HELD_OUT_SEEDS = (0, 1, 2, 3), (4, 5)
SHORT_TRIAL_SEEDS = (0, 1)  # ring_300's sweeps
EARLIER_HELD_OUT_SEEDS = (2, 3)  # held out under the leading rule alone, whose best came from completed trials only


def spec(setting: Setting, seed: int, trials: int, doctor: bool) -> dict:
    return {"name": f"{setting.name}-seed{seed}-{'doctor' if doctor else 'plain'}", "base": setting.base,
            "overrides": setting.overrides(), "space": SPACE, "objective": setting.objective,
            "budget": {"trials": trials}, "sampler": {"name": "random", "seed": seed},
            "pruner": {"doctor": doctor, "optuna": "none"}}


def start_sweep(workdir: Path, settings: dict) -> tuple[subprocess.Popen, Path]:
    path = workdir / f"{settings['name']}.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    sweep_dir = workdir / settings["name"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "ganforge", "sweep", str(path), "--sweep-dir", str(sweep_dir), "--quiet"]
    return subprocess.Popen(command, env=env, cwd=ROOT), sweep_dir


def start_up_cpu(setting: Setting) -> float:
    """CPU seconds of a one-step run of the setting's base: what every trial pays before it trains."""
    overrides = [f"{key}={value}" for key, value in {**setting.overrides(), "train.steps": 1}.items()]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "ganforge", "train", setting.base, *overrides, "--run-dir",
                        str(Path(folder) / "run"), "--quiet"], env={**os.environ, "OMP_NUM_THREADS": "1",
                       "PYTHONPATH": str(ROOT)}, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def summarise(sweep_dir: Path, name: str, setting: Setting) -> dict:
    """The sweep's best value as `ganforge sweep` reports it: the best completed trial's, else the best stopped one's."""
    study = optuna.load_study(study_name=name, storage=f"sqlite:///{sweep_dir / 'study.db'}")
    trials = study.trials
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL
              or first_error(Path(t.user_attrs["run_dir"])) is not None]
    best = best_trial(study) or best_stopped_trial(study, parse_objective(setting.objective))
    return {"trials": len(trials), "best": None if best is None else best.value,
            "best_stopped": best is not None and best.state == optuna.trial.TrialState.PRUNED,
            "cpu": sum(t.user_attrs.get("cpu_seconds", 0.0) for t in trials),
            "failed": len(failed), "failed_cpu": sum(t.user_attrs.get("cpu_seconds", 0.0) for t in failed),
            "pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in trials)}


def seeds_of(setting: Setting, seeds: list[int]) -> list[int]:
    return [seed for seed in seeds if setting.held_out or seed in SHORT_TRIAL_SEEDS]


def run(workdir: Path, settings: list[Setting], seeds: list[int], trials: int, jobs: int) -> dict:
    """Every (setting, seed, arm) sweep, `jobs` at a time, the costliest settings first."""
    queue = [(setting.name, seed, doctor) for setting in settings for seed in seeds_of(setting, seeds) for doctor in ARMS]
    running, results = {}, {}
    while queue or running:
        while queue and len(running) < jobs:
            name, seed, doctor = key = queue.pop(0)
            running[key] = start_sweep(workdir, spec(SETTINGS[name], seed, trials, doctor))
        time.sleep(1.0)
        for key, (process, sweep_dir) in list(running.items()):
            if process.poll() is None:
                continue
            del running[key]
            name, seed, doctor = key
            if process.returncode != 0:
                raise SystemExit(f"sweep {sweep_dir} failed with exit code {process.returncode}")
            setting = SETTINGS[name]
            results[key] = summarise(sweep_dir, spec(setting, seed, trials, doctor)["name"], setting)
            print(json.dumps({"setting": name, "seed": seed, "doctor": doctor, **results[key]}), flush=True)
    return results


def cell(value, stopped: bool = False) -> str:
    return "–" if value is None else f"{value:.3g}" + (" (stopped)" if stopped else "")


def as_good(with_doctor: dict, without: dict, maximise: bool) -> bool:
    if with_doctor["best"] is None or without["best"] is None:
        return without["best"] is None
    return with_doctor["best"] >= without["best"] if maximise else with_doctor["best"] <= without["best"]


def setting_rows(results: dict, setting: Setting, seeds: list[int]) -> list[str]:
    rows = []
    for seed in seeds_of(setting, seeds):
        for doctor in ARMS:
            r = results[(setting.name, seed, doctor)]
            rows.append(f"| {setting.name} | {seed} | {'doctor' if doctor else 'none'} | {r['trials']} | {cell(r['best'], r.get('best_stopped', False))} | "
                        f"{r['cpu']:.0f} s | {r['failed']} | {r['failed_cpu']:.0f} s | {r['pruned']} |")
    return rows


def summary_row(results: dict, role: str, name: str, keys: list[tuple[str, int]]) -> tuple[str, bool]:
    total = {doctor: sum(results[(s, seed, doctor)]["cpu"] for s, seed in keys) for doctor in ARMS}
    failed = {doctor: sum(results[(s, seed, doctor)]["failed_cpu"] for s, seed in keys) for doctor in ARMS}
    good = sum(as_good(results[(s, seed, True)], results[(s, seed, False)], SETTINGS[s].maximise) for s, seed in keys)
    saved = 1 - total[True] / total[False]
    met = good == len(keys) and saved >= 0.3
    seeds = ",".join(map(str, sorted({seed for _, seed in keys})))
    return (f"| {role} ({seeds}) | {name} | {total[False]:.0f} s | {total[True]:.0f} s | {100 * saved:.0f}% | "
            f"{failed[False]:.0f} s → {failed[True]:.0f} s | {good} of {len(keys)} | {'met' if met else 'not met'} |"), met


def summaries(results: dict, settings: list[Setting], seeds: list[int]) -> tuple[list[str], dict]:
    """Rows per setting and for the target's settings together, tuning seeds then held-out ones; {role: met}."""
    rows, verdicts = [], {}
    roles = (("tuning", TUNING_SEEDS, results), ("held out", HELD_OUT_SEEDS, results),
             ("earlier held out as scored then", EARLIER_HELD_OUT_SEEDS, completed_only(results)))
    for role, group, scored in roles:
        chosen = [seed for seed in seeds if seed in group]
        counted = [s for s in settings if seeds_of(s, chosen)]
        if not counted:
            continue
        rows += [summary_row(scored, role, s.name, [(s.name, seed) for seed in seeds_of(s, chosen)])[0] for s in counted]
        target = [s for s in counted if s.held_out]
        if target:
            row, verdicts[role] = summary_row(scored, role, " + ".join(s.name for s in target),
                                              [(s.name, seed) for s in target for seed in seeds_of(s, chosen)])
            rows.append(row)
    return rows, verdicts


def completed_only(results: dict) -> dict:
    """The results with a stopped trial's best left out, as the sweep reported a study with no completed trial before
    it named the best stopped one."""
    return {key: {**r, "best": None} if r.get("best_stopped") else r for key, r in results.items()}


def markdown(results: dict, start_up: dict, settings: list[Setting], seeds: list[int], trials: int) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from report import machine

    rows = [row for setting in settings for row in setting_rows(results, setting, seeds)]
    summary, verdicts = summaries(results, settings, seeds)
    described = "\n".join(f"- `{s.name}`: {s.steps} steps of batch {s.batch_size} a trial, {s.about}, at the last step; "
                          f"a one-step run of it costs {start_up[s.name]:.1f} CPU-s (start-up)." for s in settings)
    verdict = "; ".join(f"{role}, {'met' if met else 'not met'}" for role, met in verdicts.items())
    return f"""## Sweep: the doctor as a pruner (`benchmarks/sweep.py`)

`ganforge sweep` with a seeded random sampler over {', '.join(f'`{k}`' for k in SPACE)}
({SPACE['optim.g.lr']['log_uniform'][0]:g} to {SPACE['optim.g.lr']['log_uniform'][1]:g} for both learning
rates, log-uniform; 1-5 D steps; losses {', '.join(SPACE['loss.name']['choice'])}); {trials} trials per sweep,
the same trials with the doctor pruner on and off (no Optuna pruner). A failed trial: the doctor reported
an error finding in it, or it ended with an error. The doctor does not stop a trial that leads the study,
and a sweep in which every trial was stopped reports the best last periodic value of a stopped trial, marked
"(stopped)" (docs/sweep.md). Those two rules were chosen with seeds {', '.join(map(str, TUNING_SEEDS))} in view
(tuning); seeds {' and '.join(map(str, HELD_OUT_SEEDS))} are held out and were run once, after both were frozen. The settings:

{described}

| setting | seed | pruner | trials | best value | CPU, all trials | failed trials | CPU on failed trials | pruned |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Target: an equal or better best value on every seed with at least 30% less compute, over the settings
other than `ring_300` together: {verdict}. The last rows score seeds {' and '.join(map(str, EARLIER_HELD_OUT_SEEDS))} as they
were scored when they were held out, before a study with no completed trial named its best stopped one.

| seeds | setting | CPU without the pruner | CPU with it | less | CPU on failed trials | best as good or better | target |
|---|---|---|---|---|---|---|---|
{chr(10).join(summary)}

CPU includes each trial's start-up (Python, PyTorch, building the nets), the same in both arms; the
shorter the trials, the larger its share, and the less stopping a trial early can save (`ring_300`).

On {machine()}; each trial a process of its own, one torch thread. Rerun with the same `--workdir`, the
script trains nothing new: each sweep's budget is spent, and the table is read from the studies again."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=["fashion", "grid", "ring", "ring_300"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[*TUNING_SEEDS, *HELD_OUT_SEEDS])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2, help="sweeps side by side (default 2)")
    parser.add_argument("--workdir", type=Path, help="keep the sweeps here (default: a new temporary folder)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    args.workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ganforge-sweep-"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"sweeps in {args.workdir}", flush=True)
    settings = [SETTINGS[name] for name in args.settings]
    start_up = {setting.name: start_up_cpu(setting) for setting in settings}
    results = run(args.workdir, settings, args.seeds, args.trials, args.jobs)
    text = markdown(results, start_up, settings, args.seeds, args.trials)
    print(text)
    if not args.no_write:
        from report import write_section

        write_section("sweep", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
