"""Minibatch standard deviation: D sees how varied the batch is."""
from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from .wrappers import MinibatchFeatureDiscriminator

EPSILON = 1e-8  # inside the square root, as in ProGAN: keeps the gradient finite when a group has no spread


def largest_divisor_up_to(n: int, limit: int) -> int:
    """The largest d ≤ limit that divides n (1 when nothing larger does)."""
    return next(d for d in range(min(limit, n), 0, -1) if n % d == 0)


def minibatch_stddev(features: torch.Tensor, group_size: int) -> torch.Tensor:
    """(N, F) → (N, 1): mean over features of the std over each group of samples, given to every member.

    Groups are consecutive samples (0..g-1, g..2g-1, ...), g = the largest divisor of N that is
    ≤ group_size. std is the population one, sqrt(mean((f - mean f)²) + ε).
    """
    n, width = features.shape
    size = largest_divisor_up_to(n, group_size)
    groups = features.reshape(n // size, size, width)  # (N/g, g, F)
    std = (groups.var(dim=1, correction=0) + EPSILON).sqrt()  # (N/g, F)
    return std.mean(dim=1).repeat_interleave(size).unsqueeze(1)  # (N, 1)


class GroupStddev(nn.Module):
    def __init__(self, group_size: int):
        super().__init__()
        self.group_size = group_size

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return minibatch_stddev(features, self.group_size)


@PLUGINS.register("minibatch_stddev")
class MinibatchStddev(Plugin):
    """Minibatch stddev: D gets one extra feature, the batch's feature spread, so a collapsed G is easy to spot.

    Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and
    Variation", sec. 3. With f = D.features(x) (N, F) split into groups of g consecutive samples
    (g = group_size, lowered to the largest divisor of the batch size):
        s = mean_j sqrt(Var_group(f_j) + 1e-8)       one scalar per group, given to each member
        logit = D.classify(f) + w·s                   (= a new Linear(F+1, 1) over [f, s])
    ProGAN appends s as a constant feature map before the last conv and takes the std of every
    activation there; on D's flattened features it is the same statistic. D is called on real
    and fake batches separately, so s measures the spread of each: a G that collapses makes
    fake batches with small s, which D learns to punish. `D.features` now returns F + 1 columns.
    List it after plugins that rebuild D (pacgan). A batch size without a divisor in
    2..group_size (a prime, say) gives groups of 1 and a constant, useless s.
    When: mode collapse, low sample variety; nearly free.
    """

    def __init__(self, group_size: int = 4):
        if group_size < 2:
            raise ConfigError("plugins.minibatch_stddev.group_size", f"expected at least 2 samples per group, got {group_size}")
        self.group_size = group_size

    def setup(self, state) -> None:
        state.D = MinibatchFeatureDiscriminator(state.D, GroupStddev(self.group_size), 1).to(state.device)
