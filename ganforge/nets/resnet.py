"""Residual generator and discriminator in the style of SNGAN (Miyato et al. 2018), for image sides 4·2^k or 28.

Generator: z → Linear → (C0, b, b) → k up-blocks (each doubling the resolution, channels
width·2^(k-1) ... width as in dcgan) → norm → ReLU → conv 3×3 → tanh.
Discriminator: an "optimised" first block, then down-blocks (channels doubling from width,
capped at width·8) to b×b, ReLU, global *sum* pooling (the features), a linear logit.
`depth` is the number of blocks per resolution: depth - 1 extra blocks without resampling.
Weights use Glorot-uniform (xavier) initialisation, zero biases, as the SNGAN reference code.
The generator's default norm is batch; the discriminator's is none (SNGAN adds spectral norm
to it instead, as a regulariser).
`attention: S` puts one self-attention layer (attention.py) after the blocks at side S.
`condition` (conditioning.py): concat feeds [z, onehot(y)] to the generator's linear layer and
K constant label maps, with the image, to the discriminator's first block; projection is the
discriminator of Miyato & Koyama 2018.
"""
from __future__ import annotations

import torch
from torch import nn

from .registries import DISCRIMINATORS, GENERATORS
from .attention import attention_at, check_attention
from .base import Discriminator, Generator, Latent
from .conditioning import (Condition, check_condition, class_logits, conditioned_latent, label_inputs, projection_head,
                           with_labels)
from .layers import (Norm, Upsample, check_size_options, conv3x3, dropout_layers, image_plan, norm2d,
                     upsample_block, width_at, xavier_init_)


def shortcut(in_channels: int, out_channels: int, resample: nn.Module | None) -> nn.Module:
    """Identity when nothing changes, otherwise a (resample +) 1×1 conv projection."""
    if resample is None and in_channels == out_channels:
        return nn.Identity()
    projection = nn.Conv2d(in_channels, out_channels, kernel_size=1)
    return projection if resample is None else nn.Sequential(resample, projection)


class Residual(nn.Module):
    """x → main(x) + shortcut(x)."""

    def __init__(self, main: nn.Module, skip: nn.Module):
        super().__init__()
        self.main, self.skip = main, skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x) + self.skip(x)


def generator_block(in_channels: int, out_channels: int, norm: Norm, upsample: Upsample | None) -> Residual:
    """norm-ReLU-[upsample-]conv3-norm-ReLU-conv3, shortcut [nearest ×2 +] conv1; no `upsample` keeps the size."""
    if upsample is None:
        first_conv = conv3x3(in_channels, out_channels)
    else:
        first_conv = upsample_block(in_channels, out_channels, upsample)
    main = nn.Sequential(norm2d(norm, in_channels), nn.ReLU(), first_conv,
                         norm2d(norm, out_channels), nn.ReLU(), conv3x3(out_channels, out_channels))
    resample = None if upsample is None else nn.Upsample(scale_factor=2, mode="nearest")
    return Residual(main, shortcut(in_channels, out_channels, resample))


def optimised_block(in_channels: int, out_channels: int, norm: Norm, downsample: bool, dropout: float) -> Residual:
    """The discriminator's first block: conv3-ReLU-conv3-avgpool, shortcut avgpool-conv1 (no ReLU on raw pixels)."""
    pool = [nn.AvgPool2d(2)] if downsample else []
    main = nn.Sequential(conv3x3(in_channels, out_channels), norm2d(norm, out_channels), nn.ReLU(),
                         *dropout_layers(dropout), conv3x3(out_channels, out_channels), *pool)
    skip = nn.Sequential(*pool, nn.Conv2d(in_channels, out_channels, kernel_size=1))
    return Residual(main, skip)


def discriminator_block(in_channels: int, out_channels: int, norm: Norm, downsample: bool, dropout: float) -> Residual:
    """ReLU-conv3-ReLU-conv3[-avgpool], shortcut conv1[-avgpool] (identity if nothing changes)."""
    pool = [nn.AvgPool2d(2)] if downsample else []
    main = nn.Sequential(norm2d(norm, in_channels), nn.ReLU(), *dropout_layers(dropout),
                         conv3x3(in_channels, out_channels), norm2d(norm, out_channels), nn.ReLU(),
                         *dropout_layers(dropout), conv3x3(out_channels, out_channels), *pool)
    if not downsample:
        return Residual(main, shortcut(in_channels, out_channels, None))
    skip = nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=1), nn.AvgPool2d(2))
    return Residual(main, skip)


