"""NumPy .npy/.npz files: images or feature vectors (loaded without pickle, so no code can run)."""
from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from ..errors import ConfigError, DataError
from .registries import DATA
from .images import check_image_size, fit_square
from .source import StoredSource

PREFERRED_KEYS = ("x", "images")
NPY_SIGNATURE = b"\x93NUMPY"
NPZ_SIGNATURE = b"PK"  # a zip archive
CONVERT_CHUNK = 1024  # samples converted to float64 at a time, to bound memory on large arrays
DEFLATE_MAX_RATIO = 1032  # no deflate stream expands by more
IMAGE_SHAPES = "[N, D] vectors, [N, H, W] grayscale images or [N, C, H, W] / [N, H, W, C] images"


@DATA.register("array")
class ArraySource(StoredSource):
    """Images or feature vectors from a NumPy .npy or .npz file, with optional integer labels.

    Which array: a .npy file holds one; in a .npz, `key` names it, by default the only array
    (besides `labels_key`), else the one called 'x' or 'images'. `labels_key` names the .npz
    array of integer labels ≥ 0, one per sample.

    Images ([N, H, W] grayscale, or [N, C, H, W] / [N, H, W, C] chosen by `layout`; "auto"
    takes the axis of size 1 or 3 as the channels, axis 1 when both are) are stored as uint8:
    uint8 as is, other integers if within 0..255, floats within [0, 1] as round(255·x) and
    floats within [-1, 1] as round(127.5·(x + 1)) (floats all ≥ 0 count as [0, 1]). Other
    ranges are an error. `image_size` resizes once (short side, then centre crop).

    Vectors ([N, D]) are stored as float32 and must lie in [-1, 1], unless `rescale` is true:
    then each feature is min-max scaled to [-1, 1] (a constant feature to 0), and
    `to_data_units` maps generated vectors back to the original units.
    """

    def __init__(
        self,
        path: str,
        key: str | None = None,
        labels_key: str | None = None,
        layout: Literal["auto", "NCHW", "NHWC"] = "auto",
        image_size: int | None = None,
        rescale: bool = False,
    ):
        check_image_size(image_size)
        file = Path(path).expanduser()
        data, name, labels = _load(file, key, labels_key)
        if data.dtype.kind not in "uif":
            raise DataError(file, f"{name} has dtype {data.dtype}; expected uint8 or integer images, or float images or vectors")
        self.feature_range = None
        if 0 in data.shape[1:]:
            raise DataError(file, f"{name} has shape {data.shape}; expected samples of at least one value each")
        if data.ndim == 2:
            if image_size is not None:
                raise ConfigError("data.image_size", f"applies to images only; {file} holds vectors of shape {data.shape}")
            samples, self.feature_range = _vectors(file, name, data, rescale)
        elif data.ndim in (3, 4):
            if rescale:
                raise ConfigError("data.rescale", f"applies to [N, D] vectors only; {file} holds images of shape {data.shape}")
            samples = fit_square(_images_to_uint8(file, name, _to_nchw(file, name, data, layout)), image_size)
        else:
            raise DataError(file, f"{name} has shape {data.shape}; expected {IMAGE_SHAPES}")
        super().__init__(samples, _check_labels(file, labels_key, labels, len(data)), origin=str(file))

    def to_data_units(self, x):
        if self.feature_range is None:
            return super().to_data_units(x)
        low, high = self.feature_range
        return (x.detach().cpu().double().numpy() + 1) / 2 * (high - low) + low


def _load(file: Path, key: str | None, labels_key: str | None) -> tuple[np.ndarray, str, np.ndarray | None]:
    """(data array, how to name it in messages, labels array or None) from a .npy or .npz file."""
    if not file.is_file():
        raise DataError(file, "file not found")
    with open(file, "rb") as stream:
        if not stream.read(len(NPY_SIGNATURE)).startswith((NPY_SIGNATURE, NPZ_SIGNATURE)):
            raise DataError(file, "is not a NumPy .npy or .npz file (it starts with neither signature)")
    try:
        loaded = np.load(file, mmap_mode="r", allow_pickle=False)  # a .npy is memory-mapped: converted chunk by chunk
        if isinstance(loaded, np.ndarray):
            for option, value in (("key", key), ("labels_key", labels_key)):
                if value is not None:
                    raise ConfigError(f"data.{option}", f"applies to .npz files only; {file} is a .npy file with one array")
            return loaded, "the array", None
        with loaded:
            chosen = _choose_key(file, loaded.files, key, labels_key)
            if labels_key is not None and labels_key not in loaded.files:
                raise DataError(file, f"has no labels array {labels_key!r}; its arrays: {', '.join(loaded.files)}")
            for member in (chosen, labels_key):
                if member is not None:
                    _check_member_size(file, loaded.zip, member)
            return loaded[chosen], f"array {chosen!r}", None if labels_key is None else loaded[labels_key]
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, MemoryError) as error:
        raise DataError(file, f"cannot be read as a NumPy .npy/.npz file without pickle ({error})") from None


