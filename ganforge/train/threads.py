"""How many CPU threads torch uses for a run: `train.threads`, a number or `auto`.

PyTorch's default (one OpenMP thread per core) loses badly on the small ops of GAN steps: a 2-D MLP's
matrices or a small DCGAN's convolutions finish in microseconds, so the threads spend the step
handing work over and, when anything else is running on the machine, spinning for cores the other
load holds (docs/speed.md). `auto` therefore takes

* one thread when one forward of G and D over a batch costs less than `SMALL_STEP_FLOPS`
  (every built-in preset; benchmarks/threads.py compares auto with the default on them);
* otherwise one thread per core that the machine's 1-minute load leaves free, at least one.

On CUDA the host only launches kernels: auto takes one thread there. A number is used as given.
"""
from __future__ import annotations

import copy
import os

import torch
from torch.utils.flop_counter import FlopCounterMode

SMALL_STEP_FLOPS = 2e9  # forward FLOPs of G + D over one batch below which auto takes one thread


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


def free_cores() -> int:
    """Cores this process may use that the 1-minute load average leaves idle (at least one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return max(1, min(cores, round(cores - load)))


def auto_threads(flops: int, device: torch.device) -> int:
    """The thread count `auto` picks for a step of `flops` forward FLOPs on `device` (see the module doc)."""
    if device.type != "cpu" or flops < SMALL_STEP_FLOPS:
        return 1
    return free_cores()


def apply_threads(setting: int | str, state) -> int:
    """Set torch's intra-op thread count from `train.threads` for this run's nets and batch; returns it."""
    if setting == "auto":
        setting = auto_threads(step_flops(state) if state.device.type == "cpu" else 0, state.device)
    torch.set_num_threads(int(setting))
    return int(setting)
