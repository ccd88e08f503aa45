"""Data files for the held-out suite: an RGB photo-patch folder and a mixture of Gaussians stored as .npy vectors.

Neither source ships with ganforge, so the runner writes each once, by a fixed seed, under DATA_DIR:

- `photo_patches/`: 16×16 RGB PNG patches cut from scikit-learn's bundled sample photographs
  (china.jpg, flower.jpg), each photograph first shrunk 4× so a patch holds edges and texture,
  read with `data: {name: image_folder, path: ...}`;
- `vectors_8d.npy`, `vectors_4d.npy`: float32 [N, D] points from a few Gaussians (std VECTOR_STD) whose
  centres lie in [-0.7, 0.7]^D (VECTOR_SETS: dimensions, modes, seed), read with
  `data: {name: array, path: ...}`. The centres are kept beside each (`<name>_centres.npy`) for the
  suite's own mode count, never shown to ganforge;
- held_out_3's data (MIXTURE_SETS, GRAY_PATCHES): `scatter_2d.npy`, 2-D points from 10 Gaussians (std 0.04)
  at random positions in [-0.8, 0.8]² at least 0.3 apart; `uneven_3d.npy`, 3-D points from 7 Gaussians
  (std 0.05) in [-0.7, 0.7]³ at least 0.4 apart, drawn with unequal weights (4:3:2:2:1:1:1), their centres
  beside each like the vectors'; `gray_patches/`, 16×16 greyscale PNG patches cut from the same two
  photographs shrunk 2× (not 4×) at other positions, read with `data: {name: image_folder, path: ...}`;
- held_out_4's data (MIXTURE_SETS): `penta_5d.npy`, 5-D points from 10 Gaussians (std 0.05) in [-0.7, 0.7]⁵
  at least 0.5 apart; `hexa_6d.npy`, 6-D points from 8 Gaussians (std 0.05) in [-0.7, 0.7]⁶ at least 0.6
  apart, their centres beside each like the others'.
- held_out_5's data (MIXTURE_SETS, WIDE_PATCHES): `septa_7d.npy`, 7-D points from 8 Gaussians (std 0.05) in
  [-0.7, 0.7]⁷ at least 0.6 apart, their centres beside it; `wide_patches/`, 32×32 RGB PNG patches cut from the
  same two photographs shrunk 2× (WIDE_SEED, WIDE_COUNT), read with `data: {name: image_folder, path: ...}`.
- held_out_6's data (MIXTURE_SETS, TINT_DIGITS): `deca_10d.npy`, 10-D points from 10 Gaussians (std 0.05) in
  [-0.7, 0.7]¹⁰ at least 0.7 apart, drawn with unequal weights (3:3:2:2:2:1:1:1:1:1), their centres beside it;
  `tint_digits/`, 16×16 RGB PNG images of scikit-learn's bundled 8×8 digits (all 1797), each upscaled 2× and
  drawn in one of TINT_COLOURS on a dark background (the colour drawn per image from TINT_SEED), read with
  `data: {name: image_folder, path: ...}`.
- held_out_7's data (HELIX_SETS, NEG_DIGITS): `helix_12d.npy`, 12-D points from 12 Gaussians (std 0.04) whose
  centres lie on a helix of two turns (radius 1, rising 0.25 per radian in its third axis, the modes at unequal
  angles: spacing growing from 0.5 to 0.9 rad), mapped into 12-D by a random orthogonal matrix and scaled so that
  every coordinate lies in [-0.8, 0.8], their centres beside it; `neg_digits/`, 16×16 greyscale PNG images of
  scikit-learn's bundled 8×8 digits (all 1797), each upscaled 2× and inverted (dark ink on a light ground), shifted
  by up to one pixel each way (the shift drawn per image from NEG_SEED), read with
  `data: {name: image_folder, path: ...}`.
- held_out_8's data (SIMPLEX_SETS, WEAR_ITEMS): `simplex_9d.npy`, 9-D points from 10 Gaussians (std 0.05) at the
  vertices of a regular simplex (every pair of modes equally far apart, 0.92), turned by a random rotation and scaled
  so that every coordinate lies in [-0.5, 0.5], their centres beside it; `wear_items/`, 16×16 greyscale PNG images of
  four Fashion-MNIST classes (trouser, sneaker, bag, ankle boot: the first WEAR_PER_CLASS of each in the training
  split, read from the IDX files in FASHION_ROOT with ganforge's own reader), each shrunk from 28×28 by area
  averaging, one subfolder per class, read with `data: {name: image_folder, path: ...}`.
- held_out_9's data (PLANE_SETS, GARB_ITEMS): `plane_14d.npy`, 14-D points from 16 Gaussians (std 0.05) whose centres
  lie on a 4×4 grid in a random 2-D plane of 14-D space (the plane's two directions drawn by a random orthogonal
  matrix), scaled so that every coordinate lies in [-0.8, 0.8], their centres beside it; `garb_items/`, 16×16 RGB PNG
  images of the six Fashion-MNIST classes that wear_items leaves out (T-shirt, pullover, dress, coat, sandal, shirt:
  the first GARB_PER_CLASS of each in the training split), each shrunk from 28×28 by area averaging and drawn as a
  light item on a background of one of GARB_BACKGROUNDS (the colour drawn per image from GARB_SEED), in one flat
  folder, read with `data: {name: image_folder, path: ...}`.
- held_out_10's data (SHELL_SETS, ROAM_DIGITS): `shell_11d.npy`, 11-D points from 20 Gaussians (std 0.05) on two
  concentric shells of 3-D space (12 at the vertices of an icosahedron of radius 1, 8 at the vertices of a cube of
  radius 0.5 inside it), mapped into 11-D by a random orthogonal matrix and scaled so that every coordinate lies in
  [-0.8, 0.8] (nearest modes 0.68 apart), their centres beside it; `roam_digits/`, 16×16 greyscale PNG images of
  scikit-learn's bundled 8×8 digits (all 1797), each enlarged to ROAM_DIGIT_SIDE×ROAM_DIGIT_SIDE and pasted, light on
  black, at a position drawn per image from ROAM_SEED anywhere on the 16×16 canvas, read with
  `data: {name: image_folder, path: ...}`.
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
# name: (dimensions, modes, seed, std, half-width of the box the centres lie in, least distance between centres,
#        relative weights of the modes or None for equal ones)
MIXTURE_SETS = {"scatter_2d": (2, 10, 2468, 0.04, 0.8, 0.3, None),
                "uneven_3d": (3, 7, 1357, 0.05, 0.7, 0.4, (4, 3, 2, 2, 1, 1, 1)),
                "penta_5d": (5, 10, 9753, 0.05, 0.7, 0.5, None),
                "hexa_6d": (6, 8, 8642, 0.05, 0.7, 0.6, None),
                "septa_7d": (7, 8, 7531, 0.05, 0.7, 0.6, None),
                "deca_10d": (10, 10, 6420, 0.05, 0.7, 0.7, (3, 3, 2, 2, 2, 1, 1, 1, 1, 1))}
MIXTURE_COUNT = 6000
GRAY_PATCHES = DATA_DIR / "gray_patches"
GRAY_SEED, GRAY_COUNT, GRAY_SIDE, GRAY_SHRINK = 8642, 2048, 16, 2
WIDE_PATCHES = DATA_DIR / "wide_patches"
WIDE_SEED, WIDE_COUNT, WIDE_SIDE, WIDE_SHRINK = 2718, 1024, 32, 2
TINT_DIGITS = DATA_DIR / "tint_digits"
TINT_SEED, TINT_SIDE = 1618, 16
TINT_COLOURS = ((255, 80, 60), (70, 220, 90), (80, 130, 255), (250, 220, 60), (230, 90, 230), (60, 220, 230))
TINT_BACKGROUND = (20, 20, 30)
# name: (dimensions, modes, seed, std, largest coordinate): held_out_7's modes on a helix (helix_centres)
HELIX_SETS = {"helix_12d": (12, 12, 2024, 0.04, 0.8)}
NEG_DIGITS = DATA_DIR / "neg_digits"
NEG_SEED, NEG_SIDE = 3141, 16
# name: (dimensions, modes, seed, std, largest coordinate): held_out_8's modes at the vertices of a regular simplex
# (simplex_centres; a regular simplex in D dimensions has D + 1 vertices)
SIMPLEX_SETS = {"simplex_9d": (9, 10, 9090, 0.05, 0.5)}
WEAR_ITEMS = DATA_DIR / "wear_items"
FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")
WEAR_CLASSES = {1: "trouser", 7: "sneaker", 8: "bag", 9: "ankle_boot"}  # Fashion-MNIST label: subfolder
WEAR_PER_CLASS, WEAR_SIDE = 500, 16
# name: (dimensions, grid side, seed, std, largest coordinate): held_out_9's modes on a grid in a 2-D plane (plane_centres)
PLANE_SETS = {"plane_14d": (14, 4, 1414, 0.05, 0.8)}
GARB_ITEMS = DATA_DIR / "garb_items"
GARB_CLASSES = (0, 2, 3, 4, 5, 6)  # Fashion-MNIST labels: T-shirt, pullover, dress, coat, sandal, shirt
GARB_PER_CLASS, GARB_SIDE, GARB_SEED = 300, 16, 1909
GARB_BACKGROUNDS = ((150, 30, 40), (30, 110, 60), (40, 60, 150), (140, 110, 20))
GARB_ITEM_COLOUR = (245, 240, 225)
# name: (dimensions, seed, std, largest coordinate, inner radius): held_out_10's modes on two concentric shells
# (shell_centres: an icosahedron's 12 vertices at radius 1 and a cube's 8 at the inner radius)
SHELL_SETS = {"shell_11d": (11, 1111, 0.05, 0.8, 0.5)}
ROAM_DIGITS = DATA_DIR / "roam_digits"
ROAM_SEED, ROAM_SIDE, ROAM_DIGIT_SIDE = 2026, 16, 10


def vectors_path(name: str) -> Path:
    return DATA_DIR / f"{name}.npy"


def centres_path(data_path: Path | str) -> Path:
    """Where the centres of the mixture stored at `data_path` are kept."""
    data_path = Path(data_path)
    return data_path.with_name(f"{data_path.stem}_centres.npy")


def mixture_std(data_path: Path | str) -> float:
    """The std of each Gaussian of the mixture stored at `data_path`."""
    name = Path(data_path).stem
    if name in HELIX_SETS:
        return HELIX_SETS[name][3]
    if name in SIMPLEX_SETS:
        return SIMPLEX_SETS[name][3]
    if name in PLANE_SETS:
        return PLANE_SETS[name][3]
    if name in SHELL_SETS:
        return SHELL_SETS[name][2]
    return MIXTURE_SETS[name][3] if name in MIXTURE_SETS else VECTOR_STD


def prepare_held_out_data() -> None:
    """Write every held-out data file that does not exist yet."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    write_patches(PATCHES, PATCH_COUNT, PATCH_SIDE, PATCH_SEED, PHOTO_SHRINK)  # skipped when already written
    for name in VECTOR_SETS:
        if not (vectors_path(name).exists() and centres_path(vectors_path(name)).exists()):
            write_vectors(name)
    for name in MIXTURE_SETS:
        if not (vectors_path(name).exists() and centres_path(vectors_path(name)).exists()):
            write_mixture(name)
    write_patches(GRAY_PATCHES, GRAY_COUNT, GRAY_SIDE, GRAY_SEED, GRAY_SHRINK, mode="L")
    write_patches(WIDE_PATCHES, WIDE_COUNT, WIDE_SIDE, WIDE_SEED, WIDE_SHRINK)  # skipped when already written
    write_tinted_digits(TINT_DIGITS)  # skipped when already written
    for name in HELIX_SETS:
        if not (vectors_path(name).exists() and centres_path(vectors_path(name)).exists()):
            write_helix(name)
    write_negative_digits(NEG_DIGITS)  # skipped when already written
    for name in SIMPLEX_SETS:
        if not (vectors_path(name).exists() and centres_path(vectors_path(name)).exists()):
            write_simplex(name)
    write_wear_items(WEAR_ITEMS)  # skipped when already written
    for name in PLANE_SETS:
        if not (vectors_path(name).exists() and centres_path(vectors_path(name)).exists()):
            write_plane(name)
    write_garb_items(GARB_ITEMS)  # skipped when already written
    for name in SHELL_SETS:
        if not (vectors_path(name).exists() and centres_path(vectors_path(name)).exists()):
            write_shell(name)
    write_roam_digits(ROAM_DIGITS)  # skipped when already written


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


