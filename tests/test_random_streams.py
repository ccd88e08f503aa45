"""The random streams kept apart from training: distinct offsets, and drawing from one never moves the training RNG."""
import torch

from ganforge import random_streams
from ganforge.config import validate
from ganforge.random_streams import BLUR, GRID, LATENT_CENTRES, LOOKAHEAD, OFFSETS, PROBE, PROBE_HELDOUT, stream
from ganforge.train.state import build_state
from tests.conftest import tiny_ring_raw


def test_every_stream_has_an_offset_of_its_own():
    offsets = [value for name, value in vars(random_streams).items() if name.isupper() and isinstance(value, int)]
    assert sorted(offsets) == sorted(OFFSETS.values())  # every named offset is listed
    assert len(set(offsets)) == len(offsets) == 6
    assert {GRID, LATENT_CENTRES, LOOKAHEAD, PROBE, PROBE_HELDOUT, BLUR} == set(OFFSETS.values())


def test_streams_for_different_offsets_draw_different_numbers():
    draws = [torch.randn(8, generator=stream(0, offset)) for offset in OFFSETS.values()]
    for i in range(len(draws)):
        for j in range(i + 1, len(draws)):
            assert not torch.allclose(draws[i], draws[j])


def test_redrawing_the_grid_latents_moves_no_training_rng():
    state = build_state(validate(tiny_ring_raw()))
    before = torch.get_rng_state()
    first = state.fixed_z.clone()
    state.redraw_fixed_z()
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.equal(state.fixed_z, first)  # the same stream, the same prior: the same latents


def test_the_doctor_probe_draws_from_its_own_stream_not_latent_mixtures():
    """At train.seed 0 the probe's latents and latent_mixture's centre candidates come from different streams."""
    from types import SimpleNamespace

    from ganforge.data import DATA
    from ganforge.doctor.sample_stats import SampleProbe

    data = DATA.build({"name": "ring"})
    G = SimpleNamespace(sample_latent=lambda n, generator: torch.randn(n, 4, generator=generator))
    state = SimpleNamespace(G=G, data=data, fixed_labels=None, device="cpu", config=SimpleNamespace(train=SimpleNamespace(seed=0)))
    probe = SampleProbe(state)
    assert torch.equal(probe.z, torch.randn(len(probe.z), 4, generator=stream(0, PROBE)))
    assert not torch.equal(probe.z, torch.randn(len(probe.z), 4, generator=stream(0, LATENT_CENTRES)))
    assert torch.equal(probe.real, data.batch(0, len(probe.z), PROBE)[0])
