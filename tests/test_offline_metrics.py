"""Metrics for any image data with nothing to download: SWD (ProGAN) and FD/KID/PRDC in random_conv's space.

Known answers: identical sets score 0; a point set shifted by v has sliced Wasserstein distance
E|d·v| exactly; SWD ignores a per-channel affine change of the pixels (its descriptors are
standardised per set); a noisy or collapsed set is farther from the data than another sample of it.
"""
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.cli import main
from ganforge.data import DATA
from ganforge.metrics.extractors import build_extractor
from ganforge.metrics.fid import feature_statistics, frechet_distance
from ganforge.metrics.kid import kernel_inception_distance
from ganforge.metrics.prdc import precision_recall_density_coverage
from ganforge.metrics.random_features import WIDTHS
from ganforge.metrics.swd import level_sides, sliced_wasserstein, sliced_wasserstein_distance
from tests.test_cli_conventions import ganforge_cli

FAST = {"patches_per_image": 32, "repeats": 2, "directions": 64}


@pytest.fixture(scope="module")
def digit_sets():
    """Two disjoint samples of the 16×16 digits, a noisy copy of the second, and a collapse onto one of its images."""
    images, _ = DATA.build({"name": "digits", "image_size": 16}).batch(0, 1200, seed=0)
    first, second = images[:600], images[600:]
    noise = 0.3 * torch.randn(second.shape, generator=torch.Generator().manual_seed(0))
    return {"first": first, "second": second, "noisy": (second + noise).clamp(-1, 1),
            "collapsed": second[:1].expand(len(second), -1, -1, -1)}


def expected_mean_abs_projection(dim: int) -> float:
    """E|d₁| for d uniform on the unit sphere in `dim` dimensions: Γ(D/2) / (√π Γ((D+1)/2))."""
    return math.exp(math.lgamma(dim / 2) - math.lgamma((dim + 1) / 2)) / math.sqrt(math.pi)


def test_the_sliced_distance_of_a_shifted_set_is_the_mean_projected_shift():
    a = np.random.default_rng(0).standard_normal((2000, 10)).astype(np.float32)
    shift = np.zeros(10, dtype=np.float32)
    shift[3] = 2.0
    measured = sliced_wasserstein(a, a + shift, repeats=4, directions=1024, seed=1)
    expected = 2.0 * expected_mean_abs_projection(10)  # sorting keeps the pairing, so each gap is exactly d·v
    # |d₁| has std ≈ 0.18 in 10-D: over 4096 directions the mean's standard error is 1.1% of it; allow 5%
    assert measured == pytest.approx(expected, rel=0.05)


def test_swd_of_identical_sets_is_zero_and_ignores_a_per_channel_affine_change(digit_sets):
    first = digit_sets["first"]
    assert sliced_wasserstein_distance(first, first, **FAST)["swd"] == 0.0
    dimmer = first * 0.5 - 0.2  # every pixel through the same affine map: standardised descriptors are unchanged
    assert sliced_wasserstein_distance(first, dimmer, **FAST)["swd"] < 1e-3


def test_swd_ranks_another_sample_below_noise_and_collapse(digit_sets):
    swd = {name: sliced_wasserstein_distance(digit_sets["first"], digit_sets[name], **FAST)["swd"]
           for name in ("second", "noisy", "collapsed")}
    assert 0 < swd["second"] < swd["noisy"] and swd["second"] < swd["collapsed"]


def test_swd_has_a_level_per_scale_and_takes_any_size_and_channel_count():
    assert level_sides(64) == [64, 32, 16] and level_sides(28) == [28] and level_sides(5) == [5]
    rng = torch.Generator().manual_seed(0)
    big = torch.rand(6, 2, 64, 64, generator=rng) * 2 - 1
    result = sliced_wasserstein_distance(big, big.flip(0), patches_per_image=4, repeats=1, directions=8)
    assert set(result) == {"swd", "swd_64", "swd_32", "swd_16"}
    assert result["swd"] == pytest.approx((result["swd_64"] + result["swd_32"] + result["swd_16"]) / 3)
    for shape in [(1, 5, 5), (4, 9, 13)]:
        images = torch.rand(6, *shape, generator=rng) * 2 - 1
        assert math.isfinite(sliced_wasserstein_distance(images, images.flip(0), 4, 1, 8)["swd"])


