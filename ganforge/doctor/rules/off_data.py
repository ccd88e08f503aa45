"""Samples that stay off the data: what G makes never settles on the data and stops getting better.

Read from the samples alone, whatever D's statistics say: noise, a line, a spread over the whole
square between a mixture's modes, or a blob beside them, held on every probe of a long window while
nothing improves. D's statistics tell *why* in the other rules (a D at chance or fooled: d_weak; a
D that has won: d_overpowering; a blow-up: divergence; one point or a tight blob: mode_collapse),
but a run can fail this way while D looks like none of those: both learning rates decayed to zero
(D frozen with the verdicts it had), a gradient penalty so strong that the critic is neither flat
nor useful, a D at chance over samples spread evenly between the modes (too close to the data by
samples/offset for d_weak's "far from the data", too far from every mode to be any good).

Two ways to be off the data, on every probe of the window:
- far from it, held PATIENCE windows: on a Gaussian mixture, fewer than OFF_MODES of the points within
  3σ of a mode and samples/offset past the context's off-data threshold (a healthy ring or grid run's
  first blob is past it for ~150 steps); elsewhere, samples/nn_ratio past d_weak's POOR_NN_RATIO or
  samples/offset past the off-data threshold; staying there (samples/offset within a factor of SWING
  over the window: a G cycling round the data swings far wider) and not collapsed (median diversity
  under COLLAPSED_DIVERSITY is mode_collapse's, as for divergence) unless frozen (samples/offset within
  progress.FROZEN over the window: a G that has stopped moving has stopped learning, whatever its shape)
  or images past the off-data offset (mode_collapse counts images only on the data);
- spread between a mixture's modes, held BETWEEN_PATIENCE windows: fewer than OFF_MODES on a mode while
  the samples are spread out (samples/diversity at least COLLAPSED_DIVERSITY; a tighter blob is
  mode_collapse's), however near the data samples/offset puts them (a spread over a grid: 0.1-0.26). A
  spread over the grid puts ~16% of its points on a mode; so does a healthy run's first blur, for up to
  ~800 steps, which is why this waits longer.
- served off the data, held PATIENCE windows: the samples a plugin serves in G's place (EMA's average:
  samples/served_offset, samples/served_nn_ratio) far from the data by the same measures on every probe while
  G's own are not, and not closing in: an average over far more steps than the run has never leaves the
  untrained G (held_out_6/deca_ema_frozen and tint_ema_frozen, EMA β 0.9999 in 1,500 and 1,000 steps: D and G
  look healthy, the samples the user gets are the untrained G's clump or grey noise).
"Not improving": progress.improving (quality, or the samples spreading out on the data) is false over
the window, and the median samples/offset of the later probes is not APPROACH below the earlier ones'
(samples still closing in on the data).

Which rule wins: this one names the symptom, the others a cause. YIELDS_TO lists the rules whose
finding, while it stands, already explains samples off the data; the doctor drops this rule's finding
then (doctor.Doctor.observe). Its shortest look, PATIENCE windows, is longer than d_weak's two and
d_overpowering's one and a half, so a cause those rules can see is named first.
"""
from __future__ import annotations

import numpy as np

from ..finding import Finding
from ..signals import SignalHistory
from .context import COLLAPSED_DIVERSITY, RuleContext, collapsed_samples, off_data
from .d_weak import POOR_NN_RATIO
from .progress import GAIN, frozen, improving, window_probes

