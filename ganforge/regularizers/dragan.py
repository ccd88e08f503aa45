"""DRAGAN: keep the critic's input gradient norm at 1 in a small neighbourhood of the real data."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin, StepContext
from .gradient_penalty import gradient_norms, per_sample_uniform


def dragan_points(real: torch.Tensor, perturbation: float) -> torch.Tensor:
    """x + α·δ with δ = c·std(x)·U[0, 1) elementwise (std over the whole batch) and α ~ U(0, 1) per sample."""
    real = real.detach()
    noise = perturbation * real.std() * torch.rand_like(real)  # (N, *data_shape), δ ≥ 0 as in the authors' code
    return real + per_sample_uniform(real) * noise


@PLUGINS.register("dragan")
class DRAGAN(Plugin):
    """DRAGAN gradient penalty: λ·E[(‖∇D(x̂)‖ − 1)²] on perturbed real samples x̂ = x + α·δ.

    Kodali, Abernethy, Hays, Kira (2017), "On Convergence and Stability of GANs" (DRAGAN).

        δ = c · std(x_real) · u,   u ~ U[0, 1) per element, std over the whole real batch (a scalar)
        x̂ = x_real + α · δ,        α ~ U(0, 1) per sample
        term = λ · E[(‖∇x̂ D(x̂)‖₂ − 1)²]

    This is the variant of the authors' reference code (one-sided uniform noise of scale
    0.5·std); the paper writes the perturbation as Gaussian. Unlike WGAN-GP it needs no fake
    samples: it keeps D smooth around the data, which counters the sharp local optima that
    cause mode collapse, and works with the standard (non-saturating) loss. Use it when G
    collapses to a few modes or training oscillates. Costs a second D forward and a double
    backward per D step; avoid batch norm in D (the penalty is per sample).
    """

    double_backward = True  # its penalty differentiates D's input gradient: train.compile leaves D eager

    def __init__(self, weight: float = 10.0, perturbation: float = 0.5):
        if weight < 0:
            raise ConfigError("plugins.dragan.weight", f"expected λ ≥ 0 (the paper uses 10), got {weight}")
        if perturbation <= 0:
            raise ConfigError("plugins.dragan.perturbation",
                              f"expected c > 0 (the reference code uses 0.5), got {perturbation}")
        self.weight, self.perturbation = weight, perturbation

    def d_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        near_real = dragan_points(ctx.real_in, self.perturbation)
        penalty = (gradient_norms(ctx.critic, near_real, ctx.labels) - 1).pow(2).mean()
        return {"dragan": self.weight * penalty}
