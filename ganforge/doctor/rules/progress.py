"""Is G still getting better? A run whose samples improve is learning, whatever its losses say.

Quality is samples/high_quality on a Gaussian mixture (higher is better) and samples/nn_ratio
elsewhere (lower is better). "Improving" compares the median of the later half of the probes in
the window with the median of the earlier half: a gain of at least GAIN counts.

Given the context's off-data threshold, a G whose samples spread out (samples/diversity rising
from below the data's spread) while they stay on the data also counts as improving: a DCGAN
opens on near-identical blobs whose nn_ratio gets *worse* as they diversify (fashion: diversity
0.03 → 0.9 over the first 400 steps while nn_ratio drifts from 1.0 to 1.4), yet that is progress.
Samples spreading off the data are not.
"""
from __future__ import annotations

import numpy as np

from ..signals import SignalHistory, finite

GAIN = 0.1  # 10% better: more than the probe's noise (healthy plateaus wander by a few %)
MIN_PROBES = 4  # fewer probes in the window tell nothing: not "improving"
LONG_LOOK = 2  # × a rule's look: a slow G closes in over 400 steps while a noisy 200-step window shows nothing
FROZEN = 1.01  # the probes' samples/offset within 1%: G has stopped moving (a training G's probes move 10-50% apart)


def window_probes(history: SignalHistory, name: str, flushes: int) -> np.ndarray:
    """The finite values of `name` probed in the last `flushes` flushes (every probe so far in a shorter history)."""
    start = history.steps[-flushes] if len(history) >= flushes else 0
    steps, values = history.series(name)
    return finite(values[steps >= start])


def quality_probes(history: SignalHistory, flushes: int) -> tuple[np.ndarray, bool]:
    """The quality values probed in the last `flushes` flushes, and whether higher is better."""
    name, higher = ("samples/high_quality", True) if history.has("samples/high_quality") else ("samples/nn_ratio", False)
    return window_probes(history, name, flushes), higher


SPREAD_BELOW = 0.9  # diversity rising counts only while it is still below the data's spread (1)


def improving(history: SignalHistory, flushes: int, off_data: float | None = None) -> bool:
    """G's sample quality got better over the window; with `off_data`, or its samples spread out on the data."""
    if off_data is not None and spreading_on_data(history, flushes, off_data):
        return True
    values, higher = quality_probes(history, flushes)
    if len(values) < MIN_PROBES:
        return False
    half = len(values) // 2
    early, late = float(np.median(values[:half])), float(np.median(values[half:]))
    if higher:
        return late >= early + GAIN * max(early, 0.1)
    return late <= (1 - GAIN) * early


def still_improving(history: SignalHistory, flushes: int, off_data: float | None = None) -> bool:
    """Improving over the last `flushes` flushes or over LONG_LOOK times as many. Under a D at chance a slow G's
    200-step window can be all noise while it keeps closing in (held_out_2/vectors4d_healthy: samples/nn_ratio 12 → 6
    over steps 50-300, flat over the last 200; 94% of its points on a mode at the end)."""
    return improving(history, flushes, off_data) or improving(history, LONG_LOOK * flushes, off_data)


def still_rising(history: SignalHistory, name: str, flushes: int) -> bool:
    """`name` rising over the last `flushes` flushes or over LONG_LOOK times as many (see still_improving)."""
    return rising(history, name, flushes) or rising(history, name, LONG_LOOK * flushes)


def frozen(history: SignalHistory, probes: int, signal: str = "samples/offset") -> bool:
    """The last `probes` probes' `signal` within FROZEN of each other: G (or what serves its samples) stopped moving."""
    offsets = finite(history.values(signal, probes))
    return len(offsets) >= probes and float(offsets.max()) <= FROZEN * float(offsets.min())


def rising(history: SignalHistory, name: str, flushes: int) -> bool:
    """The later half of `name`'s probes in the window at least GAIN above the earlier half."""
    values = window_probes(history, name, flushes)
    if len(values) < 2:
        return False
    half = max(1, len(values) // 2)
    return float(np.median(values[half:])) >= (1 + GAIN) * float(np.median(values[:half]))


def spreading_on_data(history: SignalHistory, flushes: int, off_data: float) -> bool:
    """samples/diversity rising from below SPREAD_BELOW while the window's median samples/offset is on the data."""
    if not (history.has("samples/diversity") and history.has("samples/offset")):
        return False
    early = window_probes(history, "samples/diversity", flushes)
    offsets = window_probes(history, "samples/offset", flushes)
    if len(early) < MIN_PROBES or not len(offsets) or float(np.median(offsets)) >= off_data:
        return False
    return float(np.median(early[: len(early) // 2])) < SPREAD_BELOW and rising(history, "samples/diversity", flushes)


def probe_median(history: SignalHistory, name: str, flushes: int) -> float:
    """The median of `name`'s finite probe values in the last `flushes` flushes (NaN when none)."""
    values = window_probes(history, name, flushes)
    return float(np.median(values)) if len(values) else float("nan")
