"""DiffAugment: differentiable colour, translation and cutout augmentations of everything D sees."""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin

Augmentation = Literal["color", "translation", "cutout"]
TRANSLATION_RATIO = 1 / 8  # largest shift, as a fraction of the image side
CUTOUT_RATIO = 1 / 2  # side of the cut-out square, as a fraction of the image side


def per_image_uniform(x: torch.Tensor) -> torch.Tensor:
    """U(0, 1), one draw per image, shaped [N, 1, 1, 1]."""
    return torch.rand(len(x), 1, 1, 1, device=x.device, dtype=x.dtype)


def color(x: torch.Tensor) -> torch.Tensor:
    """Brightness + U(−½, ½), saturation ×U(0, 2) around each pixel's channel mean, contrast ×U(½, 3/2).

    Contrast scales around the image mean.
    """
    x = x + (per_image_uniform(x) - 0.5)
    channel_mean = x.mean(dim=1, keepdim=True)  # (N, 1, H, W); a no-op for one channel
    x = (x - channel_mean) * (2 * per_image_uniform(x)) + channel_mean
    image_mean = x.mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)
    return (x - image_mean) * (per_image_uniform(x) + 0.5) + image_mean


def translation(x: torch.Tensor, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """Shift each image by whole pixels (dy, dx), each uniform in [−s, s], s = round(ratio·side); zeros fill in."""
    n, _, height, width = x.shape
    max_dy, max_dx = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dy = torch.randint(-max_dy, max_dy + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-max_dx, max_dx + 1, (n, 1, 1), device=x.device)
    # output pixel (i, j) takes input pixel (i − dy, j − dx); sources off the image read the zero border
    rows = (torch.arange(height, device=x.device).view(1, height, 1) - dy).clamp(-1, height) + 1  # (N, H, 1)
    cols = (torch.arange(width, device=x.device).view(1, 1, width) - dx).clamp(-1, width) + 1  # (N, 1, W)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)  # (N, H+2, W+2, C)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded[batch, rows, cols].permute(0, 3, 1, 2)  # (N, C, H, W)


def cutout(x: torch.Tensor, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """Zero a square of side round(ratio·side) per image, its centre uniform over the image (clipped at the border)."""
    n, _, height, width = x.shape
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    centre_y = torch.randint(0, height + (1 - size_y % 2), (n, 1, 1), device=x.device)
    centre_x = torch.randint(0, width + (1 - size_x % 2), (n, 1, 1), device=x.device)
    top, left = centre_y - size_y // 2, centre_x - size_x // 2  # (N, 1, 1)
    rows = torch.arange(height, device=x.device).view(1, height, 1)
    cols = torch.arange(width, device=x.device).view(1, 1, width)
    inside = (rows >= top) & (rows < top + size_y) & (cols >= left) & (cols < left + size_x)  # (N, H, W)
    return x * (~inside).unsqueeze(1).to(x.dtype)


AUGMENTATIONS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: torch.Tensor, policy: tuple[str, ...]) -> torch.Tensor:
    """Apply the augmentations of `policy` in order, each sampled independently per image; differentiable in x."""
    for name in policy:
        x = AUGMENTATIONS[name](x)
    return x


@PLUGINS.register("diffaugment")
class DiffAugment(Plugin):
    """Differentiable augmentation of real and fake images for D, and of fake images in the G step.

    Zhao, Liu, Lin, Zhu, Han (2020), "Differentiable Augmentation for Data-Efficient GAN Training".

        D step: D(T(x_real)), D(T(G(z)))        G step: D(T(G(z))), gradients flow back through T

    T applies `policy` in the order given (a YAML list), each with fresh randomness per image:
      color:       brightness + U(−½, ½), saturation ×U(0, 2), contrast ×U(½, 3/2)
      translation: shift by up to 1/8 of the side in each direction, zero padding
      cutout:      zero a square of half the side, centre uniform (clipped at the border)
    Real and fake batches go through the same policy, so D cannot tell them apart by the
    augmentation, and G is never pushed to produce augmented-looking images. Use it when D
    overfits a small data set (D(real) → 1 on training images, FID rising after a while);
    with 100–10k images it often decides whether training works at all. Images only.
    """

    def __init__(self, policy: list[Augmentation] = ["translation", "cutout"]):  # noqa: B006 (copied, never mutated)
        if not policy:
            raise ConfigError("plugins.diffaugment.policy", "expected at least one of color, translation, cutout")
        if len(set(policy)) != len(policy):
            raise ConfigError("plugins.diffaugment.policy", f"each augmentation may appear once, got {list(policy)}")
        self.policy = tuple(policy)

    def setup(self, state) -> None:
        if not state.data.is_image:
            raise ConfigError("plugins.diffaugment", f"augments images (C, H, W), but the data have shape "
                                                     f"{tuple(state.data.shape)}; remove it for vector data")

    def d_inputs(self, real: torch.Tensor, fake: torch.Tensor, state) -> tuple[torch.Tensor, torch.Tensor]:
        return diff_augment(real, self.policy), diff_augment(fake, self.policy)

    def g_inputs(self, real: torch.Tensor, fake: torch.Tensor, state) -> tuple[torch.Tensor, torch.Tensor]:
        return diff_augment(real, self.policy), diff_augment(fake, self.policy)
