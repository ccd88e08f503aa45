"""Drawing samples from a generator without disturbing training (eval mode, no grad, mode restored)."""
from __future__ import annotations

import contextlib

import torch

MIN_SCATTER_POINTS = 1000  # a scatter plot of 2-D samples needs more dots than an image grid needs tiles


def grid_count(grid_size: int, is_image: bool) -> int:
    """How many fixed latents the progress grid draws: `train.grid_size` tiles, or enough dots for a scatter plot."""
    return grid_size if is_image else max(grid_size, MIN_SCATTER_POINTS)


@contextlib.contextmanager
def eval_mode(module: torch.nn.Module):
    """`module` in eval mode (batch norm reads its running statistics and leaves them alone), its mode restored after."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


@torch.no_grad()
def generate(G: torch.nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None, chunk: int = 256) -> torch.Tensor:
    """G(z) in eval mode (batch norm uses running statistics), in chunks; returns a CPU tensor."""
    with eval_mode(G):
        pieces = []
        for start in range(0, len(z), chunk):
            part_labels = None if labels is None else labels[start:start + chunk]
            pieces.append(G(z[start:start + chunk], part_labels).float().cpu())
        return torch.cat(pieces)


def sampling_generator(state, use_plugins: bool = True) -> torch.nn.Module:
    """The generator samples come from: G itself, or what plugins offer instead (EMA's average)."""
    generator = state.G
    if use_plugins:
        for plugin in state.plugins:
            generator = plugin.sampling_generator(generator, state)
    return generator
