"""Stacked MNIST-style data: three random images of a labelled dataset stacked as the 3 channels of one image.

With 10 classes per channel the stack has 10³ = 1,000 modes, labelled 100·c₀ + 10·c₁ + c₂.
It is the mode-collapse benchmark of Metz et al. 2017 (Unrolled GANs, §3.3) and Srivastava
et al. 2017 (VEEGAN), used by Lin et al. 2018 (PacGAN, §4) with 26,000 generated samples, each
channel classified separately. Here the base is scikit-learn's digits or Fashion-MNIST.

The stacked dataset is `size` triples of base indices drawn (with replacement) from `seed`;
images are assembled on demand from the base images, so 60,000 stacked samples cost 1.4 MB of
indices, not 141 MB of pixels. Batches are drawn like any StoredSource: a pure function of
(batch index, training seed).
"""
from __future__ import annotations

from typing import Literal

import torch

from ..errors import ConfigError
from .digits import DigitsSource
from .idx import FashionMnistSource
from .registries import DATA
from .source import StoredSource


class StackedImages:
    """A read-only view that looks like uint8 [size, 3, H, W]: row i stacks base images triples[i, 0..2]."""

    dtype = torch.uint8

    def __init__(self, base_images: torch.Tensor, triples: torch.Tensor):
        self.base_images, self.triples = base_images, triples  # [M, 1, H, W] uint8, [size, 3] int64
        self.shape = torch.Size((len(triples), 3, *base_images.shape[-2:]))

    def __len__(self) -> int:
        return len(self.triples)

    @property
    def nbytes(self) -> int:
        return self.base_images.nbytes + self.triples.nbytes

    def to(self, device) -> "StackedImages":
        return StackedImages(self.base_images.to(device), self.triples.to(device))

    def __getitem__(self, rows) -> torch.Tensor:
        chosen = self.triples[rows]  # [..., 3]
        return self.base_images[chosen.reshape(-1)].reshape(*chosen.shape, *self.shape[-2:])


@DATA.register("stacked")
class StackedSource(StoredSource):
    """Three random `base` images (digits or fashion_mnist) stacked into RGB channels: 1,000 modes (3, H, W)."""

    def __init__(
        self,
        base: Literal["digits", "fashion_mnist"] = "digits",
        size: int = 60000,
        seed: int = 0,
        root: str = "/usr/share/datasets/fashion-mnist",
        split: Literal["train", "test"] = "train",
        image_size: int | None = None,
    ):
        if size < 1:
            raise ConfigError("data.size", f"expected a positive number of stacked samples, got {size}")
        self.base = base
        self.base_source = build_base(base, root, split, image_size)
        generator = torch.Generator().manual_seed(seed)
        triples = torch.randint(len(self.base_source), (size, 3), generator=generator)
        base_labels = self.base_source.labels[triples]  # [size, 3]
        labels = 100 * base_labels[:, 0] + 10 * base_labels[:, 1] + base_labels[:, 2]
        super().__init__(StackedImages(self.base_source.samples, triples), labels, origin=f"stacked {base}")
        self.num_classes = self.base_source.num_classes ** 3
        self.triples = triples


def build_base(base: str, root: str, split: str, image_size: int | None) -> StoredSource:
    """The labelled single-channel source to stack. Digits has one split of 1,797 images, so `split` only applies to Fashion-MNIST."""
    if base == "digits":
        return DigitsSource(image_size=image_size or 8)
    return FashionMnistSource(root=root, split=split, image_size=image_size)
