"""`random_conv`: a fixed, randomly initialised convolutional network as a feature space for any images.

FD, KID and precision/recall/density/coverage need a feature space. The shipped classifiers know
only digits and Fashion-MNIST, and InceptionV3 needs a weights file ganforge never downloads;
Naeem et al. 2020 ("Reliable fidelity and diversity metrics for generative models", §5) show
that a randomly initialised network gives a usable embedding where no trained one fits. This one
needs no file and is defined for every image size and channel count:

- four 3×3 convolution + ReLU blocks of 32, 64, 128 and 256 channels, each followed by 2×2
  average pooling while the image is at least 2 pixels on a side;
- the features are every block's global average (32 + 64 + 128 + 256 = 480 numbers), so coarse
  and fine structure both count;
- weights are He-normal (std √(2 / fan-in)), drawn with numpy's PCG64 from the seed
  (RANDOM_CONV_SEED, channel count): the same numbers on every machine and torch version;
  biases are zero;
- images wider than MAX_SIDE are first resized to MAX_SIDE (antialiased bilinear) to bound the cost.

What it is good for: comparing sets of the *same* data (runs, checkpoints, settings) — lower is
closer to the real data, and mode dropping lowers recall and coverage. What it is not: a
perceptual or semantic space, and its numbers are comparable only with the same extractor hash
(which every result records), never with Inception FIDs from papers.
"""
from __future__ import annotations

import hashlib

import numpy as np
import torch
import torch.nn.functional as F

RANDOM_CONV_SEED = 0
WIDTHS = (32, 64, 128, 256)
MAX_SIDE = 64


def random_conv_weights(channels: int, seed: int = RANDOM_CONV_SEED) -> list[torch.Tensor]:
    """The convolution kernels [out, in, 3, 3] for `channels`-channel inputs, from numpy's PCG64."""
    rng = np.random.default_rng([seed, channels])
    weights, inputs = [], channels
    for width in WIDTHS:
        std = np.sqrt(2.0 / (inputs * 9))
        weights.append(torch.from_numpy(rng.standard_normal((width, inputs, 3, 3)) * std).float())
        inputs = width
    return weights


def random_conv_features(images: torch.Tensor, weights: list[torch.Tensor]) -> torch.Tensor:
    """[N, C, H, W] in [-1, 1] → [N, 480]: each block's global average."""
    x = fit_side(images)
    pooled = []
    for kernel in weights:
        x = F.relu(F.conv2d(x, kernel, padding=1))
        pooled.append(x.mean(dim=(2, 3)))
        if min(x.shape[-2:]) >= 2:
            x = F.avg_pool2d(x, 2)
    return torch.cat(pooled, dim=1)


def fit_side(images: torch.Tensor) -> torch.Tensor:
    """Images whose longer side exceeds MAX_SIDE, shrunk (antialiased bilinear) so it is MAX_SIDE."""
    height, width = images.shape[-2:]
    if max(height, width) <= MAX_SIDE:
        return images
    scale = MAX_SIDE / max(height, width)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    return F.interpolate(images, size=size, mode="bilinear", antialias=True, align_corners=False)


def weights_sha256(weights: list[torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for kernel in weights:
        digest.update(kernel.numpy().tobytes())
    return digest.hexdigest()
