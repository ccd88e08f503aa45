"""Mode coverage on stacked data (1,000 modes): the protocol of Metz et al. 2017, VEEGAN and PacGAN.

Each channel of a generated sample is classified by the base dataset's classifier; the mode is
100·c₀ + 10·c₁ + c₂. Over 26,000 samples (Lin et al. 2018, PacGAN, §4) report the number of
modes hit at least once and KL(p̂ ‖ uniform) = Σ_k p̂_k log(K p̂_k) (0·log 0 = 0) of the mode
histogram p̂: 0 for perfect balance, log K for collapse onto a single mode, and
log K − H(p̂) in general (H the entropy in nats).

The KL splits into two parts that point at different faults (with U uniform over each channel's C
classes, p̂_c the channel's class shares):
    KL(p̂ ‖ U³) = Σ_c KL(p̂_c ‖ U)  +  [Σ_c H(p̂_c) − H(p̂)]
"kl_channels" is the first part: some classes are made too often in a channel (G draws a class
badly, or the classifier reads its images as another class). The rest is the total correlation,
≥ 0: the channels' classes are not drawn independently (G couples them, or drops combinations).
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import GanforgeError
from .extractors import DATASET_CLASSIFIERS, build_extractor
from .registries import METRICS

STACKED_CHANNELS = 3


def stacked_mode_histogram(samples: torch.Tensor, classifier) -> np.ndarray:
    """int64 [N] mode ids 100·c₀ + 10·c₁ + c₂ of stacked samples [N, 3, H, W], each channel classified on its own."""
    if samples.ndim != 4 or samples.shape[1] != STACKED_CHANNELS:
        raise GanforgeError(f"stacked modes need samples [N, 3, H, W], got shape {tuple(samples.shape)}")
    ids = torch.zeros(len(samples), dtype=torch.int64)
    for channel in range(STACKED_CHANNELS):
        digit = classifier.probabilities(samples[:, channel:channel + 1]).argmax(dim=1).cpu()
        ids = ids * classifier.num_classes + digit
    return ids.numpy()


def kl_to_uniform(counts: np.ndarray) -> float:
    """KL(p̂ ‖ uniform over len(counts)) of a histogram, 0·log 0 = 0."""
    share = counts / counts.sum()
    hit = share > 0
    return float((share[hit] * np.log(share[hit] * len(counts))).sum())


def stacked_modes(ids, num_modes: int = 1000) -> dict[str, float]:
    """Modes with ≥1 sample, KL(p̂ ‖ uniform over num_modes) of the mode ids, and the KL's per-channel part."""
    counts = np.bincount(np.asarray(ids, dtype=np.int64), minlength=num_modes)
    classes = round(num_modes ** (1 / STACKED_CHANNELS))
    per_channel = counts.reshape((classes,) * STACKED_CHANNELS)  # axis c: channel c's class (ids are base-C numbers)
    marginals = [per_channel.sum(axis=tuple(a for a in range(STACKED_CHANNELS) if a != c)) for c in range(STACKED_CHANNELS)]
    return {"modes": int((counts > 0).sum()), "kl": kl_to_uniform(counts),
            "kl_channels": sum(kl_to_uniform(m) for m in marginals)}


@METRICS.register("stacked_modes")
def stacked_modes_metric(context, n: int = 26000) -> dict[str, float]:
    """Modes covered (of 1,000) and KL to uniform over 26,000 samples of stacked data, classified per channel."""
    base = getattr(context.data_source, "base", None)
    if base not in DATASET_CLASSIFIERS:
        raise GanforgeError("the stacked_modes metric needs stacked data (data.name: stacked)")
    classifier = build_extractor(DATASET_CLASSIFIERS[base], context.data_source)
    ids = stacked_mode_histogram(context.samples(n), classifier)
    return stacked_modes(ids, num_modes=classifier.num_classes ** STACKED_CHANNELS)
