"""Mode collapse: G's samples lose variety (Goodfellow 2016, §5.1.1; Salimans et al. 2016).

Read from the sample probe: samples/diversity (mean pair distance ÷ the data's) far below 1,
many near-duplicate pairs, or on a Gaussian mixture fewer than half the modes captured while
the samples that exist sit on modes. Held over several probes in a row, with the diversity not
rising (a G at initialisation starts with little spread and spreads out: that is not collapse).
Samples that have left the data altogether are divergence's finding, not ours, unless they
have shrunk to one point (most pairs near-duplicates): a G that maps every z to one point has
collapsed wherever that point sits, whether on a mode, between modes, or chased round the plane.

A collapse that D cannot see (D at chance over collapsed images) is d_weak's finding, which names its cause:
this rule stays silent while it stands (YIELDS_TO, as off_data does).

"Not rising" looks at two windows and at twice that (progress.still_rising): a stacked-digits DCGAN opens on
near-identical images and spreads out from diversity 0.24 to 0.6 over its first 400 steps, too slowly for a
200-step window to show, on its way to FD 53 against 375 untrained (held_out_2/stacked_dcgan_healthy).
"""
from __future__ import annotations

import numpy as np

from ..finding import Finding
from ..signals import SignalHistory
from .context import COLLAPSED_DIVERSITY, RuleContext
from .progress import still_rising

NAME = "mode_collapse"
YIELDS_TO = ("d_weak",)
LOW_DIVERSITY = COLLAPSED_DIVERSITY  # half the data's mean pair distance (a healthy G sits at 0.8-1.1)
SEVERE_DIVERSITY = 0.2
DUPLICATES = 0.2  # 20% of pairs closer than the data's 1st-percentile pair distance (data: 1%)
MODE_SHARE = 0.5  # mixtures: fewer than half the modes captured...
ON_MODES = 0.3  # ...while at least 30% of the samples are high-quality (on some mode)
WARMUP = 2  # × window flushes before judging
ONE_POINT = 0.5  # most pairs near-duplicates: the samples are one point
POINT_DIVERSITY = 0.05  # ...or their spread a twentieth of the data's (a loss spike squeezes a healthy grid run to 0.08)
BLOB_PATIENCE = 2  # × the probes: how much longer a tight blob must last than a collapse onto modes or one point


def collapsed_flags(history: SignalHistory, context: RuleContext, probes: int, blobs: bool = False) -> np.ndarray:
    """Per probe (the last `probes`): collapsed and still on the data; with `blobs`, also a tight blob that is on no
    mode (or, for a 2-D sampler, off the data altogether)."""
    diversity = history.values("samples/diversity", probes)
    duplicates = history.values("samples/near_duplicates", probes)[-len(diversity):]
    flags = (diversity < LOW_DIVERSITY) | (duplicates > DUPLICATES)
    if context.modes and history.has("samples/modes"):
        # few modes counts only with points on the modes: a blurry early sampler also covers few modes
        quality = history.values("samples/high_quality", probes)[-len(flags):]
        flags |= (history.values("samples/modes", probes)[-len(flags):] < MODE_SHARE * context.modes) & (quality >= ON_MODES)
        # a mixture sampler with hardly any point on a mode has not collapsed onto modes, unless it is one point or
        # (blobs) a tight blob: healthy ring and grid runs open as a wide blur, diversity 0.4-1.4, before finding modes
        flags &= (quality >= ON_MODES / 3) | (duplicates > ONE_POINT) | (diversity < POINT_DIVERSITY) | \
            (blobs & (diversity < LOW_DIVERSITY))
    elif not context.is_image:
        # points of a mixture the doctor does not know (an .npy file): a healthy G's spread swings from 0.2 to 1 probe to
        # probe while it learns (held_out_3/scatter_healthy), so a low spread alone counts only held twice as long (blobs);
        # many near-duplicate pairs or a point-like spread count at once (G on a few points)
        flags &= (duplicates > DUPLICATES) | (diversity < POINT_DIVERSITY) | blobs
    if history.has("samples/offset"):
        # one point off the data is still a collapse for 2-D samplers, and (blobs) so is a blob a fifth of the data's
        # spread wandering on and off it (ring_mode_collapse_hinge, seed 3: diversity 0.03-0.15 for 400 steps at
        # offsets 0.02-1.2); images that far off (offset > 1) are not images of any mode: divergence or a weak D
        point_like = (duplicates > ONE_POINT) | (diversity < POINT_DIVERSITY)
        one_point = (point_like | (blobs & (diversity < SEVERE_DIVERSITY))) & (not context.is_image)
        flags &= (history.values("samples/offset", probes)[-len(flags):] < context.off_data) | one_point
    return flags


def held(flags: np.ndarray, probes: int) -> bool:
    return len(flags) >= probes and bool(flags.all())


def collapsed(history: SignalHistory, context: RuleContext, probes: int) -> bool:
    """Collapsed on each of the last `probes` probes, or a tight blob (collapsed_flags' `blobs`) on twice as many: a
    loss spike can squeeze a healthy grid run into a blob between the modes for ~250 steps (grid_healthy_spike,
    seed 0: diversity 0.45 → 0.08 → 0.55 over steps 550-800)."""
    return held(collapsed_flags(history, context, probes), probes) or \
        held(collapsed_flags(history, context, BLOB_PATIENCE * probes, blobs=True), BLOB_PATIENCE * probes)


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    window = context.window
    if len(history) < WARMUP * window:
        return None
    probes = context.probes(window) + 1
    if not collapsed(history, context, probes) or still_rising(history, "samples/diversity", 2 * window):
        return None
    severe = collapsed(history, context, 2 * probes) or history.median("samples/diversity", probes) < SEVERE_DIVERSITY
    evidence = {name: history.latest(name) for name in
                ("samples/diversity", "samples/near_duplicates", "samples/modes", "samples/high_quality")
                if history.has(name)}
    detail = f", {evidence['samples/modes']:.0f}/{context.modes} modes" if "samples/modes" in evidence else ""
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"mode collapse: sample diversity {evidence['samples/diversity']:.2f}× the data's, "
                   f"{evidence['samples/near_duplicates']:.0%} near-duplicate pairs{detail}", evidence)
