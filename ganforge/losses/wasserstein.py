"""Wasserstein GAN critic loss."""
from __future__ import annotations

from .registries import LOSSES
from .base import AdversarialLoss


@LOSSES.register("wasserstein")
class Wasserstein(AdversarialLoss):
    """Wasserstein GAN (Arjovsky et al. 2017): D is a critic scoring real high and fake low.

    D: fake − real     (its mean estimates −W(P_real, P_fake) when D is 1-Lipschitz)
    G: −fake
    Needs a Lipschitz constraint to mean anything: add a regulariser (wgan_gp, weight_clip,
    spectral_norm). No targets: label smoothing and noisy labels have no effect.
    """

    uses_targets = False
    decision_threshold = None

    def d_loss(self, real_logits, fake_logits, real_targets=None, fake_targets=None):
        return fake_logits - real_logits  # (N,)

    def g_loss(self, fake_logits, real_logits=None):
        return -fake_logits  # (N,)
