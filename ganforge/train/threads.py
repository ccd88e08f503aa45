"""How many CPU threads torch uses for a run: `train.threads`, a number or `auto`.

PyTorch's default (one OpenMP thread per core) loses badly on the small ops of GAN steps: a 2-D MLP's
matrices finish in microseconds, so extra threads spend the step handing work over and, when anything
else is running on the machine, spin for cores the other load holds (docs/speed.md). A small DCGAN's
convolutions, on an idle machine, do gain from a second core. `auto` therefore decides from the work:

* on CUDA, one thread: the host only launches kernels;
* `OMP_NUM_THREADS` set for the process: that count, nothing measured (the user has chosen);
* a step under `TINY_STEP_FLOPS` forward FLOPs (the 2-D MLPs): one thread, nothing measured;
* otherwise it times a forward and backward pass of copies of G and D over one batch at one thread and
  at more (`candidate_counts`), alternating so that a load arriving or leaving hits each alike, and takes
  more threads only when they take at most `FASTER_BY` of one thread's time. Under a load that holds the
  cores, the extra threads spin and lose, so the measurement picks one;
* during the run, `ThreadsWatch` falls back to one thread when, with more, two flushes in a row show
  steps `SLOWDOWN`× slower than the fastest flush so far (a load that arrived mid-run).

A number is used as given, and never changed.
"""
from __future__ import annotations

import copy
import os
import statistics
import sys
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

TINY_STEP_FLOPS = 5e7  # forward FLOPs of G + D over one batch below which auto takes one thread unmeasured
FASTER_BY = 0.9  # more threads only when their pass takes at most this share of one thread's
PROBE_SECONDS = 0.4  # about how long auto's measurement may take per thread count
MIN_ROUNDS, MAX_ROUNDS = 5, 15  # passes per count: enough that a few stalled by a passing load do not decide
SLOWDOWN = 2.0  # flushed step time, over the fastest flush, that makes the watch fall back to one thread


def forward_flops(G: torch.nn.Module, D: torch.nn.Module, batch_size: int, z_dim: int, data_shape,
                  num_classes: int = 0) -> int:
    """FLOPs of G(z) and D(x) over one batch, counted on meta-device copies (no memory, no RNG, no state touched)."""
    G_meta, D_meta = copy.deepcopy(G).to("meta"), copy.deepcopy(D).to("meta")
    z = torch.zeros(batch_size, z_dim, device="meta")
    x = torch.zeros(batch_size, *data_shape, device="meta")
    labels = torch.zeros(batch_size, dtype=torch.long, device="meta") if num_classes else None
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        G_meta(z, labels)
        D_meta(x, labels)
    return counter.get_total_flops()


def step_flops(state) -> int:
    """`forward_flops` of the run's nets, or (for a net whose inputs only it knows) 2 FLOPs per weight and row."""
    config, data = state.config, state.data
    try:
        return forward_flops(state.G, state.D, config.train.batch_size, config.z_dim, data.shape, data.num_classes)
    except (RuntimeError, TypeError, ValueError, IndexError, NotImplementedError):
        weights = sum(p.numel() for net in (state.G, state.D) for p in net.parameters())
        return 2 * weights * config.train.batch_size


def cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def candidate_counts(available: int) -> list[int]:
    """The thread counts auto measures: one, half the cores and all of them (distinct, ascending)."""
    return sorted({1, max(1, available // 2), available})


def pass_seconds_function(state):
    """A callable timing one forward and backward pass of copies of G and D over one batch (state untouched)."""
    config, data = state.config, state.data
    G, D = copy.deepcopy(state.G), copy.deepcopy(state.D)
    batch = config.train.batch_size
    z = torch.zeros(batch, config.z_dim, device=state.device)
    x = torch.zeros(batch, *data.shape, device=state.device)
    labels = torch.zeros(batch, dtype=torch.long, device=state.device) if data.num_classes else None

    def seconds() -> float:
        started = time.perf_counter()
        (D(G(z, labels), labels).mean() + D(x, labels).mean()).backward()
        G.zero_grad(set_to_none=True)
        D.zero_grad(set_to_none=True)
        return time.perf_counter() - started
    return seconds


def fastest_count(timed_pass, counts: list[int]) -> int:
    """The count whose median pass time is lowest, one thread unless another beats it by `FASTER_BY`.

    `timed_pass()` runs and times one pass at the current torch thread count. Counts take turns, one
    pass each per round, so that a change of load during the measurement hits every count alike.
    """
    torch.set_num_threads(1)
    first = timed_pass() + timed_pass()  # warm-up (allocations, kernel choice), then an estimate of its cost
    rounds = max(MIN_ROUNDS, min(MAX_ROUNDS, int(PROBE_SECONDS / max(first / 2, 1e-6))))
    times = {count: [] for count in counts}
    for _ in range(rounds):
        for count in counts:
            torch.set_num_threads(count)
            times[count].append(timed_pass())
    median = {count: statistics.median(values) for count, values in times.items()}
    best = min(counts, key=median.get)
    return best if median[best] <= FASTER_BY * median[1] else 1


def environment_threads() -> int | None:
    """The count the user set for the process in `OMP_NUM_THREADS` (a positive integer), else None."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) >= 1 else None


def auto_threads(state) -> int:
    """The thread count `auto` picks for this run's nets, batch and device (see the module doc)."""
    if state.device.type != "cpu":
        return 1
    chosen = environment_threads()
    if chosen is not None:
        return chosen
    if cores() == 1 or step_flops(state) < TINY_STEP_FLOPS:
        return 1
    with torch.random.fork_rng(devices=[]):  # nothing the run draws later depends on the measurement
        return fastest_count(pass_seconds_function(state), candidate_counts(cores()))


def apply_threads(setting: int | str, state) -> int:
    """Set torch's intra-op thread count from `train.threads` for this run's nets and batch; returns it."""
    count = auto_threads(state) if setting == "auto" else int(setting)
    torch.set_num_threads(count)
    return count


class ThreadsWatch:
    """A stats-bus listener: under `auto` with more than one thread, falls back to one when steps slow down.

    A load that starts after auto measured makes the extra threads spin: every flushed `time/step_s`
    then exceeds `SLOWDOWN`× the fastest flush seen. Two such flushes in a row switch torch to one
    thread for the rest of the run (a one-line note on stderr); the watch never switches back.
    """

    def __init__(self, state):
        self.state = state
        self.fastest = float("inf")
        self.slow_flushes = 0

    def __call__(self, step: int, means: dict[str, float]) -> None:
        seconds = means.get("time/step_s")
        if seconds is None or self.state.threads == 1:
            return
        self.fastest = min(self.fastest, seconds)
        self.slow_flushes = self.slow_flushes + 1 if seconds > SLOWDOWN * self.fastest else 0
        if self.slow_flushes >= 2:
            print(f"note: steps became {seconds / self.fastest:.1f}x slower with {self.state.threads} threads at "
                  f"step {step} (another load holds the cores); continuing with one thread", file=sys.stderr)
            torch.set_num_threads(1)
            self.state.threads = 1


def watch_threads(state, bus) -> None:
    """Attach a `ThreadsWatch` when `train.threads` is auto and auto measured more than one thread."""
    if state.config.train.threads == "auto" and state.threads > 1 and environment_threads() is None:
        bus.listeners.append(ThreadsWatch(state))
