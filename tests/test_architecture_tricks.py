"""Plugins that change the nets' structure: minibatch_stddev, minibatch_discrimination, pacgan, multi_generator."""
import math

import pytest
import torch
from torch import nn

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.train.hooks import StepContext
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from ganforge.train.step import discriminator_step, generator_step
from ganforge.tricks.minibatch_discrimination import MinibatchSimilarity
from ganforge.tricks.minibatch_stddev import largest_divisor_up_to, minibatch_stddev
from ganforge.tricks.multi_generator import CLASSIFIER, classifier_logits, generator_indices
from ganforge.tricks.pacgan import pack
from tests.conftest import tiny_digits_raw, tiny_ring_raw

SQRT_EPS = 1e-4  # sqrt(1e-8): minibatch_stddev's std of a group with no spread


def with_plugins(raw, *plugins):
    raw["plugins"] = [plugin if isinstance(plugin, dict) else {"name": plugin} for plugin in plugins]
    return raw


def ring_state(*plugins, **train_options):
    return build_state(validate(with_plugins(tiny_ring_raw(**train_options), *plugins)))


def first_layer(net):
    return next(m for m in net.modules() if isinstance(m, (nn.Linear, nn.Conv2d)))


# --- minibatch_stddev ------------------------------------------------------------------

def test_stddev_of_identical_samples_is_zero_up_to_epsilon():
    features = torch.randn(1, 5).repeat(8, 1)
    assert torch.allclose(minibatch_stddev(features, 4), torch.full((8, 1), SQRT_EPS), rtol=0, atol=1e-9)


def test_stddev_matches_hand_computed_groups():
    features = torch.tensor([[0., 3], [2, 3], [0, 3], [2, 3],   # feature 0: mean 1, var 1; feature 1: no spread
                             [1, 0], [1, 0], [1, 0], [5, 0]])   # feature 0: mean 2, var (1+1+1+9)/4 = 3
    first, second = (1 + SQRT_EPS) / 2, (math.sqrt(3) + SQRT_EPS) / 2  # mean over the 2 features of each std
    expected = torch.tensor([first] * 4 + [second] * 4).unsqueeze(1)
    assert torch.allclose(minibatch_stddev(features, 4), expected, atol=1e-6)


def test_stddev_group_size_is_clipped_to_a_divisor_of_the_batch():
    assert [largest_divisor_up_to(n, 4) for n in (32, 6, 3, 7)] == [4, 3, 3, 1]
    features = torch.tensor([[0.], [0], [3], [1], [1], [1]])  # groups of 3: var of (0, 0, 3) = 2
    expected = torch.tensor([math.sqrt(2)] * 3 + [SQRT_EPS] * 3).unsqueeze(1)
    assert torch.allclose(minibatch_stddev(features, 4), expected, atol=1e-6)


@torch.no_grad()
def test_stddev_makes_a_logit_depend_on_the_rest_of_its_group():
    D = ring_state("minibatch_stddev").D
    x = torch.randn(8, 2)
    changed = x.clone()
    changed[1] += 3.0  # sample 1 is in sample 0's group (0..3), not in sample 5's (4..7)
    D.statistic_head.weight.fill_(1.0)
    before, after = D(x), D(changed)
    assert not torch.isclose(before[0], after[0])
    assert torch.equal(before[5], after[5])
    D.statistic_head.weight.zero_()  # without the statistic, each logit sees its own sample only
    assert torch.equal(D(x)[0], D(changed)[0])
    features = D.features(x)
    assert features.shape == (8, 16 + 1)
    assert torch.equal(D.classify(features), D(x))


# --- minibatch_discrimination ----------------------------------------------------------

def test_similarity_of_identical_samples_is_n_minus_one():
    similarity = MinibatchSimilarity(in_features=6, kernels=5, kernel_dim=3)
    o = similarity(torch.randn(1, 6).repeat(7, 1))
    assert torch.equal(o, torch.full((7, 5), 6.0))


def test_similarity_matches_hand_computed_value():
    similarity = MinibatchSimilarity(in_features=1, kernels=2, kernel_dim=3)
    with torch.no_grad():
        similarity.T.fill_(1.0)  # M_i = f_i in every entry: ‖M_0 − M_1‖₁ = 3·|f_0 − f_1|
    o = similarity(torch.tensor([[0.0], [1.0], [1.0]]))
    e3 = math.exp(-3)
    expected = torch.tensor([[2 * e3] * 2, [1 + e3] * 2, [1 + e3] * 2])
    assert torch.allclose(o, expected)


