"""Training-trick plugins: each one's behaviour on a case computed by hand, then a short real run."""
import math
from types import SimpleNamespace

import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.nets.base import Discriminator
from ganforge.plugins import PLUGINS
from ganforge.sampling import generate, sampling_generator
from ganforge.train.hooks import StepContext
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from ganforge.train.step import discriminator_step, frozen, generator_step
from ganforge.random_streams import LOOKAHEAD
from tests.conftest import tiny_digits_raw, tiny_ring_raw

TRICKS = ["label_smoothing", "noisy_labels", "label_flip", "replay", "ema", "feature_matching", "mode_seeking",
          "unrolled"]
LOGGED_TERMS = {"feature_matching": "loss/g_feature_matching", "mode_seeking": "loss/g_mode_seeking"}


def ring_with(*plugins, loss="nonsaturating", **train_options):
    raw = tiny_ring_raw(**train_options)
    raw["plugins"] = list(plugins)
    raw["loss"] = {"name": loss}
    return raw


def plugin_of(state):
    return state.plugins[0]


# --- label tricks ---------------------------------------------------------------------------------


def test_label_smoothing_sets_real_targets_to_exactly_point_nine_and_keeps_fake_at_zero():
    state = build_state(validate(ring_with({"name": "label_smoothing"})))
    seen = []
    d_loss = state.loss.d_loss
    state.loss.d_loss = lambda r, f, rt, ft: seen.append((rt, ft)) or d_loss(r, f, rt, ft)
    real, labels = state.next_batch()
    discriminator_step(state, real, labels)
    real_targets, fake_targets = seen[0]
    assert torch.equal(real_targets, torch.full((32,), 0.9))
    assert torch.equal(fake_targets, torch.zeros(32))


@pytest.mark.parametrize("loss", ["wasserstein", "hinge"])
@pytest.mark.parametrize("name", ["label_smoothing", "noisy_labels", "label_flip"])
def test_label_tricks_are_refused_with_losses_that_ignore_targets(name, loss):
    with pytest.raises(ConfigError, match=f"plugins.0: {name} has no effect with loss '{loss}'"):
        build_state(validate(ring_with({"name": name}, loss=loss)))


def test_noisy_labels_fall_in_their_ranges_with_the_midpoints_as_means():
    plugin = PLUGINS.build({"name": "noisy_labels"})
    torch.manual_seed(0)
    real_targets, fake_targets = plugin.d_targets(torch.ones(10_000), torch.zeros(10_000), state=None)
    assert 0.7 <= real_targets.min() and real_targets.max() <= 1.2
    assert 0.0 <= fake_targets.min() and fake_targets.max() <= 0.3
    # the mean of 10,000 draws of U(a, b) has standard deviation (b − a)/√12/100 ≈ 0.0014
    assert real_targets.mean().item() == pytest.approx(0.95, abs=0.01)
    assert fake_targets.mean().item() == pytest.approx(0.15, abs=0.01)
    again, _ = plugin.d_targets(torch.ones(10_000), torch.zeros(10_000), state=None)
    assert not torch.equal(again, real_targets)  # fresh every D step


def test_noisy_labels_reject_an_empty_range():
    with pytest.raises(ConfigError, match="plugins.noisy_labels.real_low"):
        PLUGINS.build({"name": "noisy_labels", "real_low": 1.0, "real_high": 0.9})


def test_label_flip_swaps_about_p_of_the_targets_each_way():
    plugin = PLUGINS.build({"name": "label_flip", "p": 0.25})
    torch.manual_seed(0)
    real_targets, fake_targets = plugin.d_targets(torch.ones(10_000), torch.zeros(10_000), state=None)
    assert set(real_targets.unique().tolist()) == {0.0, 1.0} == set(fake_targets.unique().tolist())
    # a fraction of 10,000 Bernoulli(0.25) has standard deviation 0.0043: ±0.02 is over 4.5 of them
    assert (real_targets == 0).float().mean().item() == pytest.approx(0.25, abs=0.02)
    assert (fake_targets == 1).float().mean().item() == pytest.approx(0.25, abs=0.02)
    assert not torch.equal(real_targets == 0, fake_targets == 1)  # real and fake flips are independent


