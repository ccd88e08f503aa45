"""Adversarial losses: values against hand computation, target handling, shapes, gradients."""
import math

import pytest
import torch

from ganforge.losses import LOSSES

REAL = [2.0, -1.0]  # D's logits on two real samples
FAKE = [-0.5, 1.5]  # ... and on two fakes


def log_sigmoid(logit: float) -> float:
    return -math.log(1 + math.exp(-logit))


def bce(logit: float, target: float) -> float:
    """−[t·log σ(l) + (1 − t)·log(1 − σ(l))], with log(1 − σ(l)) = log σ(−l)."""
    return -(target * log_sigmoid(logit) + (1 - target) * log_sigmoid(-logit))


def build(name: str, **options):
    return LOSSES.build({"name": name, **options})


def d_loss(name: str, real=REAL, fake=FAKE, real_target=1.0, fake_target=0.0, **options) -> list[float]:
    real_logits, fake_logits = torch.tensor(real), torch.tensor(fake)
    values = build(name, **options).d_loss(real_logits, fake_logits,
                                           torch.full_like(real_logits, real_target),
                                           torch.full_like(fake_logits, fake_target))
    return values.tolist()


def g_loss(name: str, fake=FAKE, real=REAL, **options) -> list[float]:
    return build(name, **options).g_loss(torch.tensor(fake), torch.tensor(real)).tolist()


def assert_close(actual: list[float], expected: list[float]) -> None:
    assert actual == pytest.approx(expected, rel=1e-5, abs=1e-6)


# --- values by hand --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["minimax", "nonsaturating"])
def test_bce_discriminator_loss(name):
    expected = [-log_sigmoid(r) - log_sigmoid(-f) for r, f in zip(REAL, FAKE)]  # −log D(x) − log(1 − D(G(z)))
    assert_close(d_loss(name), expected)


@pytest.mark.parametrize("name", ["minimax", "nonsaturating", "relativistic"])
def test_bce_real_target_shifts_loss_by_target_change_times_logit(name):
    # BCE(l, t) = softplus(l) − t·l, so lowering the real target 1 → 0.9 adds 0.1·l per sample;
    # for the relativistic loss l is the relative logit r̃ = real − mean(fake).
    smoothed, hard = d_loss(name, real_target=0.9), d_loss(name)
    mean_fake = sum(FAKE) / len(FAKE)
    logits = [r - mean_fake for r in REAL] if name == "relativistic" else REAL
    assert_close([s - h for s, h in zip(smoothed, hard)], [0.1 * logit for logit in logits])


def test_minimax_generator_loss_is_log_one_minus_d():
    assert_close(g_loss("minimax"), [math.log(1 - 1 / (1 + math.exp(-f))) for f in FAKE])


def test_nonsaturating_generator_loss_is_minus_log_d():
    assert_close(g_loss("nonsaturating"), [-math.log(1 / (1 + math.exp(-f))) for f in FAKE])


def test_lsgan_values_and_targets():
    assert_close(d_loss("lsgan"), [0.5 * (r - 1) ** 2 + 0.5 * f ** 2 for r, f in zip(REAL, FAKE)])
    assert_close(d_loss("lsgan", real_target=0.9, fake_target=0.1),
           [0.5 * (r - 0.9) ** 2 + 0.5 * (f - 0.1) ** 2 for r, f in zip(REAL, FAKE)])
    assert_close(g_loss("lsgan"), [0.5 * (f - 1) ** 2 for f in FAKE])
    assert_close(g_loss("lsgan", generator_target=0.5), [0.5 * (f - 0.5) ** 2 for f in FAKE])


def test_wasserstein_values():
    assert_close(d_loss("wasserstein"), [f - r for r, f in zip(REAL, FAKE)])
    assert_close(g_loss("wasserstein"), [-f for f in FAKE])


def test_hinge_values_on_both_sides_of_the_margin():
    # real 2.0 is past the margin (0), real −1.0 is not (2); fake −0.5 → 0.5, fake 1.5 → 2.5
    assert_close(d_loss("hinge"), [0.0 + 0.5, 2.0 + 2.5])
    assert_close(g_loss("hinge"), [0.5, -1.5])


def test_relativistic_average_values():
    mean_real, mean_fake = sum(REAL) / 2, sum(FAKE) / 2  # 0.5, 0.5
    real_relative = [r - mean_fake for r in REAL]
    fake_relative = [f - mean_real for f in FAKE]
    assert_close(d_loss("relativistic"), [bce(r, 1) + bce(f, 0) for r, f in zip(real_relative, fake_relative)])
    assert_close(g_loss("relativistic"), [bce(f, 1) + bce(r, 0) for r, f in zip(real_relative, fake_relative)])


