"""Feature matching: G matches the mean of D's features on real data."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin


@PLUGINS.register("feature_matching")
class FeatureMatching(Plugin):
    """Feature matching: adds weight·‖E[f(real)] − E[f(fake)]‖² to G's loss, f = D's penultimate features.

    Salimans et al. 2016, "Improved Techniques for Training GANs", sec. 3.1.
    With f(x) = D.features(x, y) [N, F] and batch means over the N samples:
        L_G += weight · Σ_j (mean_i f(real_i)_j − mean_i f(fake_i)_j)²
    Real features are computed without gradients; fake features carry gradients back to G
    (through D, whose weights are not updated by G's step). The term is added to G's
    adversarial loss (logged as `loss/g_feature_matching`); the paper's variant that uses it
    *instead* of the adversarial loss is not offered. Uses the critic of the G step (the
    look-ahead copy under `unrolled`) and what it sees of real and fake (after `g_inputs`).
    When: G over-trains on the current D (oscillation, mode hopping); the statistics target
    moves more slowly than D's decision.
    """

    def __init__(self, weight: float = 1.0):
        if weight < 0:
            raise ConfigError("plugins.feature_matching.weight", f"expected a weight ≥ 0, got {weight}")
        self.weight = weight

    def g_terms(self, ctx):
        with torch.no_grad():
            real_mean = ctx.critic.features(ctx.real_in, ctx.labels).mean(dim=0)  # (F,)
        fake_mean = ctx.critic.features(ctx.fake_in, ctx.labels).mean(dim=0)  # (F,)
        return {"feature_matching": self.weight * (real_mean - fake_mean).pow(2).sum()}
