"""Regulariser plugins: each penalty's value on a case computed by hand, plus a short training run."""
import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.plugins import PLUGINS
from ganforge.regularizers.diffaugment import cutout, diff_augment, translation
from ganforge.regularizers.dragan import dragan_points
from ganforge.regularizers.wgan_gp import wgan_gradient_penalty
from ganforge.train.hooks import StepContext
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.train.stats import read_stats
from ganforge.train.step import discriminator_step
from tests.conftest import tiny_digits_raw, tiny_ring_raw


class LinearCritic(nn.Module):
    """D(x) = w·x + b: its input gradient is w everywhere, so every gradient penalty is known exactly."""

    def __init__(self, w):
        super().__init__()
        self.linear = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([w]))
            self.linear.bias.fill_(0.5)

    def features(self, x, y=None):
        return x.flatten(1)

    def forward(self, x, y=None):
        return self.linear(x.flatten(1)).squeeze(1)


def context(critic, real, fake, state=None):
    logits = critic(fake)
    return StepContext(state, real, fake, real, fake, critic(real), logits, None, torch.zeros(len(real), 1), critic)


def build(plugin_spec, raw=None, **options):
    return PLUGINS.build({"name": plugin_spec, **options}, field="plugins.0")


REAL, FAKE = torch.randn(64, 2), torch.randn(64, 2) + 3


# --- gradient penalties: a linear critic with w = (3, 4), ‖w‖ = 5 -----------------------------

def test_wgan_gp_on_a_linear_critic_is_lambda_times_norm_minus_one_squared():
    term = build("wgan_gp").d_terms(context(LinearCritic([3.0, 4.0]), REAL, FAKE))["wgan_gp"]
    assert term.item() == pytest.approx(160.0)  # 10 · (5 − 1)²
    term = build("wgan_gp", target=2.0, weight=1.0).d_terms(context(LinearCritic([3.0, 4.0]), REAL, FAKE))["wgan_gp"]
    assert term.item() == pytest.approx(9.0)  # 1 · (5 − 2)²


def test_one_sided_wgan_gp_ignores_norms_below_the_target():
    small = LinearCritic([0.3, 0.4])  # ‖w‖ = 0.5
    assert build("wgan_gp", one_sided=True).d_terms(context(small, REAL, FAKE))["wgan_gp"].item() == 0.0
    two_sided = build("wgan_gp").d_terms(context(small, REAL, FAKE))["wgan_gp"]
    assert two_sided.item() == pytest.approx(2.5)  # 10 · (0.5 − 1)²
    big = build("wgan_gp", one_sided=True).d_terms(context(LinearCritic([3.0, 4.0]), REAL, FAKE))["wgan_gp"]
    assert big.item() == pytest.approx(160.0)


def test_wgan_gp_interpolates_per_sample_between_real_and_fake():
    """D(x) = ½‖x‖² has ∇ = x̂. With real = 0 and fake = (4, 0): ‖∇‖ = 4(1 − ε) = 4u, u ~ U(0, 1),

    so E[(4u − 1)²] = 16·E[u²] − 8·E[u] + 1 = 16/3 − 4 + 1 = 7/3.
    """
    class HalfSquare(nn.Module):
        def forward(self, x, y=None):
            return 0.5 * x.pow(2).sum(1)

    real, fake = torch.zeros(200_000, 2), torch.tensor([[4.0, 0.0]]).expand(200_000, 2)
    assert wgan_gradient_penalty(HalfSquare(), real, fake).item() == pytest.approx(7 / 3, rel=0.02)


def test_dragan_on_a_linear_critic_and_its_perturbation_stays_near_the_data():
    term = build("dragan").d_terms(context(LinearCritic([3.0, 4.0]), REAL, FAKE))["dragan"]
    assert term.item() == pytest.approx(160.0)  # 10 · (5 − 1)², wherever the perturbed points land
    real = torch.randn(512, 2)
    moved = dragan_points(real, 0.5) - real
    assert moved.min() >= 0 and moved.max() <= 0.5 * real.std()  # δ = α·0.5·std·U[0,1) ∈ [0, 0.5·std)


def test_r1_and_r2_on_a_linear_critic_are_half_gamma_norm_squared():
    ctx = context(LinearCritic([3.0, 4.0]), REAL, FAKE)
    assert build("r1").d_terms(ctx)["r1"].item() == pytest.approx(125.0)  # 10/2 · 25
    assert build("r2", gamma=2.0).d_terms(ctx)["r2"].item() == pytest.approx(25.0)  # 2/2 · 25


