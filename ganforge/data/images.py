"""Image helpers shared by the image sources: size checks, antialiased resizing, centre crops.

Every image source stores uint8 [N, C, H, W] (one byte a pixel) and resizes once, at load
time, through `fit_square`, so all sources resize the same way.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import ConfigError

MAX_IMAGE_SIZE = 4096
RESIZE_CHUNK = 1024  # images converted to float at a time, to bound memory on large datasets
MAX_RESIZED_BYTES = 8 * 2**30  # resized images stay in memory as uint8; a data set larger than this is a typo


def check_image_size(size: int | None, option: str = "image_size") -> None:
    """Raise ConfigError("data.<option>") unless `size` is None or a side length in 1..MAX_IMAGE_SIZE."""
    if size is not None and not 1 <= size <= MAX_IMAGE_SIZE:
        raise ConfigError(f"data.{option}", f"expected an image side length from 1 to {MAX_IMAGE_SIZE} pixels, got {size}")


def fit_square(images: torch.Tensor, size: int | None) -> torch.Tensor:
    """Resize uint8 [N, C, H, W] so the short side is `size`, then centre-crop to size×size; None keeps them as they are."""
    if size is None:
        return images
    needed = images.shape[0] * images.shape[1] * size * size
    if needed > MAX_RESIZED_BYTES:
        raise ConfigError("data.image_size", f"{len(images)} images at {size}x{size} would take {needed / 2**30:.0f} GiB "
                                             f"of memory (limit {MAX_RESIZED_BYTES // 2**30} GiB); choose a smaller size")
    height, width = images.shape[-2:]
    if height <= width:
        scaled = (size, max(size, round(width * size / height)))
    else:
        scaled = (max(size, round(height * size / width)), size)
    return centre_crop(resize(images, scaled), size)


def resize(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize uint8 [N, C, H, W] to `size` = (height, width) with antialiased bilinear filtering; returns uint8."""
    if tuple(images.shape[-2:]) == tuple(size):
        return images
    resized = torch.empty((*images.shape[:2], *size), dtype=torch.uint8)
    for start in range(0, len(images), RESIZE_CHUNK):
        chunk = images[start:start + RESIZE_CHUNK].float()
        chunk = F.interpolate(chunk, size=size, mode="bilinear", antialias=True, align_corners=False)
        resized[start:start + RESIZE_CHUNK] = chunk.round_().clamp_(0, 255).to(torch.uint8)
    return resized


def centre_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """The central size×size window of [..., H, W] images (H, W ≥ size); a contiguous copy unless nothing is cut."""
    height, width = images.shape[-2:]
    if height == size and width == size:
        return images
    top, left = (height - size) // 2, (width - size) // 2
    return images[..., top:top + size, left:left + size].contiguous()