def mixture_centres(name: str) -> np.ndarray:
    """MIXTURE_SETS[name]'s centres: uniform in the box, each drawn again until it is far enough from the others."""
    dimensions, modes, seed, _, half_width, least_distance, _ = MIXTURE_SETS[name]
    rng = np.random.default_rng(seed)
    centres = []
    while len(centres) < modes:
        centre = rng.uniform(-half_width, half_width, dimensions)
        if all(np.linalg.norm(centre - other) >= least_distance for other in centres):
            centres.append(centre)
    return np.asarray(centres, dtype=np.float32)


def write_mixture(name: str) -> None:
    dimensions, modes, seed, std, _, _, weights = MIXTURE_SETS[name]
    rng = np.random.default_rng(seed + 1)
    centres = mixture_centres(name)
    p = None if weights is None else np.asarray(weights, dtype=float) / sum(weights)
    points = centres[rng.choice(modes, MIXTURE_COUNT, p=p)] + rng.normal(0, std, (MIXTURE_COUNT, dimensions))
    np.save(vectors_path(name), np.clip(points, -1, 1).astype(np.float32))
    np.save(centres_path(vectors_path(name)), centres)


def write_tinted_digits(folder: Path) -> Path:
    """scikit-learn's 8×8 digits as TINT_SIDE×TINT_SIDE RGB PNGs, each in a colour of TINT_COLOURS on
    TINT_BACKGROUND (ink share = the digit's grey level), written unless the last file is already there."""
    from PIL import Image
    from sklearn.datasets import load_digits

    images = load_digits().images  # (1797, 8, 8), values 0..16
    if (folder / f"{len(images) - 1:04d}.png").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(TINT_SEED)
    colours = np.asarray(TINT_COLOURS, dtype=np.float64)
    background = np.asarray(TINT_BACKGROUND, dtype=np.float64)
    for index, image in enumerate(images):
        ink = np.asarray(Image.fromarray((image * (255 / 16)).astype(np.uint8)).resize((TINT_SIDE, TINT_SIDE), Image.BILINEAR),
                         dtype=np.float64)[..., None] / 255
        colour = colours[rng.integers(0, len(colours))]
        rgb = np.clip(np.rint(background + ink * (colour - background)), 0, 255).astype(np.uint8)
        Image.fromarray(rgb).save(folder / f"{index:04d}.png")
    return folder


