"""Mode collapse: G's samples lose variety (Goodfellow 2016, §5.1.1; Salimans et al. 2016).

Read from the sample probe: samples/diversity (mean pair distance ÷ the data's) far below 1,
many near-duplicate pairs, or on a Gaussian mixture fewer than half the modes captured while
the samples that exist sit on modes. Held over several probes in a row, with the diversity not
rising (a G at initialisation starts with little spread and spreads out: that is not collapse).
Samples that have left the data altogether are divergence's finding, not ours, unless they
have shrunk to one point (most pairs near-duplicates): a G that maps every z to one point has
collapsed wherever that point sits, whether on a mode, between modes, or chased round the plane.
"""
from __future__ import annotations

import numpy as np

from ..finding import Finding
from ..signals import SignalHistory
from .context import RuleContext
from .progress import rising

NAME = "mode_collapse"
LOW_DIVERSITY = 0.5  # half the data's mean pair distance (a healthy G sits at 0.8-1.1)
SEVERE_DIVERSITY = 0.2
DUPLICATES = 0.2  # 20% of pairs closer than the data's 1st-percentile pair distance (data: 1%)
MODE_SHARE = 0.5  # mixtures: fewer than half the modes captured...
ON_MODES = 0.3  # ...while at least 30% of the samples are high-quality (on some mode)
WARMUP = 2  # × window flushes before judging
ONE_POINT = 0.5  # most pairs near-duplicates: the samples are one point


def collapsed_flags(history: SignalHistory, context: RuleContext, probes: int) -> np.ndarray:
    """Per probe (the last `probes`): collapsed and still on the data."""
    diversity = history.values("samples/diversity", probes)
    duplicates = history.values("samples/near_duplicates", probes)[-len(diversity):]
    flags = (diversity < LOW_DIVERSITY) | (duplicates > DUPLICATES)
    if context.modes and history.has("samples/modes"):
        # few modes counts only with points on the modes: a blurry early sampler also covers few modes
        quality = history.values("samples/high_quality", probes)[-len(flags):]
        flags |= (history.values("samples/modes", probes)[-len(flags):] < MODE_SHARE * context.modes) & (quality >= ON_MODES)
        # a mixture sampler with hardly any point on a mode has not collapsed onto modes, unless it is one point or a
        # tight blob (healthy ring and grid runs open as a wide blur: diversity 0.4-1.4 before they find the modes)
        flags &= (quality >= ON_MODES / 3) | (duplicates > ONE_POINT) | (diversity < LOW_DIVERSITY)
    if history.has("samples/offset"):
        # one point off the data is still a collapse for 2-D samplers; images that far off (offset > 1) are not
        # images of any mode: divergence (saturation) or a weak D explains them
        one_point = (duplicates > ONE_POINT) & (not context.is_image)
        flags &= (history.values("samples/offset", probes)[-len(flags):] < context.off_data) | one_point
    return flags


def collapsed(history: SignalHistory, context: RuleContext, probes: int) -> bool:
    flags = collapsed_flags(history, context, probes)
    return len(flags) >= probes and bool(flags.all())


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    window = context.window
    if len(history) < WARMUP * window:
        return None
    probes = context.probes(window) + 1
    if not collapsed(history, context, probes) or rising(history, "samples/diversity", 2 * window):
        return None
    severe = collapsed(history, context, 2 * probes) or history.median("samples/diversity", probes) < SEVERE_DIVERSITY
    evidence = {name: history.latest(name) for name in
                ("samples/diversity", "samples/near_duplicates", "samples/modes", "samples/high_quality")
                if history.has(name)}
    detail = f", {evidence['samples/modes']:.0f}/{context.modes} modes" if "samples/modes" in evidence else ""
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"mode collapse: sample diversity {evidence['samples/diversity']:.2f}× the data's, "
                   f"{evidence['samples/near_duplicates']:.0%} near-duplicate pairs{detail}", evidence)
