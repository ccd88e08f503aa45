"""D too weak or stuck: D cannot tell real from fake (D(x) ≈ 0.5) while the samples stay poor.

"At chance" is D's verdict on the data being a coin toss, or the same as on the fakes wherever it sits: the
best a D trained toward targets t_real and t_fake can do against samples it cannot tell apart is
(t_real + t_fake) / 2, which is 0.005 for one-sided label smoothing with a real target of 0.01.

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

A classifier D too weak to follow G can also be fooled outright for a whole window, while G's
samples sit far off the data: D(G(z)) > 0.5 and either wrong on most of the batch (ring_d_weak on
seed 3: D(G(z)) 1.00, accuracy 0) or rating the fakes at least as real as the data (seed 4: D(x)
0.64, D(G(z)) 1.00, accuracy 0.5, a D that calls everything real). Fooled throughout, not by turns
(that is oscillation), and not over a G collapsed to one point that D chases round (mode collapse).

On images, "poor" also covers samples that have collapsed (context.collapsed_samples) while D sits at
chance: a DCGAN's D that works rejects a collapsed G within steps, so a collapse it cannot see is the
D's failure, named here rather than by mode_collapse (which yields to this rule), and judged by whether
the samples spread out again, not by samples/nn_ratio (a collapsed G's one image can sit close to a real
one): held_out_2/stacked_dcgan_d_narrow, a D of 2 channels at accuracy 0.50 over 100% near-duplicate pairs.
On points only under a verdict no working D gives (degenerate_verdict): D(x) ≈ D(G(z)) ≈ 0.005, or D(x) ≈ D(G(z))
≈ accuracy ≈ 0.5 throughout (held_out_4/hexa_d_sgd_slow: 0.507, 0.508, 0.50 while G's points sit at diversity
0.09); a healthy D on a 2-D mixture sits near chance too, but at accuracy 0.55-0.7, while G opens as a small blob.

"Far from the data" for points that are neither images nor a known mixture (an .npy file) is samples/offset
past the off-data threshold on every probe: samples/nn_ratio is relative to the data's own nearest-neighbour
distance, which tight clusters make tiny (held_out_3/scatter_healthy sat at nn_ratio 10-27 for 700 steps
at offsets 0.06-0.23 on its way to 10/10 modes). With D at chance, a G that gets no gradient any more
(NO_GRADIENT) has poor samples too, wherever they sit: a D decayed to a constant gives it nothing
(held_out_3/gray_d_weight_decay_huge: grad/g from ~5 to 1e-7, G's images frozen at FD 16).

"Not improving" looks at two windows and at twice that (progress.still_improving).
"""
from __future__ import annotations

import numpy as np

from ..finding import Finding
from ..signals import SignalHistory
from .context import HELD_SHARE, RuleContext, collapsed_samples, off_data
from .progress import rising, still_improving

NAME = "d_weak"
CHANCE_BAND = 0.1  # |D(x) − 0.5| below 0.1
CHANCE_ACCURACY = 0.65  # D right on at most 65% of a batch
SAME_VERDICT = 0.1  # |D(x) − D(G(z))| below 0.1: one verdict for real and fake alike, wherever it sits
POOR_NN_RATIO = 2.5  # samples ≥2.5× farther from the data than real points are from each other
POOR_HIGH_QUALITY = 0.5  # mixtures: under half the points within 3σ of a mode
FOOLED_ACCURACY = 0.35  # D wrong on most of the batch (chance: 0.5)
FLAT_BAND = 0.03  # D(x), D(G(z)) and accuracy all within 0.03 of each other and 0.5: a D that answers 0.5 to all
NO_GRADIENT = 0.01  # G's gradient norm at 1% of its first window's: a D decayed to a constant gives G nothing


def chance_flags(history: SignalHistory, flushes: int, classifier: bool = True,
                 least_squares: bool = False) -> np.ndarray:
    """Per flush (the last `flushes`): D's verdict on real data is a coin toss and it separates nothing
    (a classifier: accuracy near chance; a critic: flat, its fake scores at 0.5 as well; least squares: either,
    since its outputs are verdicts that a midway D puts within the band on both and a D held at a constant
    gives alike on both: held_out_4/hexa_weight_clip_lsgan, 0.001 on real and fake, accuracy 0.5)."""
    if least_squares:
        return either(chance_flags(history, flushes, True), chance_flags(history, flushes, False))
    real = abs(history.values("d/real", flushes) - 0.5) < CHANCE_BAND
    if classifier:
        real = real | same_verdict(history, flushes)
        other = history.values("d/accuracy", flushes) <= CHANCE_ACCURACY
    else:
        other = abs(history.values("d/fake", flushes) - 0.5) < CHANCE_BAND
    return both(real, other)