NAME = "off_data"
YIELDS_TO = ("d_weak", "d_overpowering", "divergence", "mode_collapse")
PATIENCE = 3  # × window: 300 steps at the defaults, every probe in them far from the data
BETWEEN_PATIENCE = 8  # × window: a mixture's samples spread between its modes, near the data by samples/offset: a healthy
# ring or grid run's first blur looks the same for up to ~800 steps before its modes fill in
SEVERE_FACTOR = 2  # error once it has held twice as long
OFF_MODES = 0.25  # mixtures: under a quarter of the points within 3σ of a mode on every probe
APPROACH = GAIN  # later probes' median samples/offset ≥ 10% below the earlier ones': still closing in on the data
SWING = 4.0  # far from the data means staying there: the window's samples/offset within a factor of 4 (a frozen G:
# 1×, a WGAN-GP line off the ring: 2.2×); a G cycling round the data swings 10× probe to probe (ring_oscillation,
# 0.38-4.3 within 300 steps), which is oscillation's finding
# progress.FROZEN: the window's samples/offset within 1%, G has stopped moving;
# a frozen blob is this rule's even when it is tight (ring_lr_decay_early: diversity 0.42 from step 100, rates at 0),
# a collapsed G that still moves is mode_collapse's (ring_mode_collapse_hinge wanders as a blob of diversity 0.06-0.6)


def off_modes(history: SignalHistory, probes: int) -> bool:
    quality = history.values("samples/high_quality", probes)
    return len(quality) >= probes and bool((quality < OFF_MODES).all())


def far_from_data(history: SignalHistory, context: RuleContext, probes: int) -> bool:
    """Each of the last `probes` probes far from the data, and staying there: a mixture's off its modes and past the
    off-data offset; images past d_weak's POOR_NN_RATIO or the off-data offset; other points past the offset. Not
    samples that have collapsed (context.collapsed_samples: mode_collapse's, as for divergence) nor ones swinging to
    and fro (steady)."""
    collapsed_on_the_data = collapsed_samples(history, probes) and not images_off_the_data(history, context, probes)
    if (collapsed_on_the_data and not frozen(history, probes)) or not steady(history, probes):
        return False
    if history.has("samples/high_quality"):
        return off_modes(history, probes) and off_data(history, context, probes)
    if not context.is_image:
        return off_data(history, context, probes)
    ratios = history.values("samples/nn_ratio", probes)
    far = len(ratios) >= probes and bool((ratios > POOR_NN_RATIO).all())
    return far or off_data(history, context, probes)


def images_off_the_data(history: SignalHistory, context: RuleContext, probes: int) -> bool:
    """Images past the off-data offset on every probe: collapsed or not, images of no mode of the data, which
    mode_collapse leaves alone (its collapse is one onto the data), so they are this rule's (held_out_7/
    neg_mlp_d_batchnorm: grey squares at offset 1.06-1.11, diversity 0.06-0.27, for 1,000 steps)."""
    return context.is_image and off_data(history, context, probes)


def steady(history: SignalHistory, probes: int) -> bool:
    """The last `probes` probes' samples/offset within a factor of SWING of each other (true when there are none)."""
    offsets = history.values("samples/offset", probes)
    offsets = offsets[np.isfinite(offsets)]
    return not len(offsets) or float(offsets.max()) <= SWING * float(offsets.min())


def spread_between_modes(history: SignalHistory, probes: int) -> bool:
    """A mixture's samples off its modes but spread out on every probe (samples/diversity at least COLLAPSED_DIVERSITY:
    a spike can squeeze a healthy grid run to 0.1-0.6 for ~800 steps while it recovers, grid_healthy_spike)."""
    diversity = history.values("samples/diversity", probes)
    spread = len(diversity) >= probes and bool((diversity >= COLLAPSED_DIVERSITY).all())
    return history.has("samples/high_quality") and spread and off_modes(history, probes)


def approaching(history: SignalHistory, flushes: int, signal: str = "samples/offset") -> bool:
    """The later half of the window's probes sit at least APPROACH closer to the data (`signal`) than the earlier."""
    offsets = window_probes(history, signal, flushes)
    if len(offsets) < 2:
        return False
    half = len(offsets) // 2
    return float(np.median(offsets[half:])) <= (1 - APPROACH) * float(np.median(offsets[:half]))


