"""D overfits a small training set: it remembers the real images rather than judging realism.

The ADA heuristic (Karras et al. 2020, §3): r_t = E[sign D(x_real)] on training images rises
towards 1 (0 when D cannot tell); ADA treats r_t > 0.6 as overfitting. Where held-out real data
exists (sample_stats.py) the gap between D's sign on a training batch and on held-out images,
d/train_real − d/heldout_real, confirms it: an overfit D rejects real images it has not seen.
Only judged on finite datasets seen many times (an endless mixture stream cannot be memorised).
"""
from __future__ import annotations

from ..finding import Finding
from ..signals import SignalHistory
from .context import HELD_SHARE, RuleContext

NAME = "d_overfitting"
R_T = 0.6  # ADA's target value for r_t
SEVERE_R_T = 0.8
HELDOUT_GAP = 0.2  # D's sign 0.2 higher on training images than on held-out ones
SEVERE_GAP = 0.5
MIN_EPOCHS = 10  # a dataset seen fewer than 10 times is hardly memorised yet
SMALL_DATA = 1000  # without held-out data, only a dataset this small is presumed memorisable


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    window = context.window
    if context.dataset_size is None or len(history) < window or context.epochs_seen(history.step) < MIN_EPOCHS:
        return None
    if history.fraction("d/sign_real", window, lambda r: r > R_T) < HELD_SHARE:
        return None
    evidence = {"d/sign_real": history.median("d/sign_real", window), "epochs": round(context.epochs_seen(history.step), 1)}
    gap = None
    if history.has("d/heldout_real"):
        gap = history.median("d/train_real", window) - history.median("d/heldout_real", window)
        evidence["heldout_gap"] = gap
        if gap < HELDOUT_GAP:
            return None  # D is as sure of unseen real images: confident, not memorising
    elif context.dataset_size > SMALL_DATA:
        return None
    severe = (gap is not None and gap >= SEVERE_GAP) or \
        history.fraction("d/sign_real", 2 * window, lambda r: r > SEVERE_R_T) >= HELD_SHARE
    held_out = f", held-out gap {gap:.2f}" if gap is not None else f" on {context.dataset_size} images"
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"D is overfitting the training images: r_t = E[sign D(x)] {evidence['d/sign_real']:.2f} > {R_T}"
                   f"{held_out}, {evidence['epochs']:.0f} epochs", evidence)