def same_verdict(history: SignalHistory, flushes: int) -> np.ndarray:
    """Per flush of d/real's last `flushes`: D rates real and fake alike (within SAME_VERDICT), at 0.5 or not; with
    a real target of 0.01 (label smoothing overdone) D(x) ≈ D(G(z)) ≈ 0.005, a D that calls everything fake.
    False where d/fake was not reported."""
    real, fake = history.values("d/real", flushes), history.values("d/fake", flushes)
    flags = np.zeros(len(real), dtype=bool)
    n = min(len(real), len(fake))
    if n:
        flags[len(real) - n:] = abs(real[len(real) - n:] - fake[len(fake) - n:]) < SAME_VERDICT
    return flags


def fooled_flags(history: SignalHistory, flushes: int) -> np.ndarray:
    """Per flush: a classifier D is fooled outright, D(G(z)) > 0.5 and either wrong on most of the batch or rating the
    fakes at least as real as the data (a D that calls everything real: D(x) 0.64, D(G(z)) 1.00, accuracy 0.5)."""
    fake, real, accuracy = aligned(*(history.values(name, flushes) for name in ("d/fake", "d/real", "d/accuracy")))
    return (fake > 0.5) & ((accuracy <= FOOLED_ACCURACY) | (fake >= real))


def aligned(*series: np.ndarray) -> list[np.ndarray]:
    """Per-flush series (signals may start at different flushes) cut to the last flushes they all cover."""
    n = min(len(values) for values in series)
    return [values[len(values) - n:] for values in series]


