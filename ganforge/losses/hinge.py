"""Hinge GAN loss."""
from __future__ import annotations

import torch.nn.functional as F

from .registries import LOSSES
from .base import AdversarialLoss


@LOSSES.register("hinge")
class Hinge(AdversarialLoss):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018, SNGAN/BigGAN): D is a margin classifier.

    D: relu(1 − real) + relu(1 + fake)   (no loss once real ≥ 1 and fake ≤ −1)
    G: −fake
    No targets: label smoothing and noisy labels have no effect.
    """

    uses_targets = False

    def d_loss(self, real_logits, fake_logits, real_targets=None, fake_targets=None):
        return F.relu(1 - real_logits) + F.relu(1 + fake_logits)  # (N,)

    def g_loss(self, fake_logits, real_logits=None):
        return -fake_logits  # (N,)
