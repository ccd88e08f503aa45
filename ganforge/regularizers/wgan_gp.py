"""WGAN-GP: keep the critic's input gradient norm at 1 on lines between real and fake samples."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin, StepContext
from .gradient_penalty import gradient_norms, per_sample_uniform


def wgan_gradient_penalty(critic: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor,
                          labels: torch.Tensor | None = None, target: float = 1.0,
                          one_sided: bool = False) -> torch.Tensor:
    """E[(‖∇D(x̂)‖ − target)²] (one-sided: E[max(0, ‖∇D(x̂)‖ − target)²]) on x̂ = ε·real + (1 − ε)·fake.

    ε ~ U(0, 1), one per sample; unweighted (the plugin multiplies by λ).
    """
    n = min(len(real), len(fake))  # a plugin may hand D fake batches of another size (replay)
    real, fake = real[:n].detach(), fake[:n].detach()
    labels = None if labels is None else labels[:n]
    epsilon = per_sample_uniform(real)  # (N, 1, ...)
    between = epsilon * real + (1 - epsilon) * fake  # (N, *data_shape)
    excess = gradient_norms(critic, between, labels) - target  # (N,)
    if one_sided:
        excess = excess.clamp(min=0)
    return excess.pow(2).mean()


@PLUGINS.register("wgan_gp")
class WGANGP(Plugin):
    """Gradient penalty of WGAN-GP: λ·E[(‖∇D(x̂)‖ − 1)²] on random points between real and fake.

    Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville (2017), "Improved Training of Wasserstein GANs".

        x̂ = ε·x_real + (1 − ε)·x_fake,   ε ~ U(0, 1), one per sample
        term = λ · E[(‖∇x̂ D(x̂)‖₂ − target)²]        (one_sided: E[max(0, ‖∇‖ − target)²])

    A soft 1-Lipschitz constraint on the critic, the replacement for weight clipping. Use it with
    `loss: wasserstein` (its home) or any loss when D overpowers G and G's gradients vanish or
    explode. Costs a second D forward and a double backward per D step. The paper avoids batch
    norm in the critic (the penalty is per sample): use `norm: layer` or `none` in D.
    Inputs are what D saw (after augmentation or noise plugins listed before this one).
    """

    double_backward = True  # its penalty differentiates D's input gradient: train.compile leaves D eager

    def __init__(self, weight: float = 10.0, target: float = 1.0, one_sided: bool = False):
        if weight < 0:
            raise ConfigError("plugins.wgan_gp.weight", f"expected λ ≥ 0 (the paper uses 10), got {weight}")
        if target <= 0:
            raise ConfigError("plugins.wgan_gp.target",
                              f"expected a gradient norm > 0 (1 is the Lipschitz bound), got {target}")
        self.weight, self.target, self.one_sided = weight, target, one_sided

    def d_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        penalty = wgan_gradient_penalty(ctx.critic, ctx.real_in, ctx.fake_in, ctx.labels, self.target, self.one_sided)
        return {"wgan_gp": self.weight * penalty}
