"""Fully connected generator and discriminator: the nets of the original GAN paper and of every GAN tutorial.

They take any data shape: vectors (D,) as they are, images (C, H, W) flattened. Default
PyTorch initialisation. With width 256 and depth 3 the generator is z-256-512-1024-out and
the discriminator in-1024-512-256-1 (the classic MNIST tutorial pair when z_dim is 100).
`condition` makes them class-conditional (see conditioning.py); concat adds K inputs to the
first layer of either net (for the discriminator after flattening). The discriminator's
`fourier_scale` feeds it random Fourier features of its input instead of the input itself
(fourier_features.py): for low-dimensional data whose structure is much finer than its range.
"""
from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from ..errors import ConfigError
from .registries import DISCRIMINATORS, GENERATORS
from .base import Discriminator, Generator, Latent
from .fourier_features import FourierFeatures, check_fourier_options
from .conditioning import (Condition, check_condition, class_logits, conditioned_latent, label_inputs, projection_head,
                           with_labels)
from .layers import Activation, Norm, activation, check_size_options, dropout_layers, norm1d


def hidden_sizes(width: int, depth: int, hidden: list[int] | None, role: str) -> list[int]:
    """Explicit `hidden` sizes if given, else width·2^i for i < depth (growing: the generator's order)."""
    if hidden is None:
        check_size_options(role, width, depth)
        return [width * 2 ** i for i in range(depth)]
    if not hidden or min(hidden) < 1:
        raise ConfigError(f"{role}.hidden", f"needs at least one hidden layer, all sizes positive; got {hidden}")
    return list(hidden)


def dense_layers(sizes: list[int], norm: Norm, act: Activation, dropout: float = 0.0) -> nn.Sequential:
    """Linear → norm → activation (→ dropout) between each consecutive pair of `sizes`."""
    layers = []
    for in_features, out_features in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(in_features, out_features), norm1d(norm, out_features), activation(act)]
        layers += dropout_layers(dropout)
    return nn.Sequential(*layers)


@GENERATORS.register("mlp")
class MLPGenerator(Generator):
    """Fully connected generator: z → hidden layers → data, for vectors or (flattened) images."""

    def __init__(self, z_dim: int, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 256, depth: int = 3, hidden: list[int] | None = None,
                 norm: Norm = "none", activation: Activation = "relu",
                 output: Literal["auto", "tanh", "linear"] = "auto", latent: Latent = "normal",
                 condition: Condition = "none"):
        super().__init__(z_dim, data_shape, latent)
        check_condition(condition, num_classes, "generator")
        self.num_classes, self.condition = num_classes, condition
        sizes = [z_dim + label_inputs(condition, num_classes), *hidden_sizes(width, depth, hidden, "generator")]
        self.hidden = dense_layers(sizes, norm, activation)
        self.out = nn.Linear(sizes[-1], math.prod(self.data_shape))
        if output == "auto":  # images live in [-1, 1]; vector data (toy mixtures) need not
            output = "tanh" if len(self.data_shape) > 1 else "linear"
        self.squash = nn.Tanh() if output == "tanh" else nn.Identity()

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        z = conditioned_latent(z, y, self.condition, self.num_classes)  # (N, z_dim [+ K])
        flat = self.squash(self.out(self.hidden(z)))  # (N, prod(data_shape))
        return flat.reshape(len(z), *self.data_shape)  # (N, *data_shape)


@DISCRIMINATORS.register("mlp")
class MLPDiscriminator(Discriminator):
    """Fully connected discriminator: data (flattened) → hidden layers with LeakyReLU 0.2 → one logit."""

    def __init__(self, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 256, depth: int = 3, hidden: list[int] | None = None,
                 norm: Norm = "none", activation: Activation = "leaky_relu", dropout: float = 0.0,
                 condition: Condition = "none", fourier_scale: float = 0.0, fourier_features: int = 64,
                 fourier_seed: int = 0):
        super().__init__(data_shape)
        check_condition(condition, num_classes, "discriminator")
        self.num_classes, self.condition = num_classes, condition
        check_size_options("discriminator", width, depth, dropout)
        check_fourier_options(fourier_scale, fourier_features)
        widths = hidden_sizes(width, depth, hidden, "discriminator")
        if hidden is None:
            widths.reverse()  # the mirror of the generator: wide near the data
        inputs = math.prod(self.data_shape)
        self.fourier = (FourierFeatures(inputs, fourier_features, fourier_scale, fourier_seed) if fourier_scale
                        else nn.Identity())
        sizes = [(2 * fourier_features if fourier_scale else inputs) + label_inputs(condition, num_classes), *widths]
        self.hidden = dense_layers(sizes, norm, activation, dropout)
        self.head = nn.Linear(sizes[-1], 1)
        self.projection = projection_head(condition, num_classes, sizes[-1])

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        inputs = self.fourier(x.flatten(1))  # (N, prod(data_shape)) or its (N, 2·fourier_features) features
        return self.hidden(with_labels(inputs, y, self.condition, self.num_classes))  # (N, last hidden size)

    def classify(self, features: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return class_logits(self.head, self.projection, features, y)  # (N,)
