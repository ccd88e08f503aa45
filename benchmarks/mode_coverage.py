"""Modes covered on the 25-Gaussian grid: a plain GAN against the anti-collapse plugins, over several seeds.

    python benchmarks/mode_coverage.py [--seeds 5] [--steps 5000] [--workers 2] [--only plain,pacgan]

Protocol (PacGAN, Lin et al. 2018): 2,500 samples; a sample is high quality within 3σ of its
nearest centre; a mode is captured with ≥ 20 high-quality samples; reverse KL of the
nearest-mode histogram to uniform. Nets: the `grid` preset's MLPs. Runs go to a pool of
worker processes, one torch thread each; each run's scores are kept in benchmarks/results/mode_coverage/
so an interrupted benchmark picks up where it stopped (delete them to measure again). Writes the "mode-coverage" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import statistics
from concurrent.futures import ProcessPoolExecutor
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import machine, write_section  # noqa: E402

from ganforge.config import load_config  # noqa: E402
from ganforge.metrics import METRICS  # noqa: E402
from ganforge.sampling import sampling_generator  # noqa: E402
from ganforge.train.loop import train  # noqa: E402
from ganforge.train.run_dir import RunDir  # noqa: E402

VARIANTS = {
    "plain": [],
    "pacgan": ["plugins=[{name: pacgan, packing: 2}]"],
    "minibatch_stddev": ["plugins=[{name: minibatch_stddev}]"],
    "r1": ["plugins=[{name: r1, gamma: 0.1}]"],
    "ema": ["plugins=[{name: ema, beta: 0.999}]"],
    "minibatch_stddev+ema": ["plugins=[{name: minibatch_stddev}, {name: ema, beta: 0.999}]"],
    "unrolled": ["plugins=[{name: unrolled, steps: 2}]"],
}
RESULTS = Path(__file__).resolve().parent / "results" / "mode_coverage"


def single_thread() -> None:
    import torch

    torch.set_num_threads(1)


def cached_run(variant: str, seed: int, steps: int, workdir: Path) -> dict:
    """One run's scores, from benchmarks/results/ if this (variant, seed, steps) already ran, else trained now."""
    path = RESULTS / f"{variant}-seed{seed}-steps{steps}.json"
    if path.exists():
        return json.loads(path.read_text())
    result = run_once(variant, seed, steps, workdir)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return result


def run_once(variant: str, seed: int, steps: int, workdir: Path) -> dict:
    overrides = [f"train.seed={seed}", f"train.steps={steps}", f"train.checkpoint_every={steps}",
                 f"train.sample_every={steps}", "train.log_every=100", *VARIANTS[variant]]
    config = load_config("grid", overrides)
    started = time.perf_counter()
    state = train(config, RunDir.create(path=workdir / f"{variant}-{seed}"), quiet=True)
    if state.step != steps:  # SIGTERM stops training early and cleanly: such a run must not be cached
        raise RuntimeError(f"{variant} seed {seed} stopped at step {state.step} of {steps}")
    scores = METRICS.build({"name": "modes"}, generator=sampling_generator(state), data_source=state.data)
    return {**scores, "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default=",".join(VARIANTS))
    args = parser.parse_args()
    variants = args.only.split(",")
    with tempfile.TemporaryDirectory() as workdir, \
            ProcessPoolExecutor(args.workers, initializer=single_thread) as pool:
        futures = {(variant, seed): pool.submit(cached_run, variant, seed, args.steps, Path(workdir))
                   for variant in variants for seed in range(args.seeds)}
        results = {key: future.result() for key, future in futures.items()}
    for (variant, seed), result in results.items():
        print(variant, seed, result, flush=True)
    rows = [table_row(variant, [results[variant, seed] for seed in range(args.seeds)]) for variant in variants]
    write_section("mode-coverage", "\n".join([
        "## Mode coverage on the 25-Gaussian grid",
        "",
        f"`python benchmarks/mode_coverage.py --seeds {args.seeds} --steps {args.steps}` on {machine()}",
        f"({args.workers} worker processes, 1 torch thread each; time per run is that one thread's wall time).",
        "`grid` preset (MLP G and D, width 128, depth 3, batch 256, Adam 2e-4, nonsaturating loss), each",
        "variant adds one plugin. 2,500 samples per run; PacGAN protocol (a mode counts with ≥ 20 samples",
        "within 3σ). Modes per seed are listed in seed order. Times are one worker's wall-clock seconds per run",
        "(results are cached per run, and some runs shared the machine with other jobs: read them as upper bounds).",
        "",
        "| variant | modes per seed (of 25) | min | mean high-quality | mean reverse KL | mean time/run |",
        "|---|---|---|---|---|---|",
        *rows,
    ]))


def table_row(variant: str, results: list[dict]) -> str:
    modes = [r["modes"] for r in results]
    return (f"| `{variant}` {' '.join(VARIANTS[variant])} | {', '.join(map(str, modes))} | {min(modes)} | "
            f"{100 * statistics.mean(r['high_quality'] for r in results):.1f}% | "
            f"{statistics.mean(r['reverse_kl'] for r in results):.3f} | "
            f"{statistics.mean(r['seconds'] for r in results):.0f} s |")


if __name__ == "__main__":
    main()
