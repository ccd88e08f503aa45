"""CIFAR-10 from its python-pickle batches, read with an unpickler that cannot run code."""
from __future__ import annotations

import math
import pickle
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from ..errors import DataError, short_repr
from .registries import DATA
from .images import check_image_size, fit_square
from .source import StoredSource

try:  # numpy ≥ 2 pickles name numpy._core; older ones (the CIFAR-10 files' own) numpy.core
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct

BATCH_FOLDER = "cifar-10-batches-py"
SPLIT_FILES = {"train": tuple(f"data_batch_{number}" for number in range(1, 6)), "test": ("test_batch",)}
IMAGE_SHAPE = (3, 32, 32)
DOWNLOAD_HINT = f"expected the extracted CIFAR-10 python version ({BATCH_FOLDER}/ from cifar-10-python.tar.gz)"


@DATA.register("cifar10")
class Cifar10Source(StoredSource):
    """CIFAR-10: 50,000 train / 10,000 test 32×32 colour images in 10 classes, from the python-pickle batches.

    `root` is the extracted `cifar-10-batches-py` folder or its parent. Reads `data_batch_1`
    .. `data_batch_5` (train) or `test_batch` (test): each a pickled dict whose b'data' is
    uint8 [10000, 3072] (each row the 3×32×32 image, channel-major) and b'labels' its
    classes. Only numpy arrays, lists, dicts and plain values are unpickled: a file naming
    any other Python object is refused without running it.
    """

    def __init__(
        self,
        root: str,
        split: Literal["train", "test"] = "train",
        image_size: int = 32,
        labels: bool = True,
    ):
        check_image_size(image_size)
        folder = _batch_folder(Path(root).expanduser(), SPLIT_FILES[split])
        batches = [read_batch(folder / name) for name in SPLIT_FILES[split]]
        images = torch.from_numpy(np.concatenate([data for data, _ in batches]).reshape(-1, *IMAGE_SHAPE))
        targets = torch.from_numpy(np.concatenate([classes for _, classes in batches])) if labels else None
        super().__init__(fit_square(images, image_size), targets, origin=str(folder))


def read_batch(file: Path) -> tuple[np.ndarray, np.ndarray]:
    """(data uint8 [n, 3072], labels int64 [n]) from one CIFAR-10 batch file, unpickled safely."""
    try:
        with open(file, "rb") as stream:
            batch = RestrictedUnpickler(stream, encoding="bytes").load()
    except UnsafePickleError as error:
        raise DataError(file, str(error)) from None
    except (pickle.UnpicklingError, OSError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            MemoryError, RecursionError, OverflowError) as error:
        raise DataError(file, f"is not a readable CIFAR-10 batch ({type(error).__name__}: {error})") from None
    data, labels = _entry(batch, "data", file), _entry(batch, "labels", file)
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 and data.shape[1] == np.prod(IMAGE_SHAPE)):
        found = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(file, f"its b'data' should be a uint8 array [n, 3072], found {found}")
    labels = np.asarray(labels)
    if labels.shape != (len(data),) or labels.dtype.kind not in "ui" or (len(labels) and labels.min() < 0):
        raise DataError(file, f"its b'labels' should be {len(data)} integers ≥ 0, one per image")
    return data, labels.astype(np.int64)


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a Python object that CIFAR-10 batches never contain; it was not called."""


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles only what CIFAR-10 batches contain: numpy arrays (and their dtypes) and latin-1 bytes.

    Any other global (os.system, builtins.open, eval, ...) raises UnsafePickleError before it is
    called, so a malicious file cannot run code.
    """

    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self.ALLOWED = {
            ("numpy.core.multiarray", "_reconstruct"): _small_reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): _small_reconstruct,
            ("numpy", "ndarray"): _small_ndarray,
            ("numpy", "dtype"): _plain_dtype,
        }

    def find_class(self, module, name):
        if (module, name) == ("_codecs", "encode"):  # how Python 3 writes bytes at pickle protocol ≤ 2
            return _encode_latin1
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        raise UnsafePickleError(
            f"refusing to unpickle {module}.{name}: a CIFAR-10 batch holds only numpy arrays, lists and dicts "
            "(this file is not a CIFAR-10 batch, and may be malicious)"
        )


MAX_PRESET_ELEMENTS = 1 << 16  # an array the pickle sizes before its data arrive; CIFAR-10's own pickles use 0


def _small_reconstruct(subtype, shape, dtype):
    """numpy's _reconstruct as pickles call it (an empty array that __setstate__ then fills), for a small plain ndarray.

    The bytes of a real array come after, through __setstate__, which checks their length against
    the shape; so a pickle can never make numpy allocate more than the file itself holds.
    """
    _check_preset_shape(shape)
    if subtype is not _small_ndarray:  # the pickle's numpy.ndarray, as find_class hands it out
        raise UnsafePickleError(f"refusing to unpickle an array of type {short_repr(subtype)}: a CIFAR-10 batch holds plain arrays")
    return _reconstruct(np.ndarray, shape, dtype)


def _small_ndarray(shape, dtype=float, *args):
    _check_preset_shape(shape)
    return np.ndarray(shape, _plain_dtype(dtype))


def _check_preset_shape(shape) -> None:
    sizes = shape if isinstance(shape, (tuple, list)) else (shape,)
    if not all(isinstance(size, int) and 0 <= size for size in sizes) or math.prod(sizes) > MAX_PRESET_ELEMENTS:
        raise UnsafePickleError(f"refusing to unpickle an array of shape {short_repr(shape)} before its data "
                                "(a CIFAR-10 batch sizes its arrays from the data it holds)")


def _plain_dtype(name, *args):
    """np.dtype(...) for numbers only: an object dtype would let the pickle fill an array with arbitrary values."""
    dtype = np.dtype(name, *args)
    if dtype.kind not in "biuf":
        raise UnsafePickleError(f"refusing to unpickle dtype {dtype}: a CIFAR-10 batch holds numbers only")
    return dtype


def _encode_latin1(text: str, encoding: str = "utf-8") -> bytes:
    """The only use of _codecs.encode allowed: str → bytes in latin-1, as the pickle module writes bytes."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise UnsafePickleError(f"refusing to unpickle _codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin-1")


def _entry(batch, key: str, file: Path):
    """batch[b'key'] (files pickled by Python 2) or batch['key'] (re-pickled by Python 3); DataError if absent."""
    if isinstance(batch, dict):
        for candidate in (key.encode(), key):
            if candidate in batch:
                return batch[candidate]
    raise DataError(file, f"is not a CIFAR-10 batch: expected a dict with a b'{key}' entry")


def _batch_folder(root: Path, names: tuple[str, ...]) -> Path:
    """`root` or `root/cifar-10-batches-py`, whichever holds the batch files `names`; DataError naming what is missing."""
    if not root.is_dir():
        raise DataError(root, f"folder not found; {DOWNLOAD_HINT}")
    candidates = [root / BATCH_FOLDER, root] if (root / BATCH_FOLDER).is_dir() else [root]
    for folder in candidates:
        if all((folder / name).is_file() for name in names):
            return folder
    folder = max(candidates, key=lambda candidate: sum((candidate / name).is_file() for name in names))  # ties: the subfolder
    missing = [name for name in names if not (folder / name).is_file()]
    raise DataError(folder, f"missing {', '.join(missing)}; {DOWNLOAD_HINT}")
