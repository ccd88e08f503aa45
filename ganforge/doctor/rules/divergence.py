"""Divergence: NaN/Inf anywhere, exploding losses or gradient norms, samples leaving the data.

- A non-finite value, a NaN-guard rollback (`guard/rollbacks` is reported in the flush after
  one), or astronomically large losses or gradients on two flushes in a row (or ten times
  larger still on one; for a Wasserstein critic, whose scale is free, only the latter) are
  errors at once, with no warm-up.
- Gradient norms exploding: judged against the run's own first window (norms differ by orders
  of magnitude between nets), sustained over a window; classifier losses only (an unbounded
  Wasserstein critic's gradients grow 30-50× as it cycles: ring_oscillation, seed 2).
- Classifier losses (BCE, hinge) of 20 or more mean logits of ±20: sustained, or blowing up
  again and again (three separate flushes in a long window; one harmless spike is one flush).
- Samples off the data: samples/offset on every one of several probes past 1 (further from every
  real point than real points are from each other; context.py's off-data threshold where higher)
  after having been on the data, or for 4 windows while heading away (offset up 1.5× within the last two
  windows; a healthy G starts as a blob off the data, a weak-D or cycling G hovers off it), unless
  the samples have collapsed (median diversity under 0.5: mode collapse's finding); samples/nn_ratio (images) several times worse than its
  best so far, or images pinned at ±1 far beyond the data's own share of such values (its black or white
  background).
"""
from __future__ import annotations

import numpy as np

from ..finding import Finding
from ..signals import SignalHistory
from .context import HELD_SHARE, RuleContext, collapsed_samples, off_data

NAME = "divergence"
GRAD_GROWTH = 30.0  # gradient norm ≥30× the run's first-window median (healthy runs: 2-10×)
GRAD_FLOOR = 100.0  # ...and ≥100: healthy DCGAN runs on digits reach 75 from a first-window median of ~9
LOSS_CEILING = 20.0  # a BCE/hinge loss of 20 means logits of ±20 (healthy: below log 4 ≈ 1.4 to ~5)
REPEATED_BLOWUPS = 3  # flushes with a loss past the ceiling, in 3 windows: not a one-off spike
OFF_DATA_PATIENCE = 4  # × window: samples that were never on the data count only after this long...
OFFSET_GROWTH = 1.5  # ...and while heading away: offset 1.5× higher over the last two windows' probes
NOISE_GROWTH = 3.0  # samples/nn_ratio ≥3× its best so far...
NOISE_FLOOR = 3.0  # ...and ≥3
SATURATION = 0.5  # images: half of the values the data leaves unpinned pinned at |x| > 0.99 (all values for photographs;
# Fashion-MNIST's own images have 52% of their values at -1, so a G that draws them well sits there too: 0.51 at step
# 8150 of a fashion_dcgan run whose FD was still falling; a blown-up G pins 0.9 and more, gray_g_rmsprop_huge 0.94)
DIVERGED_OFFSET = 1.0  # samples further from the data than its points are from each other, on every probe: 2-D
# samplers that cycle or collapse wander at offsets 0.2-2 (ring_mode_collapse_hinge, seed 3), past 0.3 (off the data)
# but rarely past 1 three probes running; diverging ones fly off to 10-100 (grid_d_weak, seed 3: 4 → 130)
EXTREME_LOSS = 1e3  # no GAN loss is 1000 while training works: BCE at 1000 means logits of ±1000
EXTREME_GRAD = 1e4  # healthy runs measured: gradient norms up to ~75 (DCGAN D on digits)
ONE_FLUSH_FACTOR = 10.0  # a window mean of 10⁴ (loss) or 10⁵ (gradient) is a blow-up even once: the suite's healthy
# and loss-spike runs peak at loss 4 and gradient norm 315 (digits' DCGAN D); ring_divergence on seed 1 blows up
# to loss/g 1.5 × 10⁵ on its first flush alone and then settles into a dominant D


def nonfinite_finding(history: SignalHistory) -> Finding | None:
    bad = history.nonfinite()
    rolled_back = "guard/rollbacks" in history.records[-1]
    if not bad and not rolled_back:
        return None
    evidence = {name: str(value) for name, value in sorted(bad.items())[:6]}
    names = ", ".join(sorted(bad)) or "a step (the NaN guard rolled it back)"
    if rolled_back:
        evidence["guard/rollbacks"] = history.records[-1]["guard/rollbacks"]
        failed = history.records[-1].get("guard/failed_step")
        if failed is not None:  # the history was cut back to the restored step, so say where it failed
            evidence["guard/failed_step"] = failed
            names = f"step {int(failed)} (the NaN guard rolled the run back; it is now at step {history.step})"
    return Finding(history.step, NAME, "error", f"non-finite values in {names}", evidence)


