"""DCGAN generator and discriminator (Radford et al. 2016), for any image side 4·2^k or 28.

Generator: z → Linear → (C0, b, b) map (b = 4, or 7 for 28×28) → k blocks that double the
resolution and halve the channels (width·2^(k-1), ..., width, capped at width·8) → image, tanh.
With width 64 a 64×64 RGB generator is the paper's 512-256-128-64-3.
Discriminator: the mirror, strided 4×4 convs with LeakyReLU 0.2, channels doubling from
width, down to b×b; then a linear layer to one logit.
`depth` > 1 adds (depth - 1) conv 3×3 + norm + activation layers at each feature resolution.
`attention: S` puts one self-attention layer (attention.py) after the layers at side S.
`condition` (conditioning.py): concat feeds [z, onehot(y)] to the generator's linear layer and
K constant label maps, with the image, to the discriminator's first conv.
Weights are initialised N(0, 0.02) as in the paper.
"""
from __future__ import annotations

import torch
from torch import nn

from .registries import DISCRIMINATORS, GENERATORS
from .attention import attention_at, check_attention
from .base import Discriminator, Generator, Latent
from .conditioning import (Condition, check_condition, class_logits, conditioned_latent, label_inputs, projection_head,
                           with_labels)
from .layers import (Activation, Norm, Upsample, activation, check_size_options, conv3x3,
                     dcgan_init_, dropout_layers, image_plan, norm2d, upsample_block, width_at)


def refine_layers(channels: int, count: int, norm: Norm, act: Activation, dropout: float = 0.0) -> list[nn.Module]:
    """`count` resolution-preserving conv 3×3 → norm → activation (→ dropout) layers."""
    layers = []
    for _ in range(count):
        layers += [conv3x3(channels, channels), norm2d(norm, channels), activation(act), *dropout_layers(dropout)]
    return layers


@GENERATORS.register("dcgan")
class DCGANGenerator(Generator):
    """DCGAN generator (Radford et al. 2016): linear to a small map, upsampling convs to the image, tanh."""

    def __init__(self, z_dim: int, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 64, depth: int = 1, norm: Norm = "batch",
                 upsample: Upsample = "transposed", latent: Latent = "normal",
                 attention: int | None = None, condition: Condition = "none"):
        super().__init__(z_dim, data_shape, latent)
        check_size_options("generator", width, depth)
        check_condition(condition, num_classes, "generator")
        self.num_classes, self.condition = num_classes, condition
        plan = image_plan(self.data_shape, "dcgan", "generator")
        k = plan.doublings
        sides = plan.feature_sides  # b, 2b, ..., side/2
        check_attention(attention, sides, "generator")
        level_channels = [width_at(width, k - level) for level in range(k)] + [plan.channels]
        self.base_shape = (width_at(width, k), plan.base, plan.base)
        z_inputs = z_dim + label_inputs(condition, num_classes)
        self.project = nn.Linear(z_inputs, width_at(width, k) * plan.base ** 2)
        layers = [norm2d(norm, width_at(width, k)), nn.ReLU(), *attention_at(attention, sides[0], width_at(width, k))]
        for level in range(k):
            layers += refine_layers(level_channels[level], depth - 1, norm, "relu")
            layers.append(upsample_block(level_channels[level], level_channels[level + 1], upsample))
            if level < k - 1:  # the image layer has no norm and no ReLU
                layers += [norm2d(norm, level_channels[level + 1]), nn.ReLU()]
                layers += attention_at(attention, sides[level + 1], level_channels[level + 1])
        if k == 0:  # 4×4 images: nothing to upsample, one conv to the image channels
            layers += [*refine_layers(width, depth - 1, norm, "relu"), conv3x3(width, plan.channels)]
        self.body = nn.Sequential(*layers, nn.Tanh())
        self.apply(dcgan_init_)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        z = conditioned_latent(z, y, self.condition, self.num_classes)  # (N, z_dim [+ K])
        base = self.project(z).reshape(len(z), *self.base_shape)  # (N, C0, b, b)
        return self.body(base)  # (N, C, H, W)


@DISCRIMINATORS.register("dcgan")
class DCGANDiscriminator(Discriminator):
    """DCGAN discriminator (Radford et al. 2016): strided convs with LeakyReLU 0.2, then a linear logit."""

    def __init__(self, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 64, depth: int = 1, norm: Norm = "batch", dropout: float = 0.0,
                 attention: int | None = None, condition: Condition = "none"):
        super().__init__(data_shape)
        check_size_options("discriminator", width, depth, dropout)
        check_condition(condition, num_classes, "discriminator")
        self.num_classes, self.condition = num_classes, condition
        plan = image_plan(self.data_shape, "dcgan", "discriminator")
        k = plan.doublings
        check_attention(attention, plan.feature_sides, "discriminator")
        layers, channels = [], plan.channels + label_inputs(condition, num_classes)
        if k == 0:  # 4×4 images: no room to downsample, one conv to width channels
            layers += [conv3x3(channels, width), nn.LeakyReLU(0.2), *dropout_layers(dropout)]
            layers += attention_at(attention, plan.base, width)
            channels = width
        for halvings in range(1, k + 1):
            out_channels = width_at(width, halvings)
            layers.append(nn.Conv2d(channels, out_channels, kernel_size=4, stride=2, padding=1))
            if halvings > 1:  # no norm on the first layer, as in the paper
                layers.append(norm2d(norm, out_channels))
            layers += [nn.LeakyReLU(0.2), *dropout_layers(dropout)]
            layers += refine_layers(out_channels, depth - 1, norm, "leaky_relu", dropout)
            layers += attention_at(attention, plan.base * 2 ** (k - halvings), out_channels)
            channels = out_channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(channels * plan.base ** 2, 1)
        self.projection = projection_head(condition, num_classes, channels * plan.base ** 2)
        self.apply(dcgan_init_)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = with_labels(x, y, self.condition, self.num_classes)  # (N, C [+ K], H, W)
        return self.body(x).flatten(1)  # (N, C_last · b · b)

    def classify(self, features: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return class_logits(self.head, self.projection, features, y)  # (N,)