def helix_centres(name: str) -> np.ndarray:
    """HELIX_SETS[name]'s centres: points at unequal angles on a two-turn helix (cos θ, sin θ, 0.25 θ), centred,
    mapped into `dimensions` by a random orthogonal matrix, then scaled so the largest |coordinate| is the last entry."""
    dimensions, modes, seed, _, largest = HELIX_SETS[name]
    steps = np.linspace(0.5, 0.9, modes - 1)
    angles = np.concatenate([[0.0], np.cumsum(steps)]) * (4 * np.pi / np.sum(steps))  # two turns in all
    helix = np.stack([np.cos(angles), np.sin(angles), 0.25 * angles], axis=1)
    helix -= helix.mean(axis=0)
    return turned_into(helix, dimensions, seed, largest)


def turned_into(shape: np.ndarray, dimensions: int, seed: int, largest: float) -> np.ndarray:
    """`shape`'s k-D rows mapped into `dimensions`-D by the first k rows of a random orthogonal matrix (the stream of
    `seed`), scaled so the largest |coordinate| is `largest`."""
    rotation, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dimensions, dimensions)))
    centres = shape @ rotation[: shape.shape[1]]
    return (centres * (largest / np.abs(centres).max())).astype(np.float32)


def write_helix(name: str) -> None:
    dimensions, _, seed, std, _ = HELIX_SETS[name]
    write_placed_mixture(name, helix_centres(name), dimensions, seed, std)