@GENERATORS.register("resnet")
class ResNetGenerator(Generator):
    """Residual generator (SNGAN, Miyato et al. 2018): up-sampling residual blocks, then conv 3×3 and tanh."""

    def __init__(self, z_dim: int, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 64, depth: int = 1, norm: Norm = "batch",
                 upsample: Upsample = "nearest", latent: Latent = "normal",
                 attention: int | None = None, condition: Condition = "none"):
        super().__init__(z_dim, data_shape, latent)
        check_size_options("generator", width, depth)
        check_condition(condition, num_classes, "generator")
        self.num_classes, self.condition = num_classes, condition
        plan = image_plan(self.data_shape, "resnet", "generator")
        k = plan.doublings
        sides = [plan.base * 2 ** level for level in range(k + 1)]  # b, 2b, ..., image: blocks reach the image side
        check_attention(attention, sides, "generator")
        level_channels = [width_at(width, k - level) for level in range(k + 1)]  # at sides b, 2b, ..., image
        self.base_shape = (level_channels[0], plan.base, plan.base)
        self.project = nn.Linear(z_dim + label_inputs(condition, num_classes), level_channels[0] * plan.base ** 2)
        blocks = []
        if k == 0:  # 4×4 images: all `depth` blocks at the only resolution
            blocks += [generator_block(level_channels[0], level_channels[0], norm, None) for _ in range(depth)]
        blocks += attention_at(attention, sides[0], level_channels[0])
        for level in range(k):
            channels = level_channels[level + 1]
            blocks.append(generator_block(level_channels[level], channels, norm, upsample))
            blocks += [generator_block(channels, channels, norm, None) for _ in range(depth - 1)]
            blocks += attention_at(attention, sides[level + 1], channels)
        self.blocks = nn.Sequential(*blocks)
        self.to_image = nn.Sequential(norm2d(norm, level_channels[-1]), nn.ReLU(),
                                      conv3x3(level_channels[-1], plan.channels), nn.Tanh())
        self.apply(xavier_init_)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        z = conditioned_latent(z, y, self.condition, self.num_classes)  # (N, z_dim [+ K])
        base = self.project(z).reshape(len(z), *self.base_shape)  # (N, C0, b, b)
        return self.to_image(self.blocks(base))  # (N, C, H, W)


@DISCRIMINATORS.register("resnet")
class ResNetDiscriminator(Discriminator):
    """Residual discriminator (SNGAN, Miyato et al. 2018): down-sampling residual blocks, sum pooling, linear logit."""

    def __init__(self, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 64, depth: int = 1, norm: Norm = "none", dropout: float = 0.0,
                 attention: int | None = None, condition: Condition = "none"):
        super().__init__(data_shape)
        check_size_options("discriminator", width, depth, dropout)
        check_condition(condition, num_classes, "discriminator")
        self.num_classes, self.condition = num_classes, condition
        plan = image_plan(self.data_shape, "resnet", "discriminator")
        k = plan.doublings
        check_attention(attention, plan.feature_sides, "discriminator")
        in_channels = plan.channels + label_inputs(condition, num_classes)
        blocks = [optimised_block(in_channels, width, norm, downsample=k > 0, dropout=dropout)]
        blocks += [discriminator_block(width, width, norm, False, dropout) for _ in range(depth - 1)]
        blocks += attention_at(attention, plan.base * 2 ** max(k - 1, 0), width)
        for halvings in range(2, k + 1):
            in_channels, channels = width_at(width, halvings - 1), width_at(width, halvings)
            blocks.append(discriminator_block(in_channels, channels, norm, True, dropout))
            blocks += [discriminator_block(channels, channels, norm, False, dropout) for _ in range(depth - 1)]
            blocks += attention_at(attention, plan.base * 2 ** (k - halvings), channels)
        self.blocks = nn.Sequential(*blocks, nn.ReLU(), *dropout_layers(dropout))
        self.head = nn.Linear(width_at(width, max(k, 1)), 1)
        self.projection = projection_head(condition, num_classes, width_at(width, max(k, 1)))
        self.apply(xavier_init_)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = with_labels(x, y, self.condition, self.num_classes)  # (N, C [+ K], H, W)
        return self.blocks(x).sum(dim=(2, 3))  # (N, C_last): global sum pooling

    def classify(self, features: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return class_logits(self.head, self.projection, features, y)  # (N,)
