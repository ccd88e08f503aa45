"""Everything that needs a GPU, in one run of under 8 minutes on a machine that has one.

1. benchmarks/gpu_throughput.py: the images/s table, ganforge against the tuned hand loop.
2. Mixed precision and compile on the device: `quickstart` trained with train.precision fp32, bf16 and fp16 and
   once with train.compile=true (bf16): every logged loss finite, steps/s, fp16's skipped-step share.
3. benchmarks/device_check.py: one process, torchrun over every GPU (NCCL, SyncBatchNorm), resume on the CPU.
4. Syncs on the device: `quickstart` in bf16 and fp16 with `torch.cuda.set_sync_debug_mode("warn")` switched on
   for the steps between two stats flushes; every synchronising call CUDA reports there is listed (none expected).

Each part writes its section of docs/benchmarks.md; a failing part is reported and the others still run.
The results are copied to $OUT when that is set (the device machine's return folder).

    python benchmarks/gpu_session.py                       # on a machine with a GPU
    python benchmarks/gpu_session.py --device cpu --tiny   # how it is tested: every part small on the CPU (no compile)
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import device_check, gpu_throughput  # noqa: E402
from benchmarks.report import BENCHMARKS_MD, machine, write_section  # noqa: E402
from ganforge.config import load_config  # noqa: E402
from ganforge.train import loop  # noqa: E402
from ganforge.train.run_dir import RunDir  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
RUN_TIMEOUT_S = 150  # one training run of part 2
RUNS = [("fp32", False), ("bf16", False), ("fp16", False), ("bf16", True)]  # (train.precision, train.compile)


def precision_runs(device: str, steps: int, write: bool, compile_too: bool = True) -> bool:
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as workdir:
        for precision, compiled in [run for run in RUNS if compile_too or not run[1]]:
            run_dir = Path(workdir) / f"{precision}-{compiled}"
            overrides = [f"train.steps={steps}", f"train.device={device}", f"train.precision={precision}",
                         f"train.compile={str(compiled).lower()}", "train.log_every=10", f"train.checkpoint_every={steps}",
                         f"train.sample_every={steps}", "train.tensorboard=false"]
            started = time.perf_counter()
            try:
                done = subprocess.run([sys.executable, "-m", "ganforge", "train", "quickstart", *overrides, "--run-dir",
                                       str(run_dir), "--quiet"], env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
                                      capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                rows.append((precision, compiled, f"FAILED: over {RUN_TIMEOUT_S} s", "–", "–"))
                ok = False
                continue
            wall = time.perf_counter() - started
            if done.returncode:
                rows.append((precision, compiled, "FAILED: " + (done.stderr.strip().splitlines() or ["?"])[-1], "–", "–"))
                ok = False
                continue
            records = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]
            finite = all(isinstance(r[n], float) and math.isfinite(r[n]) for r in records for n in ("loss/d", "loss/g"))
            timed = records[1:] or records
            rate = len(timed) / sum(r["time/step_s"] for r in timed)
            skipped = (sum(r.get("amp/skipped_d", 0) + r.get("amp/skipped_g", 0) for r in records) / (2 * len(records))
                       if precision == "fp16" else None)
            rows.append((precision, compiled, "ok" if finite else "FAILED: a non-finite loss", f"{rate:.1f}",
                         "–" if skipped is None else f"{100 * skipped:.1f}%"))
            ok = ok and finite
            print(rows[-1], f"{wall:.0f} s", flush=True)
    table = "\n".join([
        f"## Mixed precision and compile on {torch.cuda.get_device_name(0) if device.startswith('cuda') else machine()}",
        "",
        f"`python benchmarks/gpu_session.py` (part 2): `quickstart` for {steps} steps on {device} with each "
        "train.precision (and compile); losses checked finite; steps/s from time/step_s after the first flush; "
        "fp16: share of D and G steps the gradient scaler skipped.",
        "",
        "| precision | compile | result | steps/s | fp16 skipped |",
        "|---|---|---|---:|---:|",
        *[f"| {p} | {'yes' if c else 'no'} | {r} | {s} | {k} |" for p, c, r, s, k in rows],
    ])
    print(table)
    if write:
        write_section("gpu-precision", table)
    return ok


def syncs_between_flushes(device: str, tiny: bool) -> bool:
    """Train with CUDA's sync debug mode on between the flushes at steps 10 and 20; False when anything synced."""
    on_gpu = device.startswith("cuda")
    clean = True
    for precision in ("bf16", "fp16"):
        real_step = loop.discriminator_step

        def watched_step(state, real, labels):
            between = 10 < state.step < 20
            if on_gpu:
                torch.cuda.set_sync_debug_mode("warn" if between else "default")
            return real_step(state, real, labels)

        loop.discriminator_step = watched_step
        overrides = [f"train.device={device}", f"train.precision={precision}", "train.steps=21", "train.log_every=10",
                     "train.sample_every=20", "train.checkpoint_every=20", "train.tensorboard=false"]
        if tiny:
            overrides += ["generator.width=8", "discriminator.width=8"]
        with tempfile.TemporaryDirectory() as workdir, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                loop.train(load_config("quickstart", overrides), RunDir.create(path=Path(workdir) / "run"), quiet=True)
            finally:
                loop.discriminator_step = real_step
                if on_gpu:
                    torch.cuda.set_sync_debug_mode("default")
        syncs = [str(w.message).splitlines()[0] for w in caught if "synchroniz" in str(w.message).lower()]
        print(f"{precision}: {len(syncs)} synchronising calls between two flushes", *sorted(set(syncs))[:5], sep="\n  ")
        clean = clean and not syncs
    return clean


def part(name: str, run) -> bool:
    started = time.perf_counter()
    try:
        ok = bool(run())
    except (Exception, SystemExit):  # a part that breaks is reported; the run goes on to the next
        traceback.print_exc()
        ok = False
    print(f"== {name}: {'ok' if ok else 'FAILED'} in {time.perf_counter() - started:.0f} s", flush=True)
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="every part, small (the CPU test of this script)")
    args = parser.parse_args(argv)
    write = not args.tiny
    throughput_args = ["--device", args.device] + (["--tiny", "--no-write"] if args.tiny else [])
    results = {
        "throughput": part("throughput", lambda: gpu_throughput.main(throughput_args)),
        # --tiny leaves out the compiled run: inductor's C++ build of the nets takes minutes on a small CPU
        "precision": part("precision", lambda: precision_runs(args.device, 6 if args.tiny else 300, write, not args.tiny)),
        "device_check": part("device check", lambda: device_check.main(
            ["--device", args.device, "--steps", "4" if args.tiny else "300"] + (["--no-write"] if args.tiny else [])) == 0),
    }
    results["syncs"] = part("syncs between flushes", lambda: syncs_between_flushes(args.device, args.tiny))
    out = os.environ.get("OUT")
    if out and write:
        shutil.copy(BENCHMARKS_MD, Path(out) / "benchmarks.md")
    print(json.dumps(results))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
