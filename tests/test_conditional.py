"""Class-conditional nets (concat, projection), AC-GAN, and labels in sample grids and `ganforge sample`."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import yaml

from ganforge.cli import main
from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.nets import DISCRIMINATORS, GENERATORS
from ganforge.train import loop
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from ganforge.train.step import discriminator_step, generator_step
from tests.conftest import tiny_digits_raw, tiny_ring_raw

NETS = ["mlp", "dcgan", "resnet", "modern"]
SMALL = {"dcgan": {"width": 4}, "resnet": {"width": 4}, "modern": {"width": 4}, "mlp": {"width": 8, "depth": 2}}
K = 5


def generator(name, condition="concat", num_classes=K, data_shape=(1, 8, 8)):
    return GENERATORS.build({"name": name, **SMALL[name], "condition": condition},
                            z_dim=8, data_shape=data_shape, num_classes=num_classes)


def discriminator(name, condition, num_classes=K, data_shape=(1, 8, 8)):
    return DISCRIMINATORS.build({"name": name, **SMALL[name], "condition": condition},
                                data_shape=data_shape, num_classes=num_classes)


def conditional_digits_raw(**train_options):
    raw = tiny_digits_raw(**train_options)
    raw["generator"]["condition"] = "concat"
    raw["discriminator"]["condition"] = "projection"
    return raw


# --- nets ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NETS)
def test_conditional_generator_draws_different_samples_for_different_labels(name):
    G = generator(name).eval()
    z = torch.randn(1, 8).repeat(K, 1)  # the same z for every class
    samples = G(z, torch.arange(K))
    assert samples.shape == (K, 1, 8, 8)
    for a in range(K):
        for b in range(a + 1, K):
            assert not torch.allclose(samples[a], samples[b])
    assert torch.equal(G(z, torch.arange(K)), samples)  # a function of (z, y): deterministic in eval mode


@pytest.mark.parametrize("name", NETS)
def test_conditional_generator_without_labels_draws_random_classes(name):
    G = generator(name).eval()
    torch.manual_seed(0)
    z = torch.randn(6, 8)
    torch.manual_seed(1)
    labels = torch.randint(K, (6,))
    torch.manual_seed(1)
    assert torch.equal(G(z), G(z, labels))  # y = None → uniform labels from the global RNG


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("condition", ["concat", "projection"])
def test_conditional_discriminator_keeps_the_contract_and_uses_the_labels(name, condition):
    D = discriminator(name, condition)
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    labels = torch.tensor([0, 1, 2, 3])
    features = D.features(x, labels)
    logits = D(x, labels)
    assert logits.shape == (4,) and features.shape[0] == 4
    assert torch.allclose(D.classify(features, labels), logits)
    assert not torch.allclose(D(x, labels), D(x, (labels + 1) % K))
    logits.mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in D.parameters())


def test_concat_discriminator_sees_k_constant_label_maps_or_k_extra_features():
    assert discriminator("dcgan", "concat").body[0].in_channels == 1 + K  # image channel + K label maps
    assert discriminator("resnet", "concat").blocks[0].skip[-1].in_channels == 1 + K
    assert discriminator("mlp", "concat", data_shape=(2,)).hidden[0].in_features == 2 + K
    assert discriminator("mlp", "concat").hidden[0].in_features == 64 + K  # flattened image + K
    assert generator("dcgan").project.in_features == 8 + K  # [z, onehot(y)]


@pytest.mark.parametrize("name", NETS)
def test_projection_logit_is_psi_of_phi_plus_embedding_dot_phi(name):
    """Set ψ(φ) = Σφ + 0.5 and embed(c) = c·1, so the logit must be (1 + y)·Σφ + 0.5."""
    D = discriminator(name, "projection")
    with torch.no_grad():
        D.head.weight.fill_(1.0)
        D.head.bias.fill_(0.5)
        embedding = D.projection.embed.weight  # (K, F)
        embedding.copy_(torch.arange(K, dtype=torch.float)[:, None].expand_as(embedding))
    x, labels = torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 3, 4])
    phi_sum = D.features(x, labels).sum(dim=1)
    assert torch.allclose(D(x, labels), (1 + labels) * phi_sum + 0.5, rtol=1e-5)


@pytest.mark.parametrize("name", NETS)
def test_conditional_discriminator_without_labels_says_so(name):
    with pytest.raises(ValueError, match="class-conditional"):
        discriminator(name, "projection")(torch.zeros(2, 1, 8, 8))


@pytest.mark.parametrize("name", NETS)
def test_projection_generator_is_a_config_error_suggesting_concat(name):
    with pytest.raises(ConfigError) as error:
        generator(name, "projection")
    assert error.value.field == "generator.condition" and "concat" in str(error.value)


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("condition", ["concat", "projection"])
def test_conditioning_without_labels_names_the_field(name, condition):
    with pytest.raises(ConfigError) as error:
        discriminator(name, condition, num_classes=0)
    assert error.value.field == "discriminator.condition" and "gives no labels" in str(error.value)


def test_unlabelled_data_with_a_conditional_net_fails_at_build():
    raw = tiny_ring_raw()
    raw["discriminator"]["condition"] = "projection"
    with pytest.raises(ConfigError) as error:
        build_state(validate(raw))
    assert error.value.field == "discriminator.condition"


def test_conditional_ring_gan_trains_and_resumes_bitwise(tmp_path):
    raw = tiny_ring_raw(steps=10, checkpoint_every=5, sample_every=10)
    raw["data"]["labelled"] = True
    raw["generator"]["condition"] = "concat"
    raw["discriminator"]["condition"] = "projection"
    raw["plugins"] = [{"name": "acgan", "weight": 0.5}]
    straight = train(validate(raw), RunDir.create(path=tmp_path / "straight"), quiet=True)
    half = {**raw, "train": {**raw["train"], "steps": 5}}
    run = RunDir.create(path=tmp_path / "halves")
    train(validate(half), run, quiet=True)
    resumed = train(validate(raw), run, resume=True, quiet=True)
    for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(straight.D.state_dict().values(), resumed.D.state_dict().values()):
        assert torch.equal(a, b)
    record = read_stats(tmp_path / "straight" / "stats.jsonl")[-1]
    assert {"loss/d_acgan", "loss/g_acgan"} <= set(record)
    assert all(math.isfinite(value) for value in record.values())


# --- the fixed sample grid -----------------------------------------------------------------

def test_fixed_grid_labels_cycle_through_the_classes_for_a_conditional_generator():
    state = build_state(validate(conditional_digits_raw()))
    assert state.fixed_labels.tolist() == [i % 10 for i in range(len(state.fixed_z))]


def test_no_grid_labels_unless_the_generator_is_conditional():
    assert build_state(validate(tiny_digits_raw())).fixed_labels is None  # labelled data, unconditional G
    raw = tiny_digits_raw()
    raw["discriminator"]["condition"] = "projection"
    assert build_state(validate(raw)).fixed_labels is None  # only D conditional


def test_sample_grid_is_drawn_with_the_fixed_labels(tmp_path, monkeypatch):
    seen = []
    real_generate = loop.generate
    monkeypatch.setattr(loop, "generate", lambda G, z, labels=None: seen.append(labels) or real_generate(G, z, labels))
    state = build_state(validate(conditional_digits_raw()))
    loop.save_sample_grid(state, RunDir.create(path=tmp_path / "grid"))
    assert seen and torch.equal(seen[0], state.fixed_labels)


# --- ganforge sample --class ----------------------------------------------------------------

def train_cli_run(tmp_path, raw, name):
    config = tmp_path / f"{name}.yaml"
    config.write_text(yaml.safe_dump(raw))
    assert main(["train", str(config), "train.steps=2", "--run-dir", str(tmp_path / name), "--quiet"]) == 0
    return tmp_path / name


def sample_npy(run_dir, out, *extra):
    assert main(["sample", str(run_dir), "-n", "8", "--format", "npy", "--out", str(out), *extra]) == 0
    return np.load(out)


def test_sample_class_draws_that_class_from_a_conditional_run(tmp_path, capsys):
    run_dir = train_cli_run(tmp_path, conditional_digits_raw(), "cond")
    threes = sample_npy(run_dir, tmp_path / "threes.npy", "--class", "3")
    assert threes.shape == (8, 1, 8, 8) and threes.dtype == np.uint8

    state = build_state(validate(conditional_digits_raw(steps=2)))  # the same samples by hand
    from ganforge.train.checkpoint import latest_checkpoint, load_checkpoint
    load_checkpoint(latest_checkpoint(run_dir / "checkpoints"), state)
    z = state.G.sample_latent(8, generator=torch.Generator().manual_seed(0))
    expected = state.data.to_data_units(state.G.eval()(z, torch.full((8,), 3)))
    np.testing.assert_array_equal(threes, expected)

    fours = sample_npy(run_dir, tmp_path / "fours.npy", "--class", "4")
    assert not np.array_equal(threes, fours)  # same z, other class
    cycled = sample_npy(run_dir, tmp_path / "cycled.npy")  # default: classes 0, 1, ..., 7
    np.testing.assert_array_equal(cycled[3], threes[3])
    np.testing.assert_array_equal(cycled[4], fours[4])

    assert main(["sample", str(run_dir), "-n", "8", "--class", "10"]) == 2
    assert "--class: expected a class in 0..9" in capsys.readouterr().err


def test_sample_class_on_an_unconditional_run_is_a_clear_error(tmp_path, capsys):
    run_dir = train_cli_run(tmp_path, tiny_digits_raw(), "plain")
    capsys.readouterr()
    assert main(["sample", str(run_dir), "-n", "8", "--class", "3"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: --class:") and "unconditional" in error


# --- AC-GAN --------------------------------------------------------------------------------

def acgan_digits_state(weight=1.0):
    raw = conditional_digits_raw()
    raw["plugins"] = [{"name": "acgan", "weight": weight}]
    return build_state(validate(raw))


def test_acgan_after_pacgan_is_a_config_error_at_start_up():
    raw = tiny_digits_raw()  # labelled data, unconditional nets: the combination pacgan allows
    raw["plugins"] = [{"name": "pacgan", "packing": 2}, {"name": "acgan"}]
    with pytest.raises(ConfigError, match=r"plugins\.1: acgan's classifier scores single samples of shape \(1, 8, 8\), "
                                          r"but an earlier plugin made D take \(2, 8, 8\)"):
        build_state(validate(raw))


def test_acgan_attaches_a_classifier_from_d_features_to_the_classes():
    state = acgan_digits_state()
    classifier = state.D.acgan_classifier
    features = state.D.features(torch.zeros(2, 1, 8, 8), torch.zeros(2, dtype=torch.long)).shape[1]
    assert (classifier.in_features, classifier.out_features) == (features, 10)
    assert any(p is classifier.weight for group in state.opt_d.param_groups for p in group["params"])


def test_acgan_cross_entropy_on_a_controlled_head():
    """Zero weights, bias c on class 0, every label 0: CE = −log(e^c / (e^c + 9)) = log(1 + 9e^−c) per batch.

    D's term has it twice (real and fake), G's once; both times `weight`.
    """
    state = acgan_digits_state(weight=0.5)
    plugin = state.plugins[0]
    c = 2.0
    with torch.no_grad():
        state.D.acgan_classifier.weight.zero_()
        state.D.acgan_classifier.bias.zero_()
        state.D.acgan_classifier.bias[0] = c
    expected = math.log(1 + 9 * math.exp(-c))
    real, _ = state.next_batch()
    labels = torch.zeros(len(real), dtype=torch.long)
    fake = state.G(state.G.sample_latent(len(real)), labels)
    context = SimpleNamespace(critic=state.D, real=real, fake=fake, labels=labels)  # what acgan reads of a StepContext
    assert plugin.d_terms(context)["acgan"].item() == pytest.approx(0.5 * 2 * expected, rel=1e-6)
    assert plugin.g_terms(context)["acgan"].item() == pytest.approx(0.5 * expected, rel=1e-6)
    with torch.no_grad():
        state.D.acgan_classifier.bias.zero_()
    assert plugin.g_terms(context)["acgan"].item() == pytest.approx(0.5 * math.log(10), rel=1e-6)  # uniform guess


def test_acgan_steps_on_tiny_digits_log_both_terms_and_train_the_classifier():
    from ganforge.train.stats import StatsBus, use_bus

    bus = use_bus(StatsBus())
    records = []
    bus.listeners.append(lambda step, values: records.append(values))
    state = acgan_digits_state()
    before = state.D.acgan_classifier.weight.detach().clone()
    for _ in range(3):
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        generator_step(state, real, labels)
    bus.flush(3)
    assert not torch.equal(before, state.D.acgan_classifier.weight)
    logged = records[-1] if records else None
    assert logged is not None and {"loss/d_acgan", "loss/g_acgan"} <= set(logged)
    assert math.isfinite(logged["loss/d_acgan"]) and math.isfinite(logged["loss/g_acgan"])


@pytest.mark.parametrize("order", [["acgan", "minibatch_stddev"], ["minibatch_stddev", "acgan"]])
def test_acgan_classifies_the_features_it_was_built_for_when_d_is_wrapped(order):
    raw = conditional_digits_raw()
    raw["plugins"] = [{"name": name} for name in order]
    state = build_state(validate(raw))
    real, labels = state.next_batch()
    discriminator_step(state, real, labels)
    generator_step(state, real, labels)
    assert all(torch.isfinite(p).all() for p in state.D.parameters())


def test_acgan_needs_labels():
    raw = tiny_ring_raw()
    raw["plugins"] = [{"name": "acgan"}]
    with pytest.raises(ConfigError) as error:
        build_state(validate(raw))
    assert error.value.field.startswith("plugins") and "no labels" in str(error.value)


def test_acgan_negative_weight_is_a_config_error():
    raw = conditional_digits_raw()
    raw["plugins"] = [{"name": "acgan", "weight": -1}]
    with pytest.raises(ConfigError) as error:
        validate(raw)
    assert error.value.field == "plugins.0.weight"
