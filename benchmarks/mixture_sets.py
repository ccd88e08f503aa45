"""The 2-D mixtures `mixture_best` is chosen on (tuning) and judged on afterwards (held-out), with their seeds.

Settings are compared on TUNING only; HELD_OUT is fixed and committed before anything runs on it, and
run once, with the frozen preset. A held-out mixture differs from every tuning one in its mode count,
spacing or σ, and several have unequal weights or come from a .npy file. Its seeds are not tuning
seeds. A held-out set whose rows were seen before the preset changed joins TUNING (the preset was
changed after them), and a new HELD_OUT takes its place.

A mixture is either a built-in data source with options (`ring`, `grid`: the judge takes its centres
and σ from the source), or a .npy file of samples written here, deterministically from the mixture's
own `file_seed` (the judge takes centres and σ from this file's spec). The preset never sees centres,
σ, weights or the mode count: only the samples, as `data.name=array data.rescale=true` (each feature
min-max scaled into [-1, 1] from the samples themselves) for a file.

    python benchmarks/mixture_sets.py     # writes the .npy files under benchmarks/results/mixtures/
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILES = Path(__file__).resolve().parent / "results" / "mixtures"
FILE_SAMPLES = 50_000  # samples in each .npy file


@dataclass(frozen=True)
class Mixture:
    """A mixture to train on. `builtin` holds data overrides of a built-in source; otherwise `centres`,
    `std` and `weights` (None: equal) define a .npy file of FILE_SAMPLES samples drawn with `file_seed`."""

    name: str
    description: str
    seeds: tuple[int, ...]
    builtin: tuple[str, ...] = ()
    centres: tuple[tuple[float, float], ...] = ()
    std: float = 0.0
    weights: tuple[float, ...] | None = None
    file_seed: int = 0

    @property
    def path(self) -> Path:
        return FILES / f"{self.name}.npy"

    def data_overrides(self) -> list[str]:
        if self.builtin:
            return list(self.builtin)
        return ["data.name=array", f"data.path={self.path}", "data.rescale=true"]


def ring_centres(modes: int, radius: float, centre=(0.0, 0.0), phase: float = 0.0) -> tuple:
    return tuple((centre[0] + radius * math.cos(phase + 2 * math.pi * k / modes),
                  centre[1] + radius * math.sin(phase + 2 * math.pi * k / modes)) for k in range(modes))


def grid_centres(columns: int, rows: int, spacing: float, origin=(0.0, 0.0)) -> tuple:
    return tuple((origin[0] + spacing * i, origin[1] + spacing * j) for i in range(columns) for j in range(rows))


def scattered_centres(count: int, width: float, height: float, min_distance: float, seed: int) -> tuple:
    """`count` centres drawn uniformly in a width × height box, each redrawn until ≥ min_distance from the others."""
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    while len(chosen) < count:
        candidate = rng.uniform((0, 0), (width, height))
        if all(np.linalg.norm(candidate - other) >= min_distance for other in chosen):
            chosen.append(candidate)
    return tuple((float(x), float(y)) for x, y in chosen)


def cycling_weights(count: int, pattern=(1.0, 2.0, 3.0)) -> tuple:
    return tuple(pattern[k % len(pattern)] for k in range(count))


TUNING_FIRST = (
    Mixture("ring", "8 modes on the unit circle, σ 0.01 (PacGAN's ring, the `ring` source)", seeds=(0, 1),
            builtin=("data.name=ring",)),
    Mixture("grid", "5×5 at {-4,-2,0,2,4}², σ 0.05 (PacGAN's grid, the `grid` source)", seeds=(0, 1),
            builtin=("data.name=grid",)),
    Mixture("tune-ring10-weighted", ".npy: 10 modes on a circle of radius 3 about (1, 2), σ 0.06, weights 1:2:3 cycling",
            seeds=(0, 1), centres=ring_centres(10, 3.0, centre=(1.0, 2.0)), std=0.06,
            weights=cycling_weights(10), file_seed=11),
)

SEEN_HELD_OUT = (  # the first held-out set, run once with an earlier preset: tuning material since
    Mixture("grid7", "7×7 at spacing 2, σ 0.05 (`grid`, data.modes_per_side=7)", seeds=(100,),
            builtin=("data.name=grid", "data.modes_per_side=7")),
    Mixture("ring16", "16 modes on a circle of radius 2, σ 0.02 (`ring`, data.modes=16 radius=2 std=0.02)", seeds=(101,),
            builtin=("data.name=ring", "data.modes=16", "data.radius=2", "data.std=0.02")),
    Mixture("grid5-weighted", ".npy: 5×5 at spacing 2, σ 0.05, weights 1:2:3 cycling",
            seeds=(102,), centres=grid_centres(5, 5, 2.0, origin=(-4.0, -4.0)), std=0.05,
            weights=cycling_weights(25), file_seed=21),
    Mixture("grid3x4-wide", ".npy: 3×4 at spacing 10 from (50, -20), σ 0.8, equal weights",
            seeds=(103,), centres=grid_centres(3, 4, 10.0, origin=(50.0, -20.0)), std=0.8, file_seed=22),
    Mixture("two-rings12-weighted", ".npy: rings of 4 (radius 0.1) and 8 (radius 0.25) modes, σ 0.004, weights 1:2 cycling",
            seeds=(104,), centres=ring_centres(4, 0.1, phase=math.pi / 4) + ring_centres(8, 0.25), std=0.004,
            weights=cycling_weights(12, (1.0, 2.0)), file_seed=23),
    Mixture("scattered20-weighted", ".npy: 20 modes scattered in a 12 × 8 box (≥ 1.2 apart), σ 0.08, weights 1:2:3:4 cycling",
            seeds=(105,), centres=scattered_centres(20, 12.0, 8.0, 1.2, seed=24), std=0.08,
            weights=cycling_weights(20, (1.0, 2.0, 3.0, 4.0)), file_seed=25),
)

SEEN_HELD_OUT_2 = (  # the second held-out set, run once with `ttur_8k`'s settings as mixture_best: tuning material since
    Mixture("ring6-wide", "6 modes on a circle of radius 3, σ 0.05 (`ring`, data.modes=6 radius=3 std=0.05)", seeds=(200,),
            builtin=("data.name=ring", "data.modes=6", "data.radius=3", "data.std=0.05")),
    Mixture("grid4", "4×4 at spacing 3, σ 0.1 (`grid`, data.modes_per_side=4 spacing=3 std=0.1)", seeds=(201,),
            builtin=("data.name=grid", "data.modes_per_side=4", "data.spacing=3", "data.std=0.1")),
    Mixture("ring9-offset-weighted", ".npy: 9 modes on a circle of radius 5 about (-3, 7), σ 0.15, weights 1:1:3 cycling",
            seeds=(202,), centres=ring_centres(9, 5.0, centre=(-3.0, 7.0)), std=0.15,
            weights=cycling_weights(9, (1.0, 1.0, 3.0)), file_seed=31),
    Mixture("grid3x5-weighted", ".npy: 3×5 at spacing 1.5 from (10, 10), σ 0.04, weights 1:2:3:4 cycling",
            seeds=(203,), centres=grid_centres(3, 5, 1.5, origin=(10.0, 10.0)), std=0.04,
            weights=cycling_weights(15, (1.0, 2.0, 3.0, 4.0)), file_seed=32),
    Mixture("scattered30-weighted", ".npy: 30 modes scattered in a 10 × 10 box (≥ 1.1 apart), σ 0.05, weights 1:1:2 cycling",
            seeds=(204,), centres=scattered_centres(30, 10.0, 10.0, 1.1, seed=33), std=0.05,
            weights=cycling_weights(30, (1.0, 1.0, 2.0)), file_seed=34),
    Mixture("triangles12", ".npy: 4 triangles of side 0.6 at the corners of an 8 × 8 square, σ 0.05, equal weights",
            seeds=(205,), centres=sum((ring_centres(3, 0.6 / math.sqrt(3), centre=corner) for corner in
                                       ((0.0, 0.0), (8.0, 0.0), (0.0, 8.0), (8.0, 8.0))), ()), std=0.05, file_seed=35),
)

TUNING = TUNING_FIRST + SEEN_HELD_OUT + SEEN_HELD_OUT_2


def pairs_centres(count: int, radius: float, gap: float) -> tuple:
    """`count` pairs of centres `gap` apart along x, the pairs' left members evenly on a circle of `radius`."""
    return sum((((x, y), (x + gap, y)) for x, y in ring_centres(count, radius)), ())


