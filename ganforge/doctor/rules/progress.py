"""Is G still getting better? A run whose samples improve is learning, whatever its losses say.

Quality is samples/high_quality on a Gaussian mixture (higher is better) and samples/nn_ratio
elsewhere (lower is better). "Improving" compares the median of the later half of the probes in
the window with the median of the earlier half: a gain of at least GAIN counts.
"""
from __future__ import annotations

import numpy as np

from ..signals import SignalHistory, finite

GAIN = 0.1  # 10% better: more than the probe's noise (healthy plateaus wander by a few %)


def quality_probes(history: SignalHistory, flushes: int) -> tuple[np.ndarray, bool]:
    """The quality values probed in the last `flushes` flushes, and whether higher is better."""
    name, higher = ("samples/high_quality", True) if history.has("samples/high_quality") else ("samples/nn_ratio", False)
    start = history.steps[-flushes] if len(history) >= flushes else 0
    steps, values = history.series(name)
    return finite(values[steps >= start]), higher


def improving(history: SignalHistory, flushes: int) -> bool:
    values, higher = quality_probes(history, flushes)
    if len(values) < 4:
        return False
    half = len(values) // 2
    early, late = float(np.median(values[:half])), float(np.median(values[half:]))
    if higher:
        return late >= early + GAIN * max(early, 0.1)
    return late <= (1 - GAIN) * early


def rising(history: SignalHistory, name: str, flushes: int) -> bool:
    """The later half of `name`'s probes in the window at least GAIN above the earlier half."""
    start = history.steps[-flushes] if len(history) >= flushes else 0
    steps, values = history.series(name)
    values = finite(values[steps >= start])
    if len(values) < 2:
        return False
    half = max(1, len(values) // 2)
    return float(np.median(values[half:])) >= (1 + GAIN) * float(np.median(values[:half]))
