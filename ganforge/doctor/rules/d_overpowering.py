"""D overpowers G: D calls every real sample real and every fake fake, so G learns little.

Symptoms (Arjovsky & Bottou 2017, §2): D's loss → 0, accuracy → 1 on real and fake, D(G(z)) → 0,
and under the saturating loss G's gradient vanishes; and G's samples stop improving (a D that
leads while G keeps getting better is a normal phase: a DCGAN on Fashion opens with D at accuracy 1
and D(G(z)) 0.04-0.1 for ~250 steps while its samples spread from one blob to the data's variety;
progress.py counts that spreading as improvement). Judged on classifier losses only (BCE,
hinge), where the sign of D's logit is a decision; a Wasserstein critic has no threshold.

Nor is it a failure when G's images are already as close to the data and as varied as a healthy
run's at its end: on a small dataset a DCGAN's D keeps winning (the quickstart preset: accuracy
1.00, D(G(z)) 0.09-0.13 from step ~500 on 1,797 digits) while its FD keeps falling (8.1 at step
250, 6.3 at 750, 4.4 at 1250); G is not starved, the non-saturating loss still gives it
gradient (grad/g 13-40 there).

On a 2-D mixture, a D that wins against a G whose last window of probes has collapsed (by
mode_collapse's own test, before its warm-up is over) is rejecting the few modes G makes; the
collapse is the finding (grid_mode_collapse and ring_mode_collapse on seed 4: d_overpowering at
steps 200 and 180, beside a mode_collapse error). Not on images: a DCGAN's G starts as
near-identical blobs (diversity ~0.17), and a D that starves it keeps it there, so low diversity
under a winning D is the D's doing. Nor when the 2-D sampler is frozen off the modes (its samples/offset
within progress.FROZEN over the window, under mode_collapse.ON_MODES of its points on a mode): a G that has
not moved from where it started while D won has not collapsed onto anything, it was never given a way out
(held_out_2/grid4_g_lr_tiny: G's samples at offset 0.274 ± 0.001 for 500 steps, D at accuracy 1).

"Still improving" looks at two windows and at twice that (progress.still_improving): a stacked-digits DCGAN
whose D wins from its first steps (accuracy 1.00, D(G(z)) 0.02-0.05) spreads its samples from diversity 0.24
to 0.6 over 400 steps, too slowly for any 200-step window to show, and ends at FD 53 against 375 untrained
(held_out_2/stacked_dcgan_healthy).
"""
from __future__ import annotations

from ..finding import Finding
from ..signals import SignalHistory
from .d_overfitting import SMALL_DATA  # up to this many samples a dominant D is memorising: its finding, not ours
from .mode_collapse import ON_MODES, collapsed
from .context import RuleContext
from .progress import MIN_PROBES, frozen, probe_median, quality_probes, still_improving

NAME = "d_overpowering"
ACCURACY = 0.9  # lower quartile over the window: healthy D sits at 0.55-0.7 on ring, 0.9-0.97 on DCGAN digits...
FAKE_PROBABILITY = 0.15  # ...so also upper quartile of D(G(z)) ≤ 0.15 (healthy DCGAN digits: 0.17-0.30; chance is 0.5)
FAKE_VERDICT_LEAST_SQUARES = 0.05  # least squares: D's output on the fakes within 0.05 of their target 0. Its G keeps a
# gradient ∝ 1 − D(G(z)) however well D does, so D leading is its normal state (held_out_9/garb_lsgan_nearest_healthy:
# D(G(z)) 0.10-0.27, accuracy 0.93-0.99 for its last 1,000 steps, FD 0.73); a D that has all but solved the fakes sits at
# 0.00-0.03 (held_out_9/garb_lsgan_sn, garb_lsgan_momentum: FD 3.7-4.0 against the healthy runs' 0.4-0.7)
SEVERE_ACCURACY = 0.98
LIKE_DATA_NN_RATIO = 1.5  # images: healthy DCGANs on digits and Fashion end at 1.33-1.45, the quickstart at 1.32-1.38...
LIKE_DATA_DIVERSITY = 0.8  # ...at diversity 0.9-1.0; a DCGAN's collapsed opening has nn_ratio 1.07 at diversity 0.17
WARMUP = 1.5  # × window: D always leads early; judged from then on, once G's progress can be told (MIN_PROBES probes)


