"""The stats bus: `report(name, value)` from anywhere; the loop flushes window means to stats.jsonl.

    from ganforge.train.stats import report
    report("loss/d", d_loss)            # tensor or float; tensors are detached, scalars averaged
    report("d/sign_real", logits.sign()) # a tensor of many values counts as its mean

Readers (the log file writer, the progress line, the doctor) see only what was reported,
never the loop's locals. Names carry their meaning: `loss/*`, `d/*`, `grad/*`, `time/*`.

A reported tensor stays where it is: its mean is added to a running sum on its own device, and the
sums reach the host in one transfer at `flush` (every `train.log_every` steps), so a GPU step waits
for nothing between flushes (docs/speed.md). Watchers (the NaN guard) get each value as reported,
a tensor or a float, and must not read a tensor on the host either.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import torch

from ..jsonl import read_lines, read_records, record_step, rewrite
from .distributed import all_reduce_mean_, is_distributed, reduction_device


class StatsBus:
    def __init__(self):
        self._sums: dict[str, float | torch.Tensor] = defaultdict(float)  # tensors on the device they came from
        self._counts: dict[str, int | torch.Tensor] = defaultdict(int)  # a tensor once a weighted report came
        self.listeners: list = []  # callables(step, means) called at every flush
        self.watchers: list = []  # callables(name, value) called at every report, value a float or a 0-d tensor

    def report(self, name: str, value, weight=1) -> None:
        """Add `value` to the window of `name`. A 0-d tensor `weight` (1 or 0) counts the value or leaves it out
        on the device (fp16's skipped steps in grad/*), without the host looking at it."""
        if isinstance(value, torch.Tensor):
            value = value.detach().float()
            value = (value.mean() if value.dim() else value) if value.numel() else math.nan
        else:
            value = float(value)
        weighted = value if isinstance(weight, int) and weight == 1 else value * weight  # no tensor op for plain 1
        self._sums[name] = self._sums[name] + weighted  # out of place: never aliases a tensor the caller keeps
        self._counts[name] = self._counts[name] + weight
        for watcher in self.watchers:
            watcher(name, value)

    def discard(self) -> None:
        """Forget the current window without handing it on (the steps it covers were rolled back)."""
        self._sums.clear()
        self._counts.clear()

    def window(self) -> dict:
        """The reports since the last flush as plain numbers (saved in a checkpoint taken mid-window)."""
        return {"sums": on_host(self._sums), "counts": {name: int(count) for name, count in on_host(self._counts).items()}}

    def restore_window(self, window: dict | None) -> None:
        """Continue the window a checkpoint saved, so a resumed run's next record covers the same steps."""
        self.discard()
        for name, total in (window or {}).get("sums", {}).items():
            self._sums[name] = float(total)
            self._counts[name] = int(window["counts"][name])

    def share_window_over_ranks(self) -> None:
        """Under torchrun: every rank's window becomes the mean over ranks (the record a flush would write
        is unchanged), so the window rank 0 saves is the run's. A collective: every rank calls it."""
        if not is_distributed():
            return
        sums = mean_over_ranks(on_host(self._sums))
        self._sums.update(sums)

    def flush(self, step: int) -> dict[str, float]:
        """Means since the last flush; handed to every listener, then the window is cleared."""
        means = mean_over_ranks(on_host({name: self._sums[name] / self._counts[name] for name in self._sums}))
        self._sums.clear()
        self._counts.clear()
        for listener in self.listeners:
            listener(step, means)
        return means


def on_host(values: dict) -> dict[str, float]:
    """The same mapping with every tensor as a Python float: one device-to-host transfer per device, not one per value."""
    host = {name: float(value) for name, value in values.items() if not isinstance(value, torch.Tensor)}
    by_device: dict[torch.device, list[str]] = defaultdict(list)
    for name, value in values.items():
        if isinstance(value, torch.Tensor):
            by_device[value.device].append(name)
    for names in by_device.values():
        host.update(zip(names, torch.stack([values[name] for name in names]).double().cpu().tolist()))
    return {name: host[name] for name in values}


def mean_over_ranks(means: dict[str, float]) -> dict[str, float]:
    """Under torchrun: each stat's mean over ranks, in one all-reduce of the values in sorted name order.

    Every rank runs the same code, so every rank reports the same names; a single process gets `means` back.
    """
    if not is_distributed() or not means:
        return means
    names = sorted(means)
    values = all_reduce_mean_(torch.tensor([means[name] for name in names], dtype=torch.float64, device=reduction_device()))
    return dict(zip(names, values.tolist()))


_active = StatsBus()


def use_bus(bus: StatsBus) -> StatsBus:
    """Make `bus` the target of `report`; returns it."""
    global _active
    _active = bus
    return bus


def report(name: str, value, weight=1) -> None:
    _active.report(name, value, weight)


def active_bus() -> StatsBus:
    return _active


class JsonlWriter:
    """Appends `{"step": s, name: mean, ...}` lines to a file (NaN/Inf written as strings, so each line stays valid JSON)."""

    def __init__(self, path: Path):
        self.path = path

    def __call__(self, step: int, means: dict[str, float]) -> None:
        record = {"step": step, **{name: _json_number(value) for name, value in sorted(means.items())}}
        with self.path.open("a") as file:
            file.write(json.dumps(record) + "\n")

    def truncate_after(self, step: int) -> None:
        """Drop records newer than `step` (written after the checkpoint a resume starts from) and unreadable lines
        (a torn last line from a killed process, bytes that are not UTF-8)."""
        if not self.path.exists():
            return
        rewrite(self.path, [line for line in read_lines(self.path) if record_step(line) <= step])


def read_stats(path: Path) -> list[dict]:
    """The readable records of a stats.jsonl, in file order (see ganforge/jsonl.py for what is skipped)."""
    return read_records(path)[0]


def _json_number(value: float):
    return value if math.isfinite(value) else str(value)
