"""The real samples an evaluation compares against: which split, and which rows of it.

`real_source(data_spec, split)` builds the reference data: the data's `test` split when it has one
and `split` is auto or test, else the training data itself. `real_samples` takes the first `n` rows
of a seeded permutation of a stored dataset (all rows when it is smaller), or `n` fresh draws from
an endless one (ring, grid, stacked), so the same (data, split, n, seed) always means the same rows.
"""
from __future__ import annotations

import torch

from ..data import DATA
from ..data.source import StoredSource
from ..errors import ConfigError


def real_source(data_spec: dict, split: str, training_source=None):
    """(source, spec, split used): the test split of `data_spec` if wanted and available, else the training data."""
    has_test_split = "split" in DATA.options(data_spec["name"])
    if split == "test" and not has_test_split:
        raise ConfigError("eval.real_split", f"data source {data_spec['name']!r} has no test split; use train or auto")
    if split in ("test", "auto") and has_test_split and data_spec.get("split", "train") != "test":
        spec = {**data_spec, "split": "test"}
        return DATA.build(spec, field="data"), spec, "test"
    source = training_source if training_source is not None else DATA.build(data_spec, field="data")
    return source, dict(data_spec), "train"


def real_samples(source, n: int, seed: int) -> torch.Tensor:
    """float32 [min(n, size), *shape] in [-1, 1]: the same rows for the same (source, n, seed)."""
    if isinstance(source, StoredSource):
        order = torch.randperm(len(source), generator=torch.Generator().manual_seed(seed))[:n]
        return source._to_unit_range(source.samples[order])
    return source.batch(0, n, seed)[0]