def judged(history: SignalHistory, context: RuleContext) -> bool:
    """Past the warm-up, with enough sample probes in the 2-window look back to tell whether G improves (a DCGAN on
    Fashion spreads its samples out for its first ~250 steps under a D at accuracy 1: 0.15 → 0.43 by step 160)."""
    return len(history) >= WARMUP * context.window and \
        len(quality_probes(history, 2 * context.window)[0]) >= MIN_PROBES


def dominant(history: SignalHistory, flushes: int, accuracy: float = ACCURACY,
             fake_verdict: float = FAKE_PROBABILITY) -> bool:
    """On three quarters of the last `flushes` flushes D is right on most samples and confident on the fakes.

    Quartiles, not all flushes: a spike or two moves nothing; but D must lead nearly throughout, so a
    D that wins half the time and loses the other half (oscillation) is not "overpowering"."""
    return history.quantile("d/accuracy", 0.25, flushes) >= accuracy and \
        history.quantile("d/fake", 0.75, flushes) <= fake_verdict


def samples_like_the_data(history: SignalHistory, flushes: int, context: RuleContext) -> bool:
    """Images only: the window's probes are near the real images (nn_ratio), as varied as they are, and on the data."""
    if not context.is_image:
        return False
    nn_ratio = probe_median(history, "samples/nn_ratio", flushes)
    diversity = probe_median(history, "samples/diversity", flushes)
    offset = probe_median(history, "samples/offset", flushes)
    return nn_ratio <= LIKE_DATA_NN_RATIO and diversity >= LIKE_DATA_DIVERSITY and offset < context.off_data


def stuck_off_modes(history: SignalHistory, flushes: int, probes: int) -> bool:
    """A 2-D sampler frozen (progress.frozen over the last `probes` probes) with under ON_MODES of its points on a mode:
    a G that has not moved off its start, not one that collapsed onto a mode."""
    quality = probe_median(history, "samples/high_quality", flushes)
    return frozen(history, probes) and not quality >= ON_MODES  # (no quality probed: not on a mode)


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    window = context.window
    if not context.decides or not judged(history, context):
        return None
    if context.dataset_size is not None and context.dataset_size <= SMALL_DATA:
        return None
    fake_verdict = FAKE_VERDICT_LEAST_SQUARES if context.least_squares else FAKE_PROBABILITY
    if not dominant(history, window, fake_verdict=fake_verdict) or still_improving(history, 2 * window, context.off_data):
        return None  # a dominant D whose G still improves (or spreads out on the data) is a DCGAN's normal opening
    probes = context.probes(window) + 1
    if not context.is_image and collapsed(history, context, probes) and not stuck_off_modes(history, window, probes):
        return None  # D rejecting the one thing a collapsed 2-D sampler makes: mode_collapse's finding
    if samples_like_the_data(history, window, context):
        return None  # D wins, but G's samples are already as good as a healthy run's: nothing is lost
    long = 3 * window
    severe = (len(history) >= long and dominant(history, long, fake_verdict=fake_verdict)) or \
        dominant(history, window, SEVERE_ACCURACY, fake_verdict)
    evidence = {name: history.median(name, window) for name in ("d/accuracy", "d/real", "d/fake", "loss/d", "grad/g")}
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"D overpowers G: accuracy {evidence['d/accuracy']:.2f} and D(G(z)) {evidence['d/fake']:.3f} "
                   f"over the last {window * context.log_every} steps; G gets little useful gradient",
                   evidence)
