"""train.threads: torch's default thread count against `auto`, on an idle machine and under a background load.

Each preset trains a short run in a fresh process with OMP_NUM_THREADS unset (so "default" is what PyTorch does
on its own: one thread per core) and once with `train.threads=auto`. The same pair then runs while the script
keeps `--load` busy-looping processes going (a laptop compiling, a CI neighbour). Timed is the training step
itself: the sum of the runs' `time/step_s` after the first flush (start-up, data loading and the first steps'
warm-up excluded), as seconds per step. It measures wall clock on purpose (spinning threads lose wall time, not
CPU time): run it alone, e.g. under `flock -x /tmp/ganforge-cpu.lock`.

    python benchmarks/threads.py                       # ≈ 15 min on 2 cores
    python benchmarks/threads.py --presets ring --steps-scale 0.2 --repeats 1 --no-write   # a smoke run
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.report import write_section  # noqa: E402
from ganforge.config import load_config  # noqa: E402
from ganforge.train.state import build_state  # noqa: E402
from ganforge.train.threads import TINY_STEP_FLOPS, step_flops  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STEPS = {"ring": 120, "grid": 120, "quickstart": 40, "fashion_dcgan": 30}  # a few idle seconds each
LOG_EVERY = 5
BUSY_LOOP = "while True: pass"


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def seconds_per_step(preset: str, threads: str, steps: int, workdir: Path) -> tuple[float, int]:
    """(mean training-step seconds after the first flush, threads the run used) of one fresh-process run."""
    run_dir = workdir / f"{preset}-{threads}-{time.monotonic_ns()}"
    environment = {key: value for key, value in os.environ.items() if key not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    environment["PYTHONPATH"] = str(REPO)
    overrides = [f"train.steps={steps}", f"train.log_every={LOG_EVERY}", f"train.sample_every={steps}",
                 f"train.checkpoint_every={steps}", f"train.threads={threads}", "train.tensorboard=false",
                 "doctor.enabled=false"]
    code = ("import sys, torch; from ganforge.cli import main; code = main(sys.argv[1:]); "
            "print('THREADS', torch.get_num_threads()); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code, "train", preset, *overrides, "--run-dir", str(run_dir), "--quiet"],
                          env=environment, capture_output=True, text=True, cwd=REPO)
    if done.returncode:
        raise SystemExit(f"{preset} threads={threads} failed:\n{done.stderr[-2000:]}")
    records = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()][1:]
    used = int(done.stdout.split("THREADS")[-1].split()[0])
    if "continuing with one thread" in done.stderr:
        used = f"{used} (fell back)"
    return sum(r["time/step_s"] for r in records) / len(records), used


@contextmanager
def background_load(processes: int):
    """`processes` busy-looping Python processes for the duration of the block."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(processes)]
    try:
        time.sleep(1.0)  # they are running before the first timed step
        yield
    finally:
        for process in busy:
            process.kill()
            process.wait()


def median_runs(preset: str, settings: list[str], steps: int, repeats: int, workdir: Path) -> dict:
    """{setting: (median seconds per step, threads of the median run)} over `repeats` runs of each setting,
    the settings taking turns so that a change in the machine hits each alike."""
    runs = {setting: [] for setting in settings}
    for _ in range(repeats):
        for setting in settings:
            runs[setting].append(seconds_per_step(preset, setting, steps, workdir))
    return {setting: sorted(results, key=lambda result: result[0])[len(results) // 2] for setting, results in runs.items()}


def measure(presets: list[str], load: int, scale: float, repeats: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for preset in presets:
            steps = max(2 * LOG_EVERY, int(STEPS[preset] * scale))
            row = {"preset": preset, "steps": steps, "gflop": step_flops(build_state(load_config(preset))) / 1e9}
            for machine_state in ("idle", "loaded"):
                settings = [str(cores()), "auto"] + (["1"] if machine_state == "idle" else [])
                with background_load(load if machine_state == "loaded" else 0):
                    medians = median_runs(preset, settings, steps, repeats, Path(workdir))
                for setting, (seconds, used) in medians.items():
                    kind = {"auto": "auto", "1": "one"}.get(setting, "default")
                    row[f"{machine_state}_{kind}"], row[f"threads_{machine_state}_{kind}"] = seconds, used
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def table(rows: list[dict], load: int, repeats: int) -> str:
    lines = [
        "## CPU threads: torch's default against `train.threads: auto`",
        "",
        f"`python benchmarks/threads.py` on {cores()} cores (torch's default: {cores()} threads); milliseconds per "
        f"training step (mean after the first {LOG_EVERY} steps, a fresh process per run; the median of {repeats} runs, "
        f"the settings taking turns), idle and with {load} "
        f"busy-looping processes started by the script. Wall clock by nature: run alone.",
        "",
        f"Forward GFLOP: one forward pass of G and D over a batch, as `auto` counts it (below "
        f"{TINY_STEP_FLOPS / 1e9:g} it takes one thread unmeasured; above, it times one and more threads).",
        "",
        "| preset | forward GFLOP | steps | auto's threads idle / loaded | idle default | idle auto | loaded default | loaded auto | "
        "loaded: default / auto | auto: loaded / idle | idle one thread | auto loaded / idle one thread |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| `{r['preset']}` | {r['gflop']:.2f} | {r['steps']} | {r['threads_idle_auto']} / {r['threads_loaded_auto']} | {1e3 * r['idle_default']:.1f} | "
                     f"{1e3 * r['idle_auto']:.1f} | {1e3 * r['loaded_default']:.1f} | {1e3 * r['loaded_auto']:.1f} | "
                     f"{r['loaded_default'] / r['loaded_auto']:.1f}× | {r['loaded_auto'] / r['idle_auto']:.2f}× | "
                     f"{1e3 * r['idle_one']:.1f} | {r['loaded_auto'] / r['idle_one']:.2f}× |")
    never_slower = all(r["idle_auto"] <= r["idle_default"] * 1.05 and r["loaded_auto"] <= r["loaded_default"] * 1.05
                       for r in rows)
    held = all(r["loaded_auto"] <= 1.5 * r["idle_auto"] for r in rows)
    lines += ["", f"auto within 5% of the default or faster in every row: **{'yes' if never_slower else 'no'}**; "
                  f"auto under load within 1.5× of auto idle in every row: **{'yes' if held else 'no'}**.", "",
              f"Under {load} busy processes a single-threaded step gets at best its fair share of the {cores()} "
              f"cores, {cores()}/({load} + 1) of one, so {(load + 1) / cores():.2g}× the idle one-thread time is "
              f"the bound the last column is read against."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=list(STEPS), choices=list(STEPS))
    parser.add_argument("--load", type=int, default=2, help="busy processes of the loaded machine")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each setting; the median is reported")
    parser.add_argument("--steps-scale", type=float, default=1.0, help="multiply each preset's steps")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    markdown = table(measure(args.presets, args.load, args.steps_scale, args.repeats), args.load, args.repeats)
    print(markdown)
    if not args.no_write:
        write_section("threads", markdown)


if __name__ == "__main__":
    main()
