"""Random mixes of plugins, in random order, on every kind of tiny setup: each trains or is refused at start-up.

The contract tests run one plugin at a time; this runs 2-3 together, where order and
compatibility matter (pacgan packing D's input, replay storing single samples, label tricks
under losses that ignore targets, classifiers that need labels). Every mix either takes two
full steps with finite losses or fails while the run is built with one `GanforgeError` line
naming the field; nothing may fail later, inside a step, with another exception.
"""
import random

import pytest
import torch

from ganforge.config import validate
from ganforge.errors import GanforgeError
from ganforge.plugins import PLUGINS
from ganforge.train.state import build_state
from ganforge.train.step import discriminator_step, generator_step
from ganforge.train.stats import StatsBus, use_bus
from tests.conftest import tiny_digits_raw, tiny_ring_raw

MIXES = 300  # ~20 s on one core; 3 seeds of 300 found the two start-up checks this file guards (replay, acgan after pacgan)
LOSSES = ["nonsaturating", "minimax", "lsgan", "wasserstein", "hinge", "relativistic", "rpgan"]


def setup_for(kind: str) -> dict:
    raw = tiny_ring_raw() if kind == "ring" else tiny_digits_raw()
    if kind == "conditional digits":
        raw["generator"]["condition"] = "concat"
        raw["discriminator"]["condition"] = "projection"
    return raw


def random_mix(rng: random.Random) -> dict:
    raw = setup_for(rng.choice(["ring", "digits", "conditional digits"]))
    raw["loss"] = {"name": rng.choice(LOSSES)}
    raw["plugins"] = [{"name": name} for name in rng.sample(PLUGINS.names(), rng.choice([2, 2, 3]))]
    return raw


def two_steps(state) -> None:
    use_bus(StatsBus())
    for _ in range(2):
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
    for net in (state.G, state.D):
        assert all(torch.isfinite(p).all() for p in net.parameters())


def test_every_mix_trains_or_is_refused_at_start_up_with_one_line():
    rng = random.Random(0)
    refused, trained, failures = 0, 0, []
    for _ in range(MIXES):
        raw = random_mix(rng)
        names = [plugin["name"] for plugin in raw["plugins"]]
        try:
            state = build_state(validate(raw))
        except GanforgeError as error:
            assert "\n" not in str(error) and ":" in str(error), (names, str(error))
            refused += 1
            continue
        try:
            two_steps(state)
            trained += 1
        except Exception as error:  # noqa: BLE001 — the point is to catch anything a step raises
            failures.append(f"{raw['data']['name']} {raw['loss']['name']} {names}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures[:5])
    assert trained > MIXES // 2 and refused > 0  # the mixes are mostly valid, and some are rightly refused


@pytest.mark.parametrize("plugins, message", [
    (["pacgan", "replay"], r"plugins\.1: replay stores single samples .* list replay before it"),
    (["pacgan", "multi_generator"], r"plugins\.1: multi_generator's classifier scores single samples"),
])
def test_order_dependent_mixes_name_the_later_plugin(plugins, message):
    raw = {**tiny_ring_raw(), "plugins": [{"name": name} for name in plugins]}
    with pytest.raises(GanforgeError, match=message):
        build_state(validate(raw))
