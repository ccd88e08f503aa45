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
        self.samples_device = torch.device("cpu")  # where `samples` live (place_on)
        self.pin_batches = False  # pin each batch for a non-blocking copy to the GPU (place_on)
        self._permutations: dict[tuple[int, int], torch.Tensor] = {}  # (seed, epoch) → order, the newest two

    def __len__(self) -> int:
        return len(self.samples)

    def batch(self, index, batch_size, seed):
        """The rows are chosen on the host (seeded permutations, as always); the pixels are gathered where they
        live: on the GPU once `place_on` moved them there, so a batch then crosses no bus at all."""
        indices = self._indices(index, batch_size, seed)
        if self.samples_device.type != "cpu":
            indices = indices.to(self.samples_device, non_blocking=True)
        x = self.samples[indices]
        if self.pin_batches:
            x = x.pin_memory()  # so the copy to the GPU (next_batch's non_blocking .to) overlaps the step
        x = self._to_unit_range(x)
        return x, None if self.labels is None else self.labels[indices]

    def _indices(self, index: int, batch_size: int, seed: int) -> torch.Tensor:
        """Positions [index·B, (index+1)·B) of the endless concatenation of the per-epoch permutations."""
        first, last = index * batch_size, (index + 1) * batch_size
        pieces = []
        for epoch in range(first // len(self), (last - 1) // len(self) + 1):
            start, stop = max(first, epoch * len(self)), min(last, (epoch + 1) * len(self))
            pieces.append(self._permutation(seed, epoch)[start - epoch * len(self):stop - epoch * len(self)])
        return torch.cat(pieces) if len(pieces) > 1 else pieces[0]

    def _permutation(self, seed: int, epoch: int) -> torch.Tensor:
        key = (seed, epoch)
        if key not in self._permutations:
            if len(self._permutations) >= 2:  # a batch spans at most two epochs
                self._permutations.pop(next(iter(self._permutations)))
            generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
            self._permutations[key] = torch.randperm(len(self), generator=generator)
        return self._permutations[key]

    def place_on(self, device: torch.device, budget_bytes: int) -> bool:
        """Keep the samples on `device` (a GPU) when they take at most `budget_bytes`; else pin each batch for
        a non-blocking copy. True when the samples moved. Batches stay the same rows either way."""
        if device.type == "cpu":
            return False
        if stored_bytes(self.samples) > budget_bytes:
            self.pin_batches = device.type == "cuda"
            return False
        self.samples = self.samples.to(device)
        self.labels = None if self.labels is None else self.labels.to(device)
        self.samples_device = device
        return True

    def _to_unit_range(self, samples: torch.Tensor) -> torch.Tensor:
        if samples.dtype == torch.uint8:
            return samples.float().div_(127.5).sub_(1.0)
        return samples.float()

    def to_data_units(self, x):
        x = x.detach().cpu().float()
        if self.samples.dtype == torch.uint8:
            return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
        return x.numpy()


def stored_bytes(samples) -> int:
    """Bytes a stored dataset's samples take (a tensor, or an object with `nbytes` such as the stacked images)."""
    return samples.nbytes if isinstance(samples, torch.Tensor) else int(getattr(samples, "nbytes", 1 << 62))
