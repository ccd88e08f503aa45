"""Periodic statistics of G's samples (and of D on held-out real data), for the doctor's rules.

Every `doctor.sample_every` steps, G draws a fixed latent batch (its own random stream,
random_streams.PROBE, so the training RNG never moves and no other stream draws the same numbers; eval mode under no_grad, so batch-norm statistics never move) and we
compare the samples with a fixed batch of real data:

- samples/diversity: mean pairwise L2 distance of the samples ÷ the same on the real batch
  (≈1 healthy, ≪1 collapse; the "within-batch distance" test of Salimans et al. 2016, §3.2).
- samples/near_duplicates: share of sample pairs closer than the 1st percentile of real pair
  distances (≈0.01 for a sampler like the data, large when G repeats itself).
- samples/nn_ratio: median distance from a sample to its nearest real point ÷ median distance
  from a real point to its nearest other real point (≈1 on the data, ≫1 for noise or blur:
  a cheap precision-like quality signal in the spirit of Kynkäänniemi et al. 2019).
- samples/offset: median distance from a sample to its nearest real point ÷ the mean distance
  between real points (≈0 on the data; ≥1 means G's samples lie off the data altogether, as
  when G's outputs blow up), a scale-free companion of nn_ratio.
- samples/std: mean per-coordinate standard deviation of the samples ÷ that of the real batch.
- samples/saturation (images): share of values with |x| > 0.99, i.e. tanh pinned at ±1.
- samples/modes, samples/high_quality (Gaussian mixtures): the PacGAN protocol (metrics/modes.py).
- samples/served_offset, samples/served_nn_ratio: samples/offset and samples/nn_ratio of what the user
  gets when a plugin serves samples from another generator than G (EMA's average: sampling.py's
  sampling_generator), from the same latents; absent when G itself serves them.
- d/train_real, d/heldout_real: E[sign D(x)] on a fixed training batch and on held-out real
  data, both in eval mode; their gap is the overfitting signal (Karras et al. 2020, ADA, §3).
  Held-out data is genuine where the source has one: a fresh draw for a mixture (an endless
  stream), the `test` split for sources with `split: train`. Other stored datasets have no rows
  to spare, so no held-out statistic is reported and the overfitting rule relies on r_t alone.
"""
from __future__ import annotations

import math

import torch

from ..metrics.modes import mixture_modes
from ..random_streams import PROBE, PROBE_HELDOUT, stream
from ..sampling import generate, sampling_generator

IMAGE_PROBE_SIZE = 256
POINT_PROBE_SIZE = 1000  # 2-D mixtures: enough points for mode counts (PacGAN uses 2,500)
MODE_MIN_SHARE = 0.008  # a mode is captured with ≥ 0.8% of the samples: 20 of 2,500, as in PacGAN
SATURATED = 0.99


class SampleProbe:
    def __init__(self, state, heldout_source=None):
        data, seed = state.data, state.config.train.seed
        self.real, labels = real_probe_batch(data, seed)
        self.size = len(self.real)
        self.z = state.G.sample_latent(self.size, generator=stream(seed, PROBE)).to(state.device)
        self.labels = None if state.fixed_labels is None or labels is None else labels.to(state.device)
        self.real_flat = self.real.flatten(1).float()
        self.compares = self.size >= 2  # distances and spreads need two rows: a one-sample dataset has none
        if self.compares:
            real_distances = pair_distances(self.real_flat)
            self.real_mean_distance = float(real_distances.mean())
            self.duplicate_radius = float(torch.quantile(real_distances, 0.01))
            nearest_real = float(nearest_distances(self.real_flat, self.real_flat, exclude_self=True).median())
            self.real_nn = max(nearest_real, 1e-3 * self.real_mean_distance)  # a dataset of repeated images has 0 here
            self.real_std = float(self.real_flat.std(dim=0).mean())
        self.heldout = heldout_batch(data, heldout_source, self.size, seed + PROBE_HELDOUT)

    @torch.no_grad()
    def __call__(self, state) -> dict[str, float]:
        fake = generate(state.G, self.z, self.labels).flatten(1).float()
        stats = self.distance_stats(fake) if self.compares else {}
        served = sampling_generator(state)
        if served is not state.G and self.compares:
            stats.update(self.served_stats(generate(served, self.z, self.labels).flatten(1).float()))
        if state.data.is_image:
            stats["samples/saturation"] = pinned_share(fake)
        if hasattr(state.data, "centres"):
            points = state.data.to_data_units(fake.view(-1, *state.data.shape))
            modes = mixture_modes(points, state.data.centres.numpy(), state.data.std,
                                  min_samples=max(1, round(MODE_MIN_SHARE * self.size)))
            stats["samples/modes"] = float(modes["modes"])
            stats["samples/high_quality"] = modes["high_quality"]
        if self.heldout is not None:
            stats.update(self.discriminator_signs(state))
        return {name: value if math.isfinite(value) else math.nan for name, value in stats.items()}

    def distance_stats(self, fake: torch.Tensor) -> dict[str, float]:
        pairs, nearest = pair_distances(fake), float(nearest_distances(fake, self.real_flat).median())
        return {"samples/diversity": float(pairs.mean()) / max(self.real_mean_distance, 1e-12),
                "samples/near_duplicates": float((pairs <= self.duplicate_radius).float().mean()),
                "samples/nn_ratio": nearest / max(self.real_nn, 1e-12),
                "samples/offset": nearest / max(self.real_mean_distance, 1e-12),
                "samples/std": float(fake.std(dim=0).mean()) / max(self.real_std, 1e-12)}

    def served_stats(self, served: torch.Tensor) -> dict[str, float]:
        """samples/offset and samples/nn_ratio of the samples the user is served (EMA's average, ...)."""
        nearest = float(nearest_distances(served, self.real_flat).median())
        return {"samples/served_offset": nearest / max(self.real_mean_distance, 1e-12),
                "samples/served_nn_ratio": nearest / max(self.real_nn, 1e-12)}

    def discriminator_signs(self, state) -> dict[str, float]:
        """E[sign D(x)] on the fixed training batch and the held-out batch (eval mode; skipped if D refuses)."""
        heldout, heldout_labels = self.heldout
        try:
            train_real = discriminator_sign(state, self.real, self.labels)
            heldout_real = discriminator_sign(state, heldout, heldout_labels if self.labels is not None else None)
        except (RuntimeError, ValueError):  # a plugin that reshapes D's input (pacgan) may refuse a plain batch
            return {}
        return {"d/train_real": train_real, "d/heldout_real": heldout_real}


