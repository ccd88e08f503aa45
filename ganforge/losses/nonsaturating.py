"""The non-saturating GAN loss: the practical default."""
from __future__ import annotations

import torch.nn.functional as F

from .registries import LOSSES
from .base import AdversarialLoss
from .minimax import bce


@LOSSES.register("nonsaturating")
class NonSaturating(AdversarialLoss):
    """Non-saturating GAN loss (Goodfellow et al. 2014, sec. 3): G maximises log D(G(z)).

    D: BCE(real, t_real) + BCE(fake, t_fake)   (as minimax)
    G: −log σ(fake) = softplus(−fake)
    Same fixed point as minimax, but G's gradient is ≈ −1 (not ≈ 0) where D rejects the fakes.
    """

    def d_loss(self, real_logits, fake_logits, real_targets, fake_targets):
        return bce(real_logits, real_targets) + bce(fake_logits, fake_targets)  # (N,)

    def g_loss(self, fake_logits, real_logits=None):
        return F.softplus(-fake_logits)  # (N,)
