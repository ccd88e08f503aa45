"""2-D Gaussian mixtures (ring, grid): the classic mode-collapse benchmarks, sampled on the fly.

Samples are drawn fresh for every batch (the dataset is endless), from a generator seeded
by (seed, batch index) alone, then multiplied by `scale` so they lie in about [-1, 1].
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..errors import ConfigError
from ..memory import check_fits
from .registries import DATA
from .source import DataSource


class MixtureSource(DataSource):
    """Equal-weight mixture of isotropic Gaussians in the plane.

    `centres` [K, 2] and `std` are in data units; `scale` maps data units into about [-1, 1].
    With `labelled`, each sample's label is the index of the mode it was drawn from.
    """

    shape = (2,)

    def __init__(self, centres: torch.Tensor, std: float, scale: float, labelled: bool):
        self.centres = centres.float()
        self.std = float(std)
        self.scale = float(scale)
        self.labelled = labelled
        self.num_classes = len(centres) if labelled else 0

    def batch(self, index, batch_size, seed):
        generator = _generator_for(seed, index)
        modes = torch.randint(len(self.centres), (batch_size,), generator=generator)
        noise = torch.randn(batch_size, 2, generator=generator) * self.std
        x = (self.centres[modes] + noise) * self.scale
        return x, modes if self.labelled else None

    def to_data_units(self, x):
        return (x.detach().cpu().float() / self.scale).numpy()


@DATA.register("ring")
class RingSource(MixtureSource):
    """Gaussians evenly spaced on a circle (default 8 modes, radius 1, std 0.01)."""

    def __init__(self, modes: int = 8, radius: float = 1.0, std: float = 0.01, labelled: bool = False):
        _require(modes >= 1, "modes", "an integer ≥ 1", modes)
        _require(radius > 0, "radius", "a number > 0", radius)
        _require(std > 0, "std", "a number > 0", std)
        check_fits("data.modes", modes * 2 * 8 * 3, f"{modes} mode centres")
        angles = 2 * math.pi * torch.arange(modes, dtype=torch.float64) / modes
        centres = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
        super().__init__(centres, std, scale=1 / radius, labelled=labelled)


@DATA.register("grid")
class GridSource(MixtureSource):
    """Gaussians on a square lattice centred on the origin (default 5×5 at {-4,-2,0,2,4}², std 0.05)."""

    def __init__(self, modes_per_side: int = 5, spacing: float = 2.0, std: float = 0.05, labelled: bool = False):
        _require(modes_per_side >= 1, "modes_per_side", "an integer ≥ 1", modes_per_side)
        _require(spacing > 0, "spacing", "a number > 0", spacing)
        _require(std > 0, "std", "a number > 0", std)
        check_fits("data.modes_per_side", modes_per_side**2 * 2 * 8 * 4, f"{modes_per_side}² mode centres")
        coords = (torch.arange(modes_per_side, dtype=torch.float64) - (modes_per_side - 1) / 2) * spacing
        rows, columns = torch.meshgrid(coords, coords, indexing="ij")
        centres = torch.stack([rows.flatten(), columns.flatten()], dim=1)
        extent = float(coords.abs().max())  # 0 for a single mode: then the data is used as is
        super().__init__(centres, std, scale=1 / extent if extent > 0 else 1.0, labelled=labelled)


def _require(condition: bool, option: str, expected: str, value) -> None:
    if not condition:
        raise ConfigError(f"data.{option}", f"expected {expected}, got {value!r}")


def _generator_for(seed: int, index: int) -> torch.Generator:
    """A torch generator whose state depends on (seed, index) only; distinct pairs give unrelated streams."""
    entropy = np.random.SeedSequence([seed % 2**64, index % 2**64]).generate_state(1, dtype=np.uint64)[0]
    return torch.Generator().manual_seed(int(entropy))
