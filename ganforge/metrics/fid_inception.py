"""The FID variant of InceptionV3 (Szegedy et al. 2016), laid out so pytorch-fid's weights file loads into it.

FID (Heusel et al. 2017) is defined on the pool3 activations (2048-d) of the TensorFlow graph
`inception-2015-12-05`. pytorch-fid ported its weights to PyTorch as a state dict,
`pt_inception-2015-12-05-6726825d.pth`, for a network shaped like torchvision's Inception3
(1008 classes, no auxiliary head) with four differences from the textbook network, which this
module reproduces so the features match TensorFlow's:

- every 3×3 average pool inside a block ignores the zero padding (TensorFlow's behaviour);
- the last block (Mixed_7c) pools its pool branch with a 3×3 *max* pool, not an average pool.

Parameter names (`Conv2d_1a_3x3.conv.weight`, `Mixed_5b.branch5x5_1.bn.running_mean`, ...) match
that file's keys. Input: [N, 3, 299, 299] in [-1, 1] (the TF graph's own scaling of 0..255 pixels).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

POOL3_FEATURES = 2048
NUM_LOGITS = 1008  # the 2015 graph's 1,008 outputs: 1,000 ImageNet classes and 8 unused


class ConvBN(nn.Module):
    """Convolution without bias, batch norm (eps 1e-3, as in TensorFlow), ReLU; named `conv` and `bn`."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=1e-3)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def average_pool_without_padding(x: torch.Tensor) -> torch.Tensor:
    """3×3, stride-1 average over the pixels that exist (padding is not counted), as TensorFlow pools."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class Block35(nn.Module):
    """Mixed_5b/5c/5d (35×35 grid): 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | pool→1×1."""

    def __init__(self, in_channels: int, pool_features: int):
        super().__init__()
        self.branch1x1 = ConvBN(in_channels, 64, 1)
        self.branch5x5_1 = ConvBN(in_channels, 48, 1)
        self.branch5x5_2 = ConvBN(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = ConvBN(in_channels, 64, 1)
        self.branch3x3dbl_2 = ConvBN(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = ConvBN(96, 96, 3, padding=1)
        self.branch_pool = ConvBN(in_channels, pool_features, 1)

    def forward(self, x):
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(average_pool_without_padding(x)),
        ], dim=1)


class Reduction35To17(nn.Module):
    """Mixed_6a: 35×35 -> 17×17 by stride-2 convolutions and a stride-2 max pool."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3 = ConvBN(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = ConvBN(in_channels, 64, 1)
        self.branch3x3dbl_2 = ConvBN(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = ConvBN(96, 96, 3, stride=2)

    def forward(self, x):
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            F.max_pool2d(x, kernel_size=3, stride=2),
        ], dim=1)


class Block17(nn.Module):
    """Mixed_6b..6e (17×17 grid): factorised 7×7 convolutions (1×7 and 7×1), `mid` channels inside."""

    def __init__(self, in_channels: int, mid: int):
        super().__init__()
        self.branch1x1 = ConvBN(in_channels, 192, 1)
        self.branch7x7_1 = ConvBN(in_channels, mid, 1)
        self.branch7x7_2 = ConvBN(mid, mid, (1, 7), padding=(0, 3))
        self.branch7x7_3 = ConvBN(mid, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = ConvBN(in_channels, mid, 1)
        self.branch7x7dbl_2 = ConvBN(mid, mid, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = ConvBN(mid, mid, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = ConvBN(mid, mid, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = ConvBN(mid, 192, (1, 7), padding=(0, 3))
        self.branch_pool = ConvBN(in_channels, 192, 1)

    def forward(self, x):
        double = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3,
                      self.branch7x7dbl_4, self.branch7x7dbl_5):
            double = layer(double)
        return torch.cat([
            self.branch1x1(x),
            self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
            double,
            self.branch_pool(average_pool_without_padding(x)),
        ], dim=1)


class Reduction17To8(nn.Module):
    """Mixed_7a: 17×17 -> 8×8."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3_1 = ConvBN(in_channels, 192, 1)
        self.branch3x3_2 = ConvBN(192, 320, 3, stride=2)
        self.branch7x7x3_1 = ConvBN(in_channels, 192, 1)
        self.branch7x7x3_2 = ConvBN(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = ConvBN(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = ConvBN(192, 192, 3, stride=2)

    def forward(self, x):
        return torch.cat([
            self.branch3x3_2(self.branch3x3_1(x)),
            self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x)))),
            F.max_pool2d(x, kernel_size=3, stride=2),
        ], dim=1)


class Block8(nn.Module):
    """Mixed_7b/7c (8×8 grid): branches split into parallel 1×3 and 3×1 convolutions.

    `max_pool` selects the pool branch's pooling: average without padding (Mixed_7b) or
    3×3 max pool (Mixed_7c), the quirk of the 2015 TensorFlow graph.
    """

    def __init__(self, in_channels: int, max_pool: bool):
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = ConvBN(in_channels, 320, 1)
        self.branch3x3_1 = ConvBN(in_channels, 384, 1)
        self.branch3x3_2a = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = ConvBN(in_channels, 448, 1)
        self.branch3x3dbl_2 = ConvBN(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = ConvBN(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = ConvBN(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = ConvBN(in_channels, 192, 1)

    def forward(self, x):
        single = self.branch3x3_1(x)
        double = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else average_pool_without_padding(x)
        return torch.cat([
            self.branch1x1(x),
            self.branch3x3_2a(single), self.branch3x3_2b(single),
            self.branch3x3dbl_3a(double), self.branch3x3dbl_3b(double),
            self.branch_pool(pooled),
        ], dim=1)


class FIDInceptionV3(nn.Module):
    """InceptionV3 as the FID reference graph: `pool3(x)` -> [N, 2048], `forward(x)` -> [N, 1008] logits."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = ConvBN(3, 32, 3, stride=2)      # 299 -> 149
        self.Conv2d_2a_3x3 = ConvBN(32, 32, 3)               # -> 147
        self.Conv2d_2b_3x3 = ConvBN(32, 64, 3, padding=1)    # -> 147, then max pool -> 73
        self.Conv2d_3b_1x1 = ConvBN(64, 80, 1)
        self.Conv2d_4a_3x3 = ConvBN(80, 192, 3)              # -> 71, then max pool -> 35
        self.Mixed_5b = Block35(192, pool_features=32)       # -> 256 channels
        self.Mixed_5c = Block35(256, pool_features=64)       # -> 288
        self.Mixed_5d = Block35(288, pool_features=64)       # -> 288
        self.Mixed_6a = Reduction35To17(288)                 # -> 768 @ 17×17
        self.Mixed_6b = Block17(768, mid=128)
        self.Mixed_6c = Block17(768, mid=160)
        self.Mixed_6d = Block17(768, mid=160)
        self.Mixed_6e = Block17(768, mid=192)
        self.Mixed_7a = Reduction17To8(768)                  # -> 1280 @ 8×8
        self.Mixed_7b = Block8(1280, max_pool=False)         # -> 2048
        self.Mixed_7c = Block8(2048, max_pool=True)          # -> 2048
        self.fc = nn.Linear(POOL3_FEATURES, NUM_LOGITS)

    def pool3(self, x: torch.Tensor) -> torch.Tensor:
        """[N, 3, 299, 299] in [-1, 1] -> [N, 2048] global-average-pooled activations of Mixed_7c."""
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool3(x))
