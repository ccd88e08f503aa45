"""What each D statistic the doctor reads means, on hand-made logits (the rules' thresholds assume these meanings).

Real logits [2, 1, -1, -3] and fake logits [-2, 1, 3, 4]: D is right on 2 of 4 real samples and on 1 of 4 fakes.
"""
import math

import pytest
import torch

from ganforge.train.stats import StatsBus, active_bus, use_bus
from ganforge.train.step import _report_discriminator

REAL = torch.tensor([2.0, 1.0, -1.0, -3.0])
FAKE = torch.tensor([-2.0, 1.0, 3.0, 4.0])


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


@pytest.fixture
def means():
    previous = active_bus()
    bus = use_bus(StatsBus())
    try:
        _report_discriminator(torch.tensor(1.25), {"r1": torch.tensor(0.5)}, REAL, FAKE, 0.0)
        yield bus.flush(10)
    finally:
        use_bus(previous)


def test_accuracy_is_the_mean_of_real_and_fake_accuracy(means):
    assert means["d/accuracy"] == pytest.approx((2 / 4 + 1 / 4) / 2)  # 0.375: real-only would be 0.5, fake-only 0.25


def test_sign_real_is_the_mean_sign_of_the_real_logits(means):
    assert means["d/sign_real"] == pytest.approx((1 + 1 - 1 - 1) / 4)


def test_d_real_and_d_fake_are_mean_probabilities_not_probabilities_of_means(means):
    assert means["d/real"] == pytest.approx(sum(sigmoid(v) for v in (2, 1, -1, -3)) / 4)
    assert means["d/fake"] == pytest.approx(sum(sigmoid(v) for v in (-2, 1, 3, 4)) / 4)


def test_logits_and_losses(means):
    assert means["d/real_logit"] == pytest.approx(-0.25) and means["d/fake_logit"] == pytest.approx(1.5)
    assert means["loss/d"] == pytest.approx(1.25)  # the adversarial loss alone: regularisers have their own names
    assert means["loss/d_r1"] == pytest.approx(0.5)



def test_accuracy_and_sign_are_taken_at_the_losss_decision_point():
    from ganforge.losses import LOSSES

    lsgan = LOSSES.build({"name": "lsgan"}, field="loss")  # targets 0 (fake) and 1 (real): the point is 0.5
    previous = active_bus()
    bus = use_bus(StatsBus())
    try:
        _report_discriminator(torch.tensor(0.1), {}, torch.tensor([0.9, 1.1, 0.7, 0.4]), torch.tensor([0.1, -0.1, 0.3, 0.6]),
                              lsgan.decision_point)
        flushed = bus.flush(10)
    finally:
        use_bus(previous)
    assert flushed["d/accuracy"] == pytest.approx((3 / 4 + 3 / 4) / 2)  # at 0: (4/4 + 1/4) / 2
    assert flushed["d/sign_real"] == pytest.approx((1 + 1 + 1 - 1) / 4)  # at 0: 1
    assert LOSSES.build({"name": "wasserstein"}, field="loss").decision_point == 0.0  # a critic's sign
