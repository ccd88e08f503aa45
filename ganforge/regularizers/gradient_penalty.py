"""The input gradient ∇x D(x) that wgan_gp, dragan, r1 and r2 penalise, computed once here.

Each penalty runs the critic again on its own points x (detached from whatever produced them)
and differentiates the summed logits with respect to x. `create_graph=True` keeps the graph of
that gradient, so the penalty's own backward pass reaches D's parameters (a double backward).
Summing the logits is exact per sample: D(x_i) depends on x_i only (batch norm in train mode
breaks this by mixing the batch; use `norm: layer` or `none` in D with these penalties).

Under mixed precision (`train.precision: bf16 | fp16`) the penalty's critic pass and its input
gradient run in float32, autocast off: a gradient of half-precision logits loses the small
input gradients a penalty exists to measure, and fp16's loss scaling never reaches them (the
scaler scales the step's total loss, of which the penalty is one float32 term).
"""
from __future__ import annotations

import torch


def input_gradients(critic: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """∇x D(x) for each sample, same shape as `x`, differentiable with respect to D's parameters."""
    x = x.detach().float().requires_grad_(True)
    with torch.autocast(x.device.type, enabled=False):
        logits = critic(x, labels).float()  # (N,)
        (gradients,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
    return gradients  # (N, *data_shape)


def gradient_norms(critic: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """‖∇x D(x)‖₂ per sample, [N] (the gradient of the norm at a zero gradient is taken as 0)."""
    return input_gradients(critic, x, labels).flatten(1).norm(2, dim=1)


def squared_gradient_norms(critic: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """‖∇x D(x)‖₂² per sample, [N] (no square root, so smooth everywhere)."""
    return input_gradients(critic, x, labels).flatten(1).pow(2).sum(1)


def per_sample_uniform(reference: torch.Tensor) -> torch.Tensor:
    """One U(0, 1) draw per sample, shaped [N, 1, ...] to broadcast over `reference`'s other dimensions."""
    shape = (len(reference),) + (1,) * (reference.dim() - 1)
    return torch.rand(shape, device=reference.device, dtype=reference.dtype)
