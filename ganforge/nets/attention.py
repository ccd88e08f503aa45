"""Self-attention over the positions of a feature map (SAGAN: Zhang, Goodfellow, Metaxas & Odena 2019).

Convolutions see a few pixels at a time, so a conv GAN draws good textures but struggles with
structure that spans the image (a dog's legs, both eyes of a face). One attention layer lets
every position mix in features from every other position:

    q = W_q x, k = W_k x   (1×1 convs to C/8 channels), v = W_v x (1×1 conv to C/2)
    β[i, j] = softmax_j(q_i · k_j)          attention of position i to position j, Σ_j β[i, j] = 1
    o_i = W_o Σ_j β[i, j] v_j              (1×1 conv back to C)
    y = x + γ·o,  γ a learnable scalar initialised to 0

With γ = 0 the layer starts as the identity, so the net first learns local features and
lets attention in only as γ grows. Nets take `attention: <side>` to place one such layer on
their feature map of that side (e.g. 16 in a 32×32 net); costs grow as side⁴.
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import ConfigError


class SelfAttention(nn.Module):
    """x + γ·attention(x) over the H·W positions of x (N, C, H, W); γ starts at 0 (identity)."""

    def __init__(self, channels: int):
        super().__init__()
        key_channels, value_channels = max(channels // 8, 1), max(channels // 2, 1)
        self.query = nn.Conv2d(channels, key_channels, kernel_size=1, bias=False)
        self.key = nn.Conv2d(channels, key_channels, kernel_size=1, bias=False)
        self.value = nn.Conv2d(channels, value_channels, kernel_size=1, bias=False)
        self.out = nn.Conv2d(value_channels, channels, kernel_size=1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """β (N, H·W, H·W): row i is how position i spreads its attention over all positions (sums to 1)."""
        queries = self.query(x).flatten(2)  # (N, C/8, HW)
        keys = self.key(x).flatten(2)  # (N, C/8, HW)
        return torch.softmax(queries.transpose(1, 2) @ keys, dim=-1)  # (N, HW_i, HW_j)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = self.attention_weights(x)  # (N, HW, HW)
        values = self.value(x).flatten(2)  # (N, C/2, HW)
        attended = (values @ weights.transpose(1, 2)).reshape(len(x), -1, *x.shape[2:])  # (N, C/2, H, W)
        return x + self.gamma * self.out(attended)


def check_attention(side: int | None, sides: list[int], role: str) -> None:
    """`side` (the `attention` option) must be one of the feature-map sides the net has."""
    if side is not None and side not in sides:
        valid = ", ".join(str(s) for s in sorted(set(sides)))
        raise ConfigError(f"{role}.attention", f"this net has no {side}×{side} feature map; "
                                               f"choose one of: {valid} (or leave it unset for none)")


def attention_at(side: int | None, here: int, channels: int) -> list[nn.Module]:
    """[SelfAttention(channels)] if the attention layer belongs on this `here`×`here` map, else nothing."""
    return [SelfAttention(channels)] if side == here else []
