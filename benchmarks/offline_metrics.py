"""The offline metrics (SWD, FD in random_conv features) beside the shipped classifiers' FD, on the shipped datasets.

    OMP_NUM_THREADS=1 python benchmarks/offline_metrics.py             # writes the "offline-metrics" section
    python benchmarks/offline_metrics.py --count 500 --no-write

For each dataset, a reference set (N images) is compared with sets whose answer is known in kind:
- another N images of the same data (what a perfect generator scores: the floor);
- the same images with Gaussian pixel noise (σ = 0.2 of the [-1, 1] range);
- the same images blurred (2×2 average, then upsampled back);
- a collapsed set: the images of one class only (or, without labels, 10 images repeated).
A metric that works ranks the floor lowest, and each defect above it. Metrics: `swd` (multi-scale
sliced Wasserstein, ×10³, ProGAN), FD in `random_conv` features (no download, any size and channel
count), and FD in the dataset's shipped classifier's features where there is one. Fashion-MNIST's
sets are drawn from its test split (reference) and its train split (the others); digits', stacked
digits' and the photo patches' from two disjoint halves of the data. The photo patches are 32×32 RGB
crops of scikit-learn's two bundled sample photographs (china.jpg, flower.jpg): an RGB dataset no
classifier here was trained on.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from report import machine, write_section  # noqa: E402

from ganforge.data import DATA  # noqa: E402
from ganforge.metrics.extractors import RandomConvExtractor, build_extractor  # noqa: E402
from ganforge.metrics.fid import feature_statistics, frechet_distance  # noqa: E402
from ganforge.metrics.swd import sliced_wasserstein_distance  # noqa: E402

NOISE_SIGMA = 0.2
PATCH_SIDE = 32
SEED = 0


def draw(source, count: int, part: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Batch `part` of `count` images (and labels) from one seeded permutation: parts 0 and 1 never share an image."""
    return source.batch(part, count, SEED)


def photo_patches(count: int) -> torch.Tensor:
    """32×32 RGB crops at random places of scikit-learn's two sample photographs, in [-1, 1]."""
    from sklearn.datasets import load_sample_images

    photos = [torch.from_numpy(np.array(image)).permute(2, 0, 1).float() for image in load_sample_images().images]
    rng = np.random.default_rng(SEED)
    crops = []
    for index in range(count):
        photo = photos[index % len(photos)]
        top = rng.integers(0, photo.shape[1] - PATCH_SIDE)
        left = rng.integers(0, photo.shape[2] - PATCH_SIDE)
        crops.append(photo[:, top:top + PATCH_SIDE, left:left + PATCH_SIDE])
    return torch.stack(crops) / 127.5 - 1.0


def datasets(count: int) -> dict[str, dict]:
    """name → reference images, other images of the same data, their labels, and the shipped classifier (or None)."""
    fashion_test = DATA.build({"name": "fashion_mnist", "split": "test"})
    fashion_train = DATA.build({"name": "fashion_mnist", "split": "train"})
    digits = DATA.build({"name": "digits", "image_size": 16})
    stacked = DATA.build({"name": "stacked", "base": "digits", "image_size": 16, "size": 2 * count})
    found = {}
    reference, _ = draw(fashion_test, count, 0)
    others, labels = draw(fashion_train, count, 0)
    found["fashion_mnist 28×28"] = dict(reference=reference, others=others, labels=labels, classifier="fashion_classifier")
    for name, source, classifier in (("digits 16×16", digits, "digits_classifier"), ("stacked digits 3×16×16", stacked, None)):
        half = min(count, len(source) // 2)
        reference, _ = draw(source, half, 0)
        others, labels = draw(source, half, 1)
        found[name] = dict(reference=reference, others=others, labels=labels, classifier=classifier)
    patches = photo_patches(2 * count)
    found["photo patches 3×32×32"] = dict(reference=patches[:count], others=patches[count:], labels=None, classifier=None)
    return found


def defects(others: torch.Tensor, labels: torch.Tensor | None) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(SEED)
    noisy = (others + NOISE_SIGMA * torch.randn(others.shape, generator=generator)).clamp(-1, 1)
    blurred = F.interpolate(F.avg_pool2d(others, 2), size=others.shape[-2:], mode="nearest")
    if labels is not None:
        one_class = others[labels == labels[0]]
        collapsed = one_class[torch.arange(len(others)) % len(one_class)]
    else:
        collapsed = others[torch.arange(len(others)) % 10]
    return {"same data (floor)": others, f"noise σ {NOISE_SIGMA}": noisy, "blurred 2×2": blurred, "collapsed": collapsed}


def feature_fd(extractor, reference: torch.Tensor, candidate: torch.Tensor) -> float:
    mu1, sigma1 = feature_statistics(extractor.features(reference).numpy())
    mu2, sigma2 = feature_statistics(extractor.features(candidate).numpy())
    return frechet_distance(mu1, sigma1, mu2, sigma2)


def rows_for(name: str, data: dict) -> list[str]:
    reference = data["reference"]
    random_conv = RandomConvExtractor(reference.shape[1])
    classifier = build_extractor(data["classifier"]) if data["classifier"] else None
    rows = []
    for defect, candidate in defects(data["others"], data["labels"]).items():
        swd = sliced_wasserstein_distance(reference, candidate, seed=SEED)["swd"]
        conv_fd = feature_fd(random_conv, reference, candidate)
        classifier_fd = f"{feature_fd(classifier, reference, candidate):.3f}" if classifier else "-"
        rows.append(f"| {name} | {len(reference)} | {defect} | {swd:.2f} | {conv_fd:.4f} | {classifier_fd} |")
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="images a set (default 2000)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.process_time()
    rows = ["| data | images a set | compared with the reference | SWD ×10³ ↓ | FD random_conv ↓ | FD classifier ↓ |",
            "|---|---|---|---|---|---|"]
    for name, data in datasets(args.count).items():
        rows += rows_for(name, data)
    seconds = time.process_time() - started
    if not args.no_write:
        write_section("offline-metrics", "\n".join([
            "## Offline metrics on the shipped data: SWD and random_conv FD beside the classifiers' FD",
            "",
            f"`python benchmarks/offline_metrics.py {' '.join(sys.argv[1:])}`".replace(" `", "`") + f" on {machine()}, "
            f"{seconds:.0f} CPU-s in all. Each row compares a reference set with a set of known defect (see the",
            "script's docstring); the floor row is what a perfect generator scores. `-`: no shipped classifier.",
            "",
            *rows,
        ]))


if __name__ == "__main__":
    main()
