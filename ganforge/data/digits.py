"""scikit-learn's bundled handwritten digits: a real image dataset that needs no download."""
from __future__ import annotations

import numpy as np
import torch

from .registries import DATA
from .images import check_image_size, fit_square
from .source import StoredSource


@DATA.register("digits")
class DigitsSource(StoredSource):
    """scikit-learn's 1,797 bundled 8×8 handwritten digits, labels 0-9 (no download needed).

    Reads `sklearn.datasets.load_digits()`, whose pixels are 0..16, and stores them as
    uint8 0..255 [1797, 1, S, S], resized once to `image_size` S if it is not 8.
    """

    def __init__(self, image_size: int = 8, labels: bool = True):
        from sklearn.datasets import load_digits  # imported here: scikit-learn is slow to import

        check_image_size(image_size)
        digits = load_digits()
        pixels = np.rint(digits.images * (255 / 16)).astype(np.uint8)
        images = fit_square(torch.from_numpy(pixels).unsqueeze(1), image_size)
        targets = torch.from_numpy(digits.target) if labels else None
        super().__init__(images, targets, origin="sklearn.datasets.load_digits")