def both(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two per-flush flag series ANDed over the flushes both cover."""
    first, second = aligned(first, second)
    return first & second


def either(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two per-flush flag series ORed over the flushes both cover."""
    first, second = aligned(first, second)
    return first | second


def share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else 0.0


def no_signal(history: SignalHistory, flushes: int, context: RuleContext) -> str | None:
    """How D fails G over the window, if it does on HELD_SHARE of its flushes: "chance", or "fooled" (then, fooled
    on that share by itself: a D that takes turns winning and being fooled is oscillation's finding).

    Least squares is also judged at chance as a critic is, by both verdicts in the chance band: its outputs regress
    onto 0 and 1, so one stuck midway on both puts them near 0.5, and the batch's accuracy at a decision point of
    0.5 swings with noise (held_out_9/plane_lsgan_sn: raw outputs 0.43-0.57 on both, accuracy 0.32-0.90, from step
    300 on, over 6 of 16 modes)."""
    if share(chance_flags(history, flushes, context.classifier, context.least_squares)) >= HELD_SHARE:
        return "chance"
    if context.decides and share(fooled_flags(history, flushes)) >= HELD_SHARE:
        return "fooled"  # (a Wasserstein critic that ranks fakes above data for a while is one phase of its cycle)
    return None


def poor_samples(history: SignalHistory, probes: int, context: RuleContext) -> bool:
    """The last `probes` sample probes all far from the data: a mixture's off the modes and, by median, off the data;
    images past POOR_NN_RATIO; other points past the off-data offset on every probe."""
    if history.has("samples/high_quality"):
        values = history.values("samples/high_quality", probes)
        offsets = history.values("samples/offset", probes)
        away = len(offsets) > 0 and float(np.median(offsets)) >= context.off_data
        return len(values) >= probes and bool((values < POOR_HIGH_QUALITY).all()) and away
    if not context.is_image:
        return off_data(history, context, probes)
    values = history.values("samples/nn_ratio", probes)
    return len(values) >= probes and bool((values > POOR_NN_RATIO).all())


def no_gradient(history: SignalHistory, context: RuleContext, flushes: int) -> bool:
    """G's gradient norm over the last `flushes` flushes (median) under NO_GRADIENT of its first window's: nothing D
    says moves G any more."""
    steps, values = history.series("grad/g")
    if len(values) < flushes + context.window:
        return False
    start = float(np.nanmedian(values[:context.window]))
    return bool(np.isfinite(start)) and float(np.nanmedian(values[-flushes:])) <= NO_GRADIENT * start


def degenerate_verdict(history: SignalHistory, flushes: int) -> bool:
    """On HELD_SHARE of the last `flushes` flushes D gives real and fake one verdict that no working D gives: far from
    0.5 (same_verdict with D(x) outside CHANCE_BAND), or 0.5 to everything (flat_flags)."""
    away = abs(history.values("d/real", flushes) - 0.5) >= CHANCE_BAND
    return share(both(away, same_verdict(history, flushes))) >= HELD_SHARE or \
        share(flat_flags(history, flushes)) >= HELD_SHARE


def flat_flags(history: SignalHistory, flushes: int) -> np.ndarray:
    """Per flush: D(x) and D(G(z)) within FLAT_BAND of each other and either accuracy within it of 0.5 or both
    verdicts within it of 0.5: a D that answers 0.5 to everything (plain SGD too slow for it, dropout or instance
    noise that drowns its input, labels flipped half the time). With every output a hair either side of the
    decision point, the batch's accuracy is noise (held_out_9/plane_label_flip: D(x) 0.50-0.51, D(G(z)) 0.50-0.51,
    D's loss log 4 to three decimals, accuracy 0.06-0.82, 0/16 modes)."""
    real, fake, accuracy = aligned(*(history.values(name, flushes) for name in ("d/real", "d/fake", "d/accuracy")))
    midway = (abs(real - 0.5) < FLAT_BAND) & (abs(fake - 0.5) < FLAT_BAND)
    return (abs(real - fake) < FLAT_BAND) & ((abs(accuracy - 0.5) < FLAT_BAND) | midway)


def collapse_unseen(history: SignalHistory, context: RuleContext, probes: int, how: str | None,
                    flushes: int) -> bool:
    """Samples collapsed over the last `probes` probes (context.collapsed_samples) while D sits at chance: D cannot
    see what G lost. On images at any chance; on points only under a degenerate verdict, since a healthy D near
    0.5 watches a 2-D G open as a small blob."""
    if how != "chance" or not collapsed_samples(history, probes):
        return False
    return context.is_image or degenerate_verdict(history, flushes)


def starved(history: SignalHistory, context: RuleContext, how: str | None) -> bool:
    """D at chance and G without gradient (no_gradient over the last window): nothing D says moves G."""
    return how == "chance" and no_gradient(history, context, context.window)


def failing_samples(history: SignalHistory, context: RuleContext, flushes: int, how: str) -> bool:
    probes = context.probes(flushes)
    return poor_samples(history, probes, context) or starved(history, context, how) or \
        collapse_unseen(history, context, probes, how, flushes)


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    window = 2 * context.window
    if len(history) < window:
        return None
    probes = context.probes(window)
    how = no_signal(history, window, context)
    if how is None:
        return None
    poor = poor_samples(history, probes, context) or starved(history, context, how)
    unseen = not poor and collapse_unseen(history, context, probes, how, window)
    if not (poor or unseen):
        return None
    if how == "fooled" and collapsed_samples(history, probes):
        return None  # G chasing round with every z on one point: mode collapse
    if rising(history, "samples/diversity", window) if unseen else still_improving(history, window):
        return None  # D at chance while G keeps improving (or spreads out again): a slow but healthy run
    long = 2 * window
    severe = len(history) >= long and no_signal(history, long, context) == how and \
        failing_samples(history, context, long, how)
    evidence = {name: history.median(name, window) for name in ("d/real", "d/fake", "d/accuracy", "loss/d")}
    for name in ("samples/high_quality", "samples/nn_ratio", "samples/diversity"):
        if history.has(name):
            evidence[name] = history.latest(name)
    state = "stuck at chance" if how == "chance" else "fooled outright"
    samples = (f"G's samples have collapsed (diversity {evidence['samples/diversity']:.2f}× the data's) and D cannot "
               "tell" if unseen else "the samples stay far from the data")
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"D is {state} (D(x) {evidence['d/real']:.2f}, D(G(z)) {evidence['d/fake']:.2f}) "
                   f"while {samples}: D gives G no useful signal", evidence)
