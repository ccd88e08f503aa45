"""A suite-only plugin that makes a healthy run's losses spike for a few steps, then lets it recover.

The doctor must judge sustained windows: a loss spike that recovers is not a failure (issue #5).
`loss_spike` swaps D's real and fake targets for `length` G steps starting at each step in
`at`, so D is trained, briefly, to call real data fake and G's samples real. While the swap
lasts, the D loss (measured against the swapped targets) jumps from its healthy value to
several times log 4, D's outputs invert and G's gradient grows; when it ends, D relearns the
true task within a few dozen steps and the run carries on as before.

It is registered by benchmarks/doctor_suite/run.py (`register()`), never by ganforge itself.
"""
from __future__ import annotations

import torch

from ganforge.errors import ConfigError
from ganforge.plugins import PLUGINS, Plugin

NAME = "loss_spike"


class LossSpike(Plugin):
    """Swaps D's real/fake targets for `length` steps from each step in `at` (a harmless loss spike)."""

    def __init__(self, at: list[int] = [500], length: int = 20):  # noqa: B006 (a YAML default, never mutated)
        if length < 1 or any(step < 0 for step in at):
            raise ConfigError("plugins.loss_spike", f"expected steps ≥ 0 and length ≥ 1, got at={at}, length={length}")
        self.at, self.length = list(at), length

    def spiking(self, step: int) -> bool:
        return any(start <= step < start + self.length for start in self.at)

    def d_targets(self, real_targets: torch.Tensor, fake_targets: torch.Tensor, state):
        if self.spiking(state.step):
            return fake_targets, real_targets
        return real_targets, fake_targets


def register() -> None:
    """Make `plugins: [{name: loss_spike, ...}]` valid; safe to call more than once."""
    if NAME not in PLUGINS.names():
        PLUGINS.register(NAME)(LossSpike)
