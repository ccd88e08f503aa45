"""What every data source is: batches scaled to [-1, 1], addressed by batch index.

Batches are a pure function of (seed, batch index), so a resumed run, or one rank of a
distributed run, draws exactly the batches an uninterrupted single process would have.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import DataError


class DataSource:
    """Base class. Subclasses set `shape` ((C, H, W) for images, (D,) for vectors) and `num_classes`."""

    shape: tuple[int, ...]
    num_classes: int = 0

    @property
    def is_image(self) -> bool:
        return len(self.shape) == 3

    def batch(self, index: int, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Batch number `index` of the stream for `seed`: (x float32 in [-1, 1], labels int64 or None)."""
        raise NotImplementedError

    def to_data_units(self, x: torch.Tensor) -> np.ndarray:
        """Map generated samples from [-1, 1] back to the data's own units (pixels, the mixture's plane)."""
        raise NotImplementedError


class StoredSource(DataSource):
    """A finite dataset held in memory: images as uint8 [N, C, H, W] (1 byte a pixel), or float vectors [N, D].

    Each epoch is a fresh permutation seeded by (seed, epoch); batch k takes positions
    [k·B, (k+1)·B) of the endless concatenation of those permutations.
    """

    def __init__(self, samples: torch.Tensor, labels: torch.Tensor | None, origin: str):
        if len(samples) == 0:
            raise DataError(origin, "contains no samples")
        if labels is not None and len(labels) != len(samples):
            raise DataError(origin, f"has {len(samples)} samples but {len(labels)} labels")
        self.samples = samples
        self.labels = None if labels is None else labels.long()
        self.shape = tuple(samples.shape[1:])
        self.num_classes = 0 if labels is None else int(self.labels.max()) + 1
        self.origin = origin

    def __len__(self) -> int:
        return len(self.samples)

    def batch(self, index, batch_size, seed):
        positions = torch.arange(index * batch_size, (index + 1) * batch_size)
        epochs, offsets = positions // len(self), positions % len(self)
        indices = torch.empty_like(positions)
        for epoch in epochs.unique().tolist():
            chosen = epochs == epoch
            indices[chosen] = self._permutation(seed, epoch)[offsets[chosen]]
        x = self._to_unit_range(self.samples[indices])
        return x, None if self.labels is None else self.labels[indices]

    def _permutation(self, seed: int, epoch: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
        return torch.randperm(len(self), generator=generator)

    def _to_unit_range(self, samples: torch.Tensor) -> torch.Tensor:
        if samples.dtype == torch.uint8:
            return samples.float().div_(127.5).sub_(1.0)
        return samples.float()

    def to_data_units(self, x):
        x = x.detach().cpu().float()
        if self.samples.dtype == torch.uint8:
            return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
        return x.numpy()
