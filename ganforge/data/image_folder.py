"""A folder of PNG/JPEG images, optionally one subfolder per class."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from PIL import Image

from ..errors import ConfigError, DataError
from ..memory import check_fits
from .registries import DATA
from .images import check_image_size, fit_square
from .source import StoredSource

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
WHITE = (255, 255, 255, 255)


@DATA.register("image_folder")
class ImageFolderSource(StoredSource):
    """PNG/JPEG images from a folder (and its subfolders), one class per subfolder with labels "auto".

    Reads every file ending in .png, .jpg or .jpeg (any letter case) under `path`, skipping
    hidden files and folders (names starting with "."), in sorted path order.

    Labels: with "auto", when every image lies in a subfolder and there are at least two
    subfolders with images, each subfolder is a class (class indices follow the sorted
    subfolder names, kept in `class_names`); otherwise, and with "none", there are no labels.

    Pixels: every image is converted to L (channels 1) or RGB (channels 3); by default (None)
    1 when every image is greyscale, else 3. Transparent images (RGBA, LA, PA, or a
    palette/tRNS transparency) are composited on a white background, as a viewer shows
    them; 16-bit images (I;16, I) are scaled from 0..65535 to 0..255. Each image is then
    resized (antialiased bilinear) so its short side is `image_size` and centre-cropped to
    image_size×image_size; stored as uint8. By default (None) the size is the images' own:
    their common short side when they all have the same size, else an error asking for
    `data.image_size`.
    """

    def __init__(
        self,
        path: str,
        image_size: int | None = None,
        channels: Literal[1, 3] | None = None,
        labels: Literal["auto", "none"] = "auto",
    ):
        check_image_size(image_size)
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise DataError(folder, "is not a folder" if folder.exists() else "folder not found")
        files_by_class = _files_by_class(folder) if labels == "auto" else {}
        self.class_names = list(files_by_class)
        if files_by_class:
            files = [file for class_files in files_by_class.values() for file in class_files]
            counts = torch.tensor([len(class_files) for class_files in files_by_class.values()])
            targets = torch.repeat_interleave(torch.arange(len(counts)), counts)
        else:
            files, targets = _image_files(folder), None
        if not files:
            looked_for = ", ".join(IMAGE_EXTENSIONS)
            raise DataError(folder, f"contains no images (looked for {looked_for} files, any letter case, here and in subfolders)")
        if image_size is None or channels is None:
            image_size, channels = own_geometry(folder, files, image_size, channels)
        check_fits("data.image_size", len(files) * channels * image_size * image_size,
                   f"{len(files)} images of {channels}×{image_size}×{image_size}")
        samples = torch.empty((len(files), channels, image_size, image_size), dtype=torch.uint8)
        for position, file in enumerate(files):
            samples[position] = load_image(file, channels, image_size)
        super().__init__(samples, targets, origin=str(folder))


GREYSCALE_MODES = ("1", "L", "LA", "La", "I", "F") + ("I;16", "I;16B", "I;16L", "I;16N")


def own_geometry(folder: Path, files: list[Path], size: int | None, channels: int | None) -> tuple[int, int]:
    """(size, channels), each the given one, else what the images give: their common short side; 1 if all are
    greyscale, else 3. Reads only the file headers. Images of different sizes have no common side: then a size is needed.
    """
    sizes, greyscale = {}, True
    for file in files:
        try:
            with Image.open(file) as image:
                sizes.setdefault(image.size, file)
                greyscale = greyscale and image.mode in GREYSCALE_MODES
        except Exception as error:  # Pillow raises many exception types for corrupt or unsupported files
            raise DataError(file, f"cannot read this image ({type(error).__name__}: {error})") from None
    if size is None and len(sizes) > 1:
        (first, _), (second, _) = list(sizes.items())[:2]
        raise ConfigError("data.image_size", f"the images under {folder} have {len(sizes)} different sizes (e.g. "
                                             f"{first[0]}×{first[1]} and {second[0]}×{second[1]}); set data.image_size to "
                                             f"the side to resize and centre-crop them to, e.g. data.image_size=64")
    return size or min(next(iter(sizes))), channels or (1 if greyscale else 3)


def load_image(file: Path, channels: int, size: int) -> torch.Tensor:
    """One image file as uint8 [channels, size, size] (see ImageFolderSource for the conversions); DataError if unreadable."""
    try:
        with Image.open(file) as image:
            image.draft(None, (size, size))  # JPEG only: let the decoder shrink big photos (never below `size`)
            image = _to_mode(image, "L" if channels == 1 else "RGB")
    except Exception as error:  # Pillow raises many exception types for corrupt or unsupported files
        raise DataError(file, f"cannot read this image ({type(error).__name__}: {error})") from None
    pixels = torch.from_numpy(np.array(image))
    pixels = pixels.unsqueeze(0) if pixels.ndim == 2 else pixels.permute(2, 0, 1)
    return fit_square(pixels.unsqueeze(0), size)[0]


def _to_mode(image: Image.Image, mode: str) -> Image.Image:
    """`image` in `mode` (L or RGB): 16-bit scaled to 8-bit, transparency composited on white."""
    if image.mode == "I" or image.mode.startswith("I;16"):
        image = Image.fromarray(np.rint(np.asarray(image, dtype=np.float64).clip(0, 65535) / 257).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, WHITE), rgba)
    return image.convert(mode)


def _files_by_class(folder: Path) -> dict[str, list[Path]]:
    """{subfolder name: its images}, sorted by name, when all images lie in ≥ 2 subfolders; else {}."""
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    if any(entry.is_file() and _is_image(entry.name) for entry in entries):
        return {}
    subfolders = sorted((entry for entry in entries if entry.is_dir()), key=lambda entry: entry.name)
    files_by_class = {entry.name: files for entry in subfolders if (files := _image_files(entry))}
    return files_by_class if len(files_by_class) >= 2 else {}


def _image_files(folder: Path) -> list[Path]:
    """Sorted paths of the images in `folder` and its subfolders: regular files only (a FIFO or socket named x.png would
    block the reader), hidden ones skipped."""
    found = []
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found += [Path(directory, name) for name in names if _is_image(name) and Path(directory, name).is_file()]
    return sorted(found)


def _is_image(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS)
