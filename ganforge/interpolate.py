"""Latent interpolation: the path between two latents that stays where G was trained.

A normal latent z ~ N(0, I) in d dimensions lies near the sphere of radius √d; the straight line
between two such latents cuts through the inside, where the norm is about √(d/2) at the midpoint
and G has never been fed. Spherical interpolation (slerp, Shoemake 1985; White 2016 "Sampling
generative networks") follows the great circle instead, so every frame has a typical norm.
A uniform latent U(-1, 1)^d fills a cube, and the straight line between two points of a cube
stays inside it, so uniform latents are interpolated linearly.
"""
from __future__ import annotations

import torch

PARALLEL_EPS = 1e-7  # below this angle slerp and lerp agree to float precision; lerp avoids 0/0


def lerp(z_a: torch.Tensor, z_b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(1 - t) z_a + t z_b for rows z_a, z_b [N, d] and fractions t [T]; returns [N, T, d]."""
    t = t.view(1, -1, 1)
    return (1 - t) * z_a.unsqueeze(1) + t * z_b.unsqueeze(1)


def slerp(z_a: torch.Tensor, z_b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of rows z_a, z_b [N, d] at fractions t [T]; returns [N, T, d].

    sin((1-t)θ)/sin θ · z_a + sin(tθ)/sin θ · z_b, θ the angle between z_a and z_b. For unit
    vectors the result stays on the unit sphere; otherwise the norm goes smoothly from |z_a| to |z_b|.
    """
    cosine = torch.nn.functional.cosine_similarity(z_a, z_b, dim=1).clamp(-1.0, 1.0)
    angle = torch.arccos(cosine).view(-1, 1, 1)  # [N, 1, 1]
    t = t.view(1, -1, 1)  # [1, T, 1]
    sin_angle = torch.sin(angle)
    nearly_parallel = sin_angle.abs() < PARALLEL_EPS
    safe_sin = torch.where(nearly_parallel, torch.ones_like(sin_angle), sin_angle)
    weight_a = torch.where(nearly_parallel, 1 - t, torch.sin((1 - t) * angle) / safe_sin)
    weight_b = torch.where(nearly_parallel, t, torch.sin(t * angle) / safe_sin)
    return weight_a * z_a.unsqueeze(1) + weight_b * z_b.unsqueeze(1)


def interpolate_latents(z_a: torch.Tensor, z_b: torch.Tensor, frames: int, latent: str = "normal") -> torch.Tensor:
    """`frames` latents from z_a to z_b (both ends included) for each row: slerp for normal latents,
    lerp for uniform ones. Rows z_a, z_b [N, d] → [N, frames, d]."""
    if frames < 2:
        raise ValueError(f"an interpolation needs at least 2 frames (both ends), got {frames}")
    t = torch.linspace(0.0, 1.0, frames, dtype=z_a.dtype, device=z_a.device)
    path = slerp if latent == "normal" else lerp
    return path(z_a, z_b, t)


def seeded_latent(G: torch.nn.Module, seed: int) -> torch.Tensor:
    """The latent `ganforge sample -n 1 --seed SEED` draws: the first of G.sample_latent under that seed, [z_dim]."""
    return G.sample_latent(1, generator=torch.Generator().manual_seed(seed))[0]


def interpolation_latents(G: torch.nn.Module, seed_a: int, seed_b: int, pairs: int, frames: int) -> torch.Tensor:
    """Latents for `pairs` strips of `frames` images, strip i going from seed (seed_a + i)'s latent to
    seed (seed_b + i)'s; row-major [pairs * frames, z_dim], one strip after another."""
    z_a = torch.stack([seeded_latent(G, seed_a + i) for i in range(pairs)])
    z_b = torch.stack([seeded_latent(G, seed_b + i) for i in range(pairs)])
    path = interpolate_latents(z_a, z_b, frames, getattr(G, "latent", "normal"))
    return path.reshape(pairs * frames, -1)
