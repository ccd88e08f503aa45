"""The doctor's reference blur: where a Gaussian over the data sits on the samples/offset scale, per dimension."""
import numpy as np

from ganforge.data import DATA
from ganforge.doctor.blur_reference import blur_offset
from ganforge.doctor.rules.context import RuleContext


def clusters(tmp_path, dimensions, modes=8, std=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-0.7, 0.7, (modes, dimensions))
    points = centres[rng.integers(0, modes, 3000)] + rng.normal(0, std, (3000, dimensions))
    path = tmp_path / f"clusters_{dimensions}d.npy"
    np.save(path, points.astype(np.float32))
    return DATA.build({"name": "array", "path": str(path)}, field="data")


def test_a_blur_sits_farther_from_clustered_data_the_more_dimensions_it_has(tmp_path):
    offsets = [blur_offset(clusters(tmp_path, d), seed=0) for d in (2, 4, 6, 8)]
    assert all(0.05 < value < 1.0 for value in offsets)
    assert offsets == sorted(offsets) and offsets[-1] > 2 * offsets[0]


def test_the_blur_is_drawn_from_its_own_stream(tmp_path):
    source = clusters(tmp_path, 3)
    assert blur_offset(source, seed=0) == blur_offset(source, seed=0)  # live doctor and replay agree
    assert blur_offset(source, seed=0) != blur_offset(source, seed=1)


def test_no_blur_for_images_or_for_a_mixture_the_doctor_knows():
    assert blur_offset(DATA.build({"name": "ring"}, field="data"), seed=0) is None
    assert blur_offset(DATA.build({"name": "digits", "image_size": 8}, field="data"), seed=0) is None
    assert blur_offset(None, seed=0) is None


def test_far_from_unknown_points_is_one_and_a_half_blurs_and_never_nearer_than_the_fixed_threshold():
    assert abs(RuleContext(blur_offset=0.4).off_data - 0.6) < 1e-9  # BLUR_FACTOR 1.5
    assert RuleContext(blur_offset=0.1).off_data == 0.3  # OFF_DATA_POINTS
    assert RuleContext(blur_offset=0.4, modes=8).off_data == 0.3  # a known mixture keeps its own
    assert RuleContext(blur_offset=0.4, is_image=True).off_data == 1.0

