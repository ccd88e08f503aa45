"""Steps between two stats flushes move nothing from a tensor to the host (no host-device sync on a GPU)."""
import pytest
import torch

from ganforge.config import validate
from ganforge.train import loop
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from tests.conftest import tiny_digits_raw, tiny_ring_raw

# Every way a tensor's value reaches Python: each one waits for the device on a GPU.
HOST_TRANSFERS = ("item", "cpu", "tolist", "numpy", "__float__", "__int__", "__bool__", "__index__")
FLUSHED_AT, NEXT_FLUSH = 10, 20  # train.log_every = 10


def transfers_between_flushes(monkeypatch, tmp_path, raw) -> list[str]:
    """Names of the host transfers made while the run is past step FLUSHED_AT and before step NEXT_FLUSH.

    `state.step` counts completed steps: from FLUSHED_AT + 1 to NEXT_FLUSH - 1 it covers the bodies of
    steps FLUSHED_AT + 2 … NEXT_FLUSH (up to that step's increment) and the checks after steps FLUSHED_AT + 1 … NEXT_FLUSH - 1.
    """
    seen, holder = [], {}
    real_discriminator_step = loop.discriminator_step

    def discriminator_step(state, real, labels):
        holder["state"] = state
        return real_discriminator_step(state, real, labels)

    def counting(name, original):
        def counted(self, *args, **kwargs):
            state = holder.get("state")
            if state is not None and FLUSHED_AT < state.step < NEXT_FLUSH and not is_step_counter(self, state):
                seen.append(f"{name} at step {state.step + 1}")
            return original(self, *args, **kwargs)
        return counted

    monkeypatch.setattr(loop, "discriminator_step", discriminator_step)
    for name in HOST_TRANSFERS:
        monkeypatch.setattr(torch.Tensor, name, counting(name, getattr(torch.Tensor, name)))
    train(validate(raw), RunDir.create(path=tmp_path / "run"), quiet=True)
    monkeypatch.undo()
    return seen


def is_step_counter(tensor, state) -> bool:
    """An optimiser's step count: PyTorch keeps it on the host even for parameters on a GPU (capturable=False)
    and reads it there each step, which waits for no device."""
    return any(tensor is slot.get("step") for opt in (state.opt_g, state.opt_d) for slot in opt.state.values())


@pytest.mark.parametrize("make_raw", [tiny_ring_raw, tiny_digits_raw], ids=["mlp", "dcgan"])
def test_no_host_transfer_between_two_flushes(monkeypatch, tmp_path, make_raw):
    raw = make_raw(steps=NEXT_FLUSH + 1, log_every=FLUSHED_AT, sample_every=NEXT_FLUSH, checkpoint_every=NEXT_FLUSH)
    assert transfers_between_flushes(monkeypatch, tmp_path, raw) == []


def test_the_count_sees_a_transfer_a_step_makes(monkeypatch, tmp_path):
    """The counting catches a regression: one `.item()` per D step shows up once per step counted."""
    from ganforge.train import stats

    real_report = stats.StatsBus.report

    def reporting_on_the_host(self, name, value, weight=1):
        real_report(self, name, value.item() if isinstance(value, torch.Tensor) and name == "loss/d" else value, weight)

    monkeypatch.setattr(stats.StatsBus, "report", reporting_on_the_host)
    raw = tiny_ring_raw(steps=NEXT_FLUSH + 1, log_every=FLUSHED_AT, sample_every=NEXT_FLUSH, checkpoint_every=NEXT_FLUSH)
    seen = transfers_between_flushes(monkeypatch, tmp_path, raw)
    assert seen == [f"item at step {step}" for step in range(FLUSHED_AT + 2, NEXT_FLUSH + 1)]
