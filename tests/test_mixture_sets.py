"""The tuning and held-out mixtures of benchmarks/mixture_sets.py: disjoint seeds, fresh geometry, files drawn the same every time."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from mixture_sets import HELD_OUT, TUNING, Mixture, draw, grid_centres, ring_centres  # noqa: E402


def test_held_out_seeds_and_names_are_never_tuning_ones():
    tuning_seeds = {seed for mixture in TUNING for seed in mixture.seeds}
    assert not tuning_seeds & {seed for mixture in HELD_OUT for seed in mixture.seeds}
    assert not {m.name for m in TUNING} & {m.name for m in HELD_OUT}


def test_every_held_out_file_mixture_has_a_mode_count_and_std_no_tuning_mixture_has():
    tuning = {(len(m.centres), m.std) for m in TUNING if not m.builtin}
    for mixture in HELD_OUT:
        if not mixture.builtin:
            assert (len(mixture.centres), mixture.std) not in tuning


def test_ring_and_grid_centres_by_hand():
    assert np.allclose(ring_centres(4, 2.0, centre=(1.0, 0.0)), [(3, 0), (1, 2), (-1, 0), (1, -2)], atol=1e-12)
    assert grid_centres(2, 2, 10.0, origin=(50.0, -20.0)) == ((50, -20), (50, -10), (60, -20), (60, -10))


def test_a_file_mixture_is_drawn_the_same_every_time_with_its_weights():
    mixture = Mixture("two", "two modes", seeds=(0,), centres=((0.0, 0.0), (10.0, 0.0)), std=0.1,
                      weights=(1.0, 3.0), file_seed=5)
    first, second = draw(mixture, 4000), draw(mixture, 4000)
    assert np.array_equal(first, second)
    share_right = float((first[:, 0] > 5).mean())  # weight 3 of 4: 0.75, binomial sd √(0.75·0.25/4000) ≈ 0.007
    assert abs(share_right - 0.75) < 0.03
