"""Random streams kept apart from the training RNG: each has its own offset from `train.seed`, all distinct.

A stream seeded with `train.seed + offset` is a torch.Generator of its own, so drawing from it never
moves the training RNG (a run with and without sample grids trains identically), and two streams
never draw the same numbers. tests/test_random_streams.py checks the offsets are distinct.
"""
from __future__ import annotations

import torch

GRID = 7919  # the fixed latents of the progress grid (sampling.py)
LATENT_CENTRES = 104_729  # latent_mixture's island centres
LOOKAHEAD = 1_299_709  # unrolled's look-ahead real batches (a data stream: its seed goes to DataSource.batch)
PROBE = 15_485_863  # the doctor's sample probe: its fixed latents and its fixed real batch (doctor/sample_stats.py)
PROBE_HELDOUT = 32_452_843  # the probe's held-out real batch, for a mixture's fresh draw (a data stream)
BLUR = 49_979_687  # the doctor's reference blur over point data (doctor/blur_reference.py)
OFFSETS = {"grid": GRID, "latent_centres": LATENT_CENTRES, "lookahead": LOOKAHEAD, "probe": PROBE,
           "probe_heldout": PROBE_HELDOUT, "blur": BLUR}


def stream(seed: int, offset: int) -> torch.Generator:
    """The CPU generator of the stream `offset` for a run seeded with `seed`."""
    return torch.Generator().manual_seed(seed + offset)