# --- contracts for every loss ----------------------------------------------------------

def test_rpgan_values():
    # pairs (2, −0.5) and (−1, 1.5): gaps D(x) − D(G(z)) of 2.5 and −2.5
    softplus = lambda t: math.log(1 + math.exp(t))  # noqa: E731
    assert_close(d_loss("rpgan"), [softplus(-2.5), softplus(2.5)])  # −log σ(gap)
    assert_close(g_loss("rpgan"), [softplus(2.5), softplus(-2.5)])  # −log σ(−gap)
    assert_close(d_loss("rpgan"), [0.0788897, 2.5788897])  # log(1 + e^−2.5), and 2.5 more


def test_rpgan_ignores_a_shift_of_every_logit():
    shifted = d_loss("rpgan", real=[r + 7 for r in REAL], fake=[f + 7 for f in FAKE])
    assert_close(shifted, d_loss("rpgan"))


@pytest.mark.parametrize("name", ["wasserstein", "hinge", "rpgan"])
def test_targetless_losses_ignore_targets(name):
    assert build(name).uses_targets is False
    assert d_loss(name, real_target=0.7, fake_target=0.3) == d_loss(name)


@pytest.mark.parametrize("name", ["minimax", "nonsaturating", "lsgan", "relativistic"])
def test_target_losses_use_targets(name):
    assert build(name).uses_targets is True
    assert d_loss(name, real_target=0.9) != d_loss(name)
    assert d_loss(name, fake_target=0.1) != d_loss(name)


def test_only_relativistic_losses_need_real_logits_for_generator():
    needs = {name for name in LOSSES.names() if build(name).g_needs_real_logits}
    assert needs == {"relativistic", "rpgan"}
    for name in needs:
        with pytest.raises(ValueError, match="real_logits"):
            build(name).g_loss(torch.tensor(FAKE))


@pytest.mark.parametrize("name", LOSSES.names())
def test_per_sample_shape_and_finite_gradients(name):
    loss = build(name)
    real = torch.tensor([3.0, -2.0, 0.0, 40.0, -40.0], requires_grad=True)
    fake = torch.tensor([-3.0, 2.0, 0.5, -40.0, 40.0], requires_grad=True)
    real_targets, fake_targets = torch.full((5,), 0.9), torch.zeros(5)
    d_values = loss.d_loss(real, fake, real_targets, fake_targets)
    g_values = loss.g_loss(fake, real)
    assert d_values.shape == g_values.shape == (5,)
    (d_values.mean() + g_values.mean()).backward()
    for logits in (real, fake):
        assert logits.grad is not None and torch.isfinite(logits.grad).all()
    assert torch.isfinite(d_values).all() and torch.isfinite(g_values).all()


@pytest.mark.parametrize("name", LOSSES.names())
def test_has_one_line_help(name):
    assert LOSSES.summary(name)


def test_relativistic_keeps_gradients_through_the_other_batch_mean():
    real = torch.tensor(REAL, requires_grad=True)
    build("relativistic").g_loss(torch.tensor(FAKE), real).sum().backward()
    assert real.grad.abs().sum() > 0  # G's loss depends on real logits, mean(real) included


def test_relativistic_rejects_unequal_batches():
    with pytest.raises(ValueError, match="as many real as fake"):
        build("relativistic").g_loss(torch.zeros(3), torch.zeros(2))


# --- why nonsaturating exists ----------------------------------------------------------

def generator_gradient(name: str, fake_logit: float) -> float:
    fake = torch.tensor([fake_logit], requires_grad=True)
    build(name).g_loss(fake).sum().backward()
    return fake.grad.item()


def test_minimax_saturates_where_nonsaturating_does_not():
    # D confidently rejects the fake (logit −20, D(G(z)) ≈ 2e-9): the minimax gradient
    # −σ(l) vanishes, the non-saturating one −σ(−l) stays at −1.
    assert abs(generator_gradient("minimax", -20.0)) < 1e-8
    assert generator_gradient("nonsaturating", -20.0) == pytest.approx(-1.0, abs=1e-6)
    # At D(G(z)) = ½ both push equally hard.
    assert generator_gradient("minimax", 0.0) == pytest.approx(generator_gradient("nonsaturating", 0.0))
