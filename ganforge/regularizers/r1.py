"""R1: penalise the squared input gradient of D on real data (zero-centred, optionally lazy)."""
from __future__ import annotations

from typing import Any

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin, StepContext
from .gradient_penalty import squared_gradient_norms


@PLUGINS.register("r1")
class R1(Plugin):
    """R1 penalty: γ/2·E[‖∇D(x)‖²] on real samples, every k-th D step ×k (lazy).

    Mescheder, Geiger, Nowozin (2018), "Which Training Methods for GANs do actually Converge?";
    lazy regularisation from Karras et al. (2020), "Analyzing and Improving the Image Quality of StyleGAN".

        term = γ/2 · E_x~real[‖∇x D(x)‖₂²]
        every = k: computed on D steps 0, k, 2k, ... only, multiplied by k (the same average pull)

    Pushes D's gradient to zero on the data, which makes simultaneous gradient descent converge
    locally instead of circling the equilibrium. Use it when training oscillates or diverges,
    or D overfits; the default regulariser of StyleGAN2 (γ from 0.01 to 100 depending on the
    data; `every: 16` saves most of its cost). Inputs are what D saw of the real batch (after
    augmentation or noise plugins listed before this one). Avoid batch norm in D.
    """

    name = "r1"

    def __init__(self, gamma: float = 10.0, every: int = 1):
        if gamma < 0:
            raise ConfigError(f"plugins.{self.name}.gamma", f"expected γ ≥ 0 (the paper's default is 10), got {gamma}")
        if every < 1:
            raise ConfigError(f"plugins.{self.name}.every",
                              f"expected a positive number of D steps (1 = every step), got {every}")
        self.gamma, self.every = gamma, every
        self.d_steps = 0  # completed D steps: the lazy schedule's clock

    def penalised_inputs(self, ctx: StepContext) -> torch.Tensor:
        return ctx.real_in

    def d_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        if self.d_steps % self.every:
            return {}
        squared = squared_gradient_norms(ctx.critic, self.penalised_inputs(ctx), ctx.labels)  # (N,)
        return {self.name: self.every * self.gamma / 2 * squared.mean()}

    def after_d_step(self, state) -> None:
        self.d_steps += 1

    def state_dict(self) -> dict[str, Any]:
        return {"d_steps": self.d_steps}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.d_steps = int(state_dict["d_steps"])
