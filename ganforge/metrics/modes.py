"""Mode coverage of a Gaussian-mixture sampler (ring, grid): the protocol of VEEGAN and PacGAN.

Each generated point is assigned to its nearest centre. It is *high quality* if it lies within
3σ of that centre; a mode is *captured* if at least `min_samples` high-quality points (20 of
2,500 in Lin et al. 2018, §4) land on it. The reverse KL is KL(p̂ ‖ uniform) of the histogram
of nearest-centre assignments, Σ_k p̂_k log(K p̂_k): 0 for perfect balance, log K for total
collapse onto one mode. A perfect sampler in 2-D has P(‖ε‖ ≤ 3σ) = 1 − e^{−9/2} ≈ 98.9% high quality.
"""
from __future__ import annotations

import numpy as np
from ..errors import ConfigError
from .registries import METRICS


def mixture_modes(points: np.ndarray, centres: np.ndarray, std: float, min_samples: int = 20,
                  radius_in_std: float = 3.0) -> dict[str, float]:
    points, centres = np.asarray(points, np.float64), np.asarray(centres, np.float64)
    distances = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)  # (N, K)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(points)), nearest] <= radius_in_std * std
    per_mode = np.bincount(nearest[high_quality], minlength=len(centres))
    share = np.bincount(nearest, minlength=len(centres)) / len(points)
    nonzero = share > 0
    return {
        "modes": int((per_mode >= min_samples).sum()),
        "high_quality": float(high_quality.mean()),
        "reverse_kl": float((share[nonzero] * np.log(share[nonzero] * len(centres))).sum()),
    }


@METRICS.register("modes")
def modes(context, n: int = 2500) -> dict[str, float]:
    """Modes captured, % high-quality samples and reverse KL for ring/grid data (PacGAN protocol: 2,500 samples)."""
    source = context.data_source
    if not hasattr(source, "centres"):
        raise ConfigError("eval.metrics", "the modes metric needs a mixture data source (ring or grid); "
                                          "use stacked_modes for stacked data")
    points = source.to_data_units(context.samples(n))
    return mixture_modes(points, source.centres.numpy(), float(source.std))