def test_gamma_follows_a_cosine_to_its_final_value():
    r1 = build("r1", gamma=10.0, final_gamma=2.0, decay_steps=100)
    assert [r1.gamma_at(step) for step in (0, 50, 100, 500)] == pytest.approx([10.0, 6.0, 2.0, 2.0])  # 2 + 8·½(1 + cos πt)
    assert r1.gamma_at(25) == pytest.approx(2.0 + 8.0 * 0.5 * (1 + math.cos(math.pi / 4)))
    state = SimpleNamespace(step=50)
    term = r1.d_terms(context(LinearCritic([3.0, 4.0]), REAL, FAKE, state))["r1"]
    assert term.item() == pytest.approx(6.0 / 2 * 25)  # γ(50) = 6 on ‖∇‖² = 25
    assert build("r2", gamma=4.0).gamma_at(10_000) == 4.0  # no decay_steps: constant


def test_r1_sees_real_inputs_and_r2_fake_inputs():
    """D(x) = ½‖x‖² has ‖∇‖² = ‖x‖²: real = (1, 0) gives R1 = 5 · 1, fake = (0, 3) gives R2 = 5 · 9."""
    class HalfSquare(nn.Module):
        def forward(self, x, y=None):
            return 0.5 * x.pow(2).sum(1)

    ctx = context(HalfSquare(), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 3.0]]))
    assert build("r1").d_terms(ctx)["r1"].item() == pytest.approx(5.0)
    assert build("r2").d_terms(ctx)["r2"].item() == pytest.approx(45.0)


def test_lazy_r1_is_present_on_one_d_step_in_four_at_four_times_the_eager_value():
    lazy, ctx = build("r1", every=4), context(LinearCritic([3.0, 4.0]), REAL, FAKE)
    terms = []
    for _ in range(8):
        terms.append(lazy.d_terms(ctx))
        lazy.after_d_step(None)
    assert [bool(t) for t in terms] == [True, False, False, False] * 2
    assert terms[4]["r1"].item() == pytest.approx(4 * 125.0)
    assert lazy.state_dict() == {"d_steps": 8}
    resumed = build("r1", every=4)
    resumed.load_state_dict({"d_steps": 5})
    assert resumed.d_terms(ctx) == {}


def test_penalties_backpropagate_to_the_critic():
    critic = LinearCritic([3.0, 4.0])
    build("r1").d_terms(context(critic, REAL, FAKE))["r1"].backward()
    assert torch.allclose(critic.linear.weight.grad, torch.tensor([[30.0, 40.0]]))  # d(5‖w‖²)/dw = 10w


# --- weight clipping and penalties --------------------------------------------------------------

def test_weight_clip_keeps_every_d_parameter_within_the_bound(tmp_path):
    raw = tiny_ring_raw(steps=3)
    raw["plugins"] = [{"name": "weight_clip", "clip": 0.01}]
    state = build_state(validate(raw))
    assert max(p.abs().max().item() for p in state.D.parameters()) <= 0.01  # clipped in setup already
    for _ in range(3):
        real, labels = state.next_batch()
        discriminator_step(state, real, labels)
        assert max(p.abs().max().item() for p in state.D.parameters()) <= 0.01


def test_weight_penalty_is_weight_times_sum_of_squared_weights_biases_excluded():
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, -2.0], [0.5, 0.0]]))
        net[2].weight.copy_(torch.tensor([[3.0, -1.0]]))
        net[0].bias.fill_(100.0)
    state = type("S", (), {"D": net, "G": nn.Linear(1, 1, bias=False)})()
    state.G.weight.data.fill_(-2.0)
    ctx = StepContext(state, *[None] * 8, critic=net)
    # Σw² = 1 + 4 + 0.25 + 0 + 9 + 1 = 15.25;  Σ|w| = 1 + 2 + 0.5 + 0 + 3 + 1 = 7.5
    assert build("weight_penalty", weight=0.1).d_terms(ctx)["weight_penalty"].item() == pytest.approx(1.525)
    assert build("weight_penalty", weight=0.1, norm="l1").d_terms(ctx)["weight_penalty"].item() == pytest.approx(0.75)
    on_g = build("weight_penalty", weight=0.1, net="generator")
    assert on_g.d_terms(ctx) == {} and on_g.g_terms(ctx)["weight_penalty"].item() == pytest.approx(0.4)  # 0.1 · 4


# --- spectral norm ------------------------------------------------------------------------------

def largest_singular_values(net):
    values = []
    for module in net.modules():
        if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
            weight = module.weight  # the normalised weight W / σ(W)
            if isinstance(module, nn.modules.conv._ConvTransposeNd):
                weight = weight.transpose(0, 1)  # output channels first
            values.append(torch.linalg.matrix_norm(weight.reshape(len(weight), -1), 2).item())
    return values


