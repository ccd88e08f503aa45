"""Mixed precision: `train.precision` fp32 (default), bf16 or fp16 for the nets' forward passes.

bf16 and fp16 run each step's loss computation under `torch.autocast` (matrix products and
convolutions in half precision, reductions and losses in float32); the backward runs outside it, as
PyTorch prescribes. fp16's narrow range needs loss scaling: each net has its own
`torch.amp.GradScaler`, which scales the loss before the backward, unscales the gradients before
clipping and the norm, and skips an optimiser step whose gradients overflowed (lowering the scale),
so such a step is routine under fp16, not a divergence: the NaN guard does not watch the gradient
norms of an fp16 run (its losses and, before each checkpoint, its weights it still checks).
Gradient penalties take their input gradients in float32 (regularizers/gradient_penalty.py).
"""
from __future__ import annotations

import contextlib

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(precision: str, device: torch.device):
    """The context each step's losses are computed in: autocast to bf16/fp16, or nothing for fp32."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=DTYPES[precision])


def grad_scalers(precision: str, device: torch.device) -> dict[str, torch.amp.GradScaler] | None:
    """{"g": scaler, "d": scaler} under fp16, else None (bf16 has float32's range and needs no scaling)."""
    if precision != "fp16":
        return None
    return {"g": torch.amp.GradScaler(device.type), "d": torch.amp.GradScaler(device.type)}


def unwatched_under(precision: str) -> set[str]:
    """Stats the NaN guard leaves alone: under fp16 a gradient norm is inf at every step the scaler skips."""
    return {"grad/g", "grad/d"} if precision == "fp16" else set()
