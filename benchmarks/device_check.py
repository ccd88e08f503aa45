"""The accelerator checks in one short script, for a machine with a GPU.

    python benchmarks/device_check.py                          # cuda when present, else cpu
    python benchmarks/device_check.py --device cpu --steps 20  # the same checks on CPU with gloo (how it is tested)

1. One process trains `fashion_dcgan` (`quickstart` when Fashion-MNIST is not installed) for
   --steps steps on the device: steps per second, every logged loss finite.
2. torchrun with one process per GPU (2 processes on CPU) trains the same preset: NCCL on CUDA,
   batch norm converted to SyncBatchNorm, each net's step loss wrapped in DDP (docs/distributed.md).
3. That run's checkpoint resumes in one process on the CPU for 2 more steps: a checkpoint
   written on GPUs by several processes is an ordinary one.

Each check prints one line; the table goes to the "device-check" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import machine, write_section  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
FASHION = Path("/usr/share/datasets/fashion-mnist")
TIMEOUT_S = 480  # each command; the device tool allows 600 s per call


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    preset = "fashion_dcgan" if FASHION.is_dir() else "quickstart"
    processes = max(1, torch.cuda.device_count()) if args.device == "cuda" else 2
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        single = Path(workdir) / "single"
        rows.append(("one process", *timed_run(["train", preset], single, args, processes=0)))
        parallel = Path(workdir) / "parallel"
        rows.append((f"torchrun, {processes} processes", *timed_run(["train", preset], parallel, args, processes)))
        resumed = cli(["resume", str(parallel), f"train.steps={args.steps + 2}", "train.device=cpu", "--quiet"], {})
        rows.append(("resume on CPU, 1 process", "ok" if resumed.returncode == 0 else "FAILED: " + tail(resumed), "–"))
    for row in rows:
        print(" | ".join(str(cell) for cell in row))
    if not args.no_write:
        write_section("device-check", table(rows, preset, args, processes))
    return 0 if all(row[1] == "ok" for row in rows) else 1


def timed_run(command: list[str], run_dir: Path, args, processes: int) -> tuple[str, str]:
    """Train into run_dir (under torchrun when processes > 0): ("ok" or why not, steps/s from time/step_s)."""
    overrides = [f"train.steps={args.steps}", f"train.device={args.device}", "train.log_every=10",
                 f"train.checkpoint_every={args.steps}", "train.tensorboard=false"]
    finished = cli([*command, *overrides, "--run-dir", str(run_dir), "--quiet"], {}, processes)
    if finished.returncode != 0:
        return "FAILED: " + tail(finished), "–"
    records = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]
    if not all(math.isfinite(record[name]) for record in records for name in ("loss/d", "loss/g")):
        return "FAILED: a non-finite loss in stats.jsonl", "–"
    step_seconds = statistics.median(record["time/step_s"] for record in records[1:] or records)
    return "ok", f"{1 / step_seconds:.1f}"


def cli(arguments: list[str], environment: dict, processes: int = 0) -> subprocess.CompletedProcess:
    launcher = [sys.executable, "-m", "ganforge"]
    if processes:
        launcher = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}",
                    "--master_addr=127.0.0.1", f"--master_port={free_port()}", "-m", "ganforge"]
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY), **environment}
    return subprocess.run([*launcher, *arguments], capture_output=True, text=True, env=env, cwd=REPOSITORY,
                          timeout=TIMEOUT_S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(finished: subprocess.CompletedProcess) -> str:
    return (finished.stderr or finished.stdout).strip().splitlines()[-1][:300] if (finished.stderr or finished.stdout) else "no output"


def table(rows, preset: str, args, processes: int) -> str:
    device = torch.cuda.get_device_name(0) if args.device == "cuda" else "CPU"
    lines = [
        "## Device check (`benchmarks/device_check.py`)",
        "",
        f"`python benchmarks/device_check.py --device {args.device} --steps {args.steps}` on {device} "
        f"({machine()}): `{preset}` for {args.steps} steps in one process, then under torchrun with "
        f"{processes} processes ({'NCCL, SyncBatchNorm' if args.device == 'cuda' else 'gloo'}, DDP), then that "
        "run's checkpoint resumed in one CPU process. Steps/s: the median of `time/step_s` over the flushes after the first.",
        "",
        "| check | result | steps/s |",
        "|---|---|---:|",
        *(f"| {name} | {result} | {speed} |" for name, result, speed in rows),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
