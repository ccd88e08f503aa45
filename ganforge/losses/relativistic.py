"""Relativistic average GAN loss."""
from __future__ import annotations

import torch

from .registries import LOSSES
from .base import AdversarialLoss
from .minimax import bce


def relative_logits(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(real − mean(fake), fake − mean(real)): how much more real each sample looks than the other side does."""
    if real_logits.shape != fake_logits.shape:
        raise ValueError(f"relativistic loss needs as many real as fake logits, got {tuple(real_logits.shape)} "
                         f"and {tuple(fake_logits.shape)}")
    return real_logits - fake_logits.mean(), fake_logits - real_logits.mean()


@LOSSES.register("relativistic")
class RelativisticAverage(AdversarialLoss):
    """Relativistic average GAN, RaGAN (Jolicoeur-Martineau 2018): D judges real *relative to* fake.

    With r̃ = real − mean(fake) and f̃ = fake − mean(real) (gradients flow through the means):
    D: BCE(r̃, t_real) + BCE(f̃, t_fake)
    G: BCE(f̃, 1) + BCE(r̃, 0)     (G also pushes real samples to look less real, so it needs real logits)
    """

    g_needs_real_logits = True
    decision_threshold = None

    def d_loss(self, real_logits, fake_logits, real_targets, fake_targets):
        real_relative, fake_relative = relative_logits(real_logits, fake_logits)
        return bce(real_relative, real_targets) + bce(fake_relative, fake_targets)  # (N,)

    def g_loss(self, fake_logits, real_logits=None):
        if real_logits is None:
            raise ValueError("relativistic g_loss needs real_logits (the loss sets g_needs_real_logits = True)")
        real_relative, fake_relative = relative_logits(real_logits, fake_logits)
        return bce(fake_relative, torch.ones_like(fake_relative)) + bce(real_relative, torch.zeros_like(real_relative))
