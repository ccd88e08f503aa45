"""What a metric is computed from: generated samples, real samples, their features — each made once and cached.

A metric is a function of an `EvalContext` (see fid.py for the shape of one). The context draws
`n` generated samples from a fixed latent seed and `real_n` real samples from the chosen split,
passes both through the feature extractor, and keeps everything for the next metric. Real
features are also cached on disk (real_cache.py), keyed by everything they depend on.

Image features come from an extractor (extractors.py): the data's own classifier or InceptionV3.
Vector data (ring, grid) are their own features, in the data's units, so FD there is the Fréchet
distance between the point clouds. An extractor that reads one channel is applied to each channel
of multi-channel data (stacked digits) and the per-channel features are concatenated.
"""
from __future__ import annotations

import numpy as np
import torch

from ..errors import GanforgeError
from ..nets.conditioning import cycling_labels, is_conditional
from ..sampling import generate
from ..train import distributed
from .fid import feature_statistics
from .real_cache import cached_real_features
from .real_data import real_samples


class EvalContext:
    def __init__(self, generator: torch.nn.Module, data_source, real_source, real_source_spec: dict,
                 make_extractor=lambda: None, n: int = 10000, real_n: int = 10000, seed: int = 0,
                 real_split: str = "train"):
        self.generator = generator
        self.data_source = data_source
        self.real_source = real_source
        self.real_source_spec = real_source_spec
        self._make_extractor = make_extractor  # built on first use: the modes metrics need none
        self.n, self.real_n, self.seed, self.real_split = n, real_n, seed, real_split
        self._samples: torch.Tensor | None = None
        self._cache: dict[str, object] = {}

    @property
    def extractor(self):
        """The feature extractor, or None when the data (2-D points) are their own features."""
        return self._memo("extractor", self._make_extractor)

    # generated data -------------------------------------------------------------------------------------------
    def samples(self, n: int) -> torch.Tensor:
        """The first `n` samples G makes from latent seed `seed` (float32 [n, *shape] in [-1, 1]); drawn once, the largest kept."""
        if self._samples is None or len(self._samples) < n:
            self._samples = draw_samples(self.generator, self.data_source, n, self.seed)
        return self._samples[:n]

    def fake_samples(self) -> torch.Tensor:
        return self.samples(self.n)

    def fake_features(self) -> np.ndarray:
        return self._memo("fake_features", lambda: self.features_of(self.fake_samples()))

    def fake_probabilities(self) -> np.ndarray:
        return self._memo("fake_probabilities", lambda: self._probabilities_of(self.fake_samples()))

    # real data ------------------------------------------------------------------------------------------------
    def real_images(self, n: int) -> torch.Tensor:
        """The first `n` real samples of the split (float32 in [-1, 1]) drawn with `seed`, as the features are."""
        return self._memo(f"real_images/{n}", lambda: real_samples(self.real_source, n, self.seed))

    def real_features(self) -> np.ndarray:
        return self._memo("real_features", lambda: cached_real_features(self._real_key(), self._compute_real_features))

    def real_statistics(self) -> tuple[np.ndarray, np.ndarray]:
        return self._memo("real_statistics", lambda: feature_statistics(self.real_features()))

    def real_count(self) -> int:
        return len(self.real_features())

    # features -------------------------------------------------------------------------------------------------
    def features_of(self, x: torch.Tensor) -> np.ndarray:
        """float64 [N, D]: the extractor's features (per channel, concatenated, when it reads one channel), or the data itself."""
        if self.extractor is None:
            return np.asarray(self.data_source.to_data_units(x), dtype=np.float64).reshape(len(x), -1)
        return extractor_features(self.extractor, x)

    def provenance(self) -> dict:
        extractor = self._cache.get("extractor")  # only what was used: asking would build it
        return {
            "extractor": extractor.name if extractor is not None else "none" if self._pixels_unused() else "data",
            "extractor_sha256": None if extractor is None else extractor.sha256[:16],
            "n_generated": self.n,
            "n_real": self.real_count() if "real_features" in self._cache else None,
            "real_split": self.real_split,
            "seed": self.seed,
        }

    # internals ------------------------------------------------------------------------------------------------
    def _pixels_unused(self) -> bool:
        """Image data whose extractor was never built: only pixel metrics (swd) ran."""
        return bool(getattr(self.data_source, "is_image", False)) and "extractor" not in self._cache

    def _probabilities_of(self, x: torch.Tensor) -> np.ndarray:
        if self.extractor is None or not self.extractor.num_classes:
            raise GanforgeError("this metric needs class probabilities, which only a classifier extractor gives "
                                "(eval.extractor: digits_classifier, fashion_classifier or inception_v3)")
        parts = extractor_inputs(self.extractor, x)
        if len(parts) != 1:
            raise GanforgeError(f"class probabilities need images with {self.extractor.input_shape[0]} channel(s), "
                                f"got {x.shape[1]}; the stacked data's per-channel classes are scored by stacked_modes")
        return _as_numpy(self.extractor.probabilities(parts[0]))

    def _compute_real_features(self) -> np.ndarray:
        return self.features_of(real_samples(self.real_source, self.real_n, self.seed))

    def _real_key(self) -> dict:
        return {"data": self.real_source_spec, "split": self.real_split, "n": self.real_n, "seed": self.seed,
                "extractor": None if self.extractor is None else [self.extractor.name, self.extractor.sha256]}

    def _memo(self, key: str, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def extractor_features(extractor, x: torch.Tensor) -> np.ndarray:
    """float64 [N, D]: `extractor`'s features of images `x`, per channel and concatenated when it reads one channel."""
    return np.concatenate([_as_numpy(extractor.features(part)) for part in extractor_inputs(extractor, x)], axis=1)


def extractor_inputs(extractor, x: torch.Tensor) -> list[torch.Tensor]:
    """`x` as the extractor reads it: whole, or one single-channel batch per channel for a one-channel extractor."""
    wanted = extractor.input_shape[0]
    if x.dim() != 4 or x.shape[1] == wanted or wanted == 3:  # inception turns grey into RGB itself
        return [x]
    if wanted == 1:
        return [x[:, c:c + 1] for c in range(x.shape[1])]
    raise GanforgeError(f"extractor {extractor.name} reads {wanted}-channel images; these have {x.shape[1]}")


def draw_samples(generator: torch.nn.Module, data_source, n: int, seed: int) -> torch.Tensor:
    """n samples from latent seed `seed`, classes in turn for a conditional G; under torchrun each rank makes its share."""
    device = next(generator.parameters()).device
    z = generator.sample_latent(n, generator=torch.Generator().manual_seed(seed)).to(device)
    labels = cycling_labels(n, data_source.num_classes, device) if is_conditional(generator) else None
    if not distributed.is_distributed():
        return generate(generator, z, labels)
    share = -(-n // distributed.world_size())  # ceil: every rank makes the same number of rows, the spare ones trimmed
    rows = slice(distributed.rank() * share, (distributed.rank() + 1) * share)
    z_rows = _pad_rows(z[rows], share)
    label_rows = None if labels is None else _pad_rows(labels[rows], share)
    made = generate(generator, z_rows, label_rows).to(distributed.reduction_device())
    return distributed.all_gather_samples(made).cpu()[:n]


def _pad_rows(rows: torch.Tensor, count: int) -> torch.Tensor:
    if len(rows) == count:
        return rows
    filler = rows[:1] if len(rows) else torch.zeros(1, *rows.shape[1:], dtype=rows.dtype, device=rows.device)
    return torch.cat([rows, filler.expand(count - len(rows), *rows.shape[1:])])


def _as_numpy(values) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    return np.asarray(values, dtype=np.float64)
