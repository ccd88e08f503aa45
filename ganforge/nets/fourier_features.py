"""Random Fourier features of a vector: [sin 2πBx, cos 2πBx] with a fixed Gaussian matrix B.

Tancik et al. 2020, "Fourier Features Let Networks Learn High Frequency Functions in Low
Dimensional Domains": an MLP fed the raw coordinates of low-dimensional data learns smooth
functions first and resolves fine structure late or never (spectral bias). Feeding it
γ(x) = [sin(2πBx), cos(2πBx)], with B's entries drawn from N(0, scale²), lets it draw boundaries
about 1/scale wide from the start. For a discriminator on 2-D mixtures scaled into [-1, 1] whose
modes are far narrower than the range, this is what lets D (and a density-ratio critic after
training) tell a mode of the right width from one twice as wide.

B is drawn from its own seed, not the run's stream, and kept as a buffer: saved in checkpoints,
moved with the net, never trained.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError


def check_fourier_options(scale: float, features: int) -> None:
    if scale < 0:
        raise ConfigError("discriminator.fourier_scale", f"expected ≥ 0 (0 turns the features off), got {scale}")
    if features < 1:
        raise ConfigError("discriminator.fourier_features", f"expected at least 1 feature, got {features}")


class FourierFeatures(nn.Module):
    """x [N, inputs] → [sin(2π x B), cos(2π x B)] [N, 2·features], B [inputs, features] ~ N(0, scale²) from `seed`."""

    def __init__(self, inputs: int, features: int, scale: float, seed: int = 0):
        super().__init__()
        draw = torch.Generator().manual_seed(seed)
        self.register_buffer("frequencies", torch.randn(inputs, features, generator=draw) * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phases = 2 * math.pi * x @ self.frequencies.to(x.dtype)  # (N, features)
        return torch.cat([phases.sin(), phases.cos()], dim=1)  # (N, 2·features)
