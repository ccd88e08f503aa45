"""Discriminator surgery shared by the architecture tricks: batch-level features, feature counts, D's input shape."""
from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from ..nets.base import Discriminator


class MinibatchFeatureDiscriminator(Discriminator):
    """D with E batch-level features appended to its own F: what minibatch_stddev and minibatch_discrimination build.

        f = D.features(x, y)                      (N, F)
        s = statistic(f)                          (N, E), each row depends on the other samples
        features(x, y) = [f, s]                   (N, F + E)
        logit = D.classify(f, y) + w · s          (N,)

    For a D whose `classify` is a linear head (mlp, dcgan, resnet) this is exactly a new
    Linear(F + E, 1) over [f, s]: D's own head supplies the first F weights and the bias, `w`
    the last E. Keeping D's `classify` also keeps its class projection (`condition: projection`).
    `w` has PyTorch's default Linear initialisation (not zero: spectral norm of a zero matrix is 0/0).
    """

    def __init__(self, inner: nn.Module, statistic: nn.Module, statistic_features: int):
        super().__init__(inner.data_shape)
        self.inner = inner
        self.statistic = statistic
        self.statistic_features = statistic_features
        self.statistic_head = nn.Linear(statistic_features, 1, bias=False)  # w
        self.num_classes = getattr(inner, "num_classes", 0)
        self.condition = getattr(inner, "condition", "none")

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        own = self.inner.features(x, y)  # (N, F)
        return torch.cat([own, self.statistic(own)], dim=1)  # (N, F + E)

    def classify(self, features: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        own, batch_level = features[:, :-self.statistic_features], features[:, -self.statistic_features:]
        return self.inner.classify(own, y) + self.statistic_head(batch_level).squeeze(1)  # (N,)


@torch.no_grad()
def feature_count(D: nn.Module, num_classes: int, device: torch.device | str) -> int:
    """F of `D.features`, from two blank inputs in eval mode (no batch-norm statistic moves, no RNG is drawn)."""
    was_training = D.training
    D.eval()
    try:
        blank = torch.zeros(2, *D.data_shape, device=device)
        labels = torch.zeros(2, dtype=torch.long, device=device) if num_classes > 0 else None
        return D.features(blank, labels).shape[1]
    finally:
        D.train(was_training)


def require_single_sample_critic(state, plugin, needs: str, fix: str) -> None:
    """At set-up: fail, naming the plugin's place, when an earlier plugin (pacgan) made D score packs of samples.

    `needs` says what the plugin does with single samples, `fix` what the user can change.
    """
    d_shape = tuple(getattr(state.D, "data_shape", state.data.shape))  # what one row of D's input is
    if d_shape != tuple(state.data.shape):
        raise ConfigError(f"plugins.{state.plugins.index(plugin)}",
                          f"{needs} single samples of shape {tuple(state.data.shape)}, but an earlier plugin made D take "
                          f"{d_shape} (pacgan packs samples); {fix}")