HELD_OUT = (  # committed before anything ran on it; run once, with mixture_best as frozen at the same commit
    Mixture("ring11", "11 modes on a circle of radius 1.5, σ 0.01 (`ring`, data.modes=11 radius=1.5 std=0.01)",
            seeds=(300,), builtin=("data.name=ring", "data.modes=11", "data.radius=1.5", "data.std=0.01")),
    Mixture("grid6", "6×6 at spacing 1.5, σ 0.03 (`grid`, data.modes_per_side=6 spacing=1.5 std=0.03)", seeds=(301,),
            builtin=("data.name=grid", "data.modes_per_side=6", "data.spacing=1.5", "data.std=0.03")),
    Mixture("scattered24-weighted", ".npy: 24 modes scattered in a 6 × 6 box (≥ 0.9 apart), σ 0.03, weights 1:3 cycling",
            seeds=(302,), centres=scattered_centres(24, 6.0, 6.0, 0.9, seed=41), std=0.03,
            weights=cycling_weights(24, (1.0, 3.0)), file_seed=42),
    Mixture("grid2x9-far", ".npy: 2×9 at spacing 1 from (-100, 40), σ 0.06, equal weights",
            seeds=(303,), centres=grid_centres(2, 9, 1.0, origin=(-100.0, 40.0)), std=0.06, file_seed=43),
    Mixture("nested-rings21-weighted", ".npy: rings of 7 (radius 1) and 14 (radius 2) modes about (5, 5), σ 0.03, "
            "weights 2:1 cycling", seeds=(304,), centres=ring_centres(7, 1.0, centre=(5.0, 5.0)) +
            ring_centres(14, 2.0, centre=(5.0, 5.0), phase=math.pi / 14), std=0.03,
            weights=cycling_weights(21, (2.0, 1.0)), file_seed=44),
    Mixture("pairs14", ".npy: 7 pairs of modes 0.5 apart, the pairs on a circle of radius 4, σ 0.03, equal weights",
            seeds=(305,), centres=pairs_centres(7, 4.0, 0.5), std=0.03, file_seed=45),
)


def draw(mixture: Mixture, count: int = FILE_SAMPLES) -> np.ndarray:
    """float32 [count, 2] samples of a file mixture, from its own seed alone."""
    rng = np.random.default_rng(mixture.file_seed)
    centres = np.asarray(mixture.centres, np.float64)
    weights = np.ones(len(centres)) if mixture.weights is None else np.asarray(mixture.weights, np.float64)
    modes = rng.choice(len(centres), size=count, p=weights / weights.sum())
    return (centres[modes] + rng.standard_normal((count, 2)) * mixture.std).astype(np.float32)


def write_files(mixtures=TUNING + HELD_OUT) -> None:
    """Write each file mixture's .npy (the same bytes every time)."""
    FILES.mkdir(parents=True, exist_ok=True)
    for mixture in mixtures:
        if not mixture.builtin:
            np.save(mixture.path, draw(mixture))


if __name__ == "__main__":
    write_files()
    for mixture in TUNING + HELD_OUT:
        print(mixture.name, mixture.path if not mixture.builtin else " ".join(mixture.builtin))