def test_random_conv_is_defined_for_any_size_and_channels_and_the_same_every_time():
    for shape in [(1, 5, 5), (4, 13, 13), (3, 100, 100)]:
        source = SimpleNamespace(shape=shape, is_image=True)  # all an extractor needs of a data source
        features = build_extractor("random_conv", source).features(torch.rand(3, *shape) * 2 - 1)
        assert features.shape == (3, sum(WIDTHS)) and torch.isfinite(features).all()
    one, again = (build_extractor("random_conv", DATA.build({"name": "digits"})) for _ in range(2))
    assert one.sha256 == again.sha256 and torch.equal(one.weights[0], again.weights[0])


def test_fd_kid_prdc_in_random_conv_space_on_known_cases(digit_sets):
    extractor = build_extractor("random_conv", DATA.build({"name": "digits", "image_size": 16}))
    features = {name: extractor.features(images).numpy() for name, images in digit_sets.items()}
    real = features["first"]

    def fd(name):
        return frechet_distance(*feature_statistics(real), *feature_statistics(features[name]))

    assert abs(fd("first")) < 1e-3 * fd("second")  # identical sets: zero up to rounding (the matrix square root)
    assert 0 < fd("second") < fd("noisy") and fd("second") < fd("collapsed")
    kid = {name: kernel_inception_distance(real, features[name], subsets=10, subset_size=300)["kid"]
           for name in ("second", "noisy", "collapsed")}
    assert kid["second"] < kid["noisy"] and kid["second"] < kid["collapsed"]
    other, collapsed = (precision_recall_density_coverage(real, features[name]) for name in ("second", "collapsed"))
    # one image repeated covers at most the real balls around it: recall and coverage fall to (almost) nothing
    assert collapsed["recall"] < 0.1 * other["recall"] and collapsed["coverage"] < 0.1 * other["coverage"]


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    """A 4-step run on a folder of 16×16 RGB images (tinted digits): data no shipped classifier knows."""
    folder = tmp_path_factory.mktemp("folder")
    run = tmp_path_factory.mktemp("folder_run") / "run"
    images, _ = DATA.build({"name": "digits", "image_size": 16}).batch(0, 64, seed=0)
    tints = np.random.default_rng(0).random((64, 3, 1, 1))
    for i, pixels in enumerate(((images.numpy() + 1) * 127.5 * tints).astype(np.uint8)):
        Image.fromarray(pixels.transpose(1, 2, 0), "RGB").save(folder / f"{i:02d}.png")
    assert main(["train", "data.name=image_folder", f"data.path={folder}", "generator.width=8",
                 "discriminator.width=8", "train.steps=4", "doctor.enabled=false", "--run-dir", str(run), "--quiet"]) == 0
    return run


def test_evaluate_on_own_images_defaults_to_random_conv_and_swd_and_says_so(folder_run):
    done = ganforge_cli("evaluate", folder_run, "--n", "64", "eval.real_n=64")
    assert done.returncode == 0, done.stderr
    assert "features: random_conv" in done.stdout
    for name in ("fid", "kid", "precision", "coverage", "swd", "swd_16"):
        assert f"  {name} " in done.stdout
    record = json.loads((folder_run / "eval.jsonl").read_text().splitlines()[-1])
    assert record["provenance"]["extractor"] == "random_conv" and record["provenance"]["metrics"][-1] == "swd"


def test_swd_alone_uses_no_feature_network(folder_run, capsys):
    assert main(["evaluate", str(folder_run), "--metrics", "swd", "--n", "64", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["provenance"]["extractor"] == "none"


def test_missing_inception_weights_name_what_works_instead(folder_run, tmp_path, capsys):
    assert main(["evaluate", str(folder_run), "eval.extractor=inception_v3",
                 f"eval.inception_weights={tmp_path / 'absent.pt'}"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "eval.extractor=random_conv" in error and "--metrics swd" in error
