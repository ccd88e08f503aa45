"""R2: penalise the squared input gradient of D on generated samples (zero-centred, optionally lazy)."""
from __future__ import annotations

import torch

from ..train.hooks import PLUGINS, StepContext
from .r1 import R1


@PLUGINS.register("r2")
class R2(R1):
    """R2 penalty: γ/2·E[‖∇D(x)‖²] on generated samples, every k-th D step ×k (lazy).

    Mescheder, Geiger, Nowozin (2018), "Which Training Methods for GANs do actually Converge?".

        term = γ/2 · E_x~G[‖∇x D(x)‖₂²]
        every = k: computed on D steps 0, k, 2k, ... only, multiplied by k

    The twin of r1, on the fake batch (what D saw of it). Like r1 it damps the rotation of the
    training dynamics around the equilibrium; use it with r1 (R1 + R2, as in R3GAN) or alone
    when training oscillates or diverges. Avoid batch norm in D.
    """

    name = "r2"  # options (gamma, every) and the lazy schedule are R1's

    def penalised_inputs(self, ctx: StepContext) -> torch.Tensor:
        return ctx.fake_in
