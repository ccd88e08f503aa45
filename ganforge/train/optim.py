"""Optimisers for G and D, each with its own learning rate (TTUR: e.g. G 1e-4, D 4e-4)."""
from __future__ import annotations


import torch

from ..config_schema import OptimizerConfig


def build_optimizer(parameters, config: OptimizerConfig, device: torch.device | None = None) -> torch.optim.Optimizer:
    """The optimiser `config` names; Adam and AdamW on a GPU use PyTorch's fused kernels (one launch per step)."""
    parameters = [p for p in parameters if p.requires_grad]
    fused = {"fused": True} if device is not None and device.type == "cuda" else {}
    if config.name == "adam":
        return torch.optim.Adam(parameters, lr=config.lr, betas=config.betas, weight_decay=config.weight_decay, **fused)
    if config.name == "adamw":
        return torch.optim.AdamW(parameters, lr=config.lr, betas=config.betas, weight_decay=config.weight_decay, **fused)
    if config.name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    return torch.optim.SGD(parameters, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def clip_and_measure(parameters, max_norm: float | None) -> torch.Tensor:
    """Total gradient norm before clipping; clips to `max_norm` when given.

    Without `max_norm` only the norm is taken: `clip_grad_norm_` would also multiply every gradient by 1."""
    with_grad = [p for p in parameters if p.grad is not None]
    if not with_grad:
        return torch.tensor(0.0)
    if max_norm is None:
        return torch.nn.utils.get_total_norm([p.grad for p in with_grad])
    return torch.nn.utils.clip_grad_norm_(with_grad, max_norm)
