"""Turn what a metric is given (numpy array or torch tensor) into a float64 [N, D] numpy matrix, or say what is wrong."""
from __future__ import annotations

import numpy as np

from ..errors import GanforgeError


def feature_matrix(values, name: str, min_rows: int = 1) -> np.ndarray:
    """float64 [N, D] copy-free where possible; one clear error for the wrong rank, too few rows or NaN/Inf."""
    if hasattr(values, "detach"):  # a torch tensor, possibly on a GPU
        values = values.detach().cpu().numpy()
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2:
        raise GanforgeError(f"{name}: expected a 2-D array [samples, features], got shape {matrix.shape}")
    if len(matrix) < min_rows:
        raise GanforgeError(f"{name}: expected at least {min_rows} samples, got {len(matrix)}")
    if not np.isfinite(matrix).all():
        raise GanforgeError(f"{name}: contains NaN or Inf")
    return matrix


def same_width(first: np.ndarray, second: np.ndarray, names: tuple[str, str]) -> None:
    if first.shape[1] != second.shape[1]:
        raise GanforgeError(f"{names[0]} has {first.shape[1]} features per sample but {names[1]} has {second.shape[1]}")
