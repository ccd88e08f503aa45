"""train.threads: the FLOP count auto decides by, its rule, and the setting reaching torch."""
import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.train import threads
from ganforge.train.state import build_state
from tests.conftest import tiny_ring_raw


class Affine(torch.nn.Module):
    """A net taking (input, labels) like ganforge's, one Linear layer."""

    def __init__(self, inputs: int, outputs: int):
        super().__init__()
        self.linear = torch.nn.Linear(inputs, outputs)

    def forward(self, x, labels=None):
        return self.linear(x)


def test_forward_flops_counts_both_nets_over_one_batch_without_touching_them():
    G, D = Affine(4, 3), Affine(3, 1)
    before = [p.clone() for p in (*G.parameters(), *D.parameters())]
    rng = torch.get_rng_state()
    # a Linear layer's product: 2 FLOPs per multiply-add, batch × in × out of them
    assert threads.forward_flops(G, D, batch_size=5, z_dim=4, data_shape=(3,)) == 2 * 5 * (4 * 3 + 3 * 1)
    assert all(torch.equal(a, b) for a, b in zip(before, (*G.parameters(), *D.parameters())))
    assert torch.equal(rng, torch.get_rng_state())


@pytest.mark.parametrize("flops, load, cores, expected", [
    (threads.SMALL_STEP_FLOPS - 1, 0.0, 8, 1),  # small step: one thread even on an idle 8-core machine
    (threads.SMALL_STEP_FLOPS, 0.0, 8, 8),      # large step, idle: every core
    (threads.SMALL_STEP_FLOPS, 5.2, 8, 3),      # large step: the cores the load leaves (8 − 5.2, rounded)
    (threads.SMALL_STEP_FLOPS, 3.0, 2, 1),      # large step on a machine the load fills: still one
])
def test_auto_takes_one_thread_for_a_small_step_else_the_free_cores(monkeypatch, flops, load, cores, expected):
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert threads.auto_threads(flops, torch.device("cpu")) == expected
    assert threads.auto_threads(flops, torch.device("cuda")) == 1  # the host only launches kernels


@pytest.mark.parametrize("setting, expected", [("auto", 1), (2, 2)])
def test_the_setting_reaches_torch(setting, expected):
    previous = torch.get_num_threads()
    try:
        state = build_state(validate(tiny_ring_raw(threads=setting)))  # a 2-D MLP: auto takes one thread
        assert (state.threads, torch.get_num_threads()) == (expected, expected)
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("bad", [0, "many", 1.5])
def test_a_thread_count_that_is_not_auto_or_positive_is_refused(bad):
    with pytest.raises(ConfigError, match=r"train\.threads"):
        validate(tiny_ring_raw(threads=bad))
