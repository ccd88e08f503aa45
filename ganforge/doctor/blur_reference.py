"""How far from the data a blur over it sits: the scale of "far from the data" for points of any dimension.

samples/offset (doctor/sample_stats.py) is a sample's distance to its nearest real point over the data's mean pair
distance. Where a sampler that has merely blurred over the data lands on that scale depends on the dimension:
a Gaussian with the data's own mean and covariance, measured against the probe's real batch, sits at offset 0.16
on 10 Gaussians in 2-D, 0.27 in 3-D, 0.32 in 4-D, 0.42 in 6-D, 0.48 in 8-D. A G that has not yet found the
clusters is such a blur, and healthy runs in 6-D sit at 0.3-0.6 for their first 450 steps; the rules' fixed
threshold for points (rules/context.py, OFF_DATA_POINTS, set on 2-D mixtures) reads that as far off the data.

`blur_offset` measures it once per run from the data source, on the probe's own real batch (its seed stream), with
a Gaussian drawn from a stream of its own (random_streams.BLUR), so the live doctor and an offline replay agree.
Only for point data whose mixture the doctor does not know (no `centres`): images and known mixtures have
thresholds of their own.
"""
from __future__ import annotations

import torch

from ..random_streams import BLUR, stream
from .sample_stats import nearest_distances, pair_distances, real_probe_batch

MIN_ROWS = 8  # fewer real rows give no covariance worth the name


def blur_offset(data_source, seed: int) -> float | None:
    """samples/offset of a Gaussian blur with the data's mean and covariance, or None where it does not apply."""
    if data_source is None or data_source.is_image or hasattr(data_source, "centres"):
        return None
    real = real_probe_batch(data_source, seed)[0].flatten(1).double()
    if len(real) < MIN_ROWS:
        return None
    centred = real - real.mean(dim=0)
    covariance = centred.T @ centred / (len(real) - 1)
    jitter = 1e-9 * float(covariance.diagonal().mean()) + 1e-12
    factor = torch.linalg.cholesky(covariance + jitter * torch.eye(len(covariance), dtype=real.dtype))
    noise = torch.randn(len(real), real.shape[1], generator=stream(seed, BLUR), dtype=real.dtype)
    blur = real.mean(dim=0) + noise @ factor.T
    mean_distance = float(pair_distances(real).mean())
    return float(nearest_distances(blur, real).median()) / max(mean_distance, 1e-12)
