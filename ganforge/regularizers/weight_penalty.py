"""Weight penalty: L2 (weight decay) or L1 on the weights of D or G, as an extra loss term."""
from __future__ import annotations

from typing import Literal

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin, StepContext


def weight_penalty(net: torch.nn.Module, norm: Literal["l1", "l2"]) -> torch.Tensor:
    """Σ w² (l2) or Σ |w| (l1) over every parameter with two or more dimensions (matrices, kernels)."""
    weights = [parameter for parameter in net.parameters() if parameter.dim() >= 2]
    total = weights[0].new_zeros(()) if weights else torch.zeros(())
    for weight in weights:
        total = total + (weight.pow(2).sum() if norm == "l2" else weight.abs().sum())
    return total


@PLUGINS.register("weight_penalty")
class WeightPenalty(Plugin):
    """L2 or L1 penalty on D's (or G's) weights: weight·Σw² or weight·Σ|w|, biases excluded.

        l2: term = weight · Σ w²      l1: term = weight · Σ |w|

    over the weights of linear, conv and embedding layers (every parameter with ≥ 2 dimensions);
    biases and norm scales/shifts are not penalised. A d term for `net: discriminator`, a g term
    for `net: generator`. Classic regularisation (L2 = weight decay in the loss, not decoupled as
    in AdamW): a mild brake on a discriminator that overfits a small data set or grows large
    weights and overpowers G. Usually weaker than a gradient penalty or spectral norm.
    """

    def __init__(self, norm: Literal["l1", "l2"] = "l2", weight: float = 1e-4,
                 net: Literal["discriminator", "generator"] = "discriminator"):
        if weight < 0:
            raise ConfigError("plugins.weight_penalty.weight", f"expected a coefficient ≥ 0 (e.g. 1e-4), got {weight}")
        self.norm, self.weight, self.net = norm, weight, net

    def d_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        if self.net != "discriminator":
            return {}
        return {"weight_penalty": self.weight * weight_penalty(ctx.state.D, self.norm)}

    def g_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        if self.net != "generator":
            return {}
        return {"weight_penalty": self.weight * weight_penalty(ctx.state.G, self.norm)}
