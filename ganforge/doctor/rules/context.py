"""What a rule knows about the run besides its signals: loss family, window, data size.

Windows are counted in flushes of the stats bus (`train.log_every` steps each); the default
`doctor.window` of 10 flushes is 100 steps at the default log_every.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..blur_reference import blur_offset
from ..sample_stats import data_saturation
from ..verdicts import RAW_VERDICT_LOSSES

# samples/offset (median sample-to-nearest-real distance ÷ the data's mean pair distance) past which
# G's samples have left the data: images measured 0.45-0.6 on healthy and collapsed digits/Fashion
# runs and 1.1-1.8 on saturated ones; a 2-D sampler blurred over a ring or grid sits below ~0.2.
OFF_DATA_IMAGES = 1.0
OFF_DATA_POINTS = 0.3
# points of a mixture the doctor does not know: also at least BLUR_FACTOR × where a blur over the data sits
# (doctor/blur_reference.py: 0.16 in 2-D, 0.42 in 6-D, where healthy runs open at 0.3-0.6)
BLUR_FACTOR = 1.5

# D's logit sign is a real/fake decision at 0. Not for the critics: wasserstein (unbounded scores), relativistic
# and rpgan (only differences of logits enter the loss, so a logit's sign or size carries no decision).
CLASSIFIER_LOSSES = ("minimax", "nonsaturating", "hinge")
# least squares regresses D's output onto 0 (fake) and 1 (real): its output is a verdict with a decision at 0.5
# (doctor/verdicts.py puts it where the rules read d/real and d/fake), though its loss values have no BCE scale
DECIDING_LOSSES = (*CLASSIFIER_LOSSES, *RAW_VERDICT_LOSSES)
BCE_LOSSES = ("minimax", "nonsaturating")  # D's loss is BCE(real) + BCE(fake): log 4 ≈ 1.386 at chance
# the relativistic losses put the gap D(x) − D(G(z)) through a sigmoid: the gap is a logit, sigmoid(gap) D's odds that
# the real sample is the more real one (RaGAN against the other side's mean, rpgan pair by pair)
PAIRED_LOSSES = ("relativistic", "rpgan")


@dataclass(frozen=True)
class RuleContext:
    loss: str = "nonsaturating"
    window: int = 10  # flushes
    log_every: int = 10
    total_steps: int = 2000
    batch_size: int = 64
    sample_every: int = 50
    dataset_size: int | None = None  # None: an endless stream (ring, grid)
    modes: int | None = None  # Gaussian-mixture sources: how many modes there are
    is_image: bool = False
    blur_offset: float | None = None  # point data of an unknown mixture: samples/offset of a blur over it
    data_saturation: float = 0.0  # images: the real probe batch's share of values pinned at ±1 (sample_stats)

    @property
    def classifier(self) -> bool:
        return self.loss in CLASSIFIER_LOSSES

    @property
    def decides(self) -> bool:
        """D's verdicts (d/real, d/fake, d/accuracy) are decisions at 0.5: the classifier losses and least squares."""
        return self.loss in DECIDING_LOSSES

    @property
    def least_squares(self) -> bool:
        return self.loss in RAW_VERDICT_LOSSES

    @property
    def paired(self) -> bool:
        return self.loss in PAIRED_LOSSES

    @property
    def bce(self) -> bool:
        return self.loss in BCE_LOSSES

    @property
    def off_data(self) -> float:
        if self.is_image and not self.modes:
            return OFF_DATA_IMAGES
        if self.modes or self.blur_offset is None:
            return OFF_DATA_POINTS
        return max(OFF_DATA_POINTS, BLUR_FACTOR * self.blur_offset)

    def probes(self, flushes: int) -> int:
        """How many sample probes fall in `flushes` flushes (at least 2)."""
        return max(2, round(flushes * self.log_every / self.sample_every))

    def epochs_seen(self, step: int) -> float:
        return float("inf") if self.dataset_size is None else step * self.batch_size / self.dataset_size


def context_from(config, data_source=None) -> RuleContext:
    size = len(data_source) if data_source is not None and hasattr(data_source, "__len__") else None
    centres = getattr(data_source, "centres", None)
    doctor = config.doctor
    return RuleContext(loss=config.loss.name, window=doctor.window, log_every=config.train.log_every,
                       total_steps=config.train.steps, batch_size=config.train.batch_size,
                       sample_every=doctor.sample_every, dataset_size=size,
                       modes=None if centres is None else len(centres),
                       is_image=bool(data_source is not None and data_source.is_image),
                       blur_offset=blur_offset(data_source, config.train.seed),
                       data_saturation=data_saturation(data_source, config.train.seed))


def off_data(history, context: RuleContext, probes: int, threshold: float | None = None) -> bool:
    """Every one of the last `probes` probes' samples/offset is past `threshold` (default: the context's): samples
    that stay off the data (a cycling G swings off the data and back, probe by probe)."""
    values = history.values("samples/offset", probes)
    limit = context.off_data if threshold is None else threshold
    return len(values) >= probes and bool((values >= limit).all())


COLLAPSED_DIVERSITY = 0.5  # samples/diversity under half the data's: collapsed (mode_collapse.LOW_DIVERSITY is this)
HELD_SHARE = 0.8  # a condition "holds" over a window when it is true on 80% of its flushes (every rule that says so)


def collapsed_samples(history, probes: int) -> bool:
    """Median samples/diversity of the last `probes` probes under half the data's: G has collapsed, wherever its
    samples sit (mode collapse's finding, not divergence's or a weak D's: diverging samples spread out)."""
    diversity = history.values("samples/diversity", probes)
    return len(diversity) > 0 and float(np.nanmedian(diversity)) < COLLAPSED_DIVERSITY
