"""Least-squares GAN loss."""
from __future__ import annotations

from .registries import LOSSES
from .base import AdversarialLoss


@LOSSES.register("lsgan")
class LeastSquares(AdversarialLoss):
    """Least-squares GAN (Mao et al. 2017): D regresses real/fake outputs onto targets, G onto c.

    D: ½(real − t_real)² + ½(fake − t_fake)²     (a, b = t_fake, t_real; default 0, 1)
    G: ½(fake − c)²,  c = `generator_target` (1: the paper's "0-1 coding"; 0.5 = (a+b)/2 minimises Pearson χ²)
    The outputs are raw D outputs, not probabilities: no sigmoid.
    """

    decision_threshold = 0.5  # halfway between the default targets 0 (fake) and 1 (real)

    def __init__(self, generator_target: float = 1.0):
        self.generator_target = generator_target

    def d_loss(self, real_logits, fake_logits, real_targets, fake_targets):
        return 0.5 * (real_logits - real_targets) ** 2 + 0.5 * (fake_logits - fake_targets) ** 2  # (N,)

    def g_loss(self, fake_logits, real_logits=None):
        return 0.5 * (fake_logits - self.generator_target) ** 2  # (N,)