def pinned_share(values: torch.Tensor) -> float:
    """The share of values with |x| > SATURATED: tanh pinned at ±1."""
    return float((values.abs() > SATURATED).float().mean())


def real_probe_batch(data, seed: int):
    """The probe's fixed real batch (rows, labels or None): IMAGE_PROBE_SIZE images or POINT_PROBE_SIZE points from the
    probe's stream, every row once from a dataset smaller than that (repeats would be "duplicates")."""
    size = IMAGE_PROBE_SIZE if data.is_image else POINT_PROBE_SIZE
    if hasattr(data, "__len__"):
        size = min(size, len(data))
    return data.batch(0, size, seed + PROBE)


def data_saturation(data_source, seed: int) -> float:
    """samples/saturation of the probe's own real batch: images with black or white backgrounds are pinned already
    (Fashion-MNIST 0.52, scikit-learn's digits 0.58 of their values at -1), photographs hardly at all. 0 for points."""
    if data_source is None or not data_source.is_image:
        return 0.0
    return pinned_share(real_probe_batch(data_source, seed)[0].float())


def heldout_batch(data, heldout_source, size: int, seed: int):
    """A real batch D never trained on (see the module docstring), drawn with `seed`, or None."""
    if hasattr(data, "centres"):
        return data.batch(0, size, seed)
    if heldout_source is not None:
        return heldout_source.batch(0, size, seed)
    return None


@torch.no_grad()
def discriminator_sign(state, x: torch.Tensor, labels) -> float:
    D = state.D
    was_training = D.training
    D.eval()
    try:
        logits = D(x.to(state.device), None if labels is None else labels.to(state.device))
    finally:
        D.train(was_training)
    return float((logits.float() - state.loss.decision_point).sign().mean())


def pair_distances(x: torch.Tensor) -> torch.Tensor:
    """L2 distances of all pairs i < j of the rows of x [N, F] → [N(N−1)/2]."""
    distances = torch.cdist(x, x)
    upper = torch.triu_indices(len(x), len(x), offset=1)
    return distances[upper[0], upper[1]]


def nearest_distances(x: torch.Tensor, reference: torch.Tensor, exclude_self: bool = False) -> torch.Tensor:
    distances = torch.cdist(x, reference)
    if exclude_self:
        distances.fill_diagonal_(math.inf)
    return distances.min(dim=1).values


def heldout_source_for(config):
    """The data source's held-out split when it has one (`split: train` → `split: test`), else None."""
    from ..data import DATA

    spec = dict(config.data.model_dump() if hasattr(config.data, "model_dump") else config.data)
    if spec.get("split") != "train":
        return None
    try:
        return DATA.build({**spec, "split": "test"}, field="data")
    except Exception:  # noqa: BLE001 - the test files may simply not be there; the rule then uses r_t alone
        return None

