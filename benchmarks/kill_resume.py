"""Kill -9 survival: SIGKILL `ganforge train`/`resume` at random moments and check nothing is lost.

    python benchmarks/kill_resume.py --kills 50      # writes the "kill-resume" section of docs/benchmarks.md

An *episode* trains a tiny ring GAN (checkpoint every 5 steps) in a subprocess; the process is
killed with SIGKILL after a random delay, then `ganforge resume` (or `ganforge train` again, if
it died before writing its config) is started and killed in turn, until one process lives long
enough to finish. Episodes repeat until the requested number of kills is reached. After every
kill the script checks that

- every file `list_checkpoints` reports loads with `read_checkpoint` and holds the step its name says,
- no temporary file is ever listed as a checkpoint,
- at most one checkpoint interval was lost: newest checkpoint step ≥ steps reached − checkpoint_every
  ("steps reached" is the last step in stats.jsonl, which gets a line every step),

and after every episode that the last process exited 0 and that the final checkpoint (G, D and
both optimisers) and stats.jsonl's loss column equal an uninterrupted run's bitwise.
Kills aim at three moments in turn, all by real timing (no slow-down is injected): a random
moment of start-up (imports, building the nets: before an uninterrupted process logged its
first step), a random moment of training, and the next checkpoint write after a random moment
(the script watches checkpoints/ and kills as soon as a temporary file appears). Each kill is
classified by what it left: no new step logged → start-up; a temporary checkpoint file → during
checkpoint writing; else training.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ganforge.errors import CheckpointError  # noqa: E402
from ganforge.train.checkpoint import list_checkpoints, read_checkpoint  # noqa: E402

CHECKPOINT_EVERY = 5
AIMS = ("start-up", "training", "checkpoint writing")  # what the kills aim at, in turn


def tiny_ring_config(steps: int) -> dict:
    return {
        "name": "kill-resume",
        "data": {"name": "ring"},
        "generator": {"name": "mlp", "width": 16, "depth": 2},
        "discriminator": {"name": "mlp", "width": 16, "depth": 2},
        "z_dim": 4,
        "train": {"steps": steps, "batch_size": 32, "seed": 5, "checkpoint_every": CHECKPOINT_EVERY,
                  "keep_checkpoints": 3, "log_every": 1, "sample_every": 1_000_000, "grid_size": 16},
    }


@dataclass
class Results:
    kills: int = 0
    failures: list[str] = field(default_factory=list)
    phases: dict[str, int] = field(default_factory=lambda: {"start-up": 0, "training": 0, "checkpoint writing": 0})
    max_steps_lost: int = 0
    episodes: int = 0
    processes: int = 0


def ganforge(config_file: Path, run: Path, resume: bool) -> subprocess.Popen:
    """`ganforge train` into `run`, or `ganforge resume run`; single-threaded so timing is steady."""
    command = ["resume", str(run), "--quiet"] if resume else ["train", str(config_file), "--run-dir", str(run), "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "ganforge", *command], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def steps_logged(run: Path) -> int:
    """The last step in stats.jsonl (0 if none); a torn last line from a killed writer is skipped."""
    last = 0
    stats = run / "stats.jsonl"
    for line in stats.read_text().splitlines() if stats.exists() else []:
        try:
            last = max(last, int(json.loads(line)["step"]))
        except (ValueError, KeyError, TypeError):
            continue
    return last


def temporaries(run: Path) -> set[str]:
    folder = run / "checkpoints"
    return {p.name for p in folder.iterdir() if p.name.endswith(".tmp")} if folder.is_dir() else set()


def check_after_kill(run: Path, reached: int) -> tuple[list[str], int]:
    """The invariants that must hold whenever the process dies; returns (problems, steps lost)."""
    problems, newest = [], 0
    for path in list_checkpoints(run / "checkpoints"):
        if path.name.startswith(".") or path.name.endswith(".tmp"):
            problems.append(f"{path.name}: a temporary file listed as a checkpoint")
            continue
        try:
            step = read_checkpoint(path)["step"]
        except CheckpointError as error:
            problems.append(f"unloadable checkpoint: {error}")
            continue
        if path.name != f"step-{step:08d}.pt":
            problems.append(f"{path.name}: holds step {step}")
        newest = max(newest, step)
    lost = reached - newest
    if lost > CHECKPOINT_EVERY:
        problems.append(f"lost {lost} steps (reached {reached}, newest checkpoint {newest})")
    return problems, max(lost, 0)


def final_state(run: Path, steps: int) -> dict:
    checkpoint = read_checkpoint(run / "checkpoints" / f"step-{steps:08d}.pt")
    losses = [(r["step"], r["loss/d"], r["loss/g"]) for r in map(json.loads, (run / "stats.jsonl").read_text().splitlines())]
    return {"checkpoint": checkpoint, "losses": losses}


def same_tensors(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_tensors(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same_tensors(x, y) for x, y in zip(a, b))
    return a == b


@dataclass
class Timing:
    start_up: float  # seconds from launch to the first logged step
    lifetime: float  # seconds from launch to exit

    def shrink_to(self, lifetime: float) -> None:
        """A process lived only `lifetime` seconds: scale both figures down to it (never up)."""
        if lifetime < self.lifetime:
            self.start_up, self.lifetime = self.start_up * lifetime / self.lifetime, lifetime


def uninterrupted(config_file: Path, run: Path, steps: int) -> tuple[dict, Timing]:
    started, start_up = time.perf_counter(), None
    process = ganforge(config_file, run, resume=False)
    while process.poll() is None:
        if start_up is None and steps_logged(run) > 0:
            start_up = time.perf_counter() - started
        time.sleep(0.01)
    lifetime = time.perf_counter() - started
    _, errors = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the uninterrupted run failed: {errors.decode()[-2000:]}")
    return final_state(run, steps), Timing(start_up or lifetime / 2, lifetime)


def kill_moment(process: subprocess.Popen, run: Path, aim: str, timing: Timing, rng: random.Random,
                fresh: bool = True) -> float | None:
    """Wait for the moment `aim` names; the seconds waited, or None if the process exited first."""
    started = time.perf_counter()
    delay = rng.uniform(0, timing.start_up) if aim == "start-up" else rng.uniform(timing.start_up, timing.lifetime)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        pass
    else:  # it ended first; a whole run that did is one on a machine faster than when the timing was taken
        if fresh:
            timing.shrink_to(time.perf_counter() - started)  # so aim within its life from now on
        return None
    if aim == "checkpoint writing":
        already = temporaries(run)
        while not temporaries(run) - already:
            if process.poll() is not None:
                return None
            time.sleep(0.0005)
    return time.perf_counter() - started


def episode(config_file: Path, run: Path, steps: int, timing: Timing, rng: random.Random, results: Results,
            reference: dict, kills_wanted: int) -> None:
    """Kill and resume one run until a process finishes; check everything after each kill and at the end."""
    while True:
        resume = (run / "config.yaml").is_file()
        before = steps_logged(run) if resume else 0
        temporaries_before = temporaries(run)
        process = ganforge(config_file, run, resume)
        results.processes += 1
        aim = AIMS[results.kills % len(AIMS)]
        delay = kill_moment(process, run, aim, timing, rng, fresh=not resume) if results.kills < kills_wanted else None
        if delay is not None:
            process.send_signal(signal.SIGKILL)
            process.communicate()
            results.kills += 1
            reached = steps_logged(run)
            phase = ("checkpoint writing" if temporaries(run) - temporaries_before
                     else "start-up" if reached <= before else "training")
            results.phases[phase] += 1
            problems, lost = check_after_kill(run, reached)
            results.max_steps_lost = max(results.max_steps_lost, lost)
            results.failures += [f"kill {results.kills} ({phase}, after {delay:.2f} s): {p}" for p in problems]
            continue
        _, errors = process.communicate()
        if process.returncode != 0:
            results.failures.append(f"episode {results.episodes}: exit {process.returncode}: {errors.decode().strip()[-500:]}")
        elif not same_tensors(final_state(run, steps), reference):
            results.failures.append(f"episode {results.episodes}: final state differs from the uninterrupted run")
        results.episodes += 1
        return


def run_benchmark(kills: int, steps: int, seed: int, workdir: Path) -> Results:
    config_file = workdir / "ring-tiny.yaml"
    config_file.write_text(yaml.safe_dump(tiny_ring_config(steps)))
    reference, timing = uninterrupted(config_file, workdir / "reference", steps)
    rng, results = random.Random(seed), Results()
    while results.kills < kills:
        episode(config_file, workdir / f"episode-{results.episodes:03d}", steps, timing, rng, results, reference, kills)
    return results


def markdown(results: Results, steps: int, seconds: float) -> str:
    from report import machine

    phases = ", ".join(f"{count} during {phase}" for phase, count in results.phases.items())
    return f"""## Kill -9 survival (`benchmarks/kill_resume.py`)

A tiny ring GAN ({steps} steps, a checkpoint every {CHECKPOINT_EVERY}) trained by `ganforge train`/`ganforge resume`
in subprocesses, each SIGKILLed at a random moment (aimed in turn at start-up, training and the next checkpoint
write, by real timing), until one process finished; {results.episodes} such runs. After each kill: every listed checkpoint loads, no temporary file is
listed, newest checkpoint ≥ steps reached − {CHECKPOINT_EVERY}; after each run: exit 0 and the final G, D and
optimiser states and the logged losses equal an uninterrupted run's bitwise.

| kills | phases | processes started | failures | max steps lost |
|---|---|---|---|---|
| {results.kills} | {phases} | {results.processes} | {len(results.failures)} | {results.max_steps_lost} (limit {CHECKPOINT_EVERY}) |

{seconds:.0f} s on {machine()} (the trained processes use one thread each)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kill-resume-") as workdir:
        results = run_benchmark(args.kills, args.steps, args.seed, Path(workdir))
    text = markdown(results, args.steps, time.perf_counter() - started)
    print(text)
    for failure in results.failures:
        print("FAILURE:", failure)
    if not args.no_write:
        from report import write_section

        write_section("kill-resume", text)
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
