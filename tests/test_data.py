"""Data sources: shapes, ranges, labels, determinism, and one clear error per kind of bad input.

Every input is built here in tmp_path, except the real Fashion-MNIST (skipped when absent).
"""
from __future__ import annotations

import gzip
import math
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.data import DATA
from ganforge.data.source import StoredSource
from ganforge.errors import ConfigError, DataError

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def build(**spec):
    return DATA.build(spec, field="data")


def assert_unit_range_images(x: torch.Tensor, shape):
    assert x.dtype == torch.float32
    assert tuple(x.shape[1:]) == tuple(shape)
    assert x.min() >= -1 and x.max() <= 1


def assert_deterministic(source, batch_size=8):
    first, labels = source.batch(3, batch_size, seed=7)
    again, labels_again = source.batch(3, batch_size, seed=7)
    assert torch.equal(first, again)
    if labels is not None:
        assert torch.equal(labels, labels_again)
    assert not torch.equal(first, source.batch(4, batch_size, seed=7)[0])
    assert not torch.equal(first, source.batch(3, batch_size, seed=8)[0])


def one_epoch(source: StoredSource, batch_size: int, seed: int = 0):
    """All batches of the first epoch (len(source) must be a multiple of batch_size), concatenated."""
    batches = [source.batch(index, batch_size, seed) for index in range(len(source) // batch_size)]
    labels = None if batches[0][1] is None else torch.cat([y for _, y in batches])
    return torch.cat([x for x, _ in batches]), labels


def value_coded_images(count: int, size: int = 4) -> np.ndarray:
    """uint8 [count, size, size]: image i filled with the value 10·i, so a pixel tells which image it is."""
    return np.repeat(np.arange(count, dtype=np.uint8)[:, None, None] * 10, size * size).reshape(count, size, size)


def image_number(x: torch.Tensor) -> torch.Tensor:
    """Inverse of value_coded_images for a batch in [-1, 1]."""
    return ((x.flatten(1)[:, 0] + 1) * 127.5).round().long() // 10


# ---------------------------------------------------------------- registry

def test_unknown_option_is_named():
    with pytest.raises(ConfigError) as error:
        DATA.validate({"name": "ring", "bogus": 1}, "data")
    assert error.value.field == "data.bogus"


def test_every_source_is_registered():
    assert {"ring", "grid", "digits", "idx", "fashion_mnist", "image_folder", "array", "cifar10"} <= set(DATA.names())


# ---------------------------------------------------------------- 2-D mixtures

def test_ring_defaults():
    ring = build(name="ring")
    assert ring.shape == (2,) and ring.num_classes == 0 and not ring.is_image
    assert ring.centres.shape == (8, 2) and ring.std == 0.01 and ring.scale == 1.0
    angles = torch.atan2(ring.centres[:, 1], ring.centres[:, 0]) % (2 * math.pi)
    torch.testing.assert_close(angles, torch.arange(8) * 2 * math.pi / 8, atol=1e-5, rtol=0)
    torch.testing.assert_close(ring.centres.norm(dim=1), torch.ones(8))
    x, labels = ring.batch(0, 512, seed=0)
    assert x.shape == (512, 2) and x.dtype == torch.float32 and labels is None
    assert_deterministic(ring)


def test_ring_to_data_units_inverts_the_scaling():
    ring = build(name="ring", radius=3.0, modes=5)
    x, _ = ring.batch(0, 1000, seed=1)
    assert x.abs().max() < 1.1  # scaled into about [-1, 1]
    points = ring.to_data_units(x)
    assert isinstance(points, np.ndarray)
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 3.0, atol=0.1)
    np.testing.assert_allclose(np.linalg.norm(ring.to_data_units(ring.batch(0, 100, 0)[0]), axis=1), 3.0, atol=0.1)


def test_grid_samples_lie_near_the_lattice_and_cover_every_mode():
    grid = build(name="grid")
    assert grid.centres.shape == (25, 2) and grid.scale == 0.25
    assert sorted(set(grid.centres.flatten().tolist())) == [-4, -2, 0, 2, 4]
    x, _ = grid.batch(0, 2000, seed=0)
    assert x.abs().max() < 1.1
    points = grid.to_data_units(x)
    nearest = np.clip(np.round(points / 2) * 2, -4, 4)
    assert np.abs(points - nearest).max() < 0.05 * 6
    assert len({tuple(point) for point in nearest.tolist()}) == 25


def test_labelled_mixture_labels_are_the_modes():
    ring = build(name="ring", labelled=True)
    assert ring.num_classes == 8
    x, labels = ring.batch(0, 200, seed=0)
    assert labels.dtype == torch.int64
    assert (x - ring.centres[labels] * ring.scale).norm(dim=1).max() < 0.1


@pytest.mark.parametrize(
    "spec, field",
    [
        ({"name": "ring", "modes": 0}, "data.modes"),
        ({"name": "ring", "std": 0}, "data.std"),
        ({"name": "ring", "radius": -1}, "data.radius"),
        ({"name": "grid", "spacing": 0}, "data.spacing"),
        ({"name": "grid", "modes_per_side": 0}, "data.modes_per_side"),
    ],
)
def test_mixture_options_are_checked(spec, field):
    with pytest.raises(ConfigError) as error:
        DATA.build(spec, field="data")
    assert error.value.field == field and "expected" in str(error.value)


# ---------------------------------------------------------------- digits

def test_digits():
    from sklearn.datasets import load_digits

    digits = build(name="digits")
    assert len(digits) == 1797 and digits.shape == (1, 8, 8) and digits.num_classes == 10
    assert digits.samples.dtype == torch.uint8 and digits.samples.max() == 255
    assert torch.equal(digits.labels, torch.from_numpy(load_digits().target))
    x, labels = one_epoch(digits, batch_size=599)
    assert_unit_range_images(x, (1, 8, 8))
    assert x.min() == -1 and x.max() == 1  # uint8 0 and 255 map exactly onto the ends
    assert torch.equal(labels.bincount(), digits.labels.bincount())
    assert_deterministic(digits)


def test_digits_resized_without_labels():
    digits = build(name="digits", image_size=16, labels=False)
    assert digits.shape == (1, 16, 16) and digits.samples.dtype == torch.uint8
    assert digits.num_classes == 0 and digits.batch(0, 4, 0)[1] is None
    with pytest.raises(ConfigError, match="data.image_size"):
        build(name="digits", image_size=0)


# ---------------------------------------------------------------- IDX

def write_idx(path: Path, array: np.ndarray, magic: int, compress: bool = True, cut: int = 0) -> Path:
    content = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()
    content = content[: len(content) - cut]
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


@pytest.fixture
def idx_files(tmp_path):
    images = write_idx(tmp_path / "images.gz", value_coded_images(12, size=28), 0x803)
    labels = write_idx(tmp_path / "labels.gz", np.arange(12) % 4, 0x801)
    return images, labels


def test_idx_images_and_labels(idx_files):
    images, labels = idx_files
    source = build(name="idx", images=str(images), labels=str(labels))
    assert len(source) == 12 and source.shape == (1, 28, 28) and source.num_classes == 4
    assert source.samples.dtype == torch.uint8
    x, y = one_epoch(source, batch_size=4)
    assert_unit_range_images(x, (1, 28, 28))
    assert sorted(image_number(x).tolist()) == list(range(12))  # an epoch covers every image exactly once
    assert torch.equal(y, image_number(x) % 4)  # each label stays with its image
    assert_deterministic(source, batch_size=4)


def test_idx_raw_file_resized(tmp_path):
    images = write_idx(tmp_path / "images-idx3-ubyte", value_coded_images(3, size=28), 0x803, compress=False)
    source = build(name="idx", images=str(images), image_size=32)
    assert source.shape == (1, 32, 32) and source.samples.dtype == torch.uint8 and source.labels is None


def test_idx_errors(tmp_path, idx_files):
    images, labels = idx_files
    with pytest.raises(DataError, match="not found"):
        build(name="idx", images=str(tmp_path / "absent.gz"))
    with pytest.raises(DataError, match="0x00000801.*expected 0x00000803"):
        build(name="idx", images=str(labels))
    truncated = write_idx(tmp_path / "truncated.gz", value_coded_images(5, size=28), 0x803, cut=100)
    with pytest.raises(DataError, match="truncated"):
        build(name="idx", images=str(truncated))
    few_labels = write_idx(tmp_path / "few.gz", np.zeros(5), 0x801)
    with pytest.raises(DataError, match="5 labels"):
        build(name="idx", images=str(images), labels=str(few_labels))


def test_fashion_mnist_missing_says_how_to_install(tmp_path):
    with pytest.raises(DataError) as error:
        build(name="fashion_mnist", root=str(tmp_path))
    assert "apt-get install dataset-fashion-mnist" in str(error.value)
    assert "train-images-idx3-ubyte.gz" in str(error.value)


@pytest.mark.skipif(not (FASHION_MNIST / "t10k-images-idx3-ubyte.gz").exists(), reason="Fashion-MNIST not installed")
def test_real_fashion_mnist():
    for split, count in (("train", 60000), ("test", 10000)):
        source = build(name="fashion_mnist", split=split)
        assert len(source) == count and source.shape == (1, 28, 28) and source.num_classes == 10
        assert source.samples.dtype == torch.uint8


# ---------------------------------------------------------------- image folder

def save(path: Path, image: Image.Image) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def test_image_folder_converts_every_mode(tmp_path):
    save(tmp_path / "rgb.png", Image.new("RGB", (20, 12), (255, 0, 0)))
    save(tmp_path / "gray.JPG", Image.new("L", (9, 9), 128))
    save(tmp_path / "transparent.png", Image.new("RGBA", (8, 8), (0, 0, 0, 0)))
    save(tmp_path / "palette.png", Image.new("P", (8, 8), 0))
    save(tmp_path / "deep.png", Image.fromarray(np.full((8, 8), 65535, dtype=np.uint16)))
    save(tmp_path / ".hidden.png", Image.new("RGB", (8, 8)))
    (tmp_path / "notes.txt").write_text("not an image")
    source = build(name="image_folder", path=str(tmp_path), image_size=8)
    assert len(source) == 5 and source.shape == (3, 8, 8) and source.num_classes == 0
    samples = dict(zip(["deep", "gray", "palette", "rgb", "transparent"], source.samples))  # sorted file names
    assert (samples["deep"] == 255).all()  # 16-bit white stays white
    assert (samples["transparent"] == 255).all()  # transparency composited on white
    assert samples["rgb"][0].min() == 255 and samples["rgb"][1:].max() == 0
    x, labels = source.batch(0, 5, seed=0)
    assert_unit_range_images(x, (3, 8, 8))
    assert labels is None
    gray = build(name="image_folder", path=str(tmp_path), image_size=4, channels=1)
    assert gray.shape == (1, 4, 4)


def test_image_folder_resizes_short_side_then_centre_crops(tmp_path):
    stripes = np.zeros((8, 16), dtype=np.uint8)
    stripes[:, 4:12] = 255  # black quarter | white half | black quarter
    save(tmp_path / "wide.png", Image.fromarray(stripes))
    assert (build(name="image_folder", path=str(tmp_path), image_size=8, channels=1).samples == 255).all()
    halved = build(name="image_folder", path=str(tmp_path), image_size=4, channels=1)
    assert halved.shape == (1, 4, 4)
    assert (halved.samples[..., 1:3] == 255).all() and (halved.samples > 128).all()  # only antialiasing blur at the edges


def test_image_folder_classes_from_subfolders(tmp_path):
    for index in range(3):
        save(tmp_path / "b_blue" / f"{index}.png", Image.new("RGB", (8, 8), (0, 0, 255)))
        save(tmp_path / "a_red" / "nested" / f"{index}.jpeg", Image.new("RGB", (8, 8), (255, 0, 0)))
    source = build(name="image_folder", path=str(tmp_path), image_size=8)
    assert source.class_names == ["a_red", "b_blue"] and source.num_classes == 2
    x, labels = one_epoch(source, batch_size=3)
    assert torch.equal(labels, (x[:, 2].mean(dim=(1, 2)) > 0).long())  # blue images carry class 1
    assert build(name="image_folder", path=str(tmp_path), image_size=8, labels="none").labels is None


def test_image_folder_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        build(name="image_folder", path=str(tmp_path / "absent"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"no images.*\.png"):
        build(name="image_folder", path=str(tmp_path / "empty"))
    save(tmp_path / "images" / "fine.png", Image.new("RGB", (8, 8)))
    (tmp_path / "images" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(DataError, match="broken.png"):
        build(name="image_folder", path=str(tmp_path / "images"))


# ---------------------------------------------------------------- NumPy arrays

def test_array_uint8_nhwc(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)
    images[0], images[1] = 0, 255
    np.save(tmp_path / "images.npy", images)
    source = build(name="array", path=str(tmp_path / "images.npy"))
    assert source.shape == (3, 8, 8) and source.samples.dtype == torch.uint8
    assert torch.equal(source.samples, torch.from_numpy(images).permute(0, 3, 1, 2))
    x, _ = source.batch(0, 6, seed=0)
    assert x.min() == -1 and x.max() == 1
    assert_deterministic(source, batch_size=3)


def test_array_float_images_and_labels(tmp_path):
    codes = value_coded_images(10)
    np.savez(tmp_path / "unit.npz", x=codes / 255.0, y=np.arange(10))
    source = build(name="array", path=str(tmp_path / "unit.npz"), labels_key="y")
    assert source.shape == (1, 4, 4) and source.num_classes == 10
    assert torch.equal(source.samples[:, 0], torch.from_numpy(codes))
    x, labels = one_epoch(source, batch_size=5)
    assert sorted(image_number(x).tolist()) == list(range(10)) and torch.equal(labels, image_number(x))
    np.savez(tmp_path / "signed.npz", images=codes / 127.5 - 1, other=np.zeros(3))
    assert torch.equal(build(name="array", path=str(tmp_path / "signed.npz")).samples[:, 0], torch.from_numpy(codes))
    resized = build(name="array", path=str(tmp_path / "signed.npz"), image_size=8)
    assert resized.shape == (1, 8, 8) and resized.samples.dtype == torch.uint8


def test_array_vectors(tmp_path):
    vectors = np.random.default_rng(0).uniform(-1, 1, (20, 3))
    np.save(tmp_path / "inside.npy", vectors)
    source = build(name="array", path=str(tmp_path / "inside.npy"))
    assert source.shape == (3,) and source.samples.dtype == torch.float32
    np.testing.assert_allclose(by_first_column(source.to_data_units(source.batch(0, 20, 0)[0])), by_first_column(vectors), rtol=1e-6)
    np.save(tmp_path / "outside.npy", vectors * [1, 50, 1] + [0, 100, 0])
    with pytest.raises(DataError, match="rescale"):
        build(name="array", path=str(tmp_path / "outside.npy"))
    rescaled = build(name="array", path=str(tmp_path / "outside.npy"), rescale=True)
    assert rescaled.samples.min() == -1 and rescaled.samples.max() == 1
    x, _ = rescaled.batch(0, 20, seed=0)
    original = vectors * [1, 50, 1] + [0, 100, 0]
    np.testing.assert_allclose(by_first_column(rescaled.to_data_units(x)), by_first_column(original), rtol=1e-5)


def by_first_column(rows: np.ndarray) -> np.ndarray:
    return rows[np.argsort(rows[:, 0])]


def test_array_errors(tmp_path):
    def fails(array, match, **options):
        np.save(tmp_path / "bad.npy", array, allow_pickle=True)
        with pytest.raises(DataError, match=match):
            build(name="array", path=str(tmp_path / "bad.npy"), **options)

    with pytest.raises(DataError, match="not found"):
        build(name="array", path=str(tmp_path / "absent.npy"))
    fails(np.array([["a", "b"]] * 3), "dtype <U1")
    fails(np.zeros((3, 4), dtype=complex), "dtype complex128")
    fails(np.array([{"a": 1}, None], dtype=object), "pickle")
    fails(np.zeros(7, dtype=np.float32), "shape")
    fails(np.zeros((2, 3, 4, 5, 6), dtype=np.uint8), "shape")
    fails(np.full((2, 4, 4), 2.0), "float images must lie in")
    fails(np.zeros((2, 5, 4, 4), dtype=np.uint8), "NCHW or NHWC")
    images = np.zeros((4, 1, 4, 4), dtype=np.uint8)
    for labels, match in ((np.arange(3), "one label per sample"), (np.array([0, 1, -1, 2]), "negative"), (np.zeros(4), "dtype float64")):
        np.savez(tmp_path / "labelled.npz", x=images, y=labels)
        with pytest.raises(DataError, match=match):
            build(name="array", path=str(tmp_path / "labelled.npz"), labels_key="y")
    np.savez(tmp_path / "many.npz", a=images, b=images)
    with pytest.raises(DataError, match="a, b"):
        build(name="array", path=str(tmp_path / "many.npz"))
    with pytest.raises(DataError, match="'c'"):
        build(name="array", path=str(tmp_path / "many.npz"), key="c")


# ---------------------------------------------------------------- CIFAR-10

def cifar_batch(count: int, first: int, protocol: int = 2) -> bytes:
    data = np.repeat(np.arange(first, first + count, dtype=np.uint8)[:, None], 3072, axis=1)
    batch = {b"batch_label": b"fake", b"labels": [value % 10 for value in range(first, first + count)], b"data": data}
    return pickle.dumps(batch, protocol=protocol)


@pytest.fixture
def cifar_root(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for number in range(1, 6):
        (folder / f"data_batch_{number}").write_bytes(cifar_batch(4, 4 * (number - 1), protocol=2 if number % 2 else 4))
    # the real files name numpy.core (pickled by numpy 1.x), as Python 2 wrote them
    (folder / "test_batch").write_bytes(cifar_batch(4, 100).replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    return tmp_path


def test_cifar10(cifar_root):
    source = build(name="cifar10", root=str(cifar_root))
    assert len(source) == 20 and source.shape == (3, 32, 32) and source.num_classes == 10
    assert source.samples.dtype == torch.uint8
    assert torch.equal(source.samples[:, 0, 0, 0], torch.arange(20, dtype=torch.uint8))
    x, labels = one_epoch(source, batch_size=5)
    assert_unit_range_images(x, (3, 32, 32))
    assert torch.equal(labels, ((x[:, 0, 0, 0] + 1) * 127.5).round().long() % 10)
    test = build(name="cifar10", root=str(cifar_root / "cifar-10-batches-py"), split="test", image_size=16, labels=False)
    assert len(test) == 4 and test.shape == (3, 16, 16) and test.labels is None


def test_cifar10_missing_files(tmp_path, cifar_root):
    with pytest.raises(DataError, match="not found"):
        build(name="cifar10", root=str(tmp_path / "absent"))
    (cifar_root / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DataError, match="missing data_batch_3"):
        build(name="cifar10", root=str(cifar_root))


class CreatesFile:
    """Unpickling this calls open(path, "w"): the stand-in for any code a malicious pickle runs."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_cifar10_refuses_a_malicious_pickle(cifar_root, protocol):
    victim = cifar_root / "pwned"
    payload = {b"data": CreatesFile(victim), b"labels": []}
    (cifar_root / "cifar-10-batches-py" / "data_batch_1").write_bytes(pickle.dumps(payload, protocol=protocol))
    with pytest.raises(DataError, match="refusing to unpickle"):
        build(name="cifar10", root=str(cifar_root))
    assert not victim.exists()
