"""D overpowers G: D calls every real sample real and every fake fake, so G learns little.

Symptoms (Arjovsky & Bottou 2017, §2): D's loss → 0, accuracy → 1 on real and fake, D(G(z)) → 0,
and under the saturating loss G's gradient vanishes; and G's samples stop improving (a D that
leads while G keeps getting better is a normal phase, e.g. the first ~150 steps of a DCGAN). Judged on classifier losses only (BCE,
hinge), where the sign of D's logit is a decision; a Wasserstein critic has no threshold.
"""
from __future__ import annotations

from ..finding import Finding
from ..signals import SignalHistory
from .context import RuleContext
from .progress import improving

NAME = "d_overpowering"
ACCURACY = 0.9  # D right on ≥90% of a batch: healthy D sits at 0.55-0.75 (measured on ring/digits runs)
FAKE_PROBABILITY = 0.15  # mean D(G(z)) ≤ 0.15: fakes rejected with confidence (chance is 0.5)
SEVERE_ACCURACY = 0.98
HELD_SHARE = 0.8  # the condition must hold on 80% of the window's flushes: a spike is one or two flushes
SMALL_DATA = 1000  # below this many samples a dominant D is memorising: d_overfitting's finding, not ours


def dominant(history: SignalHistory, flushes: int, accuracy: float = ACCURACY) -> float:
    """Share of the last `flushes` flushes where D is right on most samples and confident on the fakes."""
    accurate = history.values("d/accuracy", flushes) >= accuracy
    rejected = history.values("d/fake", flushes) <= FAKE_PROBABILITY
    n = min(len(accurate), len(rejected))
    return float((accurate[-n:] & rejected[-n:]).mean()) if n else 0.0


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    window = context.window
    if not context.classifier or len(history) < 2 * window:  # the first window is warm-up: D always leads early
        return None
    if context.dataset_size is not None and context.dataset_size <= SMALL_DATA:
        return None
    if dominant(history, window) < HELD_SHARE or improving(history, 2 * window):
        return None  # a dominant D whose G still improves is a normal phase (DCGAN's first ~150 steps)
    long = 3 * window
    severe = (len(history) >= long and dominant(history, long) >= HELD_SHARE) or \
        dominant(history, window, SEVERE_ACCURACY) >= HELD_SHARE
    evidence = {name: history.median(name, window) for name in ("d/accuracy", "d/real", "d/fake", "loss/d", "grad/g")}
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"D overpowers G: accuracy {evidence['d/accuracy']:.2f} and D(G(z)) {evidence['d/fake']:.3f} "
                   f"over the last {window * context.log_every} steps; G gets little useful gradient",
                   evidence)