def extreme_finding(history: SignalHistory, context: RuleContext) -> Finding | None:
    """Losses (classifier losses only: a Wasserstein critic's values have no natural scale) or
    gradient norms beyond any working run's on the last two flushes, or ten times that on the last."""
    evidence = {}
    limits = [("grad/d", EXTREME_GRAD), ("grad/g", EXTREME_GRAD)]
    if context.classifier:
        limits += [("loss/d", EXTREME_LOSS), ("loss/g", EXTREME_LOSS)]
    for name, limit in limits:
        last_two = np.abs(history.values(name, 2))
        # an unbounded critic's gradients scale with its weights, which swing up and back as it cycles
        # (grid_oscillation: 10⁴ for a few flushes, then 20): for a critic only one flush ten times past the limit counts
        twice = context.classifier and len(last_two) == 2 and bool((last_two >= limit).all())
        if twice or (len(last_two) and last_two[-1] >= ONE_FLUSH_FACTOR * limit):
            evidence[name] = float(history.values(name, 1)[-1])
    if not evidence:
        return None
    return Finding(history.step, NAME, "error",
                   f"training has blown up: {', '.join(f'{k} {v:.3g}' for k, v in evidence.items())}", evidence)


def first_window_median(history: SignalHistory, name: str, flushes: int) -> float:
    values = history.values(name)[:flushes]
    values = values[np.isfinite(values)]
    return float(np.median(values)) if len(values) else float("nan")


def exploding(history: SignalHistory, context: RuleContext, flushes: int) -> dict:
    """Signals past their ceiling on most of the last `flushes` flushes: {name: median}."""
    found = {}
    for name in ("grad/d", "grad/g") if context.classifier else ():  # a critic's gradients grow with its free scale
        baseline, recent = first_window_median(history, name, context.window), history.values(name, flushes)
        if len(recent) and np.isfinite(baseline):
            if float(((recent >= GRAD_GROWTH * baseline) & (recent >= GRAD_FLOOR)).mean()) >= HELD_SHARE:
                found[name] = history.median(name, flushes)
    if context.classifier:
        for name in ("loss/d", "loss/g"):
            recent = history.values(name, flushes)
            if len(recent) and float((np.abs(recent) >= LOSS_CEILING).mean()) >= HELD_SHARE:
                found[name] = history.median(name, flushes)
    return found


def repeated_blowups(history: SignalHistory, context: RuleContext) -> dict:
    if not context.classifier:
        return {}
    flushes = 3 * context.window
    d_loss, g_loss = history.values("loss/d", flushes), history.values("loss/g", flushes)
    n = min(len(d_loss), len(g_loss))
    blown = (np.abs(d_loss[-n:]) >= LOSS_CEILING) | (np.abs(g_loss[-n:]) >= LOSS_CEILING)
    return {"loss_blowups": int(blown.sum())} if blown.sum() >= REPEATED_BLOWUPS else {}


def left_the_data(history: SignalHistory, context: RuleContext, probes: int) -> bool:
    """Samples off the data on the last probes, after having been on it, or for a long time (G's first
    blob of samples sits off the data too, for a few hundred steps of a healthy run)."""
    if not off_data(history, context, probes, max(context.off_data, DIVERGED_OFFSET)):
        return False
    earlier = history.values("samples/offset")[:-probes]
    was_on_data = len(earlier) and float(np.nanmin(earlier)) < context.off_data / 2
    return bool(was_on_data) or (len(history) >= OFF_DATA_PATIENCE * context.window and moving_away(history, 2 * probes))


def moving_away(history: SignalHistory, probes: int) -> bool:
    """samples/offset's later probes at least OFFSET_GROWTH× its earlier ones: samples that never reached the data
    diverge only when they head away; a G hovering off the data (a weak D, a cycle) is another rule's finding."""
    values = history.values("samples/offset", probes)
    values = values[np.isfinite(values)]
    if len(values) < 4:
        return False
    half = len(values) // 2
    return float(np.median(values[half:])) >= OFFSET_GROWTH * float(np.median(values[:half]))


def bad_samples(history: SignalHistory, context: RuleContext, probes: int) -> dict:
    found = {}
    if left_the_data(history, context, probes) and not collapsed_samples(history, probes):
        found["samples/offset"] = history.median("samples/offset", probes)
    ratios = history.values("samples/nn_ratio") if context.is_image else np.zeros(0)  # 2-D: too noisy (σ = 0.01)
    if len(ratios) > probes:
        best, recent = ratios[:-probes].min(), ratios[-probes:]
        if bool(((recent >= NOISE_GROWTH * best) & (recent >= NOISE_FLOOR)).all()):
            found["samples/nn_ratio"] = float(recent[-1])
    saturation = history.values("samples/saturation", probes)
    if len(saturation) >= probes and bool((pinned_beyond_the_data(saturation, context) >= SATURATION).all()):
        found["samples/saturation"] = float(saturation[-1])
    return found


def pinned_beyond_the_data(saturation: np.ndarray, context: RuleContext) -> np.ndarray:
    """The share of the values the data leaves unpinned that the samples pin (the data's own share taken out)."""
    free = 1.0 - context.data_saturation
    return (saturation - context.data_saturation) / max(free, 1e-6)


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    finding = nonfinite_finding(history) or extreme_finding(history, context)
    if finding or len(history) < 2 * context.window:
        return finding
    probes = context.probes(context.window) + 1
    evidence = {**exploding(history, context, context.window), **repeated_blowups(history, context),
                **bad_samples(history, context, probes)}
    if not evidence:
        return None
    severe = bool(exploding(history, context, 3 * context.window)) or bool(bad_samples(history, context, 2 * probes))
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"training is diverging: {', '.join(f'{k} {v:.3g}' for k, v in evidence.items())}", evidence)
