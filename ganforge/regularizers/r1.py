"""R1: penalise the squared input gradient of D on real data (zero-centred, optionally lazy)."""
from __future__ import annotations

import math
from typing import Any

import torch

from ..errors import ConfigError
from ..schedules import cosine
from ..train.hooks import PLUGINS, Plugin, StepContext
from .gradient_penalty import squared_gradient_norms


@PLUGINS.register("r1")
class R1(Plugin):
    """R1 penalty: γ/2·E[‖∇D(x)‖²] on real samples, every k-th D step ×k (lazy).

    Mescheder, Geiger, Nowozin (2018), "Which Training Methods for GANs do actually Converge?";
    lazy regularisation from Karras et al. (2020), "Analyzing and Improving the Image Quality of StyleGAN".

        term = γ/2 · E_x~real[‖∇x D(x)‖₂²]
        every = k: computed on D steps 0, k, 2k, ... only, multiplied by k (the same average pull)
        decay_steps = T > 0: γ follows a cosine from `gamma` at step 0 to `final_gamma` at step T, then stays:
            γ(t) = γ_final + (γ − γ_final) · ½(1 + cos(π · min(t / T, 1)))      (R3GAN decays γ this way)

    Pushes D's gradient to zero on the data, which makes simultaneous gradient descent converge
    locally instead of circling the equilibrium. Use it when training oscillates or diverges,
    or D overfits; the default regulariser of StyleGAN2 (γ from 0.01 to 100 depending on the
    data; `every: 16` saves most of its cost). Inputs are what D saw of the real batch (after
    augmentation or noise plugins listed before this one). Avoid batch norm in D.
    """

    double_backward = True  # its penalty differentiates D's input gradient: train.compile leaves D eager

    name = "r1"

    def __init__(self, gamma: float = 10.0, every: int = 1, final_gamma: float | None = None, decay_steps: int = 0):
        for field, value in (("gamma", gamma), ("final_gamma", 0.0 if final_gamma is None else final_gamma)):
            if not 0 <= value < math.inf:
                raise ConfigError(f"plugins.{self.name}.{field}", f"expected a finite γ ≥ 0 (the paper's default is 10), got {value}")
        if every < 1:
            raise ConfigError(f"plugins.{self.name}.every",
                              f"expected a positive number of D steps (1 = every step), got {every}")
        if decay_steps < 0:
            raise ConfigError(f"plugins.{self.name}.decay_steps", f"expected 0 (constant γ) or a positive step, got {decay_steps}")
        self.gamma, self.every = gamma, every
        self.final_gamma = gamma if final_gamma is None else final_gamma
        self.decay_steps = decay_steps
        self.d_steps = 0  # completed D steps: the lazy schedule's clock

    def gamma_at(self, step: int) -> float:
        """γ(step) of the docstring: `gamma` throughout unless decay_steps > 0."""
        if not self.decay_steps:
            return self.gamma
        return cosine(self.gamma, self.final_gamma, step, self.decay_steps)

    def penalised_inputs(self, ctx: StepContext) -> torch.Tensor:
        return ctx.real_in

    def d_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        if self.d_steps % self.every:
            return {}
        squared = squared_gradient_norms(ctx.critic, self.penalised_inputs(ctx), ctx.labels)  # (N,)
        gamma = self.gamma_at(ctx.state.step) if self.decay_steps else self.gamma
        return {self.name: self.every * gamma / 2 * squared.mean()}

    def after_d_step(self, state) -> None:
        self.d_steps += 1

    def state_dict(self) -> dict[str, Any]:
        return {"d_steps": self.d_steps}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.d_steps = int(state_dict["d_steps"])
