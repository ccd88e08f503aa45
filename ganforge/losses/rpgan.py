"""Relativistic pairing GAN loss (RpGAN), the loss of R3GAN."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .registries import LOSSES
from .base import AdversarialLoss


def paired_gap(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """D(x_i) − D(G(z_i)) for each pair i: how much more real the real sample of the pair looks."""
    if real_logits.shape != fake_logits.shape:
        raise ValueError(f"rpgan pairs each real sample with one fake, got {tuple(real_logits.shape)} real "
                         f"and {tuple(fake_logits.shape)} fake logits")
    return real_logits - fake_logits


@LOSSES.register("rpgan")
class RelativisticPairing(AdversarialLoss):
    """Relativistic pairing GAN, RpGAN (Jolicoeur-Martineau 2018; Huang et al. 2024, R3GAN, eq. 2).

    Each real sample x_i is paired with one fake G(z_i) of the same batch row:
        D: softplus(−(D(x_i) − D(G(z_i))))     = −log σ(D(x_i) − D(G(z_i)))
        G: softplus(−(D(G(z_i)) − D(x_i)))     = −log σ(D(G(z_i)) − D(x_i))
    Only the gap between the two logits of a pair matters, so D cannot win by shifting every
    logit; in R3GAN this removes the mode-dropping equilibria of the plain GAN loss, and with
    R1 + R2 it converges locally. Targets have no meaning here (label tricks have no effect),
    and G's step needs D's logits on the real batch. D's raw outputs are not probabilities:
    the doctor judges them as a critic's scores, not by their sign (doctor/rules/context.py).
    """

    uses_targets = False
    g_needs_real_logits = True
    decision_threshold = None

    def d_loss(self, real_logits, fake_logits, real_targets, fake_targets):
        return F.softplus(-paired_gap(real_logits, fake_logits))  # (N,)

    def g_loss(self, fake_logits, real_logits=None):
        if real_logits is None:
            raise ValueError("rpgan g_loss needs real_logits (the loss sets g_needs_real_logits = True)")
        return F.softplus(paired_gap(real_logits, fake_logits))  # (N,) softplus(−(fake − real))
