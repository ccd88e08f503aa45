"""Weight clipping: clamp every D parameter to [−c, c] after each D step (the original WGAN)."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin


@PLUGINS.register("weight_clip")
class WeightClip(Plugin):
    """Clamp every discriminator parameter to [−clip, clip] before the first and after each D step.

    Arjovsky, Chintala, Bottou (2017), "Wasserstein Generative Adversarial Networks".

        θ_D ← clamp(θ_D, −c, c)     (every parameter: weights, biases, norm scales)

    A crude way to keep the critic K-Lipschitz for `loss: wasserstein`. Too small a c makes
    gradients vanish, too large a c makes the critic slow to train; WGAN-GP or spectral norm
    usually do better. Use it to reproduce the original WGAN (with RMSprop, lr 5e-5, n_critic 5).
    """

    def __init__(self, clip: float = 0.01):
        if clip <= 0:
            raise ConfigError("plugins.weight_clip.clip", f"expected a bound c > 0 (the paper uses 0.01), got {clip}")
        self.clip = clip

    def setup(self, state) -> None:
        self.after_d_step(state)  # the first D step already sees a clipped critic, as in the paper's loop

    @torch.no_grad()
    def after_d_step(self, state) -> None:
        for parameter in state.D.parameters():
            parameter.clamp_(-self.clip, self.clip)
