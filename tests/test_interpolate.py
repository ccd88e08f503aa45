"""Latent interpolation: slerp for normal latents, lerp for uniform; `ganforge sample --interpolate`."""
import math

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from ganforge.cli import main
from ganforge.interpolate import interpolate_latents, lerp, slerp
from tests.conftest import tiny_digits_raw, tiny_ring_raw


def test_slerp_ends_are_the_inputs():
    z_a, z_b = torch.randn(3, 16, generator=torch.Generator().manual_seed(0)).split([2, 1])
    z_b = z_b.expand(2, 16)
    path = slerp(z_a, z_b, torch.tensor([0.0, 1.0]))
    assert torch.equal(path[:, 0], z_a) and torch.allclose(path[:, 1], z_b, atol=1e-6)


def test_slerp_of_orthogonal_unit_vectors_stays_on_the_circle():
    e1, e2 = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    path = slerp(e1, e2, torch.linspace(0, 1, 5))[0]
    assert torch.allclose(path.norm(dim=1), torch.ones(5), atol=1e-6)  # lerp's midpoint would have norm 1/√2
    half = math.sqrt(0.5)
    assert torch.allclose(path[2], torch.tensor([half, half]), atol=1e-6)  # the midpoint: 45°
    assert torch.allclose(path[1], torch.tensor([math.cos(math.pi / 8), math.sin(math.pi / 8)]), atol=1e-6)


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    z = torch.tensor([[1.0, 2.0]])
    path = slerp(z, 3 * z, torch.tensor([0.5]))
    assert torch.allclose(path[0, 0], torch.tensor([2.0, 4.0]))  # no 0/0 NaN


def test_uniform_latents_are_interpolated_linearly():
    z_a, z_b = torch.tensor([[-1.0, 0.5]]), torch.tensor([[1.0, -0.5]])
    path = interpolate_latents(z_a, z_b, frames=5, latent="uniform")[0]
    expected = torch.tensor([[-1.0, 0.5], [-0.5, 0.25], [0.0, 0.0], [0.5, -0.25], [1.0, -0.5]])
    assert torch.allclose(path, expected)
    assert torch.allclose(lerp(z_a, z_b, torch.tensor([0.25]))[0, 0], expected[1])


def test_normal_latents_use_slerp():
    e1, e2 = torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 2.0]])
    midpoint = interpolate_latents(e1, e2, frames=3, latent="normal")[0, 1]
    assert midpoint.norm().item() == pytest.approx(2.0)


@pytest.fixture
def ring_run(tmp_path):
    config = tmp_path / "ring.yaml"
    config.write_text(yaml.safe_dump(tiny_ring_raw(steps=10)))
    run_dir = tmp_path / "ring"
    assert main(["train", str(config), "--run-dir", str(run_dir), "--quiet"]) == 0
    return run_dir


def test_strip_ends_are_the_seeds_own_samples(ring_run, tmp_path):
    out = tmp_path / "path.npy"
    assert main(["sample", str(ring_run), "--interpolate", "5", "9", "--frames", "6", "-n", "2",
                 "--format", "npy", "--out", str(out)]) == 0
    strips = np.load(out)
    assert strips.shape == (2, 6, 2)  # 2 strips of 6 frames of 2-D points
    for strip, (seed_a, seed_b) in zip(strips, [(5, 9), (6, 10)]):  # strip i: seeds A+i → B+i
        for seed, frame in ((seed_a, strip[0]), (seed_b, strip[-1])):
            single = tmp_path / f"seed{seed}.npy"
            assert main(["sample", str(ring_run), "-n", "1", "--seed", str(seed), "--format", "npy",
                         "--out", str(single)]) == 0
            np.testing.assert_allclose(frame, np.load(single)[0], atol=1e-5)


def test_png_strip_of_points_is_a_clear_error(ring_run, capsys):
    assert main(["sample", str(ring_run), "--interpolate", "0", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --interpolate: a PNG strip needs image data") and "--format npy" in error


def test_png_strips_are_rows_of_frames(tmp_path):
    config = tmp_path / "digits.yaml"
    config.write_text(yaml.safe_dump(tiny_digits_raw(steps=3)))
    run_dir = tmp_path / "digits"
    assert main(["train", str(config), "--run-dir", str(run_dir), "--quiet"]) == 0
    out = tmp_path / "strips.png"
    assert main(["sample", str(run_dir), "--interpolate", "0", "1", "-n", "3", "--frames", "5", "--out", str(out)]) == 0
    width, height = Image.open(out).size
    # 5 columns × 3 rows of 8-px images with 2-px padding: 5·10+2 = 52 by 3·10+2 = 32 px, enlarged ×ceil(256/52) = 5
    assert (width, height) == (52 * 5, 32 * 5)
    assert main(["sample", str(run_dir), "--interpolate", "0", "1", "--frames", "1"]) == 2
