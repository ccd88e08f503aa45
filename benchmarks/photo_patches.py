"""RGB patches cut from scikit-learn's two bundled sample photographs (china.jpg, flower.jpg): an image
folder any machine with scikit-learn can rebuild, standing in for a user's own photographs.

    from photo_patches import write_patches
    write_patches(Path("/tmp/patches"), count=2048, side=28, seed=1, shrink=3)

Each photograph is first shrunk `shrink`× (so a patch holds edges and texture rather than a flat
colour), then `count` patches of side×side are cut at positions drawn from `seed`, alternating between
the two photographs, and written as PNG files named 0000.png, 0001.png, ... (`mode="L"` converts each shrunk
photograph to greyscale before cutting: the same positions, one channel).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def shrunk_photos(shrink: int) -> list[np.ndarray]:
    from PIL import Image
    from sklearn.datasets import load_sample_images

    photos = []
    for photo in load_sample_images().images:
        image = Image.fromarray(photo)
        photos.append(np.asarray(image.resize((image.width // shrink, image.height // shrink), Image.BILINEAR)))
    return photos


def write_patches(folder: Path, count: int, side: int, seed: int, shrink: int, mode: str = "RGB") -> Path:
    """The folder of patches (in PIL's `mode`: "L" for greyscale), written unless its last file is already there."""
    from PIL import Image

    if (folder / f"{count - 1:04d}.png").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    photos = [np.asarray(Image.fromarray(photo).convert(mode)) for photo in shrunk_photos(shrink)]
    for index in range(count):
        photo = photos[index % len(photos)]
        top = rng.integers(0, photo.shape[0] - side + 1)
        left = rng.integers(0, photo.shape[1] - side + 1)
        Image.fromarray(photo[top:top + side, left:left + side]).save(folder / f"{index:04d}.png")
    return folder
