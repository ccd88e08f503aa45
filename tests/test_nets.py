"""Generators and discriminators: the contract for every registered net, then each family's specifics."""
import pytest
import torch
from torch import nn

from ganforge.errors import ConfigError
from ganforge.nets import DISCRIMINATORS, GENERATORS

Z_DIM = 16
BATCH = 4
IMAGE_SHAPES = [(1, 4, 4), (1, 8, 8), (3, 16, 16), (1, 28, 28), (3, 32, 32)]
VECTOR_SHAPES = [(2,)]
CONV_NETS = ["dcgan", "resnet", "modern"]
UPSAMPLING_NETS = ["dcgan", "resnet"]  # the nets with an `upsample` option (modern always resamples bilinearly)
SMALL = {"dcgan": {"width": 4}, "resnet": {"width": 4}, "modern": {"width": 4}, "mlp": {"width": 8, "depth": 2}}


def build_generator(name: str, data_shape, **options):
    spec = {"name": name, **SMALL[name], **options}
    return GENERATORS.build(spec, z_dim=Z_DIM, data_shape=data_shape, num_classes=0)


def build_discriminator(name: str, data_shape, **options):
    spec = {"name": name, **SMALL[name], **options}
    return DISCRIMINATORS.build(spec, data_shape=data_shape, num_classes=0)


def supported_shapes(name: str):
    return IMAGE_SHAPES if name in CONV_NETS else IMAGE_SHAPES + VECTOR_SHAPES


def contract_cases(names):
    return [pytest.param(name, shape, id=f"{name}-{'x'.join(map(str, shape))}")
            for name in names for shape in supported_shapes(name)]


def modules_of(net: nn.Module, kind) -> list[nn.Module]:
    return [module for module in net.modules() if isinstance(module, kind)]


def assert_all_parameters_have_finite_grads(net: nn.Module):
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(parameter.grad).all(), f"{name} has a non-finite gradient"


# --- the contract, for every registered net and supported size -----------------------

def test_every_registered_net_is_covered():
    assert set(SMALL) == set(GENERATORS.names()) == set(DISCRIMINATORS.names())


@pytest.mark.parametrize("name, data_shape", contract_cases(GENERATORS.names()))
def test_generator_contract(name, data_shape):
    G = build_generator(name, data_shape)
    D = build_discriminator("mlp", data_shape)
    x = G(G.sample_latent(BATCH))
    assert x.shape == (BATCH, *data_shape)
    if len(data_shape) == 3:  # images: tanh output
        assert x.abs().max() <= 1.0
    D(x).mean().backward()
    assert_all_parameters_have_finite_grads(G)


@pytest.mark.parametrize("name, data_shape", contract_cases(DISCRIMINATORS.names()))
def test_discriminator_contract(name, data_shape):
    D = build_discriminator(name, data_shape)
    x = torch.rand(BATCH, *data_shape) * 2 - 1
    features = D.features(x)
    logits = D(x)
    assert features.ndim == 2 and features.shape[0] == BATCH
    assert logits.shape == (BATCH,)
    assert torch.allclose(D.classify(features), logits)  # forward = classify(features(x)) (train mode: no dropout)
    logits.mean().backward()
    assert_all_parameters_have_finite_grads(D)


@pytest.mark.parametrize("name", GENERATORS.names())
def test_generator_and_discriminator_train_together(name):
    G, D = build_generator(name, (1, 8, 8)), build_discriminator(name, (1, 8, 8))
    D(G(G.sample_latent(BATCH))).mean().backward()
    assert_all_parameters_have_finite_grads(G)
    assert_all_parameters_have_finite_grads(D)


@pytest.mark.parametrize("name", GENERATORS.names())
@pytest.mark.parametrize("latent", ["normal", "uniform"])
def test_latent_prior(name, latent):
    G = build_generator(name, (1, 8, 8), latent=latent)
    z = G.sample_latent(500)
    assert z.shape == (500, Z_DIM)
    within_unit_box = bool(z.abs().max() <= 1.0)
    assert within_unit_box == (latent == "uniform")  # 8000 normal draws all in [-1, 1]: p ≈ 0


@pytest.mark.parametrize("name", GENERATORS.names())
def test_unconditional_nets_accept_and_ignore_labels(name):
    G, D = build_generator(name, (1, 8, 8)).eval(), build_discriminator(name, (1, 8, 8)).eval()
    z, labels = torch.randn(BATCH, Z_DIM), torch.zeros(BATCH, dtype=torch.long)
    assert torch.equal(G(z, labels), G(z))
    x = G(z)
    assert torch.equal(D(x, labels), D(x))
    assert G.num_classes == D.num_classes == 0


@pytest.mark.parametrize("name", DISCRIMINATORS.names())
def test_channels_last_input_gives_the_same_logits(name):
    D = build_discriminator(name, (3, 16, 16)).eval()
    x = torch.rand(BATCH, 3, 16, 16)
    expected = D(x)
    assert torch.allclose(D(x.to(memory_format=torch.channels_last)), expected, atol=1e-5)
    D = D.to(memory_format=torch.channels_last)
    assert torch.allclose(D(x.to(memory_format=torch.channels_last)), expected, atol=1e-5)