def test_spectral_norm_makes_every_layer_of_d_and_g_have_unit_spectral_norm():
    raw = tiny_digits_raw()
    raw["plugins"] = [{"name": "spectral_norm", "generator": True}]
    state = build_state(validate(raw))
    z = state.G.sample_latent(4)
    with torch.no_grad():
        for _ in range(20):  # power iterations run in train mode, one per forward pass
            state.D(state.G(z))
    for net in (state.D, state.G):
        values = largest_singular_values(net)
        assert len(values) == 2 and all(v == pytest.approx(1.0, abs=0.05) for v in values)
        assert any(name.endswith("parametrizations.weight.0._u") for name in net.state_dict())
    unwrapped = largest_singular_values(build_state(validate(tiny_digits_raw())).D)  # 8 × 8: one conv + the head
    assert len(unwrapped) == 2 and all(abs(v - 1) > 0.05 for v in unwrapped)


def test_spectral_norm_parameters_are_the_ones_optimised():
    raw = tiny_ring_raw()
    raw["plugins"] = [{"name": "spectral_norm"}]
    state = build_state(validate(raw))
    optimised = {id(p) for group in state.opt_d.param_groups for p in group["params"]}
    assert optimised == {id(p) for p in state.D.parameters()}
    assert any(name.endswith("original") for name, _ in state.D.named_parameters())


# --- instance noise -----------------------------------------------------------------------------

def test_instance_noise_anneals_linearly_to_zero():
    noise = build("instance_noise", std=0.2, anneal_steps=100)
    assert [noise.current_std(t) for t in (0, 50, 100, 150)] == pytest.approx([0.2, 0.1, 0.0, 0.0])
    assert noise.current_std(100) == 0.0


def test_instance_noise_adds_noise_of_the_scheduled_std_to_real_and_fake():
    noise, zeros = build("instance_noise", std=0.2, anneal_steps=100), torch.zeros(200_000, 2)
    state = type("S", (), {"step": 50})()  # σ = 0.2 · (1 − 50/100) = 0.1
    real, fake = noise.d_inputs(zeros, zeros, state)
    for noisy in (real, fake, *noise.g_inputs(zeros, zeros, state)):
        assert noisy.std().item() == pytest.approx(0.1, rel=0.01) and noisy.mean().abs().item() < 0.002
    assert not torch.equal(real, fake)  # independent draws
    state.step = 100
    assert torch.equal(noise.d_inputs(zeros, zeros, state)[0], zeros)


# --- diffaugment --------------------------------------------------------------------------------

def test_translation_moves_a_single_pixel_by_at_most_an_eighth_of_the_side():
    image = torch.zeros(2000, 1, 32, 32)
    image[:, 0, 16, 16] = 1.0
    shifted = translation(image)
    assert torch.equal(shifted.sum(dim=(1, 2, 3)), torch.ones(2000))  # a shifted copy: one pixel, value 1
    where = shifted[:, 0].flatten(1).argmax(1)
    dy, dx = where // 32 - 16, where % 32 - 16
    assert dy.abs().max() == 4 and dx.abs().max() == 4  # 32 / 8 = 4, both extremes reached
    assert len(set(zip(dy.tolist(), dx.tolist()))) == 81  # every shift in [−4, 4]² occurs


def test_translation_fills_with_zeros():
    shifted = translation(torch.ones(500, 1, 8, 8))  # shift ≤ 1 on 8 × 8
    zero_count = (shifted == 0).sum(dim=(1, 2, 3))
    assert set(zero_count.tolist()) <= {0, 8, 15}  # no shift, one edge of 8, or a row and a column (8 + 8 − 1)


def test_cutout_zeroes_a_clipped_square_of_half_the_side():
    """8 × 8, side 4: the square's top row is uniform in −2..6, so each side covers 2,3,4,4,4,4,4,3,2 pixels.

    Mean side 30/9, and rows and columns are independent: expected zeroed area (30/9)² = 100/9.
    """
    cut = cutout(torch.ones(20_000, 1, 8, 8))
    zeroed = cut[:, 0] == 0  # (N, 8, 8)
    rows, cols = zeroed.any(2).sum(1), zeroed.any(1).sum(1)
    assert torch.equal(zeroed.sum(dim=(1, 2)), rows * cols)  # a rectangle
    assert set(rows.tolist()) == {2, 3, 4} and set(cols.tolist()) == {2, 3, 4}
    assert zeroed.sum(dim=(1, 2)).float().mean().item() == pytest.approx(100 / 9, rel=0.03)


def test_diffaugment_is_differentiable_and_treats_real_and_fake_alike():
    plugin = build("diffaugment", policy=["color", "translation", "cutout"])
    fake = torch.randn(16, 3, 8, 8, requires_grad=True)
    weights = torch.randn(16, 3, 8, 8)
    (plugin.g_inputs(fake.detach(), fake, None)[1] * weights).sum().backward()
    assert fake.grad.abs().sum() > 0
    cutout_only = build("diffaugment", policy=["cutout"])
    real_in, fake_in = cutout_only.d_inputs(torch.ones(64, 1, 8, 8), torch.full((64, 1, 8, 8), 2.0), None)
    for augmented in (real_in, fake_in):
        assert ((augmented == 0).sum(dim=(1, 2, 3)) > 0).all()  # every image of both batches lost a square
    assert not torch.equal(real_in == 0, fake_in == 0)  # drawn independently per sample


