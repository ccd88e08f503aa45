"""Train the feature-extractor classifiers that ship in ganforge/metrics/weights/ (CPU, deterministic).

    OMP_NUM_THREADS=1 python scripts/train_classifiers.py [--only digits_classifier] [--fashion-root DIR]

digits_classifier: scikit-learn's 1,797 8×8 digits, split by a permutation seeded with classifiers.DIGITS_SPLIT_SEED
into 1,400 train / 397 test. fashion_classifier: Fashion-MNIST's 60,000 train / 10,000 test.
Each is trained with Adam and a cosine learning-rate schedule from a fixed seed, on one thread,
with deterministic algorithms, so the same torch version reproduces the same weights. Prints
one markdown row per classifier (test accuracy, parameters, file size, sha256) for docs/extractors.md;
the sha256 goes into ganforge/metrics/extractors.py's WEIGHTS_SHA256.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's ganforge, installed or not
from ganforge.metrics.classifiers import CLASSIFIERS, digits_split_indices  # noqa: E402

WEIGHTS_DIR = ROOT / "ganforge" / "metrics" / "weights"
TRAIN_SEED = 0
RECIPES = {  # epochs, batch size, peak learning rate
    "digits_classifier": dict(epochs=30, batch_size=64, lr=2e-3),
    "fashion_classifier": dict(epochs=6, batch_size=128, lr=2e-3),
}


def to_unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 -> float32 in [-1, 1], the range every ganforge data source and generator uses."""
    return pixels.float() / 127.5 - 1.0


def digits_split() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """((train images, labels), (test images, labels)): 1,400 / 397, split by classifiers.digits_split_indices."""
    from ganforge.data.digits import DigitsSource

    source = DigitsSource()
    train, test = digits_split_indices(len(source))
    images = to_unit_range(source.samples)
    return (images[train], source.labels[train]), (images[test], source.labels[test])


def fashion_split(root: str):
    """((60,000 train images, labels), (10,000 test images, labels)) from Fashion-MNIST's IDX files."""
    from ganforge.data.idx import FashionMnistSource

    train, test = FashionMnistSource(root, "train"), FashionMnistSource(root, "test")
    return (to_unit_range(train.samples), train.labels), (to_unit_range(test.samples), test.labels)


def train(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, epochs: int, batch_size: int, lr: float):
    generator = torch.Generator().manual_seed(TRAIN_SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = math.ceil(len(images) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        for start in range(0, len(images), batch_size):
            chosen = order[start:start + batch_size]
            loss = F.cross_entropy(model(images[chosen]), labels[chosen])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        print(f"  epoch {epoch + 1}/{epochs}: last batch loss {loss.item():.4f}", flush=True)


@torch.no_grad()
def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    predictions = torch.cat([model(chunk).argmax(1) for chunk in images.split(1000)])
    return (predictions == labels).double().mean().item()


def save(model: torch.nn.Module, name: str) -> Path:
    WEIGHTS_DIR.mkdir(parents=True, exist_ok=True)
    path = WEIGHTS_DIR / f"{name}.pt"
    torch.save({key: value.detach().clone().contiguous() for key, value in model.state_dict().items()}, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CLASSIFIERS), help="train just this classifier")
    parser.add_argument("--fashion-root", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    splits = {"digits_classifier": digits_split, "fashion_classifier": lambda: fashion_split(args.fashion_root)}
    rows = []
    for name in [args.only] if args.only else sorted(CLASSIFIERS):
        torch.manual_seed(TRAIN_SEED)
        model = CLASSIFIERS[name]()
        (train_x, train_y), (test_x, test_y) = splits[name]()
        started, cpu_started = time.perf_counter(), time.process_time()
        print(f"{name}: {len(train_x)} train / {len(test_x)} test, {RECIPES[name]}", flush=True)
        train(model, train_x, train_y, **RECIPES[name])
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        test_accuracy = accuracy(model, test_x, test_y)
        path = save(model, name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        parameters = sum(p.numel() for p in model.parameters())
        print(f"{name}: test accuracy {test_accuracy:.4f}, {seconds:.0f} s wall, {cpu_seconds:.0f} s CPU, "
              f"sha256 {digest}", flush=True)
        rows.append(f"| {name} | {len(train_x)} / {len(test_x)} | {100 * test_accuracy:.2f}% | {parameters:,} "
                    f"| {path.stat().st_size / 1024:.0f} KiB | `{digest[:16]}` | {cpu_seconds:.0f} s |")
    print("| extractor | train / test | test accuracy | parameters | file | sha256 (first 16) | train CPU time |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
