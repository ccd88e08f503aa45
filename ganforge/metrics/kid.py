"""Kernel Inception Distance: the unbiased estimate of MMD² with a cubic polynomial kernel.

Bińkowski et al. 2018, "Demystifying MMD GANs", §4 and appendix: k(x, y) = (xᵀy / d + 1)³ and, for
two sets of m samples,

    MMD²_u = 1/(m(m−1)) Σ_{i≠j} [k(xᵢ, xⱼ) + k(yᵢ, yⱼ)] − 2/m² Σ_{i,j} k(xᵢ, yⱼ)

averaged over `subsets` random subsets of m = min(subset_size, N_real, N_fake) rows drawn without
replacement (numpy Generator seeded with `seed`); "kid_std" is the population standard deviation
over subsets. The estimate is unbiased, so it can be slightly negative when the sets match.
Kernel sums are taken in row blocks (memory O(block·m)); the symmetric sums use only the blocks
on and above the diagonal.
"""
from __future__ import annotations

import numpy as np

from ..errors import GanforgeError
from .registries import METRICS
from .feature_matrix import feature_matrix, same_width

BLOCK_ROWS = 1024


def kernel_inception_distance(real, fake, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> dict:
    """{"kid": mean, "kid_std": std} of the unbiased MMD² over random equal-size subsets."""
    if subsets < 1 or subset_size < 2:
        raise GanforgeError(f"kid: expected subsets ≥ 1 and subset_size ≥ 2, got {subsets} and {subset_size}")
    real, fake = feature_matrix(real, "real features", 2), feature_matrix(fake, "fake features", 2)
    same_width(real, fake, ("real features", "fake features"))
    size = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        real_rows = rng.choice(len(real), size, replace=False)
        fake_rows = rng.choice(len(fake), size, replace=False)
        values.append(unbiased_mmd2(real[real_rows], fake[fake_rows]))
    return {"kid": float(np.mean(values)), "kid_std": float(np.std(values))}


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """MMD²_u between equal-size sets x, y [m, d] under the cubic polynomial kernel."""
    m = len(x)
    within = (_off_diagonal_sum(x) + _off_diagonal_sum(y)) / (m * (m - 1))
    across = sum(_cubic_kernel(x[start:start + BLOCK_ROWS], y).sum() for start in range(0, m, BLOCK_ROWS))
    return float(within - 2.0 * across / m**2)


def _cubic_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(aᵀb / d + 1)³ for every pair of rows: [len(a), len(b)]."""
    gram = a @ b.T
    gram /= a.shape[1]
    gram += 1.0
    cube = np.square(gram)
    cube *= gram
    return cube


def _off_diagonal_sum(x: np.ndarray) -> float:
    """Σ_{i≠j} k(xᵢ, xⱼ): the diagonal block of each row block once, the blocks right of it twice (symmetry)."""
    total = 0.0
    for start in range(0, len(x), BLOCK_ROWS):
        block = _cubic_kernel(x[start:start + BLOCK_ROWS], x[start:])  # rows start.., columns start..
        rows = block.shape[0]
        total += block[:, :rows].sum() - np.trace(block[:, :rows]) + 2.0 * block[:, rows:].sum()
    return total


@METRICS.register("kid")
def kid(context, subsets: int = 100, subset_size: int = 1000) -> dict[str, float]:
    """Kernel Inception Distance: unbiased MMD², cubic kernel, mean and std over random subsets."""
    return kernel_inception_distance(context.real_features(), context.fake_features(), subsets, subset_size,
                                     seed=context.seed)