def stuck(history: SignalHistory, context: RuleContext, windows: int, between: bool = False) -> bool:
    """Off the data on every probe of the last `windows` windows (far from it, or with `between` spread between a
    mixture's modes), neither improving nor closing in on the data."""
    flushes = windows * context.window
    if len(history) < flushes:
        return False
    probes = context.probes(flushes)
    away = spread_between_modes(history, probes) if between else far_from_data(history, context, probes)
    return away and not improving(history, flushes, context.off_data) and not approaching(history, flushes)


def served_far(history: SignalHistory, context: RuleContext, probes: int, flushes: int) -> bool:
    """The served samples (samples/served_*) off the data on each of the last `probes` probes and not closing in:
    past the off-data offset, or (images) past d_weak's POOR_NN_RATIO; or not near the data (POOR_NN_RATIO) and
    standing still while G moves (progress.frozen: an untrained G's clump at the data's centre is no farther by
    samples/offset than a blur over 10-D points, held_out_6/deca_ema_frozen: 0.50 against a threshold of 0.75)."""
    offsets = history.values("samples/served_offset", probes)
    ratios = history.values("samples/served_nn_ratio", probes)
    if len(offsets) < probes or len(ratios) < probes:
        return False
    poor = bool((ratios > POOR_NN_RATIO).all())
    far = bool((offsets >= context.off_data).all()) or (context.is_image and poor)
    still = poor and frozen(history, probes, "samples/served_offset") and not frozen(history, probes)
    return (far and not approaching(history, flushes, "samples/served_offset")) or still


def served_stuck(history: SignalHistory, context: RuleContext, windows: int) -> bool:
    """What the user is served stays off the data over the last `windows` windows while G's own samples are not far
    from it: the plugin serving them (EMA's average) is the failure."""
    flushes = windows * context.window
    if len(history) < flushes or not history.has("samples/served_offset"):
        return False
    probes = context.probes(flushes)
    return served_far(history, context, probes, flushes) and not far_from_data(history, context, probes)


def check(history: SignalHistory, context: RuleContext) -> Finding | None:
    if stuck(history, context, PATIENCE):
        windows, between = PATIENCE, False
    elif stuck(history, context, BETWEEN_PATIENCE, between=True):
        windows, between = BETWEEN_PATIENCE, True
    elif served_stuck(history, context, PATIENCE):
        return served_finding(history, context)
    else:
        return None
    severe = stuck(history, context, SEVERE_FACTOR * windows, between)
    evidence = {name: history.latest(name) for name in
                ("samples/high_quality", "samples/modes", "samples/nn_ratio", "samples/offset", "samples/diversity")
                if history.has(name)}
    evidence.update({name: history.median(name, context.window) for name in ("d/real", "d/fake", "d/accuracy")
                     if history.has(name)})
    nan = float("nan")
    where = (f"{evidence['samples/high_quality']:.0%} of the samples on a mode" if "samples/high_quality" in evidence
             else f"samples/nn_ratio {evidence.get('samples/nn_ratio', nan):.3g}")
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"the samples stay off the data: {where}, samples/offset {evidence.get('samples/offset', nan):.3g}, "
                   f"no better over the last {windows * context.window * context.log_every} steps "
                   f"(D(x) {evidence.get('d/real', nan):.2f}, D(G(z)) {evidence.get('d/fake', nan):.2f})", evidence)


def served_finding(history: SignalHistory, context: RuleContext) -> Finding:
    severe = served_stuck(history, context, SEVERE_FACTOR * PATIENCE)
    evidence = {name: history.latest(name) for name in
                ("samples/served_offset", "samples/served_nn_ratio", "samples/offset", "samples/nn_ratio")}
    return Finding(history.step, NAME, "error" if severe else "warn",
                   f"the samples you are served stay off the data while G's own are on it: served samples/offset "
                   f"{evidence['samples/served_offset']:.3g} against G's {evidence['samples/offset']:.3g}, no closer "
                   f"over the last {PATIENCE * context.window * context.log_every} steps (the plugin that serves them, "
                   "such as EMA's average, is the failure)", evidence)
