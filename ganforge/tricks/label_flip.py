"""Label flipping: a few real samples are labelled fake and a few fake samples real."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from .label_smoothing import require_targets


@PLUGINS.register("label_flip")
class LabelFlip(Plugin):
    """Label flipping: each sample's D target is swapped with probability `p` (0.05).

    From Chintala et al.'s "How to train a GAN" tips (2016); a noisy-label regulariser in the
    spirit of Salimans et al. 2016.
    Independently for every sample of the D step: with probability p a real sample gets the
    fake target (t_real[i] ← t_fake[i]) and, independently, a fake sample gets the real
    target (t_fake[i] ← t_real[i]). Targets set by earlier plugins are swapped as they are,
    so after `label_smoothing` a flipped fake sample is labelled 0.9.
    When: D overpowers G or memorises a small dataset; keep p small (≤ 0.1). Only for losses
    with targets (refused for wasserstein and hinge).
    """

    def __init__(self, p: float = 0.05):
        if not 0.0 <= p <= 1.0:
            raise ConfigError("plugins.label_flip.p", f"expected a probability in [0, 1], got {p}")
        self.p = p

    def setup(self, state) -> None:
        require_targets(self, "label_flip", state)

    def d_targets(self, real_targets: torch.Tensor, fake_targets: torch.Tensor, state):
        if real_targets.shape != fake_targets.shape:
            raise ValueError(f"label_flip swaps targets sample by sample, so it needs as many real as fake targets; "
                             f"got {tuple(real_targets.shape)} and {tuple(fake_targets.shape)}")
        flip_real = torch.rand_like(real_targets) < self.p  # (N,) bool
        flip_fake = torch.rand_like(fake_targets) < self.p  # (N,) bool
        return torch.where(flip_real, fake_targets, real_targets), torch.where(flip_fake, real_targets, fake_targets)