def write_placed_mixture(name: str, centres: np.ndarray, dimensions: int, seed: int, std: float) -> None:
    """MIXTURE_COUNT points drawn evenly from Gaussians of `std` at `centres` (the stream of `seed` + 1), clipped to
    [-1, 1], as the .npy of `name`, with the centres beside it."""
    rng = np.random.default_rng(seed + 1)
    points = centres[rng.integers(0, len(centres), MIXTURE_COUNT)] + rng.normal(0, std, (MIXTURE_COUNT, dimensions))
    np.save(vectors_path(name), np.clip(points, -1, 1).astype(np.float32))
    np.save(centres_path(vectors_path(name)), centres)


def write_negative_digits(folder: Path) -> Path:
    """scikit-learn's 8×8 digits as NEG_SIDE×NEG_SIDE greyscale PNGs, inverted (255 − ink), each shifted by up to a
    pixel each way (edge pixels repeated), written unless the last file is already there."""
    from PIL import Image
    from sklearn.datasets import load_digits

    images = load_digits().images  # (1797, 8, 8), values 0..16
    if (folder / f"{len(images) - 1:04d}.png").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(NEG_SEED)
    for index, image in enumerate(images):
        ink = np.asarray(Image.fromarray((image * (255 / 16)).astype(np.uint8)).resize((NEG_SIDE, NEG_SIDE), Image.BILINEAR))
        dy, dx = rng.integers(-1, 2, 2)
        ink = np.roll(np.pad(ink, 1, mode="edge"), (dy, dx), axis=(0, 1))[1:-1, 1:-1]
        Image.fromarray((255 - ink).astype(np.uint8)).save(folder / f"{index:04d}.png")
    return folder


