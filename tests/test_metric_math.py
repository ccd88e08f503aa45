"""Known answers for the metric math: FID, KID, IS, PRDC, NDB (closed forms, hand computations, cross-checks)."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ganforge.errors import GanforgeError
from ganforge.metrics import METRICS, kid as kid_module, prdc as prdc_module
from ganforge.metrics.fid import feature_statistics, frechet_distance
from ganforge.metrics.inception_score import inception_score
from ganforge.metrics.kid import kernel_inception_distance, unbiased_mmd2
from ganforge.metrics.ndb import jensen_shannon, number_of_different_bins, two_proportion_z
from ganforge.metrics.prdc import precision_recall_density_coverage


def random_rotation(dim: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return q


def random_covariance(dim: int, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((dim, 2 * dim))
    return a @ a.T / dim


# FID ------------------------------------------------------------------------------------------------------------
def test_fid_of_diagonal_gaussians_is_the_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 2.0, 0.5])
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()  # 1 + 6.25 + 1 + 0 + (√3 − √½)²
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


def test_fid_of_commuting_non_diagonal_singular_covariances_is_the_closed_form():
    # Σ₁ = Q diag(a) Qᵀ, Σ₂ = Q diag(b) Qᵀ commute, so (Σ₁Σ₂)^½ = Q diag(√(ab)) Qᵀ; a has zeros (Σ₁ singular).
    q = random_rotation(6, seed=1)
    a, b = np.array([0.0, 0.0, 1.0, 2.0, 3.0, 0.25]), np.array([1.0, 0.5, 1.0, 8.0, 0.0, 4.0])
    expected = ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    # Rounding leaves the zero eigenvalues at ~1e-16, and √(1e-16) = 1e-8: the square root of a singular matrix is
    # only accurate to ~√ε per null direction (scipy's sqrtm alike), hence rel=1e-7 here and 1e-12 above.
    assert frechet_distance(np.zeros(6), q @ np.diag(a) @ q.T, np.zeros(6), q @ np.diag(b) @ q.T) == pytest.approx(
        expected, rel=1e-7)


def test_fid_agrees_with_scipy_sqrtm_on_general_covariances():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    sigma1, sigma2 = random_covariance(20, seed=2), random_covariance(20, seed=3)
    mu1, mu2 = np.random.default_rng(4).standard_normal((2, 20))
    root = scipy_linalg.sqrtm(sigma1 @ sigma2).real
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * root)
    assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(expected, rel=1e-9)


def test_fid_of_a_set_with_itself_is_zero_even_with_fewer_samples_than_features():
    for samples, features in ((500, 8), (10, 32)):  # the second covariance has rank 9 < 32: the eigh fallback
        x = np.random.default_rng(5).standard_normal((samples, features)) * 3 + 1
        statistics = feature_statistics(x)
        scale = np.trace(statistics[1])
        assert abs(frechet_distance(*statistics, *statistics)) < 1e-6 * scale


def test_fid_from_samples_approaches_the_closed_form_at_the_sampling_rate():
    # Closed form 1 + 1 + (√3 − √½)² ≈ 2.2179. Over 20 seeds the estimate's spread is ≈ 6–7/√N at N = 1e3…1e5
    # (dominated by 2(μ₁−μ₂)ᵀ(μ̂ − μ) and the trace terms), so 30/√N is a >4σ bound that still shrinks with N.
    mu2, a, b = np.array([1.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0]), np.array([4.0, 2.0, 0.5])
    expected = 1.0 + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    rng = np.random.default_rng(6)
    for n in (1_000, 10_000, 100_000):
        x = rng.standard_normal((n, 3)) * np.sqrt(a)
        y = mu2 + rng.standard_normal((n, 3)) * np.sqrt(b)
        assert abs(frechet_distance(*feature_statistics(x), *feature_statistics(y)) - expected) < 30 / np.sqrt(n)


def test_feature_statistics_are_the_mean_and_the_unbiased_covariance():
    x = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 1.0]])
    mean, covariance = feature_statistics(torch.tensor(x))  # torch input is accepted too
    assert np.allclose(mean, [3.0, 1.0])
    assert np.allclose(covariance, [[4.0, 1.0], [1.0, 1.0]])  # Σ (x − x̄)(x − x̄)ᵀ / (3 − 1)


# KID ------------------------------------------------------------------------------------------------------------
def naive_unbiased_mmd2(x, y):
    kernel = lambda a, b: (a @ b.T / a.shape[1] + 1) ** 3  # noqa: E731
    m = len(x)
    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
    return ((k_xx.sum() - np.trace(k_xx)) + (k_yy.sum() - np.trace(k_yy))) / (m * (m - 1)) - 2 * k_xy.mean()


def test_blocked_mmd_equals_the_textbook_formula(monkeypatch):
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal((7, 5)) + 0.3
    monkeypatch.setattr(kid_module, "BLOCK_ROWS", 3)  # 7 rows: blocks of 3, 3, 1
    assert unbiased_mmd2(x, y) == pytest.approx(naive_unbiased_mmd2(x, y), rel=1e-12)


def test_kid_is_near_zero_for_one_distribution_and_clearly_positive_for_a_shift():
    rng = np.random.default_rng(9)
    real, same, shifted = rng.standard_normal((1000, 16)), rng.standard_normal((1000, 16)), rng.standard_normal((1000, 16)) + 0.5
    matched = kernel_inception_distance(real, same, subsets=10, subset_size=500, seed=0)
    apart = kernel_inception_distance(real, shifted, subsets=10, subset_size=500, seed=0)
    assert abs(matched["kid"]) < 3 * matched["kid_std"]
    assert apart["kid"] > 0.05 and apart["kid"] > 20 * apart["kid_std"]
    # Same seed, same subsets, same value; another seed, other subsets.
    assert kernel_inception_distance(real, same, subsets=10, subset_size=500, seed=0) == matched
    assert kernel_inception_distance(real, same, subsets=10, subset_size=500, seed=1) != matched


def test_kid_is_unbiased_over_independent_draws():
    # Population MMD² of a distribution with itself is 0; the mean of 40 independent estimates must lie within
    # 3 standard errors of 0 (a biased V-statistic, which keeps the i = j terms, would sit ≈ +0.2 here).
    rng = np.random.default_rng(10)
    estimates = [unbiased_mmd2(rng.standard_normal((50, 4)), rng.standard_normal((50, 4))) for _ in range(40)]
    assert abs(np.mean(estimates)) < 3 * np.std(estimates) / np.sqrt(len(estimates))


# IS -------------------------------------------------------------------------------------------------------------
def test_inception_score_bounds():
    classes = 10
    one_hot_even = np.eye(classes)[np.arange(1000) % classes]  # every split of 100 holds 10 of each class
    assert inception_score(one_hot_even, splits=10) == pytest.approx({"is": 10.0, "is_std": 0.0}, abs=1e-9)
    identical = np.tile([0.7, 0.2, 0.1], (500, 1))
    assert inception_score(identical, splits=5) == pytest.approx({"is": 1.0, "is_std": 0.0}, abs=1e-12)


def test_inception_score_by_hand():
    # p(y|x₁) = (1, 0), p(y|x₂) = (½, ½): p(y) = (¾, ¼); KL₁ = log(4/3), KL₂ = ½ log(⅔) + ½ log 2.
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    expected = np.exp((np.log(4 / 3) + 0.5 * np.log(2 / 3) + 0.5 * np.log(2)) / 2)
    assert inception_score(probs, splits=1)["is"] == pytest.approx(expected, rel=1e-12)


# PRDC -----------------------------------------------------------------------------------------------------------
def test_prdc_by_hand_on_a_line():
    # Real 0, 1, 3: nearest-other distances (k=1) 1, 1, 2 → balls [−1,1], [0,2], [1,5].
    # Fake 0.5, 10, 2.5, 1.2: nearest-other distances 0.7, 7.5, 1.3, 0.7.
    real, fake = np.array([[0.0], [1.0], [3.0]]), np.array([[0.5], [10.0], [2.5], [1.2]])
    result = precision_recall_density_coverage(real, fake, k_pr=1, k_dc=1)
    assert result["precision"] == 0.75  # all but 10 lie in a real ball
    assert result["recall"] == 1.0  # 0 ∈ B(0.5, 0.7), 1 ∈ B(0.5, 0.7), 3 ∈ B(2.5, 1.3)
    assert result["density"] == pytest.approx(5 / 4)  # balls containing each fake: 2 + 0 + 1 + 2, over k·M = 4
    assert result["coverage"] == 1.0  # every real ball holds a fake


def test_prdc_of_identical_sets_and_of_far_sets():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((300, 8))
    same = precision_recall_density_coverage(x, x.copy())
    assert same["precision"] == same["recall"] == same["coverage"] == 1.0
    far = precision_recall_density_coverage(x, x + 100.0)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_density_and_coverage_of_two_samples_of_one_distribution():
    # Naeem et al.: E[density] → 1 and E[coverage] → 1 − (½)^k = 0.97 (k = 5) for matching distributions;
    # at N = 2,000 in 8-D the observed spread over seeds is ≈ 0.03, so ±0.1 and ±0.03 are generous but telling.
    rng = np.random.default_rng(14)
    result = precision_recall_density_coverage(rng.standard_normal((2000, 8)), rng.standard_normal((2000, 8)))
    assert abs(result["density"] - 1.0) < 0.1
    assert abs(result["coverage"] - (1 - 0.5**5)) < 0.03
    assert result["precision"] > 0.8 and result["recall"] > 0.8


def test_prdc_does_not_depend_on_the_block_size(monkeypatch):
    rng = np.random.default_rng(15)
    real, fake = rng.standard_normal((50, 3)), rng.standard_normal((40, 3)) * 1.2
    whole = precision_recall_density_coverage(real, fake)
    monkeypatch.setattr(prdc_module, "BLOCK_ROWS", 7)
    assert precision_recall_density_coverage(real, fake) == whole


# NDB ------------------------------------------------------------------------------------------------------------
def test_two_proportion_z_and_jensen_shannon_by_hand():
    # 50/100 vs 30/100: pooled 0.4, SE = √(0.4·0.6·(2/100)) = √0.0048, z = 0.2/√0.0048 ≈ 2.887.
    z = two_proportion_z(np.array([0.5]), 100, np.array([0.3]), 100)
    assert z[0] == pytest.approx(0.2 / np.sqrt(0.0048))
    assert jensen_shannon(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.0, 1.0])) == pytest.approx(np.log(2))
    assert jensen_shannon(np.array([0.2, 0.8]), np.array([0.2, 0.8])) == 0.0


def test_ndb_counts_few_bins_for_one_distribution_and_all_for_disjoint_sets():
    # Under H₀ each bin is flagged with probability α = 0.05: 5 ± 2.2 of 100; 12 is beyond 3σ. Disjoint sets differ
    # in every bin that holds enough real points to be testable (a bin with ≤ 3 of 3,000 real points cannot reach
    # |z| > 1.96 even when no fake lands in it; k-means leaves a few such bins in the Gaussian's tails).
    rng = np.random.default_rng(16)
    real, same = rng.standard_normal((3000, 2)), rng.standard_normal((3000, 2))
    matched = number_of_different_bins(real, same, bins=100, seed=0)
    assert matched["ndb"] <= 12 and matched["ndb_fraction"] == matched["ndb"] / 100
    disjoint = number_of_different_bins(real, same + 50.0, bins=100, seed=0)
    assert disjoint["ndb"] >= 95 and disjoint["ndb_js"] > 20 * matched["ndb_js"]


# errors and registered wrappers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: feature_statistics(np.zeros((1, 3))),  # one sample has no covariance
    lambda: frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4)),
    lambda: kernel_inception_distance(np.zeros((10, 3)), np.zeros((10, 4))),
    lambda: kernel_inception_distance(np.zeros((10, 3)), np.zeros((10, 3)), subsets=0),
    lambda: inception_score(np.full((5, 2), 0.5), splits=10),  # fewer samples than splits
    lambda: inception_score(np.full((20, 3), 0.5)),  # rows do not sum to 1
    lambda: precision_recall_density_coverage(np.zeros((4, 2)), np.zeros((10, 2))),  # fewer than k_dc + 1 real
    lambda: number_of_different_bins(np.zeros((50, 2)), np.zeros((50, 2)), bins=100),
    lambda: precision_recall_density_coverage(np.full((10, 2), np.nan), np.zeros((10, 2))),
])
def test_bad_input_is_one_clear_error(call):
    with pytest.raises(GanforgeError):
        call()


def test_registered_metrics_read_the_context():
    rng = np.random.default_rng(17)
    real, fake = rng.standard_normal((200, 4)), rng.standard_normal((150, 4)) + 0.3
    probs = np.eye(5)[np.arange(150) % 5]
    context = SimpleNamespace(real_features=lambda: real, fake_features=lambda: fake, fake_probabilities=lambda: probs,
                              real_statistics=lambda: feature_statistics(real), seed=3)
    build = lambda name, **options: METRICS.build({"name": name, **options}, context=context)  # noqa: E731
    assert build("fid") == {"fid": frechet_distance(*feature_statistics(real), *feature_statistics(fake))}
    assert build("kid", subsets=3, subset_size=100) == kernel_inception_distance(real, fake, 3, 100, seed=3)
    assert build("is", splits=3) == pytest.approx({"is": 5.0, "is_std": 0.0})
    assert build("prdc") == precision_recall_density_coverage(real, fake)
    assert build("ndb", bins=10) == number_of_different_bins(real, fake, bins=10, seed=3)
