"""Self-attention (SAGAN): the layer's arithmetic, where the nets put it, and that it trains."""
import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.nets import DISCRIMINATORS, GENERATORS
from ganforge.nets.attention import SelfAttention
from ganforge.train.state import build_state
from ganforge.train.step import discriminator_step, generator_step
from tests.conftest import tiny_digits_raw

CONV_NETS = ["dcgan", "resnet", "modern"]


def test_with_gamma_zero_the_layer_is_the_identity():
    layer = SelfAttention(16)
    x = torch.randn(2, 16, 5, 5)
    assert layer.gamma.item() == 0.0
    assert torch.equal(layer(x), x)


def test_output_keeps_the_shape_and_mixes_in_attention_once_gamma_grows():
    layer = SelfAttention(16)
    layer.gamma.data.fill_(1.0)
    x = torch.randn(2, 16, 4, 6)
    y = layer(x)
    assert y.shape == x.shape
    assert not torch.allclose(y, x)


def test_attention_weights_are_a_distribution_over_positions():
    layer = SelfAttention(8)
    weights = layer.attention_weights(torch.randn(3, 8, 4, 4))
    assert weights.shape == (3, 16, 16)  # (N, HW queries, HW keys)
    assert (weights >= 0).all()
    assert torch.allclose(weights.sum(dim=-1), torch.ones(3, 16))


def test_equal_scores_average_the_values_over_all_positions():
    """q = k = 0 → every score is 0 → β = 1/HW → o_i = W_o W_v mean_j x_j at every position i."""
    layer = SelfAttention(8)
    layer.query.weight.data.zero_()
    layer.key.weight.data.zero_()
    layer.gamma.data.fill_(0.5)
    x = torch.randn(2, 8, 3, 3)
    value, out = layer.value.weight[:, :, 0, 0], layer.out.weight[:, :, 0, 0]  # (C/2, C), (C, C/2)
    mean_x = x.mean(dim=(2, 3))  # (N, C)
    expected = x + 0.5 * (mean_x @ value.T @ out.T)[:, :, None, None]
    assert torch.allclose(layer(x), expected, atol=1e-6)


def attention_input_sides(net, run) -> list[int]:
    """Sides of the feature maps each SelfAttention of `net` receives while `run()` executes."""
    sides = []
    layers = [m for m in net.modules() if isinstance(m, SelfAttention)]
    hooks = [layer.register_forward_hook(lambda m, inputs, out: sides.append(inputs[0].shape[-1])) for layer in layers]
    run()
    for hook in hooks:
        hook.remove()
    return sides


@pytest.mark.parametrize("name", CONV_NETS)
@pytest.mark.parametrize("data_shape, side", [((3, 32, 32), 16), ((3, 32, 32), 4), ((1, 28, 28), 14),
                                              ((1, 4, 4), 4)])
def test_one_attention_layer_sits_on_the_requested_feature_map(name, data_shape, side):
    G = GENERATORS.build({"name": name, "width": 4, "attention": side}, z_dim=8, data_shape=data_shape, num_classes=0)
    D = DISCRIMINATORS.build({"name": name, "width": 4, "attention": side}, data_shape=data_shape, num_classes=0)
    fake = G(G.sample_latent(2))
    assert fake.shape == (2, *data_shape)
    assert attention_input_sides(G, lambda: G(G.sample_latent(2))) == [side]
    assert attention_input_sides(D, lambda: D(fake)) == [side]
    D(fake).mean().backward()
    assert [m.gamma.grad is not None for m in D.modules() if isinstance(m, SelfAttention)] == [True]


def test_resnet_generator_can_attend_at_image_side():
    """Its last block still has `width` channels at the image side; dcgan's last layer is the image itself."""
    spec = {"name": "resnet", "width": 4, "attention": 16}
    G = GENERATORS.build(spec, z_dim=8, data_shape=(1, 16, 16), num_classes=0)
    assert attention_input_sides(G, lambda: G(G.sample_latent(2))) == [16]
    with pytest.raises(ConfigError) as error:
        GENERATORS.build({**spec, "name": "dcgan"}, z_dim=8, data_shape=(1, 16, 16), num_classes=0)
    assert error.value.field == "generator.attention" and "4, 8" in str(error.value)


@pytest.mark.parametrize("name", CONV_NETS)
def test_a_side_the_net_never_has_names_the_field_and_the_valid_sides(name):
    with pytest.raises(ConfigError) as error:
        DISCRIMINATORS.build({"name": name, "attention": 12}, data_shape=(3, 32, 32), num_classes=0)
    assert error.value.field == "discriminator.attention"
    assert "choose one of: 4, 8, 16" in str(error.value)
    with pytest.raises(ConfigError) as error:
        GENERATORS.build({"name": name, "attention": 64}, z_dim=8, data_shape=(3, 32, 32), num_classes=0)
    assert error.value.field == "generator.attention" and "64×64" in str(error.value)


@pytest.mark.parametrize("name", CONV_NETS)
def test_nets_with_attention_train_on_tiny_digits(name):
    """After one D and one G step γ has left 0 in both nets: attention takes part in training."""
    raw = tiny_digits_raw()
    raw["generator"] = {"name": name, "width": 8, "attention": 4}
    raw["discriminator"] = {"name": name, "width": 8, "attention": 4}
    state = build_state(validate(raw))
    real, labels = state.next_batch()
    discriminator_step(state, real, labels)
    generator_step(state, real, labels)
    for net in (state.G, state.D):
        gammas = [m.gamma.item() for m in net.modules() if isinstance(m, SelfAttention)]
        assert len(gammas) == 1 and gammas[0] != 0.0
        assert all(torch.isfinite(p).all() for p in net.parameters())
