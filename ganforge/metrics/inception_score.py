"""Inception Score: how confident and how varied a classifier's predictions on generated samples are.

Salimans et al. 2016, "Improved techniques for training GANs", §4:

    IS = exp( E_x KL(p(y|x) ‖ p(y)) ),   p(y) = E_x p(y|x)

computed on each of `splits` consecutive, near-equal parts of the samples (p(y) is that part's
mean prediction); the result is the mean and the population standard deviation over parts, as in
the original code. 0·log 0 counts as 0. Bounds: 1 when every prediction is the same, K when the
predictions are one-hot and spread evenly over K classes.
"""
from __future__ import annotations

import numpy as np

from ..errors import GanforgeError
from .registries import METRICS
from .feature_matrix import feature_matrix


def inception_score(probs, splits: int = 10) -> dict:
    """{"is": mean, "is_std": std} over `splits` parts of class probabilities [N, K] (rows sum to 1)."""
    if splits < 1:
        raise GanforgeError(f"inception score: splits must be at least 1, got {splits}")
    probs = feature_matrix(probs, "class probabilities", min_rows=splits)
    if (probs < 0).any() or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-4):
        raise GanforgeError("class probabilities: expected non-negative rows that sum to 1 (softmax outputs)")
    scores = [_score(part) for part in np.array_split(probs, splits)]
    return {"is": float(np.mean(scores)), "is_std": float(np.std(scores))}


def _score(probs: np.ndarray) -> float:
    marginal = probs.mean(axis=0)  # p(y) of this part
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probs > 0, probs * (np.log(probs) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


@METRICS.register("is")
def inception_score_metric(context, splits: int = 10) -> dict[str, float]:
    """Inception Score on the extractor's class probabilities of generated samples (mean and std over splits)."""
    return inception_score(context.fake_probabilities(), splits)
