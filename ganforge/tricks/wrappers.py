"""Discriminator surgery shared by the tricks: batch-level features, heads on D's features, D's input shape."""
from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError
from ..nets.base import Discriminator
from ..sampling import eval_mode


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
    with eval_mode(D):
        blank = torch.zeros(2, *D.data_shape, device=device)
        labels = torch.zeros(2, dtype=torch.long, device=device) if num_classes > 0 else None
        return D.features(blank, labels).shape[1]


def attach_head(D: nn.Module, name: str, outputs: int, num_classes: int, device: torch.device | str) -> None:
    """A head Linear(F, outputs) on D's features, added to D as submodule `name` (so D's optimiser trains it)."""
    D.add_module(name, nn.Linear(feature_count(D, num_classes, device), outputs).to(device))


def head_owner(critic: nn.Module, name: str) -> nn.Module:
    """The D that head `name` was attached to: `critic` itself or a copy of it (unrolled), or the D a wrapper
    made later holds (minibatch_stddev, minibatch_discrimination)."""
    while name not in critic._modules and isinstance(critic, MinibatchFeatureDiscriminator):
        critic = critic.inner
    return critic


def head_logits(critic: nn.Module, name: str, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """(N, outputs): head `name` on the features of the D it was attached to."""
    owner = head_owner(critic, name)
    return getattr(owner, name)(owner.features(x, labels))


def require_single_sample_critic(state, plugin, needs: str, fix: str) -> None:
    """At set-up: fail, naming the plugin's place, when an earlier plugin (pacgan) made D score packs of samples.

    `needs` says what the plugin does with single samples, `fix` what the user can change.
    """
    d_shape = tuple(getattr(state.D, "data_shape", state.data.shape))  # what one row of D's input is
    if d_shape != tuple(state.data.shape):
        raise ConfigError(f"plugins.{state.plugins.index(plugin)}",
                          f"{needs} single samples of shape {tuple(state.data.shape)}, but an earlier plugin made D take "
                          f"{d_shape} (pacgan packs samples); {fix}")
