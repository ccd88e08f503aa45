"""Small CNN classifiers the project trains itself (scripts/train_classifiers.py) and ships as feature extractors.

One per built-in labelled image dataset: `digits` (scikit-learn's 8×8 digits) and
`fashion_mnist` (28×28). Both take grayscale images in [-1, 1], shaped [N, 1, H, W], and give
10 class logits; `features(x)` is the penultimate layer (the input of the last linear layer),
the space in which ganforge measures Fréchet distance, KID, precision/recall and NDB for these
datasets, the way FID uses InceptionV3's pool3 layer (Heusel et al. 2017).
"""
from __future__ import annotations

import torch
from torch import nn

NUM_CLASSES = 10
DIGITS_SPLIT_SEED = 0  # scikit-learn's 1,797 digits: a permutation seeded with this ...
DIGITS_TRAIN_SIZE = 1400  # ... gives 1,400 training and 397 test images


def digits_split_indices(count: int = 1797) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, test) indices of the digits classifier's fixed split."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(DIGITS_SPLIT_SEED))
    return order[:DIGITS_TRAIN_SIZE], order[DIGITS_TRAIN_SIZE:]


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """3×3 same-padding convolution, batch norm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class SmallClassifier(nn.Module):
    """Convolution blocks with 2×2 max-pooling, then a `feature_dim` hidden layer, then 10 logits."""

    def __init__(self, image_size: int, widths: tuple[int, ...], pool_after: tuple[bool, ...], feature_dim: int):
        super().__init__()
        blocks, channels, side = [], 1, image_size
        for width, pool in zip(widths, pool_after):
            blocks.append(conv_block(channels, width))
            if pool:
                blocks.append(nn.MaxPool2d(2))
                side //= 2
            channels = width
        self.trunk = nn.Sequential(*blocks, nn.Flatten())
        self.hidden = nn.Sequential(nn.Linear(channels * side * side, feature_dim), nn.ReLU(inplace=True))
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, NUM_CLASSES)
        self.input_shape = (1, image_size, image_size)
        self.feature_dim = feature_dim

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 1, H, W] in [-1, 1] -> [N, feature_dim] penultimate activations."""
        return self.hidden(self.trunk(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 1, H, W] in [-1, 1] -> [N, 10] logits."""
        return self.head(self.dropout(self.features(x)))


def digits_classifier() -> SmallClassifier:
    """8×8 digits: 8×8 -> 4×4 -> 2×2 feature maps, 128-d features; cheap, since the stacked metric runs it 78,000 times."""
    return SmallClassifier(8, widths=(16, 32, 32), pool_after=(True, True, False), feature_dim=128)


def fashion_classifier() -> SmallClassifier:
    """28×28 Fashion-MNIST: 28 -> 14 -> 7 -> 3 feature maps, 128-d features."""
    return SmallClassifier(28, widths=(16, 32, 64), pool_after=(True, True, True), feature_dim=128)


CLASSIFIERS = {"digits_classifier": digits_classifier, "fashion_classifier": fashion_classifier}
