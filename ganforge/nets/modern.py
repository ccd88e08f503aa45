"""Modern residual nets without normalisation, in the style of R3GAN (Huang et al. 2024), for sides 4·2^k or 28.

Every residual block is an inverted bottleneck: 1×1 conv (channels × `expansion`) → LeakyReLU →
grouped 3×3 conv (`group_size` channels a group) → LeakyReLU → 1×1 conv back, added to its input.
A fix-up style initialisation (Zhang et al. 2019) keeps the signal's scale without any norm layer:
the first two convs of each branch get He-normal weights scaled by L^(−1/4) (L blocks in the net,
3 layers a branch: L^(−1/(2·3−2))), the branch's last conv starts at zero, so every block starts as
the identity. Resolution changes are bilinear resampling plus a 1×1 conv where the channels change.

Generator: z → Linear → (C0, b, b) → [`depth` blocks] → per doubling: 1×1 conv, bilinear ×2,
`depth` blocks → 1×1 conv to the image channels → tanh. Channels follow `width_at` as in dcgan.
Discriminator: 1×1 conv from the image → per halving: `depth` blocks, bilinear ½ (antialiased),
1×1 conv → `depth` blocks at b×b → a depthwise b×b conv to one value a channel (the features) →
a linear logit. `norm` (default none) and `dropout` exist for the contract every net keeps;
the recipe uses neither. Pair with `rpgan` + `r1` + `r2` and `ema` (docs/techniques.md).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .registries import DISCRIMINATORS, GENERATORS
from .attention import attention_at, check_attention
from .base import Discriminator, Generator, Latent
from .conditioning import (Condition, check_condition, class_logits, conditioned_latent, label_inputs, projection_head,
                           with_labels)
from .layers import Norm, check_positive, check_size_options, dropout_layers, image_plan, norm2d, width_at

LEAK = 0.2
LEAKY_GAIN = math.sqrt(2 / (1 + LEAK ** 2))  # He gain of LeakyReLU(0.2)
BRANCH_LAYERS = 3  # convs in a residual branch: the m of fix-up's L^(−1/(2m−2))


def he_normal_(conv: nn.Conv2d, gain: float) -> nn.Conv2d:
    """Weights ~ N(0, (gain / √fan_in)²), zero bias; gain 0 zeroes the weights."""
    fan_in = conv.weight[0].numel()
    nn.init.normal_(conv.weight, 0.0, gain / math.sqrt(fan_in)) if gain else nn.init.zeros_(conv.weight)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)
    return conv


def conv1x1(in_channels: int, out_channels: int, gain: float = 1.0, bias: bool = True) -> nn.Conv2d:
    return he_normal_(nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=bias), gain)


def groups_for(channels: int, group_size: int) -> int:
    """How many groups of about `group_size` channels split `channels` evenly (1 for narrow layers)."""
    return math.gcd(channels, max(1, channels // group_size))


class InvertedBottleneck(nn.Module):
    """x + W3·act(grouped W2·act(W1·x)): W1, W2 He-normal × L^(−1/4), W3 zero (the block starts as the identity)."""

    def __init__(self, channels: int, expansion: int, group_size: int, total_blocks: int,
                 norm: Norm = "none", dropout: float = 0.0):
        super().__init__()
        wide = channels * expansion
        gain = LEAKY_GAIN * total_blocks ** (-1 / (2 * BRANCH_LAYERS - 2))
        grouped = nn.Conv2d(wide, wide, kernel_size=3, padding=1, groups=groups_for(wide, group_size))
        self.branch = nn.Sequential(
            conv1x1(channels, wide, gain), norm2d(norm, wide), nn.LeakyReLU(LEAK), *dropout_layers(dropout),
            he_normal_(grouped, gain), norm2d(norm, wide), nn.LeakyReLU(LEAK), *dropout_layers(dropout),
            conv1x1(wide, channels, gain=0.0, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


class Bilinear(nn.Module):
    """Bilinear resampling by `factor` (2: up, ½: down with an antialiasing triangle filter)."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=self.factor, mode="bilinear", align_corners=False,
                             antialias=self.factor < 1)


def check_block_options(role: str, expansion: int, group_size: int) -> None:
    check_positive(expansion, f"{role}.expansion")
    check_positive(group_size, f"{role}.group_size")


