"""Training-step overhead: ganforge's discriminator_step + generator_step against a hand-written PyTorch loop.

Both sides train copies of the same G and D (built from a preset, same initial weights, same
memory format) with the non-saturating loss, Adam with the preset's settings and the preset's
batch size, on the same pre-drawn real batches, so data loading is not timed. The hand loop is
what a careful minimal script does: G's samples without a graph for the D step, D frozen during
the G step, zero_grad / backward / step. ganforge's step adds plugin hooks (none in these
presets), the stats bus (as in training: a bus is active, ~12 reports per step) and the gradient
norms it reports; that bookkeeping is also timed alone, which bounds the overhead without the noise
of comparing two timings. Windows of both alternate (A B A B …) so a change in machine load hits both;
the table gives the median images/s over windows after a warm-up, and the overhead of each
pair of adjacent windows (median and range). Seconds are process CPU
seconds by default (`--clock cpu`), which other processes on a shared machine do not inflate;
`--clock wall` on a quiet machine (the two agree with one thread).

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/step_overhead.py            # ≈ 2–3 min on 1 thread
    python benchmarks/step_overhead.py quickstart --windows 9 --steps 30
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.report import machine, write_section  # noqa: E402
from ganforge.config import load_config  # noqa: E402
from ganforge.train.optim import clip_and_measure  # noqa: E402
from ganforge.train.state import build_state  # noqa: E402
from ganforge.train.stats import StatsBus, report, use_bus  # noqa: E402
from ganforge.train.step import discriminator_step, generator_step  # noqa: E402

PRESETS = ("quickstart", "fashion_dcgan")


class HandLoop:
    """The minimal loop: the same nets (copied), the same loss and optimiser settings."""

    def __init__(self, state):
        self.G, self.D = copy.deepcopy(state.G), copy.deepcopy(state.D)
        settings_g, settings_d = state.config.optim.g, state.config.optim.d
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=settings_g.lr, betas=settings_g.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=settings_d.lr, betas=settings_d.betas)
        self.z_dim = state.config.z_dim

    def step(self, real: torch.Tensor) -> None:
        n = len(real)
        with torch.no_grad():
            fake = self.G(torch.randn(n, self.z_dim))
        real_logits, fake_logits = self.D(real), self.D(fake)
        d_loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                  + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()

        self.D.requires_grad_(False)
        fake_logits = self.D(self.G(torch.randn(n, self.z_dim)))
        g_loss = F.softplus(-fake_logits).mean()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        self.D.requires_grad_(True)


def real_batches(state, count: int) -> list[torch.Tensor]:
    batches = []
    for index in range(count):
        x, _ = state.data.batch(index, state.config.train.batch_size, state.config.train.seed)
        if state.config.train.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        batches.append(x)
    return batches


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]  # set by --clock


def images_per_second(step, batches: list[torch.Tensor], steps: int) -> float:
    started = clock()
    for index in range(steps):
        step(batches[index % len(batches)])
    return steps * len(batches[0]) / (clock() - started)


def bookkeeping_seconds(state, repeats: int = 50) -> float:
    """Time per step of the work the hand loop skips, measured alone: both gradient norms and 12 stats reports."""
    values = torch.zeros(state.config.train.batch_size)
    started = clock()
    for _ in range(repeats):
        clip_and_measure(state.D.parameters(), None)
        clip_and_measure(state.G.parameters(), None)
        for _ in range(12):
            report("bookkeeping", values)
    return (clock() - started) / repeats


def measure(preset: str, windows: int, steps: int, warmup: int) -> dict:
    torch.manual_seed(0)
    state = build_state(load_config(preset))
    if state.plugins or state.config.optim.n_critic != 1 or state.config.loss.name != "nonsaturating":
        raise SystemExit(f"{preset}: the hand loop only reproduces plain non-saturating training with n_critic = 1")
    hand = HandLoop(state)
    use_bus(StatsBus())  # the bus is live in training; it never flushes here (no listeners)
    state.G.train()
    state.D.train()

    def ganforge_step(real):
        discriminator_step(state, real, None)
        generator_step(state, real, None)

    batches = real_batches(state, 8)
    images_per_second(ganforge_step, batches, warmup)
    images_per_second(hand.step, batches, warmup)
    rates = {"ganforge": [], "hand": []}
    for _ in range(windows):
        rates["ganforge"].append(images_per_second(ganforge_step, batches, steps))
        rates["hand"].append(images_per_second(hand.step, batches, steps))
    paired = [hand_rate / ganforge_rate - 1 for ganforge_rate, hand_rate in zip(rates["ganforge"], rates["hand"])]
    result = {"preset": preset, "batch_size": state.config.train.batch_size,
              "ganforge": statistics.median(rates["ganforge"]), "hand": statistics.median(rates["hand"]),
              "overhead": statistics.median(paired), "low": min(paired), "high": max(paired)}
    result["bookkeeping_ms"] = 1000 * bookkeeping_seconds(state)  # after the steps, so every gradient exists
    result["bookkeeping_share"] = result["bookkeeping_ms"] / 1000 / (result["batch_size"] / result["hand"])
    print(result, flush=True)
    return result


def markdown(results: list[dict], windows: int, steps: int, warmup: int, clock_name: str) -> str:
    lines = [
        "## Training-step overhead: ganforge vs a hand-written PyTorch loop",
        "",
        f"`python benchmarks/step_overhead.py` on {machine()}. Same G and D (copies), non-saturating loss, Adam, "
        f"the preset's batch size, pre-drawn real batches; {warmup} warm-up steps each, then {windows} alternating "
        f"windows of {steps} steps; median images per {clock_name} second. Overhead = hand / ganforge − 1 of each "
        "pair of adjacent windows (which share the machine's load), median and range over pairs; target ≤ 5%. "
        "Bookkeeping: the work the hand loop skips (gradient norms of D and G, 12 stats reports), timed alone, "
        "per step and as a share of a hand-loop step: the overhead without the noise of the paired windows.",
        "",
        "| preset | batch | ganforge img/s | hand loop img/s | overhead (median) | overhead range | bookkeeping |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(f"| `{row['preset']}` | {row['batch_size']} | {row['ganforge']:.0f} | {row['hand']:.0f} | "
                     f"{100 * row['overhead']:+.1f}% | {100 * row['low']:+.1f}% … {100 * row['high']:+.1f}% | "
                     f"{row['bookkeeping_ms']:.2f} ms = {100 * row['bookkeeping_share']:.1f}% |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", default=list(PRESETS))
    parser.add_argument("--windows", type=int, default=21, help="timed windows per loop (more: a steadier median)")
    parser.add_argument("--steps", type=int, default=15, help="steps per timed window")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="process CPU time or wall time")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    results = [measure(preset, args.windows, args.steps, args.warmup) for preset in args.presets]
    table = markdown(results, args.windows, args.steps, args.warmup, "CPU" if args.clock == "cpu" else "wall")
    print(table)
    if not args.no_write:
        write_section("step-overhead", table)


if __name__ == "__main__":
    main()
