"""Oscillation / non-convergence: D and G take turns winning, over and over, without progress.

Simultaneous gradient descent on a two-player game can cycle around the equilibrium instead of
reaching it (Mescheder et al. 2017, 2018; Nagarajan & Kolter 2017). Signature over a long window
(3 or 4 × doctor.window flushes): D alternates between winning and being fooled many times, while G's
samples are no better at the end of the window than at its start, nor spreading out on the data (progress.py: a G
that spreads from a clump over the data while the lead switches is a run's opening, as on well-separated modes in 9-D,
held_out_8/simplex_healthy: diversity 0.25 → 0.9 by step 400, 10 of 10 modes at the end). "Winning" is read from D's
accuracy for classifier losses (≥0.85 winning, ≤0.5 fooled) and, for any loss, from the critic
gap d/real_logit − d/fake_logit (positive: D ranks real above fake; negative: fooled), past half the window's
median gap and, for the relativistic losses, whose gap is a logit, past PAIR_MARGIN.
"""
from __future__ import annotations

import numpy as np

from ..finding import Finding
from ..signals import SignalHistory
from .context import RuleContext
from .mode_collapse import SEVERE_DIVERSITY  # a G this collapsed is mode_collapse's finding
from .progress import MIN_PROBES, improving, window_probes

NAME = "oscillation"
LONG = (3, 4)  # × window: cycles need a long view; 3 windows see them sooner (4 alone put the suite's median
# detection at 16-17% of the run), 4 see slower ones (ring_oscillation, seed 3: 4 switches in 400 steps, not in 300)
HIGH_ACCURACY = 0.85  # D winning
LOW_ACCURACY = 0.5  # D fooled
SIDE_SHARE = 0.15  # each side holds at least 15% of the window's flushes
PAIR_MARGIN = 0.5  # relativistic losses: a gap under 0.5 logits either way is D's odds within 0.38-0.62, a coin flip;
# neither side leads (held_out_8/simplex_relativistic_healthy: gaps of -0.31 to 0.2 in its first 400 steps, read against
# that window's own small scale, switched the lead 10 times; 9 of 10 modes at the end)
MIN_SWITCHES = 4  # D and G swap the lead at least 4 times: two full cycles (a WGAN without a Lipschitz bound
# on the ring cycles with a period of ~150 steps, 2 cycles per window; one swing and back is not a cycle)


def lead(history: SignalHistory, context: RuleContext, flushes: int) -> np.ndarray:
    """Per flush: +1 D winning, −1 D fooled, 0 neither."""
    if context.decides:
        accuracy = history.values("d/accuracy", flushes)
        return np.where(accuracy >= HIGH_ACCURACY, 1, np.where(accuracy <= LOW_ACCURACY, -1, 0))
    real, fake = history.values("d/real_logit", flushes), history.values("d/fake_logit", flushes)
    n = min(len(real), len(fake))
    gap = real[-n:] - fake[-n:]
    scale = np.median(np.abs(gap)) if n else 0.0
    margin = max(0.5 * scale, PAIR_MARGIN) if context.paired else 0.5 * scale
    return np.where(gap > margin, 1, np.where(gap < -margin, -1, 0))


def cycling(history: SignalHistory, context: RuleContext, flushes: int) -> dict | None:
    sides = lead(history, context, flushes)
    if len(sides) < flushes:
        return None
    winning, fooled = float((sides > 0).mean()), float((sides < 0).mean())
    decided = sides[sides != 0]
    switches = int((decided[1:] != decided[:-1]).sum()) if len(decided) > 1 else 0
    if min(winning, fooled) < SIDE_SHARE or switches < MIN_SWITCHES:
        return None
    return {"lead_switches": switches, "share_d_winning": winning, "share_d_fooled": fooled}


def collapsed_throughout(history: SignalHistory, flushes: int) -> bool:
    """Three quarters of the window's probes at under a fifth of the data's spread: D and G trading the lead over a
    collapsed G is G hopping from mode to mode, a symptom of the collapse (Goodfellow 2016, §5.1.1; Metz et al. 2016),
    and mode_collapse's finding (ring_mode_collapse_hinge: 75th percentile 0.13 where the cycling runs have 0.5-2)."""
    diversity = window_probes(history, "samples/diversity", flushes)
    return len(diversity) >= MIN_PROBES and float(np.quantile(diversity, 0.75)) < SEVERE_DIVERSITY


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    for windows in LONG:  # the shorter look first: it sees a cycle sooner, the longer one a slow cycle
        flushes = windows * context.window
        if len(history) < flushes:
            return None
        evidence = cycling(history, context, flushes)
        if evidence is not None and not improving(history, flushes, context.off_data) and \
                not collapsed_throughout(history, flushes):
            break
    else:
        return None
    severe = len(history) >= 2 * flushes and cycling(history, context, 2 * flushes) is not None
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"D and G keep trading the lead without progress: {evidence['lead_switches']} switches in "
                   f"{flushes * context.log_every} steps (D winning {evidence['share_d_winning']:.0%}, "
                   f"fooled {evidence['share_d_fooled']:.0%} of the time)", evidence)