def simplex_centres(name: str) -> np.ndarray:
    """SIMPLEX_SETS[name]'s centres: the D + 1 vertices of a regular simplex in D dimensions (the standard basis of
    R^(D+1), centred, written in an orthonormal basis of its D-dimensional span), turned by a random rotation, then
    scaled so the largest |coordinate| is the last entry."""
    dimensions, modes, seed, _, largest = SIMPLEX_SETS[name]
    if modes != dimensions + 1:
        raise ValueError(f"{name}: a regular simplex in {dimensions} dimensions has {dimensions + 1} vertices, not {modes}")
    vertices = np.eye(modes) - 1.0 / modes  # (D+1, D+1), rows sum to 0: they span a D-dimensional subspace
    basis, _ = np.linalg.qr(vertices.T)  # its first D columns span the rows' subspace
    flat = vertices @ basis[:, :dimensions]  # (D+1, D), pairwise distances √2
    return turned_into(flat, dimensions, seed, largest)


def write_simplex(name: str) -> None:
    dimensions, _, seed, std, _ = SIMPLEX_SETS[name]
    write_placed_mixture(name, simplex_centres(name), dimensions, seed, std)


def write_wear_items(folder: Path) -> Path:
    """The first WEAR_PER_CLASS training images of each class of WEAR_CLASSES, shrunk from 28×28 to
    WEAR_SIDE×WEAR_SIDE by area averaging, as greyscale PNGs in one subfolder per class, written unless the last
    file is already there."""
    from PIL import Image

    from ganforge.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx

    last = folder / WEAR_CLASSES[max(WEAR_CLASSES)] / f"{WEAR_PER_CLASS - 1:04d}.png"
    if last.exists():
        return folder
    images = read_idx(FASHION_ROOT / "train-images-idx3-ubyte.gz", IMAGES_MAGIC)  # (60000, 28, 28) uint8
    labels = read_idx(FASHION_ROOT / "train-labels-idx1-ubyte.gz", LABELS_MAGIC)  # (60000,)
    for label, subfolder in WEAR_CLASSES.items():
        (folder / subfolder).mkdir(parents=True, exist_ok=True)
        for index, image in enumerate(images[labels == label][:WEAR_PER_CLASS]):
            Image.fromarray(image).resize((WEAR_SIDE, WEAR_SIDE), Image.BOX).save(folder / subfolder / f"{index:04d}.png")
    return folder


def plane_centres(name: str) -> np.ndarray:
    """PLANE_SETS[name]'s centres: a side×side grid (spacing 1) in a 2-D plane of `dimensions`-D space, the plane's two
    directions the first two rows of a random orthogonal matrix, centred, then scaled so the largest |coordinate| is
    the last entry."""
    dimensions, side, seed, _, largest = PLANE_SETS[name]
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), axis=-1).reshape(-1, 2).astype(np.float64)
    grid -= grid.mean(axis=0)
    return turned_into(grid, dimensions, seed, largest)


