"""The doctor's memory: every stats flush (step, window means), with windowed robust statistics.

Rules read only this. Windows are counted in flushes (one flush = `train.log_every` steps), and
statistics are robust ones (medians, fractions of flushes past a threshold), so a single spike
moves nothing. Values written as strings by stats.jsonl ("nan", "inf") come back as floats.
"""
from __future__ import annotations

import math

import numpy as np


def as_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class SignalHistory:
    def __init__(self):
        self.steps: list[int] = []
        self.records: list[dict[str, float]] = []
        self._by_name: dict[str, tuple[list[int], list[float]]] = {}  # name → (steps, values) where reported

    def append(self, step: int, means: dict) -> None:
        record = {name: as_float(value) for name, value in means.items() if name != "step"}
        self.steps.append(int(step))
        self.records.append(record)
        for name, value in record.items():
            steps, values = self._by_name.setdefault(name, ([], []))
            steps.append(int(step))
            values.append(value)

    def truncate_after(self, step: int) -> None:
        """Forget flushes newer than `step` (the run rolled back to it: NaN guard, auto-remedy)."""
        kept = [(s, record) for s, record in zip(self.steps, self.records) if s <= step]
        self.__init__()
        for s, record in kept:
            self.append(s, record)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def step(self) -> int:
        return self.steps[-1] if self.steps else 0

    def has(self, name: str) -> bool:
        return name in self._by_name

    def series(self, name: str, last: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of the flushes that carry `name`, the `last` of them when given."""
        steps, values = self._by_name.get(name, ([], []))
        if last is not None:
            start = max(len(steps) - last, 0) if last > 0 else len(steps)
            steps, values = steps[start:], values[start:]
        return np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def values(self, name: str, last: int | None = None) -> np.ndarray:
        return self.series(name, last)[1]

    def latest(self, name: str) -> float:
        values = self.values(name, 1)
        return float(values[0]) if len(values) else math.nan

    def median(self, name: str, last: int) -> float:
        values = finite(self.values(name, last))
        return float(np.median(values)) if len(values) else math.nan

    def quantile(self, name: str, q: float, last: int) -> float:
        values = finite(self.values(name, last))
        return float(np.quantile(values, q)) if len(values) else math.nan

    def fraction(self, name: str, last: int, predicate) -> float:
        """Share of the last `last` flushes carrying `name` whose value satisfies `predicate` (0 with none)."""
        values = self.values(name, last)
        return float(np.mean([bool(predicate(v)) for v in values])) if len(values) else 0.0

    def slope(self, name: str, last: int) -> float:
        """Least-squares slope per step over the window (NaN with fewer than 3 finite points)."""
        steps, values = self.series(name, last)
        keep = np.isfinite(values)
        if keep.sum() < 3:
            return math.nan
        return float(np.polyfit(steps[keep], values[keep], 1)[0])

    def crossings(self, name: str, last: int) -> int:
        """Times the series crosses its own window median: many for a cycle, few for a trend."""
        values = finite(self.values(name, last))
        if len(values) < 3:
            return 0
        signs = np.sign(values - np.median(values))
        signs = signs[signs != 0]
        return int((signs[1:] != signs[:-1]).sum())

    def autocorrelation(self, name: str, lag: int, last: int) -> float:
        values = finite(self.values(name, last))
        if len(values) <= lag + 2 or values.std() == 0:
            return math.nan
        centred = values - values.mean()
        return float((centred[:-lag] * centred[lag:]).sum() / (centred * centred).sum())

    def nonfinite(self, last: int = 1) -> dict[str, float]:
        """Signals with a NaN or Inf value in the last `last` flushes: {name: value}."""
        found = {}
        for record in self.records[-last:]:
            found.update({name: value for name, value in record.items() if not math.isfinite(value)})
        return found


def finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]