@pytest.mark.parametrize("name", UPSAMPLING_NETS)
@pytest.mark.parametrize("upsample", ["transposed", "pixelshuffle", "nearest"])
def test_channels_last_generator(name, upsample):
    G = build_generator(name, (3, 16, 16), upsample=upsample).eval()
    z = torch.randn(BATCH, Z_DIM)
    expected = G(z)
    assert torch.allclose(G.to(memory_format=torch.channels_last)(z), expected, atol=1e-5)


# --- options -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", UPSAMPLING_NETS)
@pytest.mark.parametrize("upsample", ["transposed", "pixelshuffle", "nearest"])
@pytest.mark.parametrize("data_shape", [(1, 28, 28), (3, 32, 32)])
def test_every_upsample_mode_reaches_the_image_size(name, upsample, data_shape):
    G = build_generator(name, data_shape, upsample=upsample)
    x = G(G.sample_latent(BATCH))
    assert x.shape == (BATCH, *data_shape)
    x.square().mean().backward()
    assert_all_parameters_have_finite_grads(G)


def test_upsample_modes_use_their_layers():
    layer_of_mode = {"transposed": nn.ConvTranspose2d, "pixelshuffle": nn.PixelShuffle, "nearest": nn.Upsample}
    for mode, layer in layer_of_mode.items():
        assert modules_of(build_generator("dcgan", (1, 28, 28), upsample=mode), layer)


@pytest.mark.parametrize("name", GENERATORS.names())
@pytest.mark.parametrize("norm, layer", [("batch", (nn.BatchNorm1d, nn.BatchNorm2d)),
                                          ("layer", (nn.GroupNorm, nn.LayerNorm)), ("none", None)])
def test_norm_option(name, norm, layer):
    every_norm = (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)
    for net in (build_generator(name, (1, 16, 16), norm=norm), build_discriminator(name, (1, 16, 16), norm=norm)):
        found = modules_of(net, every_norm)
        if layer is None:
            assert not found
        else:
            assert found and all(isinstance(module, layer) for module in found)


def test_layer_norm_means_one_group_for_conv_nets():
    G = build_generator("dcgan", (1, 8, 8), norm="layer")
    assert all(module.num_groups == 1 for module in modules_of(G, nn.GroupNorm))


@pytest.mark.parametrize("name", DISCRIMINATORS.names())
def test_dropout_option(name):
    assert not modules_of(build_discriminator(name, (1, 8, 8)), nn.Dropout)
    D = build_discriminator(name, (1, 8, 8), dropout=0.5)
    assert modules_of(D, nn.Dropout)
    x = torch.rand(BATCH, 1, 8, 8)
    assert not torch.equal(D(x), D(x))  # train mode: a fresh dropout mask per call
    D.eval()
    assert torch.equal(D(x), D(x))


@pytest.mark.parametrize("name", CONV_NETS)
def test_depth_adds_layers_at_the_same_resolution(name):
    def convs(net):
        return len(modules_of(net, nn.Conv2d))

    for build in (build_generator, build_discriminator):
        shallow, deep = build(name, (1, 16, 16), depth=1), build(name, (1, 16, 16), depth=2)
        assert convs(deep) > convs(shallow)
    G = build_generator(name, (1, 16, 16), depth=3)
    assert G(G.sample_latent(2)).shape == (2, 1, 16, 16)


# --- bad configurations --------------------------------------------------------------------

@pytest.mark.parametrize("name", CONV_NETS)
@pytest.mark.parametrize("data_shape", [(1, 30, 30), (3, 48, 48), (1, 2, 2), (1, 16, 32)])
def test_unsupported_image_size_names_data_image_size(name, data_shape):
    for build in (build_generator, build_discriminator):
        with pytest.raises(ConfigError) as error:
            build(name, data_shape)
        assert error.value.field == "data.image_size"
    if data_shape == (1, 30, 30):
        assert "4·2^k" in str(error.value) and "or 28, got 30" in str(error.value)


@pytest.mark.parametrize("name", CONV_NETS)
def test_vectors_for_a_conv_net_suggest_mlp(name):
    with pytest.raises(ConfigError) as error:
        build_generator(name, (2,))
    assert error.value.field == "generator.name" and "mlp" in str(error.value)
    with pytest.raises(ConfigError) as error:
        build_discriminator(name, (2,))
    assert error.value.field == "discriminator.name" and "mlp" in str(error.value)


@pytest.mark.parametrize("name", GENERATORS.names())
@pytest.mark.parametrize("option, value", [("width", 0), ("depth", 0), ("dropout", 1.0), ("dropout", -0.1)])
def test_invalid_options_name_the_field(name, option, value):
    build = build_discriminator if option == "dropout" else build_generator
    role = "discriminator" if option == "dropout" else "generator"
    with pytest.raises(ConfigError) as error:
        build(name, (1, 8, 8), **{option: value})
    assert error.value.field == f"{role}.{option}"


