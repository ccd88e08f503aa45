"""Plugins in an order that cannot work are refused in one line naming both; the working order trains as meant."""
import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.sampling import sampling_generator
from ganforge.train.state import build_state
from ganforge.tricks.multi_generator import MultiGenerator
from ganforge.tricks.rejection_sampling import RejectionSampler
from tests.conftest import tiny_ring_raw


def with_plugins(*plugins):
    return {**tiny_ring_raw(), "plugins": list(plugins)}


@pytest.mark.parametrize("plugins, message", [
    ([{"name": "ema"}, {"name": "multi_generator"}],
     "plugins.1: multi_generator changes the generator, which ema (plugins.0) copies when it is set up; "
     "list multi_generator before ema"),
    ([{"name": "rejection_sampling"}, {"name": "ema"}],
     "plugins.1: ema replaces the generator samples come from, which would drop rejection_sampling (plugins.0)'s "
     "wrapping of it; list ema before rejection_sampling"),
    ([{"name": "ema"}, {"name": "spectral_norm", "generator": True}],
     "plugins.1: spectral_norm changes the generator, which ema (plugins.0) copies when it is set up; "
     "list spectral_norm before ema"),
])
def test_an_order_that_cannot_work_is_refused_naming_both_plugins(plugins, message):
    with pytest.raises(ConfigError) as caught:
        validate(with_plugins(*plugins))
    assert str(caught.value) == message


def test_spectral_norm_on_d_alone_may_follow_ema():
    state = build_state(validate(with_plugins({"name": "ema"}, {"name": "spectral_norm"})))
    average, d_names = state.plugins[0].average, [name for name, _ in state.D.named_parameters()]
    assert [n for n, _ in average.named_parameters()] == [n for n, _ in state.G.named_parameters()]  # G untouched
    assert any("parametrizations.weight.original" in name for name in d_names)  # D normalised


def test_ema_after_multi_generator_averages_every_generator():
    state = build_state(validate(with_plugins({"name": "multi_generator", "generators": 3}, {"name": "ema"})))
    average = sampling_generator(state)
    assert isinstance(average, MultiGenerator) and len(average.generators) == 3
    assert sum(p.numel() for p in average.parameters()) == sum(p.numel() for p in state.G.parameters())


def test_rejection_sampling_after_ema_filters_the_average():
    state = build_state(validate(with_plugins({"name": "ema"}, {"name": "rejection_sampling", "burn_in": 64})))
    sampler = sampling_generator(state)
    assert isinstance(sampler, RejectionSampler) and sampler.generator is state.plugins[0].average


def test_spectral_norm_on_g_then_ema_copies_the_normalised_generator():
    state = build_state(validate(with_plugins({"name": "spectral_norm", "generator": True}, {"name": "ema"})))
    copied = dict(state.plugins[1].average.named_parameters())
    assert copied.keys() == dict(state.G.named_parameters()).keys()
    assert any("parametrizations.weight.original" in name for name in copied)  # the copy is normalised too
    with torch.no_grad():
        state.plugins[1].after_g_step(state)  # the average updates parameter by parameter without a mismatch
