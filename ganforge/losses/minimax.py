"""The original, saturating GAN loss."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .registries import LOSSES
from .base import AdversarialLoss


def bce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-sample binary cross-entropy of sigmoid(logits) against `targets`: softplus(l) − t·l, stable for any l."""
    return F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype), reduction="none")


@LOSSES.register("minimax")
class Minimax(AdversarialLoss):
    """Original saturating GAN loss (Goodfellow et al. 2014): G minimises log(1 − D(G(z))).

    D: BCE(real, t_real) + BCE(fake, t_fake)   = −log σ(real) − log(1 − σ(fake)) with targets 1, 0
    G: log(1 − σ(fake)) = −softplus(fake)
    G's gradient vanishes when D confidently rejects the fakes (σ(fake) → 0), early in
    training; prefer `nonsaturating`. Kept for comparison and for teaching.
    """

    def d_loss(self, real_logits, fake_logits, real_targets, fake_targets):
        return bce(real_logits, real_targets) + bce(fake_logits, fake_targets)  # (N,)

    def g_loss(self, fake_logits, real_logits=None):
        return -F.softplus(fake_logits)  # (N,)
