"""Instance noise: add annealed Gaussian noise to everything D sees, real and fake."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from ..train.stats import report


@PLUGINS.register("instance_noise")
class InstanceNoise(Plugin):
    """Annealed instance noise: D sees x + N(0, σ_t²) for real and fake, σ_t = σ₀·max(0, 1 − t/T).

    Sønderby, Caballero, Theis, Shi, Huszár (2016), "Amortised MAP Inference for Image Super-resolution";
    Arjovsky, Bottou (2017), "Towards Principled Methods for Training Generative Adversarial Networks".

        σ_t = std · max(0, 1 − step / anneal_steps)     (step = completed G steps)
        D step: real ← real + σ_t·ε,  fake ← fake + σ_t·ε'      G step: fake ← fake + σ_t·ε''

    Blurring both distributions makes their supports overlap, so D cannot separate them
    perfectly and G's gradients do not vanish. Use it when D wins early (D(x) → 1, D(G(z)) → 0)
    and G stops learning, or D overfits a small data set. G's samples are noised in the G step
    too: G is then trained against the same smoothed D that was fitted to noisy inputs (without
    it, D would be judging clean samples it never saw). `std` is in data units (images: [−1, 1]).
    The current σ_t is logged as `reg/instance_noise_std`.
    """

    def __init__(self, std: float = 0.1, anneal_steps: int = 10000):
        if std < 0:
            raise ConfigError("plugins.instance_noise.std", f"expected a standard deviation ≥ 0, got {std}")
        if anneal_steps < 1:
            raise ConfigError("plugins.instance_noise.anneal_steps",
                              f"expected a positive number of G steps to anneal over (for constant noise use more "
                              f"than train.steps), got {anneal_steps}")
        self.std, self.anneal_steps = std, anneal_steps

    def current_std(self, step: int) -> float:
        return self.std * max(0.0, 1.0 - step / self.anneal_steps)

    def noisy(self, x: torch.Tensor, step: int) -> torch.Tensor:
        std = self.current_std(step)
        return x + std * torch.randn_like(x) if std > 0 else x

    def d_inputs(self, real: torch.Tensor, fake: torch.Tensor, state) -> tuple[torch.Tensor, torch.Tensor]:
        report("reg/instance_noise_std", self.current_std(state.step))
        return self.noisy(real, state.step), self.noisy(fake, state.step)

    def g_inputs(self, real: torch.Tensor, fake: torch.Tensor, state) -> tuple[torch.Tensor, torch.Tensor]:
        return self.noisy(real, state.step), self.noisy(fake, state.step)
