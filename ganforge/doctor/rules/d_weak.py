"""D too weak or stuck: D cannot tell real from fake (D(x) ≈ 0.5) while the samples stay poor.

D at chance is also where a *converged* GAN ends (Goodfellow et al. 2014, Prop. 1), so chance-level
D alone is not a failure: the rule also needs the samples to be far from the data
(samples/nn_ratio, or the share of high-quality points on a mixture) and not improving, for a
sustained window. D(G(z)) is not required to be 0.5: a D that barely learns can be fooled
outright (D(G(z)) → 1) as G exploits it, and G's samples may then drift far off the data.

On a Gaussian mixture "poor" means few points on a mode *and* the samples off the data
(samples/offset past context.off_data): a healthy grid run sits at D(x) 0.51 with under half
its points on a mode for its first ~800 steps, but its samples are already a blur over the grid
(offset 0.1-0.2) and the modes fill in; a weak D's samples drift away (offset ≫ 1).

A Wasserstein critic has no accuracy; it is "at chance" when it is flat: every value within
about ±0.4 of zero (sigmoid within CHANCE_BAND of 0.5 on real *and* fake). Data are scaled to
about unit size, so a critic that separates real from fake by less than that while the samples
are off the data has next to no slope for G to follow (weight clipping at 0.01 does this).
"""
from __future__ import annotations

import numpy as np

from ..finding import Finding
from ..signals import SignalHistory
from .context import RuleContext
from .progress import improving

NAME = "d_weak"
CHANCE_BAND = 0.1  # |D(x) − 0.5| below 0.1
CHANCE_ACCURACY = 0.65  # D right on at most 65% of a batch
POOR_NN_RATIO = 2.5  # samples ≥2.5× farther from the data than real points are from each other
POOR_HIGH_QUALITY = 0.5  # mixtures: under half the points within 3σ of a mode
HELD_SHARE = 0.8


def at_chance(history: SignalHistory, flushes: int, classifier: bool = True) -> float:
    """Share of the last `flushes` flushes where D's verdict on real data is a coin toss and it separates nothing
    (a classifier: accuracy near chance; a critic: flat, its fake scores at 0.5 as well)."""
    real = abs(history.values("d/real", flushes) - 0.5) < CHANCE_BAND
    if classifier:
        other = history.values("d/accuracy", flushes) <= CHANCE_ACCURACY
    else:
        other = abs(history.values("d/fake", flushes) - 0.5) < CHANCE_BAND
    n = min(len(real), len(other))
    return float((real[-n:] & other[-n:]).mean()) if n else 0.0


def poor_samples(history: SignalHistory, probes: int, off_data: float) -> bool:
    """The last `probes` sample probes all far from the data (mixtures: off the modes and, by median, off the data)."""
    if history.has("samples/high_quality"):
        values = history.values("samples/high_quality", probes)
        offsets = history.values("samples/offset", probes)
        away = len(offsets) > 0 and float(np.median(offsets)) >= off_data
        return len(values) >= probes and bool((values < POOR_HIGH_QUALITY).all()) and away
    values = history.values("samples/nn_ratio", probes)
    return len(values) >= probes and bool((values > POOR_NN_RATIO).all())


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    window = 2 * context.window
    if len(history) < window:
        return None
    classifier, off_data = context.classifier, context.off_data
    if at_chance(history, window, classifier) < HELD_SHARE or not poor_samples(history, context.probes(window), off_data):
        return None
    if improving(history, window):
        return None  # D at chance while G keeps improving: a slow but healthy run
    long = 2 * window
    severe = len(history) >= long and at_chance(history, long, classifier) >= HELD_SHARE and \
        poor_samples(history, context.probes(long), off_data)
    evidence = {name: history.median(name, window) for name in ("d/real", "d/fake", "d/accuracy", "loss/d")}
    for name in ("samples/high_quality", "samples/nn_ratio"):
        if history.has(name):
            evidence[name] = history.latest(name)
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"D is stuck at chance (D(x) {evidence['d/real']:.2f}, D(G(z)) {evidence['d/fake']:.2f}) "
                   f"while the samples stay far from the data: D gives G no useful signal", evidence)