def _check_member_size(file: Path, archive: zipfile.ZipFile, member: str) -> None:
    """Refuse, before numpy allocates it, an array whose header announces more bytes than its zip member can hold."""
    info = archive.getinfo(member if member in archive.namelist() else f"{member}.npy")
    ratio = 1 if info.compress_type == zipfile.ZIP_STORED else DEFLATE_MAX_RATIO
    with archive.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(stream)
    needed = math.prod(shape) * dtype.itemsize
    if needed > min(info.file_size, info.compress_size * ratio):
        raise DataError(file, f"array {member!r} announces shape {shape} of {dtype} ({needed} bytes), "
                              f"but its member in the archive holds at most {min(info.file_size, info.compress_size * ratio)} bytes")


def _choose_key(file: Path, keys: list[str], key: str | None, labels_key: str | None) -> str:
    if not keys:
        raise DataError(file, "holds no arrays")
    if key is not None:
        if key not in keys:
            raise DataError(file, f"has no array {key!r}; its arrays: {', '.join(keys)}")
        return key
    candidates = [name for name in keys if name != labels_key]
    if len(candidates) == 1:
        return candidates[0]
    for preferred in PREFERRED_KEYS:
        if preferred in candidates:
            return preferred
    raise DataError(file, f"holds several arrays ({', '.join(keys)}) and none is called 'x' or 'images'; set data.key to one of them")


def _to_nchw(file: Path, name: str, array: np.ndarray, layout: str) -> np.ndarray:
    """A [N, C, H, W] view of [N, H, W] or 4-D `array`, its channel axis given or guessed by `layout`."""
    if array.ndim == 3:
        return array[:, None]
    if layout == "auto":
        if array.shape[1] in (1, 3):
            layout = "NCHW"
        elif array.shape[3] in (1, 3):
            layout = "NHWC"
        else:
            raise DataError(
                file, f"{name} has shape {array.shape}: neither axis 1 nor axis 3 has 1 or 3 channels; set data.layout to NCHW or NHWC"
            )
    return array if layout == "NCHW" else array.transpose(0, 3, 1, 2)


def _images_to_uint8(file: Path, name: str, images: np.ndarray) -> torch.Tensor:
    """uint8 [N, C, H, W] from uint8, integer (0..255) or float ([0, 1] or [-1, 1]) images."""
    if images.dtype == np.uint8:
        return torch.from_numpy(np.array(images, order="C"))
    low, high = _value_range(file, name, images)
    if images.dtype.kind in "ui":
        if low < 0 or high > 255:
            raise DataError(file, f"{name} holds integers from {low:g} to {high:g}; integer images must lie in 0..255")
        offset, factor = 0.0, 1.0
    elif low >= 0 and high <= 1:
        offset, factor = 0.0, 255.0
    elif low >= -1 and high <= 1:
        offset, factor = 1.0, 127.5
    else:
        raise DataError(
            file, f"{name} holds floats from {low:.4g} to {high:.4g}; float images must lie in [0, 1] or [-1, 1] (or be uint8 0..255)"
        )
    converted = np.empty(images.shape, dtype=np.uint8)
    for start in range(0, len(images), CONVERT_CHUNK):
        chunk = np.asarray(images[start:start + CONVERT_CHUNK], dtype=np.float64)
        converted[start:start + CONVERT_CHUNK] = np.rint((chunk + offset) * factor)
    return torch.from_numpy(converted)


def _value_range(file: Path, name: str, array: np.ndarray) -> tuple[float, float]:
    """(min, max) of `array`, read chunk by chunk; DataError if it holds NaN or infinity."""
    low, high = np.inf, -np.inf
    for start in range(0, len(array), CONVERT_CHUNK):
        chunk = np.asarray(array[start:start + CONVERT_CHUNK])
        low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise DataError(file, f"{name} contains NaN or infinite values")
    return low, high


def _vectors(file: Path, name: str, array: np.ndarray, rescale: bool) -> tuple[torch.Tensor, tuple[np.ndarray, np.ndarray] | None]:
    """float32 [N, D] vectors in [-1, 1] and, when min-max `rescale`d, the per-feature (min, max) used."""
    values = np.array(array, dtype=np.float64)
    if not np.isfinite(values).all():
        raise DataError(file, f"{name} contains NaN or infinite values")
    if rescale:
        low, high = values.min(axis=0), values.max(axis=0)
        span = high - low
        scaled = np.where(span > 0, (values - low) / np.where(span > 0, span, 1) * 2 - 1, 0.0)
        return torch.from_numpy(scaled.clip(-1, 1).astype(np.float32)), (low, high)
    if values.size and (values.min() < -1 or values.max() > 1):
        raise DataError(
            file,
            f"{name} holds vectors with values from {values.min():.4g} to {values.max():.4g}; "
            "scale them into [-1, 1] first, or set data.rescale: true to min-max scale each feature into [-1, 1]",
        )
    return torch.from_numpy(values.astype(np.float32)), None


def _check_labels(file: Path, labels_key: str | None, labels: np.ndarray | None, count: int) -> torch.Tensor | None:
    """int64 labels, after checking they are integers ≥ 0, one per sample."""
    if labels is None:
        return None
    name = f"labels array {labels_key!r}"
    if labels.dtype.kind not in "ui":
        raise DataError(file, f"{name} has dtype {labels.dtype}; expected integers")
    if labels.shape != (count,):
        raise DataError(file, f"{name} has shape {labels.shape}; expected ({count},), one label per sample")
    if count and labels.min() < 0:
        raise DataError(file, f"{name} holds negative labels (min {labels.min()}); labels must be ≥ 0")
    return torch.from_numpy(labels.astype(np.int64))
