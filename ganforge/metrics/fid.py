"""Fréchet distance (FID) between two sets of features, each summarised by a Gaussian.

Heusel et al. 2017, "GANs trained by a two time-scale update rule converge to a local Nash
equilibrium", eq. (6):

    d²((μ₁, Σ₁), (μ₂, Σ₂)) = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^{1/2})

Σ₁Σ₂ is not symmetric, but for any factor A with A Aᵀ = Σ₁ it has the same eigenvalues as the
symmetric positive semi-definite AᵀΣ₂A, so Tr((Σ₁Σ₂)^{1/2}) = Σᵢ √λᵢ(AᵀΣ₂A). A is the Cholesky
factor when Σ₁ is positive definite and V·diag(√w) from Σ₁'s eigendecomposition when it is only
semi-definite (fewer samples than features, constant features). Everything is float64; eigenvalues
that rounding pushes below zero are clipped to 0. No scipy: `scipy.linalg.sqrtm` agrees (tests).
"""
from __future__ import annotations

import numpy as np

from ..errors import GanforgeError
from .registries import METRICS
from .feature_matrix import feature_matrix


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean [D] and unbiased (N − 1) covariance [D, D] of float64 features [N, D]."""
    features = feature_matrix(features, "features", min_rows=2)
    mean = features.mean(axis=0)
    centred = features - mean
    covariance = centred.T @ centred / (len(features) - 1)
    return mean, covariance


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2 Tr((Σ₁Σ₂)^{1/2})."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    dim = mu1.shape[0]
    if mu1.shape != (dim,) or mu2.shape != (dim,) or sigma1.shape != (dim, dim) or sigma2.shape != (dim, dim):
        raise GanforgeError(f"frechet_distance: expected means [D] and covariances [D, D] of one D, got "
                            f"{mu1.shape}, {sigma1.shape}, {mu2.shape}, {sigma2.shape}")
    mean_term = float(np.sum((mu1 - mu2) ** 2))
    return mean_term + float(np.trace(sigma1) + np.trace(sigma2)) - 2.0 * trace_sqrt_product(sigma1, sigma2)


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr((Σ₁Σ₂)^{1/2}) for symmetric PSD Σ₁, Σ₂, via the eigenvalues of AᵀΣ₂A with A Aᵀ = Σ₁."""
    factor = _psd_factor(sigma1)
    similar = factor.T @ sigma2 @ factor  # (D, D), symmetric PSD up to rounding
    eigenvalues = np.linalg.eigvalsh((similar + similar.T) / 2)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def _psd_factor(sigma: np.ndarray) -> np.ndarray:
    """A with A Aᵀ = Σ: Cholesky when Σ is positive definite, else V·diag(√max(w, 0))."""
    try:
        return np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        eigenvalues, eigenvectors = np.linalg.eigh((sigma + sigma.T) / 2)
        return eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))


@METRICS.register("fid")
def fid(context) -> dict[str, float]:
    """Fréchet distance between real and generated features (FID with InceptionV3, FD with a classifier)."""
    return {"fid": frechet_distance(*context.real_statistics(), *feature_statistics(context.fake_features()))}
