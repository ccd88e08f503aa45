"""Exponential moving average of the generator's weights."""
from __future__ import annotations

import copy

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin


@PLUGINS.register("ema")
class EMA(Plugin):
    """Generator EMA: samples come from a running average of G's weights (β = 0.999).

    Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and
    Variation"; Yazıcı et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training".
    After every G step, for each parameter θ of G and its average θ_ema:
        θ_ema ← β·θ_ema + (1 − β)·θ          (θ_ema ← θ while step < start_step)
    Buffers (batch-norm running statistics, spectral-norm vectors) are copied from G, not
    averaged. The average is a separate copy of G made in `setup`, never optimised, kept in
    eval mode; its weights are part of the checkpoint. Sample grids, `ganforge sample` and
    evaluation draw from it (`ganforge sample --no-ema` uses G itself). List it after plugins
    that change G's layers, so that the copy has them too.
    When: oscillation around a good solution, noisy samples that change a lot from step to
    step; nearly free, and almost always improves sample quality.
    """

    copies_generator = True  # its average is a copy of G made in setup
    replaces_sampling = True

    def __init__(self, beta: float = 0.999, start_step: int = 0):
        if not 0.0 <= beta < 1.0:
            raise ConfigError("plugins.ema.beta", f"expected a decay in [0, 1), got {beta}")
        if start_step < 0:
            raise ConfigError("plugins.ema.start_step", f"expected a step ≥ 0, got {start_step}")
        self.beta = beta
        self.start_step = start_step
        self.average: torch.nn.Module | None = None  # the EMA copy of G, made in setup

    def setup(self, state) -> None:
        self.average = copy.deepcopy(state.G).eval().requires_grad_(False)

    @torch.no_grad()
    def after_g_step(self, state) -> None:
        # state.step counts completed G steps: during this G step it is still this step's index
        for averaged, current in zip(self.average.parameters(), state.G.parameters()):
            if state.step < self.start_step:
                averaged.copy_(current)
            else:
                averaged.mul_(self.beta).add_(current, alpha=1.0 - self.beta)
        for averaged, current in zip(self.average.buffers(), state.G.buffers()):
            averaged.copy_(current)

    def sampling_generator(self, generator, state):
        return self.average

    def state_dict(self):
        return {"average": {name: tensor.clone() for name, tensor in self.average.state_dict().items()}}

    def load_state_dict(self, state_dict) -> None:
        self.average.load_state_dict(state_dict["average"])
