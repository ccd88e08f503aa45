"""Small training sets for the suite's d_overfitting runs: a few dozen to a few hundred real images.

A GAN's D memorises a training set this small within a few hundred steps (Karras et al. 2020,
"Training GANs with Limited Data": r_t = E[sign D(x_real)] climbs towards 1). ganforge's data
sources have no subset option, so the runner writes each subset once as an .npz (`x`: uint8
[N, 1, H, W], `labels`) that the configs read with the `array` source:

    data: {name: array, path: /tmp/doctor_suite_data/digits_64.npz, labels_key: labels}

Rows are drawn without replacement by a fixed seed, so every machine trains on the same images.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

DATA_DIR = Path("/tmp/doctor_suite_data")
SUBSET_SEED = 1234
SUBSETS = {  # file name: (data source spec, number of images)
    "digits_64.npz": ({"name": "digits", "image_size": 16}, 64),
    "digits_128.npz": ({"name": "digits", "image_size": 16}, 128),
    "fashion_128.npz": ({"name": "fashion_mnist"}, 128),
    "fashion_256.npz": ({"name": "fashion_mnist"}, 256),
}


def prepare_subsets(directory: Path = DATA_DIR) -> None:
    """Write every subset file that does not exist yet."""
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, (spec, count) in SUBSETS.items():
        path = directory / file_name
        if not path.exists():
            write_subset(spec, count, path)


def write_subset(spec: dict, count: int, path: Path) -> None:
    from ganforge.data import DATA

    source = DATA.build(spec, field="data")
    rows = torch.randperm(len(source.samples), generator=torch.Generator().manual_seed(SUBSET_SEED))[:count]
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez(temporary, x=source.samples[rows].numpy(), labels=source.labels[rows].numpy())
    temporary.replace(path)
