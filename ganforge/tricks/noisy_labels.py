"""Noisy labels: D's targets drawn at random around 1 and 0."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from .label_smoothing import require_targets


@PLUGINS.register("noisy_labels")
class NoisyLabels(Plugin):
    """Noisy labels: real targets ~ U(0.7, 1.2), fake targets ~ U(0, 0.3), drawn fresh each D step.

    Salimans et al. 2016 (label smoothing, of which this is the randomised form, popularised
    by Chintala et al.'s "How to train a GAN" tips, 2016).
    Each D step, every sample's target is drawn independently:
        t_real ~ U(real_low, real_high),   t_fake ~ U(fake_low, fake_high)
    (global torch RNG, so a resumed run draws the same targets).
    When: D overpowers G or becomes over-confident early in training; a softer, noisier version
    of `label_smoothing`. Only for losses with targets (refused for wasserstein and hinge).
    """

    def __init__(self, real_low: float = 0.7, real_high: float = 1.2, fake_low: float = 0.0, fake_high: float = 0.3):
        for side, low, high in (("real", real_low, real_high), ("fake", fake_low, fake_high)):
            if low > high:
                raise ConfigError(f"plugins.noisy_labels.{side}_low",
                                  f"expected {side}_low ≤ {side}_high, got {low} > {high}")
        self.real_low, self.real_high = real_low, real_high
        self.fake_low, self.fake_high = fake_low, fake_high

    def setup(self, state) -> None:
        require_targets(self, "noisy_labels", state)

    def d_targets(self, real_targets: torch.Tensor, fake_targets: torch.Tensor, state):
        real_noisy = self.real_low + (self.real_high - self.real_low) * torch.rand_like(real_targets)  # (N,)
        fake_noisy = self.fake_low + (self.fake_high - self.fake_low) * torch.rand_like(fake_targets)  # (N,)
        return real_noisy, fake_noisy