def test_minibatch_discrimination_shapes_and_gradient_reach_T():
    D = ring_state({"name": "minibatch_discrimination", "kernels": 7, "kernel_dim": 3}).D
    x = torch.randn(10, 2)
    assert D.features(x).shape == (10, 16 + 7) and D(x).shape == (10,)
    D(x).sum().backward()
    assert D.statistic.T.grad is not None and D.statistic.T.grad.abs().sum() > 0


def test_minibatch_discrimination_trains_T_in_the_loop():
    state = ring_state("minibatch_discrimination")
    T_before = state.D.statistic.T.detach().clone()
    for _ in range(2):
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
    assert not torch.equal(T_before, state.D.statistic.T)


# --- pacgan ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape, packing", [((2,), 2), ((1, 3, 3), 2), ((3, 2, 2), 3)])
def test_pack_concatenates_consecutive_samples_along_axis_one(shape, packing):
    x = torch.randn(6, *shape)
    packed = pack(x, packing)
    assert packed.shape == (6 // packing, packing * shape[0], *shape[1:])
    for k in range(6 // packing):
        assert torch.equal(packed[k], torch.cat(list(x[k * packing:(k + 1) * packing]), dim=0))


def test_pacgan_d_takes_m_times_the_channels():
    digits = build_state(validate(with_plugins(tiny_digits_raw(), {"name": "pacgan", "packing": 2})))
    assert digits.D.data_shape == (2, 8, 8) and first_layer(digits.D).in_channels == 2
    ring = ring_state({"name": "pacgan", "packing": 4})
    assert first_layer(ring.D).in_features == 8
    real, labels = ring.next_batch()  # 32 samples → 8 packs → 8 logits
    real_in, _ = ring.plugins[0].d_inputs(real, real, ring)
    assert ring.D(real_in, labels).shape == (8,)


def test_pacgan_refuses_what_it_cannot_pack():
    with pytest.raises(ConfigError, match=r"^train\.batch_size"):
        ring_state({"name": "pacgan", "packing": 2}, batch_size=15)
    conditional = with_plugins(tiny_digits_raw(), "pacgan")
    conditional["discriminator"]["condition"] = "projection"
    with pytest.raises(ConfigError, match=r"^discriminator\.condition"):
        build_state(validate(conditional))
    with pytest.raises(ConfigError, match="list pacgan before"):
        ring_state("minibatch_stddev", "pacgan")


# --- multi_generator -------------------------------------------------------------------

def test_multi_generator_holds_k_differently_initialised_generators():
    G = ring_state({"name": "multi_generator", "generators": 3}).G
    weights = [torch.cat([p.flatten() for p in g.parameters()]) for g in G.generators]
    assert len(weights) == 3 and len(list(G.parameters())) == 3 * len(list(G.generators[0].parameters()))
    for i in range(3):
        for j in range(i + 1, 3):
            assert not torch.equal(weights[i], weights[j])


@torch.no_grad()
def test_each_sample_comes_from_exactly_generator_i_mod_k():
    G = ring_state({"name": "multi_generator", "generators": 3}).G
    z = G.sample_latent(7)
    samples = G(z)
    assert samples.shape == (7, 2)
    for i in range(7):
        matches = [torch.allclose(samples[i], g(z[i:i + 1])[0], atol=1e-6) for g in G.generators]
        assert matches == [j == i % 3 for j in range(3)]
    assert generator_indices(7, 3).tolist() == [0, 1, 2, 0, 1, 2, 0]


def test_classifier_terms_are_log_k_for_an_uninformed_classifier():
    state = ring_state({"name": "multi_generator", "generators": 4, "diversity": 0.5})
    plugin, D = state.plugins[0], state.D
    with torch.no_grad():
        getattr(D, CLASSIFIER).weight.zero_()
        getattr(D, CLASSIFIER).bias.zero_()  # uniform over the 4 generators: CE = log 4
    real, _ = state.next_batch()
    z = state.G.sample_latent(len(real))
    fake = state.G(z)
    logits = D(fake)
    ctx = StepContext(state, real, fake, real, fake, None, logits, None, z, D)
    assert torch.isclose(plugin.d_terms(ctx)["generator_id"], torch.tensor(math.log(4)))
    assert torch.isclose(plugin.g_terms(ctx)["generator_id"], torch.tensor(0.5 * math.log(4)))


def test_classifier_learns_to_tell_the_generators_apart():
    raw = with_plugins(tiny_ring_raw(), {"name": "multi_generator", "generators": 3, "diversity": 1.0})
    raw["optim"] = {"g": {"lr": 1e-3}, "d": {"lr": 1e-3}}
    state = build_state(validate(raw))
    for _ in range(60):
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
    with torch.no_grad():
        z = state.G.sample_latent(512)
        logits = classifier_logits(state.D, state.G(z), None)
    accuracy = (logits.argmax(dim=1) == generator_indices(512, 3)).float().mean().item()
    assert accuracy > 1 / 3 + 0.4  # chance is 1/3; it reaches about 1 after 60 steps


def test_multi_generator_needs_a_d_that_scores_single_samples():
    with pytest.raises(ConfigError, match="scores single samples"):
        ring_state("pacgan", "multi_generator")
    with pytest.raises(ConfigError, match="list pacgan before"):
        ring_state("multi_generator", "pacgan")


@pytest.mark.parametrize("plugins", [("minibatch_stddev", "multi_generator"), ("multi_generator", "minibatch_stddev"),
                                     ("pacgan", "minibatch_discrimination")])
def test_structure_plugins_combine(plugins):
    state = ring_state(*plugins)
    for _ in range(2):
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
    assert all(torch.isfinite(p).all() for p in [*state.G.parameters(), *state.D.parameters()])


# --- in the real loop: finite stats, logged terms, bitwise resume ----------------------

LOGGED = {"multi_generator": {"loss/d_generator_id", "loss/g_generator_id", "d/generator_id_accuracy"}}


@pytest.mark.parametrize("make_raw", [tiny_ring_raw, tiny_digits_raw], ids=["ring", "digits"])
@pytest.mark.parametrize("name", ["minibatch_stddev", "minibatch_discrimination", "pacgan", "multi_generator"])
def test_trains_and_resumes_bitwise(tmp_path, make_raw, name):
    raw = with_plugins(make_raw(steps=6, checkpoint_every=3, sample_every=6, log_every=3), name)
    if make_raw is tiny_digits_raw:
        raw["generator"]["width"] = raw["discriminator"]["width"] = 4
    straight = train(validate(raw), RunDir.create(path=tmp_path / "straight"), quiet=True)
    halves = RunDir.create(path=tmp_path / "halves")
    train(validate({**raw, "train": {**raw["train"], "steps": 3}}), halves, quiet=True)
    resumed = train(validate(raw), halves, resume=True, quiet=True)

    records = read_stats(tmp_path / "straight" / "stats.jsonl")
    assert [r["step"] for r in records] == [3, 6]
    assert LOGGED.get(name, set()) <= set(records[-1])
    assert all(math.isfinite(value) for record in records for value in record.values())
    for net in ("G", "D"):
        a, b = getattr(straight, net).state_dict(), getattr(resumed, net).state_dict()
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), f"{net}.{key} differs after resume"


def test_pacgan_packs_real_samples_in_the_generator_step_for_relativistic_losses():
    """Relativistic G losses score real data too; G's step packs it exactly as D's step does."""
    raw = with_plugins(tiny_ring_raw(), {"name": "pacgan", "packing": 4})
    raw["loss"] = {"name": "relativistic"}
    state = build_state(validate(raw))
    real, labels = state.next_batch()
    real_in, fake_in = state.plugins[0].g_inputs(real, real.clone(), state)
    assert real_in.shape == fake_in.shape == (8, 8)
    assert torch.equal(real_in[0], real[:4].reshape(-1))
    discriminator_step(state, real, labels)
    generator_step(state, real, labels)


@pytest.mark.parametrize("order", [("multi_generator", "minibatch_stddev"), ("minibatch_stddev", "multi_generator")])
def test_the_generator_classifier_reads_the_features_of_the_d_it_was_attached_to(order):
    """Attached before minibatch_stddev wraps D: D's own F features; attached after: the wrapper's F + 1."""
    state = ring_state(*({"name": name, **({"generators": 2} if name == "multi_generator" else {})} for name in order))
    owner = state.D.inner if order[0] == "multi_generator" else state.D
    head = getattr(owner, CLASSIFIER)
    x = torch.randn(8, 2)
    assert head.in_features == owner.features(x).shape[1]
    assert torch.equal(classifier_logits(state.D, x, None), head(owner.features(x)))
