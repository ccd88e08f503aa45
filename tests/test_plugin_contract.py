"""Contract tests every registered plugin inherits: finite steps, gradients, state round-trip, exact resume.

Each plugin runs with its default options on the smallest setup it supports: the tiny ring,
or tiny digits for image-only plugins, or tiny conditional digits for plugins that need labels.
"""
import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.plugins import PLUGINS
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.step import discriminator_step, generator_step
from tests.conftest import tiny_digits_raw, tiny_ring_raw

NEEDS_IMAGES = {"diffaugment", "ada"}
NEEDS_LABELS = {"acgan"}


def raw_for(plugin_name, **train):
    if plugin_name in NEEDS_LABELS:
        raw = tiny_digits_raw(**train)
        raw["generator"]["condition"] = "concat"
        raw["discriminator"]["condition"] = "projection"
    elif plugin_name in NEEDS_IMAGES:
        raw = tiny_digits_raw(**train)
    else:
        raw = tiny_ring_raw(**train)
    raw["plugins"] = [{"name": plugin_name}]
    return raw


def snapshot(module):
    return {name: p.detach().clone() for name, p in module.named_parameters()}


PLUGIN_NAMES = PLUGINS.names()


def test_every_plugin_documents_itself():
    for name in PLUGIN_NAMES:
        assert PLUGINS.summary(name), f"{name} has no one-line help"


@pytest.mark.parametrize("name", PLUGIN_NAMES)
def test_steps_are_finite_and_both_nets_learn(name):
    state = build_state(validate(raw_for(name)))
    for _ in range(3):
        before_d = snapshot(state.D)
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        before_g = snapshot(state.G)
        generator_step(state, real, labels)
        state.step += 1
    after_d, after_g = snapshot(state.D), snapshot(state.G)
    assert any(not torch.equal(before_d[k], after_d[k]) for k in before_d), "D did not change"
    assert any(not torch.equal(before_g[k], after_g[k]) for k in before_g), "G did not change"
    for value in [*after_d.values(), *after_g.values()]:
        assert torch.isfinite(value).all()


@pytest.mark.parametrize("name", PLUGIN_NAMES)
def test_state_dict_round_trips(name):
    config = validate(raw_for(name))
    state = build_state(config)
    for _ in range(2):
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
        state.step += 1
    saved = [plugin.state_dict() for plugin in state.plugins]
    fresh = build_state(config)
    for plugin, plugin_state in zip(fresh.plugins, saved):
        plugin.load_state_dict(plugin_state)
    assert_same_state([p.state_dict() for p in fresh.plugins], saved)


def assert_same_state(a, b):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same_state(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_state(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("name", PLUGIN_NAMES)
def test_resumed_run_equals_uninterrupted(tmp_path, name):
    raw = raw_for(name, steps=6, checkpoint_every=3, sample_every=6, log_every=3)
    straight = train(validate(raw), RunDir.create(path=tmp_path / "straight"), quiet=True)
    halves = RunDir.create(path=tmp_path / "halves")
    train(validate({**raw, "train": {**raw["train"], "steps": 3}}), halves, quiet=True)
    resumed = train(validate(raw), halves, resume=True, quiet=True)
    for net in ("G", "D"):
        for (key, a), b in zip(getattr(straight, net).state_dict().items(), getattr(resumed, net).state_dict().values()):
            assert torch.equal(a, b), f"{net}.{key} differs after resume"
    assert_same_state([p.state_dict() for p in straight.plugins], [p.state_dict() for p in resumed.plugins])


@pytest.mark.parametrize("name", PLUGIN_NAMES)
def test_unknown_option_is_a_config_error(name):
    raw = raw_for(name)
    raw["plugins"][0]["no_such_option"] = 1
    with pytest.raises(ConfigError, match=r"^plugins\.0\.no_such_option: unknown option"):
        validate(raw)


COMBINATIONS = [
    ("ring", [{"name": "pacgan"}, {"name": "feature_matching"}]),
    ("ring", [{"name": "pacgan"}, {"name": "unrolled", "steps": 2}]),
    ("ring", [{"name": "instance_noise"}, {"name": "pacgan"}, {"name": "r1"}, {"name": "ema"}]),
    ("ring", [{"name": "multi_generator", "generators": 2}, {"name": "minibatch_stddev"}, {"name": "ema"}]),
    ("digits", [{"name": "diffaugment"}, {"name": "pacgan"}, {"name": "unrolled", "steps": 2},
                {"name": "feature_matching"}]),
    ("digits", [{"name": "spectral_norm"}, {"name": "label_smoothing"}, {"name": "replay"}, {"name": "wgan_gp"}]),
]


@pytest.mark.parametrize("data, plugins", COMBINATIONS, ids=lambda v: "+".join(p["name"] for p in v) if isinstance(v, list) else v)
def test_plugins_combine(tmp_path, data, plugins):
    """G-step inputs go through every plugin's g_inputs, so packing, noise and augmentation compose."""
    raw = tiny_ring_raw(steps=4) if data == "ring" else tiny_digits_raw(steps=4)
    raw["plugins"] = plugins
    state = train(validate(raw), RunDir.create(path=tmp_path / "run"), quiet=True)
    for value in [*state.G.state_dict().values(), *state.D.state_dict().values()]:
        assert torch.isfinite(value.float()).all()
