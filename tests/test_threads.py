"""train.threads: the FLOP count and measurement auto decides by, its mid-run watch, and the setting reaching torch."""
import pytest
import torch

from ganforge.config import validate
from ganforge.errors import ConfigError
from ganforge.train import threads
from ganforge.train.checkpoint import capture, restore
from ganforge.train.state import build_state
from tests.conftest import tiny_digits_raw, tiny_ring_raw


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


def fake_pass(seconds_by_count):
    """A timed pass that takes, by torch's current thread count, the seconds given (a list is cycled)."""
    calls = {count: 0 for count in seconds_by_count}

    def timed_pass():
        count = torch.get_num_threads()
        values = seconds_by_count[count]
        calls[count] += 1
        return values[(calls[count] - 1) % len(values)] if isinstance(values, list) else values
    return timed_pass


@pytest.mark.parametrize("seconds_by_count, expected", [
    ({1: 0.010, 2: 0.006}, 2),            # two threads clearly faster (60%): taken
    ({1: 0.010, 2: 0.0095}, 1),           # 95%: within noise of one thread, which cannot collapse under load
    ({1: 0.010, 2: 0.009}, 2),            # exactly FASTER_BY (90%): taken
    ({1: 0.010, 2: 0.030}, 1),            # more threads slower (a loaded machine): one
    ({1: 0.010, 2: 0.008, 4: 0.005}, 4),  # the fastest of several counts
    ({1: 0.010, 2: [0.005, 0.005, 0.5, 0.005, 0.005, 0.005, 0.005, 0.005]}, 2),  # one stalled pass: the median ignores it
    ({1: 0.010, 2: [0.5] * 6 + [0.005] * 9}, 2),  # a load through the first 6 of 15 rounds: it does not decide
    ({1: 0.010, 2: [0.5] * 8 + [0.005] * 7}, 1),  # through most of them: one thread, which cannot collapse
])
def test_auto_takes_more_threads_only_when_they_are_measurably_faster(seconds_by_count, expected):
    previous = torch.get_num_threads()
    try:
        assert threads.fastest_count(fake_pass(seconds_by_count), sorted(seconds_by_count)) == expected
    finally:
        torch.set_num_threads(previous)


def test_the_candidate_counts_are_one_half_and_all_cores():
    assert threads.candidate_counts(1) == [1]
    assert threads.candidate_counts(2) == [1, 2]
    assert threads.candidate_counts(16) == [1, 8, 16]


def test_the_measurement_leaves_nets_and_random_streams_untouched():
    state = build_state(validate(tiny_digits_raw()))
    before = {name: t.clone() for name, t in (*state.G.state_dict().items(), *state.D.state_dict().items())}
    rng = torch.get_rng_state()
    previous = torch.get_num_threads()
    try:
        timed_pass = threads.pass_seconds_function(state)
        assert timed_pass() > 0
    finally:
        torch.set_num_threads(previous)
    after = {name: t for name, t in (*state.G.state_dict().items(), *state.D.state_dict().items())}
    assert all(torch.equal(before[name], after[name]) for name in before)  # batch-norm statistics included
    assert all(p.grad is None for p in (*state.G.parameters(), *state.D.parameters()))
    assert torch.equal(rng, torch.get_rng_state())


class FakeState:
    def __init__(self, threads_used):
        self.threads = threads_used


def test_the_watch_falls_back_to_one_thread_after_two_slow_flushes():
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        state = FakeState(2)
        watch = threads.ThreadsWatch(state)
        for seconds in (0.05, 0.02, 0.021, 0.05, 0.02, 0.05):  # warm-up, fast, one slow flush alone twice
            watch(0, {"time/step_s": seconds})
        assert state.threads == 2 and torch.get_num_threads() == 2
        watch(0, {"time/step_s": 0.041})  # a second slow flush in a row, over SLOWDOWN × the fastest 0.02
        assert state.threads == 1 and torch.get_num_threads() == 1
        for seconds in (0.01, 0.01, 0.01):  # the load left: the watch never goes back
            watch(0, {"time/step_s": seconds})
        assert state.threads == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(previous)


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


@pytest.mark.parametrize("setting, expected", [("auto", 2), (1, 1)])
def test_a_resumed_run_goes_on_with_the_thread_count_its_checkpoint_recorded(setting, expected):
    """auto's measurement may pick another count on resume (the load changed); the checkpoint's count wins, since
    another count changes the low bits of CPU kernels. A number in the config is used as given."""
    previous = torch.get_num_threads()
    try:
        original = build_state(validate(tiny_ring_raw(threads=setting)))
        original.threads = 2  # what the original run measured (or was given)
        checkpoint = capture(original)
        assert checkpoint["threads"] == 2
        resumed = build_state(validate(tiny_ring_raw(threads=setting)))  # auto takes 1 here: a 2-D MLP
        assert resumed.threads == 1
        restore(resumed, checkpoint, origin="step-00000010.pt")
        assert (resumed.threads, torch.get_num_threads()) == (expected, expected)
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("environment, expected", [("2", 2), ("1", 1), ("", 1), ("zero", 1)])
def test_auto_takes_omp_num_threads_when_the_user_set_it(monkeypatch, environment, expected):
    """A set OMP_NUM_THREADS is the user's choice: auto takes it unmeasured (here on a 2-D MLP, where auto alone
    takes 1); an empty or non-numeric value is no choice."""
    monkeypatch.setenv("OMP_NUM_THREADS", environment)
    monkeypatch.setattr(threads, "fastest_count", lambda *args: pytest.fail("auto measured despite the environment"))
    previous = torch.get_num_threads()
    try:
        state = build_state(validate(tiny_ring_raw(threads="auto")))
        assert (state.threads, torch.get_num_threads()) == (expected, expected)
    finally:
        torch.set_num_threads(previous)


def test_a_number_in_the_config_wins_over_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    previous = torch.get_num_threads()
    try:
        assert build_state(validate(tiny_ring_raw(threads=2))).threads == 2
    finally:
        torch.set_num_threads(previous)