def test_unknown_choice_is_a_config_error():
    with pytest.raises(ConfigError) as error:
        build_generator("dcgan", (1, 8, 8), upsample="bilinear")
    assert error.value.field == "generator.upsample"


# --- family specifics ------------------------------------------------------------------

def linear_sizes(net: nn.Module) -> list[tuple[int, int]]:
    return [(layer.in_features, layer.out_features) for layer in modules_of(net, nn.Linear)]


def test_mlp_classic_tutorial_sizes():
    G = GENERATORS.build({"name": "mlp"}, z_dim=100, data_shape=(1, 28, 28), num_classes=0)
    D = DISCRIMINATORS.build({"name": "mlp"}, data_shape=(1, 28, 28), num_classes=0)
    assert linear_sizes(G) == [(100, 256), (256, 512), (512, 1024), (1024, 784)]
    assert linear_sizes(D) == [(784, 1024), (1024, 512), (512, 256), (256, 1)]
    assert D.features(torch.zeros(2, 1, 28, 28)).shape == (2, 256)


def test_mlp_explicit_hidden_sizes():
    G = build_generator("mlp", (2,), hidden=[5, 7])
    D = build_discriminator("mlp", (2,), hidden=[7, 5])
    assert linear_sizes(G) == [(Z_DIM, 5), (5, 7), (7, 2)]
    assert linear_sizes(D) == [(2, 7), (7, 5), (5, 1)]
    with pytest.raises(ConfigError) as error:
        build_generator("mlp", (2,), hidden=[])
    assert error.value.field == "generator.hidden"


def test_mlp_output_activation_defaults_by_data_kind():
    assert modules_of(build_generator("mlp", (1, 8, 8)), nn.Tanh)  # images live in [-1, 1]
    assert not modules_of(build_generator("mlp", (2,)), nn.Tanh)  # toy points need not
    assert modules_of(build_generator("mlp", (2,), output="tanh"), nn.Tanh)
    assert not modules_of(build_generator("mlp", (1, 8, 8), output="linear"), nn.Tanh)


def test_mlp_activation_option():
    assert modules_of(build_generator("mlp", (2,)), nn.ReLU)
    assert modules_of(build_generator("mlp", (2,), activation="leaky_relu"), nn.LeakyReLU)
    assert modules_of(build_discriminator("mlp", (2,)), nn.LeakyReLU)


def test_dcgan_channel_plan_is_the_papers():
    G = build_generator("dcgan", (3, 64, 64), width=8)  # the paper's 512-256-128-64-3 at width 64
    D = build_discriminator("dcgan", (3, 64, 64), width=8)
    assert [(m.in_channels, m.out_channels) for m in modules_of(G, nn.ConvTranspose2d)] == \
        [(64, 32), (32, 16), (16, 8), (8, 3)]
    assert [(m.in_channels, m.out_channels) for m in modules_of(D, nn.Conv2d)] == \
        [(3, 8), (8, 16), (16, 32), (32, 64)]
    assert D.features(torch.zeros(2, 3, 64, 64)).shape == (2, 64 * 4 * 4)


def test_dcgan_channels_are_capped_at_eight_times_width():
    D = build_discriminator("dcgan", (1, 128, 128), width=2)
    assert max(m.out_channels for m in modules_of(D, nn.Conv2d)) == 16


def test_dcgan_mnist_plan_starts_at_7x7():
    G = build_generator("dcgan", (1, 28, 28), width=4)
    assert G.base_shape == (8, 7, 7)
    assert len(modules_of(G, nn.ConvTranspose2d)) == 2


def test_dcgan_first_discriminator_layer_has_no_norm():
    D = build_discriminator("dcgan", (1, 16, 16))
    layers = list(D.body)
    assert isinstance(layers[0], nn.Conv2d) and isinstance(layers[1], nn.LeakyReLU)
    assert len(modules_of(D, nn.BatchNorm2d)) == 1  # the second of two strided convs


def test_dcgan_init_is_normal_0_02():
    G = GENERATORS.build({"name": "dcgan", "width": 32}, z_dim=100, data_shape=(1, 28, 28), num_classes=0)
    weight = G.project.weight
    assert abs(weight.mean().item()) < 0.002 and 0.018 < weight.std().item() < 0.022


def test_resnet_discriminator_features_are_sum_pooled_channels():
    D = build_discriminator("resnet", (3, 32, 32), width=4)
    assert D.features(torch.zeros(2, 3, 32, 32)).shape == (2, 16)  # 4 → 8 → 16 channels, 32 → 4 pixels
    blocks = [module for module in D.blocks if module.__class__.__name__ == "Residual"]
    assert len(blocks) == 3  # optimised block + two down-blocks


def test_resnet_generator_blocks_per_resolution():
    G = build_generator("resnet", (1, 16, 16), depth=2)
    blocks = [module for module in G.blocks if module.__class__.__name__ == "Residual"]
    assert len(blocks) == 4  # 4 → 8 → 16: two resolutions, two blocks each