def test_label_flip_with_p_zero_flips_nothing_and_swaps_smoothed_values():
    never = PLUGINS.build({"name": "label_flip", "p": 0.0})
    real_targets, fake_targets = never.d_targets(torch.ones(1000), torch.zeros(1000), state=None)
    assert torch.equal(real_targets, torch.ones(1000)) and torch.equal(fake_targets, torch.zeros(1000))
    always = PLUGINS.build({"name": "label_flip", "p": 1.0})
    real_targets, fake_targets = always.d_targets(torch.full((4,), 0.9), torch.zeros(4), state=None)
    assert torch.equal(real_targets, torch.zeros(4)) and torch.equal(fake_targets, torch.full((4,), 0.9))


# --- replay ---------------------------------------------------------------------------------------


def replay_on_vectors(size, fraction):
    plugin = PLUGINS.build({"name": "replay", "size": size, "fraction": fraction})
    plugin.setup(SimpleNamespace(D=torch.nn.Identity(), data=SimpleNamespace(shape=(2,)), device=torch.device("cpu"),
                                 plugins=[plugin]))
    return plugin


def test_replay_returns_the_previous_steps_fakes_when_the_buffer_is_one_batch():
    """size = N = 8 and fraction 1: step 0 fills the buffer with its 8 fakes; step 1's D sees only those."""
    plugin = replay_on_vectors(size=8, fraction=1.0)
    real = torch.zeros(8, 2)
    _, seen = plugin.d_inputs(real, torch.full((8, 2), 7.0), state=None)
    assert torch.equal(seen, torch.full((8, 2), 7.0))  # buffer not ready yet: the batch is untouched
    _, seen = plugin.d_inputs(real, torch.zeros(8, 2), state=None)
    assert torch.equal(seen, torch.full((8, 2), 7.0))
    _, seen = plugin.d_inputs(real, torch.ones(8, 2), state=None)
    assert torch.equal(seen, torch.zeros(8, 2))  # the sevens were overwritten by step 1's fakes


def test_replay_brings_back_old_fakes_several_steps_later_and_keeps_the_batch_size():
    plugin = replay_on_vectors(size=32, fraction=0.25)  # k = 2 of 8 fakes replaced, 2 pushed per step
    torch.manual_seed(0)
    real = torch.zeros(8, 2)
    plugin.d_inputs(real, torch.full((8, 2), 7.0), state=None)  # step 0 pushes two sevens
    sevens_seen_at = []
    for step in range(1, 16):  # the sevens stay until 32/2 = 16 pushes have gone by
        fresh = torch.randn(8, 2)
        _, seen = plugin.d_inputs(real, fresh, state=None)
        assert seen.shape == (8, 2)
        assert torch.equal(seen[2:], fresh[2:])  # only k = 2 rows are replaced
        if (seen == 7.0).all(dim=1).any():
            sevens_seen_at.append(step)
    assert sevens_seen_at and min(sevens_seen_at) >= 4  # ready once 8 samples are stored: after step 3's push


def test_replay_after_a_packing_plugin_is_a_config_error_naming_its_place():
    raw = {**tiny_ring_raw(), "plugins": [{"name": "pacgan", "packing": 2}, {"name": "replay"}]}
    with pytest.raises(ConfigError, match=r"plugins\.1: replay stores single samples of shape \(2,\).*list replay before it"):
        build_state(validate(raw))
    build_state(validate({**raw, "plugins": raw["plugins"][::-1]}))  # replay first: it stores G's own samples


def test_replay_state_round_trips_and_continues_identically():
    plugin = replay_on_vectors(size=16, fraction=0.5)
    torch.manual_seed(1)
    for _ in range(5):
        plugin.d_inputs(torch.zeros(8, 2), torch.randn(8, 2), state=None)
    saved = plugin.state_dict()
    assert saved["filled"] == 16 and saved["position"] == 20 % 16
    twin = replay_on_vectors(size=16, fraction=0.5)
    twin.load_state_dict(saved)
    fresh, rng = torch.randn(8, 2), torch.get_rng_state()
    _, expected = plugin.d_inputs(torch.zeros(8, 2), fresh, state=None)
    torch.set_rng_state(rng)
    _, got = twin.d_inputs(torch.zeros(8, 2), fresh, state=None)
    assert torch.equal(expected, got) and torch.equal(plugin.buffer, twin.buffer)


def test_replay_refuses_a_class_conditional_discriminator():
    plugin = PLUGINS.build({"name": "replay"})
    state = SimpleNamespace(D=SimpleNamespace(condition="projection"), plugins=[plugin])
    with pytest.raises(ConfigError, match="class-conditional"):
        plugin.setup(state)


