"""Class-conditional nets: how a generator or discriminator takes the labels y (the `condition` option).

    none        labels are ignored (an unconditional GAN)
    concat      one-hot y joins the input: G sees [z, onehot(y)]; D sees its input with onehot(y)
                appended — K extra features for vectors, K constant feature maps for images
                (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets")
    projection  discriminators only: logit = ψ(φ(x)) + ⟨embed(y), φ(x)⟩, φ the features, ψ the
                linear head (Miyato & Koyama 2018, "cGANs with Projection Discriminator")

`num_classes` K is injected from the data source; 0 means the data carry no labels.
A conditional generator called without labels draws them uniformly (global RNG), so code that
only wants "some samples" (metrics, plugins) still works; a conditional discriminator needs y.
"""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError

Condition = Literal["none", "concat", "projection"]


def check_condition(condition: Condition, num_classes: int, role: str) -> None:
    """Projection only for discriminators, and any conditioning only when the data have labels."""
    if condition == "projection" and role == "generator":
        raise ConfigError("generator.condition", "projection is a discriminator's conditioning; "
                                                 "use condition: concat for a conditional generator")
    if condition != "none" and num_classes < 1:
        raise ConfigError(f"{role}.condition", f"{condition} needs class labels, but the data source gives no "
                                               "labels (num_classes = 0); use condition: none or labelled data")


def label_inputs(condition: Condition, num_classes: int) -> int:
    """How many inputs (features or channels) conditioning adds to the net's first layer."""
    return num_classes if condition == "concat" else 0


def concat_labels(x: torch.Tensor, y: torch.Tensor | None, num_classes: int) -> torch.Tensor:
    """x with onehot(y) appended on dim 1: (N, F) → (N, F+K), or (N, C, H, W) → (N, C+K, H, W)."""
    one_hot = F.one_hot(require_labels(y), num_classes).to(x.dtype)  # (N, K)
    if x.dim() == 4:
        one_hot = one_hot[:, :, None, None].expand(-1, -1, *x.shape[2:])  # (N, K, H, W), constant maps
    return torch.cat([x, one_hot], dim=1)


def with_labels(x: torch.Tensor, y: torch.Tensor | None, condition: Condition, num_classes: int) -> torch.Tensor:
    """A net's input under `condition`: x with onehot(y) appended for concat, else x unchanged."""
    return concat_labels(x, y, num_classes) if condition == "concat" else x


def conditioned_latent(z: torch.Tensor, y: torch.Tensor | None, condition: Condition, num_classes: int) -> torch.Tensor:
    """A generator's input: z, with one-hot labels appended under concat (random labels if none are given)."""
    return with_labels(z, generator_labels(y, z, condition, num_classes), condition, num_classes)


def generator_labels(y: torch.Tensor | None, z: torch.Tensor, condition: Condition, num_classes: int):
    """The labels a generator uses: y, or uniform random classes when a conditional one gets none."""
    if y is None and condition != "none":
        return torch.randint(num_classes, (len(z),), device=z.device)
    return y


def class_logits(head: nn.Linear, projection: "Projection | None", features: torch.Tensor,
                 y: torch.Tensor | None) -> torch.Tensor:
    """A discriminator's logits (N,): ψ(φ), plus ⟨embed(y), φ⟩ when it has a projection."""
    logits = head(features).squeeze(1)
    return logits if projection is None else logits + projection(features, y)


def cycling_labels(n: int, num_classes: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """0, 1, ..., K-1, 0, 1, ... (n labels): every class in turn, for sample grids."""
    return torch.arange(n, device=device) % num_classes


def is_conditional(net: nn.Module) -> bool:
    """Whether `net` uses labels (its `condition` is not none)."""
    return getattr(net, "condition", "none") != "none"


def require_labels(y: torch.Tensor | None) -> torch.Tensor:
    if y is None:
        raise ValueError("this net is class-conditional (condition is not none): call it with labels, net(x, y)")
    return y


class Projection(nn.Module):
    """The class term of a projection discriminator: ⟨embed(y), φ⟩ per sample, for features φ (N, F) → (N,)."""

    def __init__(self, num_classes: int, features: int):
        super().__init__()
        self.embed = nn.Embedding(num_classes, features)
        nn.init.xavier_uniform_(self.embed.weight)  # N(0, 1) rows would swamp ψ(φ) at the start

    def forward(self, features: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return (self.embed(require_labels(y)) * features).sum(dim=1)


def projection_head(condition: Condition, num_classes: int, features: int) -> Projection | None:
    """A Projection for condition: projection, else None (no class term)."""
    return Projection(num_classes, features) if condition == "projection" else None
