"""NDB: the number of k-means bins in which generated and real samples fall in significantly different proportions.

Richardson & Weiss 2018, "On GANs and GMMs", §4: partition the real features into K = `bins`
cells by k-means (sklearn, seeded, a few restarts), assign every real and every generated sample
to its nearest centre, and in each cell test H₀ "same proportion" with the two-sided
two-proportion z-test:

    p̂ = (n_real,k + n_fake,k) / (N + M),   z = (n_real,k/N − n_fake,k/M) / √(p̂(1 − p̂)(1/N + 1/M))

A cell is statistically different when |z| > Φ⁻¹(1 − α/2) (1.96 at α = 0.05). "ndb" counts those
cells, "ndb_fraction" = ndb / K; under H₀ about α·K cells differ by chance. "ndb_js" is the
Jensen–Shannon divergence (natural log, 0 … log 2) between the two bin histograms.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

from ..errors import GanforgeError
from .registries import METRICS
from .feature_matrix import feature_matrix, same_width


def number_of_different_bins(real, fake, bins: int = 100, alpha: float = 0.05, seed: int = 0,
                             restarts: int = 3) -> dict:
    """{"ndb": count, "ndb_fraction": count / bins, "ndb_js": JS divergence of the bin histograms}."""
    from sklearn.cluster import KMeans

    if not 0 < alpha < 1:
        raise GanforgeError(f"ndb: alpha must lie in (0, 1), got {alpha}")
    real = feature_matrix(real, "real features", min_rows=max(bins, 2))
    fake = feature_matrix(fake, "fake features", min_rows=1)
    same_width(real, fake, ("real features", "fake features"))
    kmeans = KMeans(n_clusters=bins, n_init=restarts, random_state=seed).fit(real)
    real_share = np.bincount(kmeans.labels_, minlength=bins) / len(real)
    fake_share = np.bincount(kmeans.predict(fake), minlength=bins) / len(fake)
    z = two_proportion_z(real_share, len(real), fake_share, len(fake))
    different = int((np.abs(z) > NormalDist().inv_cdf(1 - alpha / 2)).sum())
    return {"ndb": different, "ndb_fraction": different / bins, "ndb_js": jensen_shannon(real_share, fake_share)}


def two_proportion_z(share1: np.ndarray, n1: int, share2: np.ndarray, n2: int) -> np.ndarray:
    """Pooled two-proportion z statistic per cell; 0 where the pooled proportion is 0 or 1 (nothing to test)."""
    pooled = (share1 * n1 + share2 * n2) / (n1 + n2)
    standard_error = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(standard_error > 0, (share1 - share2) / standard_error, 0.0)


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q)/2, natural log."""
    middle = (p + q) / 2

    def kl_to_middle(distribution):
        present = distribution > 0
        return float((distribution[present] * np.log(distribution[present] / middle[present])).sum())

    return 0.5 * kl_to_middle(p) + 0.5 * kl_to_middle(q)


@METRICS.register("ndb")
def ndb(context, bins: int = 100, alpha: float = 0.05) -> dict[str, float]:
    """Number of statistically different bins (k-means on real features, two-proportion z-test)."""
    return number_of_different_bins(context.real_features(), context.fake_features(), bins, alpha, seed=context.seed)
