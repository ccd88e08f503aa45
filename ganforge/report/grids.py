"""Sample pictures: a PNG grid of images, or a scatter plot of 2-D samples over the true mixture centres."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import GanforgeError
from ..safe_files import atomic_file


def image_format(path: Path) -> str:
    """PIL's format name for the file's extension (PNG for .png); a ValueError for an unknown one."""
    known = Image.registered_extensions()
    suffix = Path(path).suffix.lower()
    if suffix not in known:
        raise ValueError(f"{path}: unknown image file extension {suffix!r}")
    return known[suffix]


def image_grid(images: np.ndarray, columns: int | None = None, padding: int = 2) -> Image.Image:
    """uint8 images [N, C, H, W] (C = 1 or 3) tiled into one picture, `columns` wide (default: square)."""
    count, channels, height, width = images.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    canvas = np.zeros((rows * (height + padding) + padding, columns * (width + padding) + padding, channels), np.uint8)
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        canvas[top:top + height, left:left + width] = image.transpose(1, 2, 0)
    return Image.fromarray(canvas[..., 0] if channels == 1 else canvas)


def save_image_grid(images: np.ndarray, path: Path, columns: int | None = None, min_side: int = 256) -> None:
    """Write the grid as PNG, enlarged with nearest-neighbour so small images stay visible."""
    grid = image_grid(images, columns)
    scale = max(1, math.ceil(min_side / max(grid.size)))
    picture = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)
    with atomic_file(path) as file:
        picture.save(file, format=image_format(path))


def save_scatter(points: np.ndarray, path: Path, centres: np.ndarray | None = None, title: str = "") -> None:
    """2-D samples as dots, the true centres (when known) as red crosses."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(5, 5), dpi=100)
    axes.scatter(points[:, 0], points[:, 1], s=4, alpha=0.5, label="generated")
    if centres is not None:
        axes.scatter(centres[:, 0], centres[:, 1], marker="x", c="red", s=40, label="true centres")
    axes.set_aspect("equal")
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    try:
        with atomic_file(path) as file:
            figure.savefig(file, format=Path(path).suffix.lstrip(".").lower() or "png")
    finally:
        pyplot.close(figure)


def save_histogram(values: np.ndarray, path: Path, title: str = "") -> None:
    """1-D samples as a histogram."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(5, 3.5), dpi=100)
    axes.hist(values, bins=min(100, max(10, len(values) // 10)))
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def save_samples(data_source, samples_in_data_units: np.ndarray, path: Path, title: str = "") -> None:
    """A grid for image data; for vectors, a scatter plot of 2-D samples (with centres when the source has them),
    of the first two dimensions of wider ones, or a histogram of 1-D ones."""
    samples = samples_in_data_units
    if data_source.is_image:
        save_image_grid(samples, path)
    elif samples.ndim == 2 and samples.shape[1] == 2:
        centres = getattr(data_source, "centres", None)
        save_scatter(samples, path, None if centres is None else np.asarray(centres), title)
    elif samples.ndim == 2 and samples.shape[1] > 2:
        save_scatter(samples[:, :2], path, None, f"{title} (dimensions 0 and 1 of {samples.shape[1]})".strip())
    elif samples.ndim == 2 and samples.shape[1] == 1:
        save_histogram(samples[:, 0], path, title)
    else:
        raise GanforgeError(f"{path}: cannot picture samples of shape {samples.shape[1:]}; use --format npy")