# --- ema ------------------------------------------------------------------------------------------


def test_ema_after_one_step_is_beta_old_plus_one_minus_beta_new():
    state = build_state(validate(ring_with({"name": "ema", "beta": 0.9})))
    ema = plugin_of(state)
    old = [p.detach().clone() for p in ema.average.parameters()]
    real, labels = state.next_batch()
    generator_step(state, real, labels)
    for averaged, before, after in zip(ema.average.parameters(), old, state.G.parameters()):
        assert not torch.equal(before, after)  # G moved, so the test means something
        assert torch.allclose(averaged, 0.9 * before + 0.1 * after, rtol=0, atol=1e-7)


def test_ema_copies_weights_before_start_step():
    state = build_state(validate(ring_with({"name": "ema", "start_step": 2})))
    real, labels = state.next_batch()
    generator_step(state, real, labels)
    for averaged, current in zip(plugin_of(state).average.parameters(), state.G.parameters()):
        assert torch.equal(averaged, current)


def test_sample_grids_come_from_the_ema_net(tmp_path):
    raw = ring_with({"name": "ema", "beta": 0.5}, steps=6)
    state = train(validate(raw), RunDir.create(path=tmp_path / "ema"), quiet=True)
    ema = plugin_of(state)
    assert sampling_generator(state) is ema.average
    assert sampling_generator(state, use_plugins=False) is state.G  # what `ganforge sample --no-ema` uses
    from_grid = generate(sampling_generator(state), state.fixed_z)
    assert torch.equal(from_grid, generate(ema.average, state.fixed_z))
    assert not torch.equal(from_grid, generate(state.G, state.fixed_z))
    assert not any(p.requires_grad for p in ema.average.parameters())


# --- feature matching -----------------------------------------------------------------------------


class IdentityFeatures(Discriminator):
    """A discriminator whose features are its input, so feature means are the data means."""

    def __init__(self):
        super().__init__((2,))
        self.head = torch.nn.Linear(2, 1)

    def features(self, x, y=None):
        return x

    def classify(self, features, y=None):
        return self.head(features).squeeze(1)


def g_context(real, fake, critic=None, z=None):
    critic = critic or IdentityFeatures()
    z = torch.zeros(len(fake), 1) if z is None else z
    return StepContext(None, real, fake, real, fake, None, torch.zeros(len(fake)), None, z, critic)


def test_feature_matching_is_the_squared_distance_of_feature_means():
    real = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # mean (2, 3)
    fake = torch.tensor([[0.0, 0.0], [2.0, 2.0]], requires_grad=True)  # mean (1, 1)
    plugin = PLUGINS.build({"name": "feature_matching", "weight": 2.0})
    term = plugin.g_terms(g_context(real, fake))["feature_matching"]
    assert term.item() == pytest.approx(2.0 * ((2 - 1) ** 2 + (3 - 1) ** 2))  # = 10
    term.backward()
    # d/dfake_i of 2·‖m_r − m_f‖² = −2·2·(m_r − m_f)/N = −2·(1, 2) for each of the N = 2 fakes
    assert torch.allclose(fake.grad, torch.tensor([[-2.0, -4.0], [-2.0, -4.0]]))


def test_feature_matching_is_zero_when_fakes_equal_reals():
    real = torch.randn(6, 2)
    plugin = PLUGINS.build({"name": "feature_matching"})
    assert plugin.g_terms(g_context(real, real.clone()))["feature_matching"].item() == 0.0


# --- mode seeking ---------------------------------------------------------------------------------


def test_mode_seeking_matches_the_hand_computed_ratio():
    # pair 0: samples 0 and 2, pair 1: samples 1 and 3 (first half against second half)
    fake = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [3.0, 1.0]])  # mean |Δx|: 1 and 2
    z = torch.tensor([[0.0] * 4, [0.0] * 4, [2.0] * 4, [1.0] * 4])  # mean |Δz|: 2 and 1
    plugin = PLUGINS.build({"name": "mode_seeking", "weight": 3.0})
    term = plugin.g_terms(g_context(fake, fake, z=z))["mode_seeking"]
    expected = 3.0 * (1 / (0.5 + 1e-5) + 1 / (2.0 + 1e-5)) / 2  # ≈ 3 · 1.25
    assert term.item() == pytest.approx(expected, rel=1e-6)


