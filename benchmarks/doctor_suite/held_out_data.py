"""Data files for the held-out suite: an RGB photo-patch folder and a mixture of Gaussians stored as .npy vectors.

Neither source ships with ganforge, so the runner writes each once, by a fixed seed, under DATA_DIR:

- `photo_patches/`: 16×16 RGB PNG patches cut from scikit-learn's bundled sample photographs
  (china.jpg, flower.jpg), each photograph first shrunk 4× so a patch holds edges and texture,
  read with `data: {name: image_folder, path: ...}`;
- `vectors_8d.npy`, `vectors_4d.npy`: float32 [N, D] points from a few Gaussians (std VECTOR_STD) whose
  centres lie in [-0.7, 0.7]^D (VECTOR_SETS: dimensions, modes, seed), read with
  `data: {name: array, path: ...}`. The centres are kept beside each (`<name>_centres.npy`) for the
  suite's own mode count, never shown to ganforge.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from photo_patches import write_patches  # benchmarks/, on the path of every script that imports this module

DATA_DIR = Path("/tmp/doctor_suite_data")
PATCH_SEED = 4321
PATCH_COUNT, PATCH_SIDE, PHOTO_SHRINK = 1024, 16, 4
VECTOR_COUNT, VECTOR_STD = 4000, 0.05
VECTOR_SETS = {"vectors_8d": (8, 6, 8765), "vectors_4d": (4, 5, 5678)}  # name: (dimensions, modes, seed)
PATCHES = DATA_DIR / "photo_patches"


def vectors_path(name: str) -> Path:
    return DATA_DIR / f"{name}.npy"


def centres_path(data_path: Path | str) -> Path:
    """Where the centres of the mixture stored at `data_path` are kept."""
    data_path = Path(data_path)
    return data_path.with_name(f"{data_path.stem}_centres.npy")


def prepare_held_out_data() -> None:
    """Write every held-out data file that does not exist yet."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    write_patches(PATCHES, PATCH_COUNT, PATCH_SIDE, PATCH_SEED, PHOTO_SHRINK)  # skipped when already written
    for name in VECTOR_SETS:
        if not (vectors_path(name).exists() and centres_path(vectors_path(name)).exists()):
            write_vectors(name)


def vector_centres(name: str) -> np.ndarray:
    dimensions, modes, seed = VECTOR_SETS[name]
    return np.random.default_rng(seed).uniform(-0.7, 0.7, (modes, dimensions)).astype(np.float32)


def write_vectors(name: str) -> None:
    dimensions, modes, seed = VECTOR_SETS[name]
    rng = np.random.default_rng(seed + 1)
    centres = vector_centres(name)
    points = centres[rng.integers(0, modes, VECTOR_COUNT)] + rng.normal(0, VECTOR_STD, (VECTOR_COUNT, dimensions))
    np.save(vectors_path(name), np.clip(points, -1, 1).astype(np.float32))
    np.save(centres_path(vectors_path(name)), centres)