@GENERATORS.register("modern")
class ModernGenerator(Generator):
    """R3GAN-style generator: inverted-bottleneck residual blocks, no norm, fix-up init, bilinear upsampling, tanh."""

    def __init__(self, z_dim: int, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 64, depth: int = 1, expansion: int = 2, group_size: int = 16, norm: Norm = "none",
                 latent: Latent = "normal", attention: int | None = None, condition: Condition = "none"):
        super().__init__(z_dim, data_shape, latent)
        check_size_options("generator", width, depth)
        check_block_options("generator", expansion, group_size)
        check_condition(condition, num_classes, "generator")
        self.num_classes, self.condition = num_classes, condition
        plan = image_plan(self.data_shape, "modern", "generator")
        k = plan.doublings
        sides = [plan.base * 2 ** level for level in range(k + 1)]
        check_attention(attention, sides, "generator")
        channels = [width_at(width, k - level) for level in range(k + 1)]  # at sides b, 2b, ..., image

        def blocks(count: int, at: int) -> list[nn.Module]:
            return [InvertedBottleneck(at, expansion, group_size, depth * (k + 1), norm) for _ in range(count)]

        self.base_shape = (channels[0], plan.base, plan.base)
        self.project = nn.Linear(z_dim + label_inputs(condition, num_classes), channels[0] * plan.base ** 2)
        layers = [*blocks(depth, channels[0]), *attention_at(attention, sides[0], channels[0])]
        for level in range(k):
            if channels[level + 1] != channels[level]:
                layers.append(conv1x1(channels[level], channels[level + 1]))
            layers += [Bilinear(2), *blocks(depth, channels[level + 1])]
            layers += attention_at(attention, sides[level + 1], channels[level + 1])
        self.body = nn.Sequential(*layers)
        self.to_image = nn.Sequential(conv1x1(channels[-1], plan.channels), nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        z = conditioned_latent(z, y, self.condition, self.num_classes)  # (N, z_dim [+ K])
        base = self.project(z).reshape(len(z), *self.base_shape)  # (N, C0, b, b)
        return self.to_image(self.body(base))  # (N, C, H, W)


@DISCRIMINATORS.register("modern")
class ModernDiscriminator(Discriminator):
    """R3GAN-style discriminator: inverted-bottleneck residual blocks, no norm, bilinear downsampling, linear logit."""

    def __init__(self, data_shape: tuple[int, ...], num_classes: int = 0,
                 width: int = 64, depth: int = 1, expansion: int = 2, group_size: int = 16, norm: Norm = "none",
                 dropout: float = 0.0, attention: int | None = None, condition: Condition = "none"):
        super().__init__(data_shape)
        check_size_options("discriminator", width, depth, dropout)
        check_block_options("discriminator", expansion, group_size)
        check_condition(condition, num_classes, "discriminator")
        self.num_classes, self.condition = num_classes, condition
        plan = image_plan(self.data_shape, "modern", "discriminator")
        k = plan.doublings
        check_attention(attention, plan.feature_sides, "discriminator")
        channels = [width_at(width, halvings) for halvings in range(k + 1)]  # at sides image, image/2, ..., b

        def blocks(at: int) -> list[nn.Module]:
            return [InvertedBottleneck(at, expansion, group_size, depth * (k + 1), norm, dropout) for _ in range(depth)]

        layers = [conv1x1(plan.channels + label_inputs(condition, num_classes), channels[0])]
        for halvings in range(k):
            layers += [*blocks(channels[halvings]), Bilinear(0.5)]
            if channels[halvings + 1] != channels[halvings]:
                layers.append(conv1x1(channels[halvings], channels[halvings + 1]))
            layers += attention_at(attention, plan.base * 2 ** (k - halvings - 1), channels[halvings + 1])
        final = channels[-1]
        if k == 0:  # 4×4 images: attention, if any, at the only side
            layers += attention_at(attention, plan.base, final)
        pool = he_normal_(nn.Conv2d(final, final, kernel_size=plan.base, groups=final, bias=False), 1.0)
        self.body = nn.Sequential(*layers, *blocks(final), nn.LeakyReLU(LEAK), *dropout_layers(dropout), pool)
        self.head = nn.Linear(final, 1)
        self.projection = projection_head(condition, num_classes, final)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = with_labels(x, y, self.condition, self.num_classes)  # (N, C [+ K], H, W)
        return self.body(x).flatten(1)  # (N, C_last): one learned spatial weighting a channel

    def classify(self, features: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return class_logits(self.head, self.projection, features, y)  # (N,)
