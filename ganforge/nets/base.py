"""Base classes shared by every generator and discriminator."""
from __future__ import annotations

from typing import Literal

import torch
from torch import nn

Latent = Literal["normal", "uniform"]


class Generator(nn.Module):
    """Maps latent codes z [N, z_dim] (and optional labels) to samples [N, *data_shape]."""

    def __init__(self, z_dim: int, data_shape: tuple[int, ...], latent: Latent = "normal"):
        super().__init__()
        self.z_dim = z_dim
        self.data_shape = tuple(data_shape)
        self.latent = latent

    def sample_latent(self, n: int, device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I) or U(-1, 1)^z_dim, shape [n, z_dim]; uses the global RNG unless `generator` is given."""
        if self.latent == "normal":
            return torch.randn(n, self.z_dim, device=device, generator=generator)
        return torch.rand(n, self.z_dim, device=device, generator=generator) * 2 - 1


class Discriminator(nn.Module):
    """Maps samples [N, *data_shape] (and optional labels) to one logit per sample, [N]."""

    def __init__(self, data_shape: tuple[int, ...]):
        super().__init__()
        self.data_shape = tuple(data_shape)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def classify(self, features: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.classify(self.features(x, y), y)
