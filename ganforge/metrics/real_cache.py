"""Real-data features cached on disk, keyed by everything they depend on.

The key is the SHA-256 of a JSON description: the data spec and split, the number of rows and
their seed, and the extractor's name and weights hash. A changed weights file or a different
split is a different key, never a stale hit. Files live in `$GANFORGE_CACHE/real_features/`
(default `~/.cache/ganforge`); they are written to a temporary name and renamed, so a killed
process never leaves a half file, and an unreadable one is recomputed.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from ..safe_files import atomic_file


def cache_dir() -> Path:
    return Path(os.environ.get("GANFORGE_CACHE", Path.home() / ".cache" / "ganforge")) / "real_features"


def cache_key(description: dict) -> str:
    return hashlib.sha256(json.dumps(description, sort_keys=True, default=str).encode()).hexdigest()[:32]


def cached_real_features(description: dict, compute: Callable[[], np.ndarray]) -> np.ndarray:
    path = cache_dir() / f"{cache_key(description)}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return stored["features"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
        pass  # absent or unreadable: compute it again
    features = compute()
    _write(path, features, description)
    return features


def _write(path: Path, features: np.ndarray, description: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as file:
            np.savez(file, features=features, description=json.dumps(description, default=str))
    except OSError as error:  # a read-only home: evaluation still works, only uncached
        print(f"warning: could not cache real features in {path.parent} ({error.strerror or error})")