def write_plane(name: str) -> None:
    dimensions, _, seed, std, _ = PLANE_SETS[name]
    write_placed_mixture(name, plane_centres(name), dimensions, seed, std)


def write_garb_items(folder: Path) -> Path:
    """The first GARB_PER_CLASS training images of each class of GARB_CLASSES, shrunk from 28×28 to GARB_SIDE×GARB_SIDE
    by area averaging, drawn in GARB_ITEM_COLOUR (ink share = the item's grey level) on a background of
    GARB_BACKGROUNDS, as RGB PNGs in one flat folder (class by class), written unless the last file is already there."""
    from PIL import Image

    from ganforge.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx

    last = folder / f"{len(GARB_CLASSES) * GARB_PER_CLASS - 1:04d}.png"
    if last.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    images = read_idx(FASHION_ROOT / "train-images-idx3-ubyte.gz", IMAGES_MAGIC)  # (60000, 28, 28) uint8
    labels = read_idx(FASHION_ROOT / "train-labels-idx1-ubyte.gz", LABELS_MAGIC)  # (60000,)
    rng = np.random.default_rng(GARB_SEED)
    backgrounds = np.asarray(GARB_BACKGROUNDS, dtype=np.float64)
    item = np.asarray(GARB_ITEM_COLOUR, dtype=np.float64)
    index = 0
    for label in GARB_CLASSES:
        for image in images[labels == label][:GARB_PER_CLASS]:
            ink = np.asarray(Image.fromarray(image).resize((GARB_SIDE, GARB_SIDE), Image.BOX), dtype=np.float64)[..., None] / 255
            background = backgrounds[rng.integers(0, len(backgrounds))]
            rgb = np.clip(np.rint(background + ink * (item - background)), 0, 255).astype(np.uint8)
            Image.fromarray(rgb).save(folder / f"{index:04d}.png")
            index += 1
    return folder


def shell_centres(name: str) -> np.ndarray:
    """SHELL_SETS[name]'s centres: the 12 vertices of a regular icosahedron at radius 1 and the 8 vertices of a cube
    at the inner radius (two concentric shells of 3-D space), mapped into `dimensions`-D by a random orthogonal matrix,
    then scaled so the largest |coordinate| is the fourth entry."""
    dimensions, seed, _, largest, inner = SHELL_SETS[name]
    phi = (1 + 5 ** 0.5) / 2
    icosahedron = np.array([p for a in (-1, 1) for b in (-phi, phi) for p in ((0, a, b), (a, b, 0), (b, 0, a))], float)
    icosahedron /= np.linalg.norm(icosahedron, axis=1, keepdims=True)
    cube = np.array([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float) * (inner / 3 ** 0.5)
    return turned_into(np.concatenate([icosahedron, cube]), dimensions, seed, largest)


def write_shell(name: str) -> None:
    dimensions, seed, std, _, _ = SHELL_SETS[name]
    write_placed_mixture(name, shell_centres(name), dimensions, seed, std)


def write_roam_digits(folder: Path) -> Path:
    """scikit-learn's 8×8 digits enlarged to ROAM_DIGIT_SIDE×ROAM_DIGIT_SIDE (bilinear) and pasted, light on black, at
    a position anywhere on a ROAM_SIDE×ROAM_SIDE canvas (the offset drawn per image from ROAM_SEED), as greyscale PNGs,
    written unless the last file is already there."""
    from PIL import Image
    from sklearn.datasets import load_digits

    images = load_digits().images  # (1797, 8, 8), values 0..16
    if (folder / f"{len(images) - 1:04d}.png").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(ROAM_SEED)
    room = ROAM_SIDE - ROAM_DIGIT_SIDE
    for index, image in enumerate(images):
        ink = np.asarray(Image.fromarray((image * (255 / 16)).astype(np.uint8)).resize((ROAM_DIGIT_SIDE, ROAM_DIGIT_SIDE),
                                                                                   Image.BILINEAR))
        dy, dx = rng.integers(0, room + 1, 2)
        canvas = np.zeros((ROAM_SIDE, ROAM_SIDE), dtype=np.uint8)
        canvas[dy:dy + ROAM_DIGIT_SIDE, dx:dx + ROAM_DIGIT_SIDE] = ink
        Image.fromarray(canvas).save(folder / f"{index:04d}.png")
    return folder