def test_mode_seeking_shrinks_as_samples_spread_out():
    z = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    plugin = PLUGINS.build({"name": "mode_seeking"})
    terms = [plugin.g_terms(g_context(None, torch.tensor([[0.0], [spread]]), z=z))["mode_seeking"].item()
             for spread in (0.1, 1.0, 10.0)]
    assert terms[0] > terms[1] > terms[2]
    assert terms[1] == pytest.approx(1 / (1 + 1e-5))  # |Δx| = |Δz| = 1


# --- unrolled -------------------------------------------------------------------------------------


def optimizer_state_of(optimizer):
    return [(key, value.clone()) for per_param in optimizer.state.values() for key, value in per_param.items()]


def unrolled_state(steps):
    state = build_state(validate(ring_with({"name": "unrolled", "steps": steps})))
    real, labels = state.next_batch()
    discriminator_step(state, real, labels)  # so Adam has moments to copy
    return state


def test_unrolled_leaves_d_and_its_optimiser_bitwise_unchanged_and_returns_a_moved_copy():
    state = unrolled_state(steps=3)
    parameters = [p.detach().clone() for p in state.D.parameters()]
    moments, drawn = optimizer_state_of(state.opt_d), state.batches_drawn
    with frozen(state.D):
        critic = plugin_of(state).g_critic(state.D, state)
    assert critic is not state.D
    for before, after in zip(parameters, state.D.parameters()):
        assert torch.equal(before, after)
    for (key, before), (_, after) in zip(moments, optimizer_state_of(state.opt_d)):
        assert torch.equal(before, after), key
    assert all(p.requires_grad for p in state.D.parameters())  # frozen() restored D's flags
    assert any(not torch.equal(a, b) for a, b in zip(critic.parameters(), state.D.parameters()))
    assert state.batches_drawn == drawn and plugin_of(state).batches_drawn == 3  # its own data stream


def test_unrolled_one_step_equals_a_real_d_step_on_the_same_batch():
    """steps=1: the look-ahead copy is exactly what D becomes after one D step on that batch and latent."""
    state = unrolled_state(steps=1)
    rng = torch.get_rng_state()
    with frozen(state.D):
        critic = plugin_of(state).g_critic(state.D, state)
    torch.set_rng_state(rng)
    real, labels = state.data.batch(0, 32, state.config.train.seed + LOOKAHEAD)
    discriminator_step(state, real, labels)
    for lookahead, stepped in zip(critic.parameters(), state.D.parameters()):
        assert torch.allclose(lookahead, stepped, rtol=0, atol=1e-7)


def test_unrolled_with_zero_steps_returns_d_itself():
    state = unrolled_state(steps=0)
    assert plugin_of(state).g_critic(state.D, state) is state.D


# --- every trick inside the real loop -------------------------------------------------------------


def run_steps(tmp_path, raw, name, steps, resume=False):
    raw = {**raw, "train": {**raw["train"], "steps": steps}}
    path = tmp_path / name
    run = RunDir.open(path) if resume else RunDir.create(path=path)
    return train(validate(raw), run, resume=resume, quiet=True), run


@pytest.mark.parametrize("name", TRICKS)
def test_trick_trains_on_the_ring_and_resumes_bitwise(tmp_path, name):
    raw = ring_with({"name": name}, steps=10, log_every=5, sample_every=10, checkpoint_every=5)
    straight, run = run_steps(tmp_path, raw, "straight", 10)
    records = read_stats(run.stats)
    assert records and all(math.isfinite(value) for record in records for value in record.values())
    if name in LOGGED_TERMS:
        assert LOGGED_TERMS[name] in records[-1]
    run_steps(tmp_path, raw, "halves", 5)
    resumed, _ = run_steps(tmp_path, raw, "halves", 10, resume=True)
    nets = lambda s: [*s.G.state_dict().values(), *s.D.state_dict().values()]  # noqa: E731
    for a, b in zip(nets(straight), nets(resumed)):
        assert torch.equal(a, b)
    assert_same_state(plugin_of(straight).state_dict(), plugin_of(resumed).state_dict())


def assert_same_state(a, b):
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict))
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same_state(a[key], b[key])
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("name", ["replay", "ema", "feature_matching", "mode_seeking", "unrolled"])
def test_trick_runs_on_images(tmp_path, name):
    raw = tiny_digits_raw(steps=2, log_every=1)
    raw["plugins"] = [{"name": name}]
    state, run = run_steps(tmp_path, raw, "digits", 2)
    assert all(math.isfinite(value) for record in read_stats(run.stats) for value in record.values())
