"""Minibatch discrimination: D compares each sample with the rest of its batch."""
from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from .wrappers import MinibatchFeatureDiscriminator, feature_count


class MinibatchSimilarity(nn.Module):
    """(N, F) → (N, B): o(i)_b = Σ_{j≠i} exp(−‖M_{i,b} − M_{j,b}‖₁), with M_i = f_i·T reshaped to (B, C)."""

    def __init__(self, in_features: int, kernels: int, kernel_dim: int):
        super().__init__()
        self.kernels, self.kernel_dim = kernels, kernel_dim
        # T ~ N(0, 1/F): each entry of M has about the scale of one feature, whatever F is
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) / math.sqrt(in_features))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        n = len(features)
        M = (features @ self.T).reshape(n, self.kernels, self.kernel_dim)  # (N, B, C)
        l1 = (M.unsqueeze(1) - M.unsqueeze(0)).abs().sum(dim=3)  # (N, N, B): ‖M_{i,b} − M_{j,b}‖₁
        closeness = torch.exp(-l1)  # c_b(i, j), 1 on the diagonal
        others = ~torch.eye(n, dtype=torch.bool, device=features.device).unsqueeze(2)  # (N, N, 1): j ≠ i
        return (closeness * others).sum(dim=1)  # (N, B)


@PLUGINS.register("minibatch_discrimination")
class MinibatchDiscrimination(Plugin):
    """Minibatch discrimination: D gets, per sample, how close the other samples of its batch are.

    Salimans et al. 2016, "Improved Techniques for Training GANs", sec. 3.2. With
    f_i = D.features(x_i) ∈ R^F and a learned tensor T ∈ R^{F×B×C} (B = kernels, C = kernel_dim):
        M_i = f_i·T ∈ R^{B×C}
        c_b(i, j) = exp(−‖M_{i,b} − M_{j,b}‖₁)
        o(i)_b = Σ_{j≠i} c_b(i, j)                    (N − 1 for a batch of identical samples)
        logit_i = D.classify(f_i) + w·o(i)             (= a new Linear(F+B, 1) over [f_i, o(i)])
    D is called on real and fake batches separately, so o measures how alike the samples of
    each batch are; a collapsing G produces fake batches with large o, which D learns to spot,
    and G's gradient then pushes its samples apart. Cost: O(N²·B·C) per D call. `D.features`
    now returns F + B columns. List it after plugins that rebuild D (pacgan).
    When: mode collapse (G putting all its samples on a few modes).
    """

    def __init__(self, kernels: int = 50, kernel_dim: int = 5):
        if kernels < 1:
            raise ConfigError("plugins.minibatch_discrimination.kernels", f"expected a positive integer, got {kernels}")
        if kernel_dim < 1:
            raise ConfigError("plugins.minibatch_discrimination.kernel_dim", f"expected a positive integer, got {kernel_dim}")
        self.kernels = kernels
        self.kernel_dim = kernel_dim

    def setup(self, state) -> None:
        in_features = feature_count(state.D, state.data.num_classes, state.device)
        similarity = MinibatchSimilarity(in_features, self.kernels, self.kernel_dim)
        state.D = MinibatchFeatureDiscriminator(state.D, similarity, self.kernels).to(state.device)
