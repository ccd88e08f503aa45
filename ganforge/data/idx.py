"""MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST, ...), gzip-compressed or raw.

An IDX file is a 4-byte big-endian magic number 0x0000TTDD (TT: element type, 0x08 for
uint8; DD: number of dimensions), one big-endian uint32 per dimension, then the elements.
Images are 0x00000803 [N, H, W]; labels are 0x00000801 [N].
"""
from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import torch

from ..errors import DataError
from .registries import DATA
from .images import check_image_size, fit_square
from .source import StoredSource

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
GZIP_SIGNATURE = b"\x1f\x8b"
READ_CHUNK = 1 << 20
DEFLATE_MAX_RATIO = 1032  # no deflate stream expands by more: a gzip file of B bytes holds at most 1032·B


def read_idx(path: str | Path, expected_magic: int) -> np.ndarray:
    """The uint8 array in the IDX file at `path` (gzip detected from its first bytes); DataError if it is not one.

    The header's magic number must equal `expected_magic`, and the file must hold exactly
    the number of bytes its dimensions announce.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        with _open_maybe_gzipped(path) as stream:
            dims = _read_header(stream, path, expected_magic)
            _check_declared_size(path, dims, gzipped=isinstance(stream, gzip.GzipFile))
            elements = np.frombuffer(_read_payload(stream, path, dims), dtype=np.uint8)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise DataError(path, f"is not a readable gzip file ({error})") from None
    return elements.reshape(dims)


@DATA.register("idx")
class IdxSource(StoredSource):
    """Images (and optionally labels) from MNIST-format IDX files, .gz or raw.

    `images` is an IDX file of uint8 [N, H, W] (magic 0x00000803), `labels` one of uint8 [N]
    (magic 0x00000801). Stored as uint8 [N, 1, H, W], resized once to `image_size` if set.
    """

    def __init__(self, images: str, labels: str | None = None, image_size: int | None = None):
        check_image_size(image_size)
        pixels = read_idx(images, IMAGES_MAGIC)
        targets = None
        if labels is not None:
            targets = read_idx(labels, LABELS_MAGIC)
            if len(targets) != len(pixels):
                raise DataError(labels, f"holds {len(targets)} labels but {images} holds {len(pixels)} images")
            targets = torch.from_numpy(targets)
        samples = fit_square(torch.from_numpy(pixels).unsqueeze(1), image_size)
        super().__init__(samples, targets, origin=str(images))


FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


@DATA.register("fashion_mnist")
class FashionMnistSource(IdxSource):
    """Fashion-MNIST from its four IDX files: 60,000 train / 10,000 test 28×28 grayscale images, 10 classes.

    Reads `<root>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz` (or the same names
    without .gz), as installed by `apt-get install dataset-fashion-mnist` on Debian/Ubuntu.
    """

    def __init__(
        self,
        root: str = "/usr/share/datasets/fashion-mnist",
        split: Literal["train", "test"] = "train",
        image_size: int | None = None,
        labels: bool = True,
    ):
        images_name, labels_name = FASHION_MNIST_FILES[split]
        images_file = _find_fashion_mnist_file(root, images_name)
        labels_file = _find_fashion_mnist_file(root, labels_name) if labels else None
        super().__init__(str(images_file), None if labels_file is None else str(labels_file), image_size)


def _find_fashion_mnist_file(root: str, name: str) -> Path:
    folder = Path(root).expanduser()
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    all_files = ", ".join(name for pair in FASHION_MNIST_FILES.values() for name in pair)
    raise DataError(
        folder / name,
        "Fashion-MNIST file not found. Install the dataset with `apt-get install dataset-fashion-mnist` "
        f"(Debian/Ubuntu), or put the four IDX files ({all_files}) in {folder}",
    )


def _open_maybe_gzipped(path: Path) -> BinaryIO:
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == GZIP_SIGNATURE
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _read_header(stream: BinaryIO, path: Path, expected_magic: int) -> tuple[int, ...]:
    magic_bytes = stream.read(4)
    if len(magic_bytes) < 4:
        raise DataError(path, f"is truncated: {len(magic_bytes)} bytes, too short for an IDX header")
    (magic,) = struct.unpack(">I", magic_bytes)
    if magic != expected_magic:
        raise DataError(path, f"wrong magic number 0x{magic:08x}, expected 0x{expected_magic:08x} ({_describe(expected_magic)})")
    ndim = magic & 0xFF
    dim_bytes = stream.read(4 * ndim)
    if len(dim_bytes) < 4 * ndim:
        raise DataError(path, f"is truncated inside its header ({ndim} dimensions announced)")
    return struct.unpack(f">{ndim}I", dim_bytes)


def _check_declared_size(path: Path, dims: tuple[int, ...], gzipped: bool) -> None:
    """Refuse, before allocating, a header with a zero dimension or announcing more bytes than the file can hold."""
    shape = "×".join(map(str, dims)) or "no dimensions"
    if not dims or 0 in dims:
        raise DataError(path, f"its header announces shape {shape}; expected at least one sample of at least one value")
    declared, size = math.prod(dims), path.stat().st_size
    capacity = size * DEFLATE_MAX_RATIO if gzipped else size - 4 - 4 * len(dims)
    if declared > capacity:
        held = f"a {size}-byte gzip file holds at most {capacity}" if gzipped else f"the file holds {capacity}"
        raise DataError(path, f"is truncated or corrupt: its header announces {shape} = {declared} bytes of data, {held}")


def _read_payload(stream: BinaryIO, path: Path, dims: tuple[int, ...]) -> bytearray:
    """Exactly prod(dims) bytes, read in place into a writable buffer (no intermediate copies)."""
    payload = bytearray(math.prod(dims))
    view, filled = memoryview(payload), 0
    while filled < len(payload):
        count = stream.readinto(view[filled:filled + READ_CHUNK])
        if not count:
            shape = "×".join(map(str, dims))
            raise DataError(path, f"is truncated: its header announces {shape} = {len(payload)} bytes of data, found only {filled}")
        filled += count
    if stream.read(1):
        raise DataError(path, f"has extra bytes after the {len(payload)} bytes of data its header announces")
    return payload


def _describe(magic: int) -> str:
    return {IMAGES_MAGIC: "uint8 images [N, H, W]", LABELS_MAGIC: "uint8 labels [N]"}.get(magic, "IDX")
