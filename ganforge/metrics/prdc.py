"""Precision, recall, density and coverage of generated features against real ones.

Each sample's k-NN ball is the closed ball around it whose radius is the distance to its k-th
nearest *other* sample of the same set.

- Precision, recall (Kynkäänniemi et al. 2019, "Improved precision and recall metric for assessing
  generative models", eq. 1–2), k = `k_pr` = 3: the real manifold is the union of the real samples'
  k-NN balls; precision is the fraction of fake samples inside it; recall, symmetrically, the
  fraction of real samples inside the fake manifold (fake k-NN balls).
- Density, coverage (Naeem et al. 2020, "Reliable fidelity and diversity metrics for generative
  models", eq. 5–6), k = `k_dc` = 5, real balls only:
      density  = 1/(kM) Σⱼ Σᵢ 1[Yⱼ ∈ B(Xᵢ, NND_k(Xᵢ))]     (≈ 1 when the sets match, can exceed 1)
      coverage = 1/N Σᵢ 1[∃ j: Yⱼ ∈ B(Xᵢ, NND_k(Xᵢ))]
  for N real samples Xᵢ and M fake samples Yⱼ.

Euclidean distances, compared squared; real×fake distances are computed in row blocks so memory
stays O(block·M) — the full N×M matrix is never held.
"""
from __future__ import annotations

import numpy as np

from ..errors import GanforgeError
from .registries import METRICS
from .feature_matrix import feature_matrix, same_width

BLOCK_ROWS = 1024


def precision_recall_density_coverage(real, fake, k_pr: int = 3, k_dc: int = 5) -> dict:
    """{"precision", "recall", "density", "coverage"} of fake [M, D] against real [N, D]."""
    if min(k_pr, k_dc) < 1:
        raise GanforgeError(f"prdc: k must be at least 1, got k_pr={k_pr}, k_dc={k_dc}")
    k_max = max(k_pr, k_dc)
    real = feature_matrix(real, "real features", min_rows=k_max + 1)
    fake = feature_matrix(fake, "fake features", min_rows=k_pr + 1)
    same_width(real, fake, ("real features", "fake features"))
    real_radius_pr, real_radius_dc = kth_neighbour_squared_distances(real, (k_pr, k_dc))
    (fake_radius_pr,) = kth_neighbour_squared_distances(fake, (k_pr,))

    fake_in_real_manifold = np.zeros(len(fake), dtype=bool)
    real_in_fake_manifold = np.zeros(len(real), dtype=bool)
    real_ball_is_hit = np.zeros(len(real), dtype=bool)
    fake_in_real_balls = 0  # Σⱼ Σᵢ 1[Yⱼ ∈ B(Xᵢ, NND_k_dc(Xᵢ))]
    for start in range(0, len(real), BLOCK_ROWS):
        rows = slice(start, start + BLOCK_ROWS)
        distances = squared_distances(real[rows], fake)  # (block, M)
        fake_in_real_manifold |= (distances <= real_radius_pr[rows, None]).any(axis=0)
        real_in_fake_manifold[rows] = (distances <= fake_radius_pr[None, :]).any(axis=1)
        inside_dc = distances <= real_radius_dc[rows, None]
        fake_in_real_balls += int(inside_dc.sum())
        real_ball_is_hit[rows] = inside_dc.any(axis=1)
    return {
        "precision": float(fake_in_real_manifold.mean()),
        "recall": float(real_in_fake_manifold.mean()),
        "density": fake_in_real_balls / (k_dc * len(fake)),
        "coverage": float(real_ball_is_hit.mean()),
    }


def kth_neighbour_squared_distances(points: np.ndarray, ks: tuple[int, ...]) -> list[np.ndarray]:
    """For each k in `ks`: [N] squared distance from every point to its k-th nearest other point."""
    radii = [np.empty(len(points)) for _ in ks]
    for start in range(0, len(points), BLOCK_ROWS):
        distances = squared_distances(points[start:start + BLOCK_ROWS], points)  # (block, N)
        block = np.arange(len(distances))
        distances[block, start + block] = np.inf  # a point is not its own neighbour
        nearest = np.partition(distances, [k - 1 for k in ks], axis=1)
        for radius, k in zip(radii, ks):
            radius[start:start + len(distances)] = nearest[:, k - 1]
    return radii


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """‖aᵢ − bⱼ‖² for every pair of rows, [len(a), len(b)], clipped at 0 against rounding."""
    distances = a @ b.T
    distances *= -2.0
    distances += np.einsum("ij,ij->i", a, a)[:, None]
    distances += np.einsum("ij,ij->i", b, b)[None, :]
    return np.maximum(distances, 0.0, out=distances)


@METRICS.register("prdc")
def prdc(context, k_pr: int = 3, k_dc: int = 5) -> dict[str, float]:
    """Precision and recall (k=3, Kynkäänniemi et al.) and density and coverage (k=5, Naeem et al.)."""
    return precision_recall_density_coverage(context.real_features(), context.fake_features(), k_pr, k_dc)
