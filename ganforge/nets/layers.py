"""Building blocks shared by the nets: option checks, the image-size plan, norms, upsampling, init."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from torch import nn

from ..errors import ConfigError

Norm = Literal["batch", "layer", "none"]
Activation = Literal["relu", "leaky_relu"]
Upsample = Literal["transposed", "pixelshuffle", "nearest"]

MAX_WIDTH_MULTIPLIER = 8  # conv nets never grow past width·8 channels (as in DCGAN)
MAX_DEPTH = 256  # layers (or blocks) per net or resolution: building 10^12 of them would never finish


# --- option checks ---------------------------------------------------------------------

def check_positive(value: int, field: str) -> None:
    if value < 1:
        raise ConfigError(field, f"must be a positive integer, got {value}")


def check_dropout(value: float, field: str) -> None:
    if not 0.0 <= value < 1.0:
        raise ConfigError(field, f"must be in [0, 1) (the probability of zeroing an activation), got {value}")


def check_size_options(role: str, width: int, depth: int, dropout: float = 0.0) -> None:
    """The options every net has: positive width and depth, dropout in [0, 1)."""
    check_positive(width, f"{role}.width")
    check_positive(depth, f"{role}.depth")
    if depth > MAX_DEPTH:
        raise ConfigError(f"{role}.depth", f"expected 1 to {MAX_DEPTH} layers, got {depth}")
    check_dropout(dropout, f"{role}.dropout")


# --- image-size plan -------------------------------------------------------------------

@dataclass(frozen=True)
class ImagePlan:
    """How a conv net reaches a (C, S, S) image: a base×base map doubled `doublings` times."""

    channels: int   # C, the image channels
    base: int       # side of the smallest feature map: 4, or 7 for 28×28 images
    doublings: int  # k: image side = base · 2^k

    @property
    def feature_sides(self) -> list[int]:
        """Sides of the feature maps smaller than the image: b, 2b, ..., side/2 (just b = 4 for 4×4 images)."""
        return [self.base * 2 ** level for level in range(max(self.doublings, 1))]


def image_plan(data_shape: tuple[int, ...], net: str, role: str) -> ImagePlan:
    """Check that a conv net `net` (used as `role`: generator/discriminator) can handle `data_shape`."""
    if len(data_shape) != 3:
        raise ConfigError(f"{role}.name", f"{net} is convolutional and needs images (C, H, W), but the data "
                                          f"have shape {tuple(data_shape)}; use name: mlp for vector data")
    channels, height, width = data_shape
    if height != width:
        raise ConfigError("data.image_size", f"{net} needs square images, got {height}×{width}")
    base, doublings = _base_and_doublings(height, net)
    return ImagePlan(channels, base, doublings)


def _base_and_doublings(side: int, net: str) -> tuple[int, int]:
    if side == 28:  # MNIST-sized: 7 → 14 → 28
        return 7, 2
    doublings = round(math.log2(side / 4)) if side >= 4 else -1
    if doublings < 0 or 4 * 2 ** doublings != side:
        raise ConfigError("data.image_size", f"{net} supports 4·2^k (4, 8, 16, 32, 64, 128, ...) or 28, got {side}; "
                                              f"set data.image_size to one of these to resize the data")
    return 4, doublings


def width_at(width: int, halvings: int) -> int:
    """Channels of a feature map `halvings` times smaller than the image: width·2^(halvings-1), in [width, width·8].

    The generator narrows as it grows towards the image, the discriminator widens as it
    shrinks away from it, both following this one schedule (e.g. 64×64 → 64, 128, 256, 512).
    """
    return width * min(2 ** max(halvings - 1, 0), MAX_WIDTH_MULTIPLIER)


# --- layers ----------------------------------------------------------------------------

def norm2d(kind: Norm, channels: int) -> nn.Module:
    """Per-channel norm for (N, C, H, W) maps; "layer" normalises each sample over (C, H, W)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    return nn.Identity()


def norm1d(kind: Norm, features: int) -> nn.Module:
    """Norm for (N, F) activations."""
    if kind == "batch":
        return nn.BatchNorm1d(features)
    if kind == "layer":
        return nn.LayerNorm(features)
    return nn.Identity()


def activation(kind: Activation) -> nn.Module:
    return nn.ReLU() if kind == "relu" else nn.LeakyReLU(0.2)


def dropout_layers(probability: float) -> list[nn.Module]:
    """[Dropout] when `probability` > 0, else nothing (so a dropout-free net has no Dropout modules)."""
    return [nn.Dropout(probability)] if probability > 0 else []


def conv3x3(in_channels: int, out_channels: int) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)


def upsample_block(in_channels: int, out_channels: int, mode: Upsample) -> nn.Module:
    """Double the resolution and map in → out channels: (N, in, S, S) → (N, out, 2S, 2S).

    transposed:   ConvTranspose 4×4, stride 2 (DCGAN; cheap, may leave checkerboard artefacts)
    pixelshuffle: conv 3×3 to 4·out channels, then PixelShuffle(2) (sub-pixel convolution)
    nearest:      nearest-neighbour ×2, then conv 3×3 (SNGAN/BigGAN; no checkerboard)
    """
    if mode == "transposed":
        return nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1)
    if mode == "pixelshuffle":
        return nn.Sequential(conv3x3(in_channels, 4 * out_channels), nn.PixelShuffle(2))
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv3x3(in_channels, out_channels))


# --- initialisation --------------------------------------------------------------------

WEIGHTED = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


def dcgan_init_(module: nn.Module) -> None:
    """Radford et al. 2016: conv/linear weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02), biases 0."""
    if isinstance(module, WEIGHTED):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
    else:
        return
    if module.bias is not None:
        nn.init.zeros_(module.bias)


def xavier_init_(module: nn.Module) -> None:
    """Glorot-uniform conv/linear weights and zero biases (the SNGAN reference init)."""
    if isinstance(module, WEIGHTED):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