def test_colour_jitter_keeps_a_flat_grey_image_flat():
    """Brightness shifts a flat image by b ∈ [−½, ½); saturation and contrast scale around means it already equals."""
    out = diff_augment(torch.zeros(1000, 3, 4, 4), ("color",))
    flat = out.flatten(1)
    assert torch.allclose(flat, flat[:, :1].expand_as(flat), atol=1e-6)
    assert flat[:, 0].min() >= -0.5 and flat[:, 0].max() < 0.5 and flat[:, 0].std() > 0.25  # U(−½, ½): std ≈ 0.29


def test_diffaugment_refuses_vector_data_and_bad_policies():
    raw = tiny_ring_raw()
    raw["plugins"] = [{"name": "diffaugment"}]
    with pytest.raises(ConfigError, match="images"):
        build_state(validate(raw))
    with pytest.raises(ConfigError, match="at least one"):
        build("diffaugment", policy=[])
    with pytest.raises(ConfigError, match="once"):
        build("diffaugment", policy=["cutout", "cutout"])


@pytest.mark.parametrize("name, option, value", [
    ("wgan_gp", "weight", -1.0), ("dragan", "perturbation", 0.0), ("r1", "every", 0), ("r2", "gamma", -1.0),
    ("weight_clip", "clip", 0.0), ("weight_penalty", "weight", -1.0), ("spectral_norm", "power_iterations", 0),
    ("instance_noise", "anneal_steps", 0),
])
def test_out_of_range_options_name_the_option(name, option, value):
    with pytest.raises(ConfigError, match=rf"plugins\.0\.{option}: expected"):
        build(name, **{option: value})


# --- a short run with each plugin: finite losses and the logged term ----------------------------

RUNS = [
    (tiny_ring_raw, {"name": "wgan_gp"}, "loss/d_wgan_gp"),
    (tiny_ring_raw, {"name": "dragan"}, "loss/d_dragan"),
    (tiny_ring_raw, {"name": "r1", "every": 2}, "loss/d_r1"),
    (tiny_ring_raw, {"name": "r2"}, "loss/d_r2"),
    (tiny_ring_raw, {"name": "weight_clip"}, None),
    (tiny_ring_raw, {"name": "weight_penalty", "net": "generator"}, "loss/g_weight_penalty"),
    (tiny_ring_raw, {"name": "spectral_norm", "generator": True}, None),
    (tiny_ring_raw, {"name": "instance_noise", "anneal_steps": 5}, "reg/instance_noise_std"),
    (tiny_digits_raw, {"name": "diffaugment", "policy": ["color", "translation", "cutout"]}, None),
]


@pytest.mark.parametrize("make_raw, spec, logged", RUNS, ids=[spec["name"] for _, spec, _ in RUNS])
def test_short_training_run_with_the_plugin(tmp_path, make_raw, spec, logged):
    raw = make_raw(steps=6, log_every=3, sample_every=6, checkpoint_every=6)
    raw["plugins"] = [spec]
    state = train(validate(raw), RunDir.create(path=tmp_path / "run"), quiet=True)
    records = read_stats(tmp_path / "run" / "stats.jsonl")
    assert [r["step"] for r in records] == [3, 6]
    for record in records:
        assert all(isinstance(v, float) and math.isfinite(v) for k, v in record.items() if k != "step"), record
        assert logged is None or logged in record
    assert all(torch.isfinite(p).all() for p in state.D.parameters())


@pytest.mark.parametrize("spec", [{"name": "r1", "every": 3}, {"name": "spectral_norm", "generator": True},
                                  {"name": "instance_noise", "anneal_steps": 5}])
def test_resumed_run_equals_uninterrupted_run_bitwise(tmp_path, spec):
    raw = tiny_ring_raw(steps=4, checkpoint_every=2, sample_every=4, log_every=2)
    raw["plugins"] = [spec]
    straight = train(validate(raw), RunDir.create(path=tmp_path / "straight"), quiet=True)
    halves = RunDir.create(path=tmp_path / "halves")
    train(validate({**raw, "train": {**raw["train"], "steps": 2}}), halves, quiet=True)
    resumed = train(validate(raw), halves, resume=True, quiet=True)
    for a, b in zip([*straight.D.state_dict().values(), *straight.G.state_dict().values()],
                    [*resumed.D.state_dict().values(), *resumed.G.state_dict().values()]):
        assert torch.equal(a, b)
    assert [p.state_dict() for p in straight.plugins] == [p.state_dict() for p in resumed.plugins]
