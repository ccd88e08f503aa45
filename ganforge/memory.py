"""How much memory the machine has, and the one check every size-driven allocation goes through.

    check_fits("train.batch_size", needed_bytes, "a batch of 10^12 samples")

raises `error: train.batch_size: a batch of 10^12 samples needs 4000 GB, this machine has 22 GB available`
before anything that large is allocated, instead of an allocator error (or the kernel's OOM killer) later.
"""
from __future__ import annotations

import os

import torch

from .errors import ConfigError

MEMINFO = "/proc/meminfo"


def available_bytes(device: torch.device | str = "cpu") -> int:
    """Memory a new allocation on `device` can use now: free GPU memory, or the OS's MemAvailable (else total RAM)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open(MEMINFO) as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def gigabytes(count: float) -> str:
    """Bytes as GB for messages: 3 significant digits below 1000 (at least 0.001), whole numbers above, a bound past 2^63."""
    if count >= 2**63:
        return f"more than {2**63 / 1e9:,.0f}"  # sizes that overflow 64-bit arithmetic
    value = max(count / 1e9, 0.001)
    return f"{value:.3g}" if value < 1000 else f"{value:,.0f}"


def check_fits(field: str, needed: float, what: str, device: torch.device | str = "cpu", detail: str = "") -> None:
    """ConfigError(field) when `needed` bytes exceed what `device` has available."""
    available = available_bytes(device)
    if needed > available:
        where = "this GPU has" if torch.device(device).type == "cuda" else "this machine has"
        raise ConfigError(field, f"{what} needs {gigabytes(needed)} GB{detail}, {where} {gigabytes(available)} GB available")
