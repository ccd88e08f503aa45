"""Metric computation time and value: ganforge against torchmetrics on the same random features.

Both sides start from the same float64 feature matrices (torchmetrics is fed them through a
pass-through `feature=` module) and end with the metric's value; the time is the best of
`--repeats` runs. KID is compared on one subset of all the rows, so neither side's random
subsets matter and both are deterministic; IS on one split for the same reason. torchmetrics
has no precision/recall/density/coverage, so PRDC is timed alone. `--small-rows` cuts the rows of
the quadratic-cost metrics (KID, PRDC) at 2048 features for a quicker run.

Times are process CPU seconds by default (`--clock cpu`): on a shared machine they do not count
the time other processes hold the cores. On a quiet machine `--clock wall` gives wall time; with
one thread the two agree, with several threads CPU time is the sum over threads.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/metric_speed.py          # ≈ 2–3 min on 1 thread
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.report import machine, write_section  # noqa: E402
from ganforge.metrics.fid import feature_statistics, frechet_distance  # noqa: E402
from ganforge.metrics.inception_score import inception_score  # noqa: E402
from ganforge.metrics.kid import kernel_inception_distance  # noqa: E402
from ganforge.metrics.prdc import precision_recall_density_coverage  # noqa: E402

# Imported here, not inside the timed functions, so that no timing includes an import.
from torchmetrics.image.fid import FrechetInceptionDistance  # noqa: E402
from torchmetrics.image.inception import InceptionScore  # noqa: E402
from torchmetrics.image.kid import KernelInceptionDistance  # noqa: E402


class PassThrough(torch.nn.Module):
    """torchmetrics' `feature=` extractor that returns its input: the features *are* the input."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]  # set by --clock


def best_time(function, repeats: int):
    """(value of the last run, fastest time in seconds on `clock`)."""
    times, value = [], None
    for _ in range(repeats):
        started = clock()
        value = function()
        times.append(clock() - started)
    return value, min(times)


def ours_fid(real, fake):
    return frechet_distance(*feature_statistics(real), *feature_statistics(fake))


def torchmetrics_fid(real, fake):
    metric = FrechetInceptionDistance(feature=PassThrough(real.shape[1]))
    metric.update(torch.from_numpy(real), real=True)
    metric.update(torch.from_numpy(fake), real=False)
    return float(metric.compute())


def ours_kid(real, fake):
    return kernel_inception_distance(real, fake, subsets=1, subset_size=len(real))["kid"]


def torchmetrics_kid(real, fake):
    metric = KernelInceptionDistance(feature=PassThrough(real.shape[1]), subsets=1, subset_size=len(real))
    metric.update(torch.from_numpy(real), real=True)
    metric.update(torch.from_numpy(fake), real=False)
    return float(metric.compute()[0])


def ours_is(probs):
    return inception_score(probs, splits=1)["is"]


def torchmetrics_is(probs):
    metric = InceptionScore(feature=torch.nn.Identity(), splits=1)
    metric.update(torch.from_numpy(np.log(probs)))  # it applies softmax; softmax(log p) = p
    return float(metric.compute()[0])


def features(rows: int, dims: int, seed: int):
    """Real ~ N(0, I); fake slightly shifted and wider, so every metric is well away from 0."""
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((rows, dims))
    fake = 0.1 + 1.1 * rng.standard_normal((rows, dims))
    return real, fake


def class_probabilities(rows: int, classes: int, seed: int):
    logits = 3.0 * np.random.default_rng(seed).standard_normal((rows, classes))
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def compare(name, size, ours, theirs, repeats):
    our_value, our_time = best_time(ours, repeats)
    row = {"metric": name, "size": size, "ours_s": our_time, "ours": our_value}
    if theirs is not None:
        their_value, their_time = best_time(theirs, repeats)
        row.update(theirs_s=their_time, theirs=their_value,
                   relative_difference=abs(our_value - their_value) / abs(their_value))
    print(row, flush=True)
    return row


def run(rows: int, small_rows: int, repeats: int) -> list[dict]:
    results = []
    for dims in (64, 2048):
        real, fake = features(rows, dims, seed=dims)
        cut = rows if dims == 64 else min(rows, small_rows)  # KID and PRDC at 2048 features: --small-rows
        results.append(compare("FID", f"{rows:,} × {dims}", lambda: ours_fid(real, fake),
                               lambda: torchmetrics_fid(real, fake), repeats))
        results.append(compare("KID (1 subset of all rows)", f"{cut:,} × {dims}",
                               lambda: ours_kid(real[:cut], fake[:cut]),
                               lambda: torchmetrics_kid(real[:cut], fake[:cut]), repeats))
        ours_prdc = lambda: "/".join(f"{value:.3f}" for value in  # noqa: E731
                                     precision_recall_density_coverage(real[:cut], fake[:cut]).values())
        results.append(compare("PRDC (P/R/D/C)", f"{cut:,} × {dims}", ours_prdc, None, repeats))
    for classes in (10, 1008):
        probs = class_probabilities(rows, classes, seed=classes)
        results.append(compare("IS (1 split)", f"{rows:,} × {classes} classes", lambda: ours_is(probs),
                               lambda: torchmetrics_is(probs), repeats))
    return results


def markdown(results: list[dict], repeats: int, clock_name: str) -> str:
    lines = [
        "## Metric speed: ganforge vs torchmetrics",
        "",
        f"`python benchmarks/metric_speed.py` on {machine()}; {clock_name} seconds, best of {repeats}; float64 features, real ~ N(0, I), "
        "fake ~ N(0.1, 1.1²I). Both sides go from feature matrices to the value (torchmetrics through a pass-through "
        "`feature=` module). KID: one subset of all rows (deterministic on both sides); IS: one split. torchmetrics "
        "1.9 has no PRDC, so PRDC is ours alone (in 2048-D the slightly wider fake cloud lies outside every real "
        "k-NN ball: precision 0, recall 1, as expected of Gaussians in high dimension). Targets: not slower, values within 1e-4 relative.",
        "",
        "| metric | features | ganforge s | torchmetrics s | speed-up | ganforge value | torchmetrics value | rel. diff |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        if "theirs" in row:
            lines.append(f"| {row['metric']} | {row['size']} | {row['ours_s']:.2f} | {row['theirs_s']:.2f} | "
                         f"{row['theirs_s'] / row['ours_s']:.1f}× | {row['ours']:.6g} | {row['theirs']:.6g} | "
                         f"{row['relative_difference']:.1e} |")
        else:
            lines.append(f"| {row['metric']} | {row['size']} | {row['ours_s']:.2f} | — | — | {row['ours']} | — | — |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="samples per set")
    parser.add_argument("--small-rows", type=int, default=10_000, help="rows for KID and PRDC at 2048 features")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="process CPU time or wall time")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    warnings.filterwarnings("ignore", module="torchmetrics")  # its memory-footprint and std-of-one-split notes
    table = markdown(run(args.rows, args.small_rows, args.repeats), args.repeats, "CPU" if args.clock == "cpu" else "wall")
    print(table)
    if not args.no_write:
        write_section("metric-speed", table)


if __name__ == "__main__":
    main()
