"""The NaN/Inf guard: a non-finite loss, gradient norm or weight never reaches a saved checkpoint.

After every G step the loop asks `guard.healthy(state)`. The cheap check covers what the
steps reported on the stats bus (every `loss/*` and `grad/*` value): each report updates, on the
value's own device, the first step at which that name was non-finite, and the host reads these
only at a step where something leaves the device anyway (a stats flush, a sample grid, an
evaluation, a checkpoint, the end or a stop), so the steps between wait for nothing. The rollback
then names the step that failed, as if checked at once; before each checkpoint
(and the final one) every parameter and buffer of G and D is scanned too. A bad step is
rejected: the state rolls back to the newest checkpoint on disk that holds only finite values
(newer ones that do not are renamed `*.non-finite` and recorded; or to the
snapshot taken when training started, if none exists yet) and, with `train.on_nan.action: halve_lr`, both
learning rates are halved before training goes on. Each rollback is a line in
`events.jsonl` in the run directory and `guard/rollbacks` on the stats bus; after
`train.on_nan.max_attempts` rollbacks (or at once with `action: stop`) training stops
with a `DivergenceError`, leaving the last good checkpoint as it was.
"""
from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path

import torch

from ..errors import GanforgeError
from . import distributed
from .checkpoint import capture, list_checkpoints, newest_finite_checkpoint, read_checkpoint, restore, set_aside
from .precision import unwatched_under
from .run_dir import RunDir
from .state import TrainState
from .stats import JsonlWriter, StatsBus, on_host, report

WATCHED_PREFIXES = ("loss/", "grad/")  # per-step values whose non-finiteness means the step went wrong
ADVICE = ("try lower learning rates (optim.g.lr, optim.d.lr), gradient clipping (optim.d.grad_clip, "
          "optim.g.grad_clip) or a gradient penalty (plugins: r1, wgan_gp)")


class DivergenceError(GanforgeError):
    """Training produced non-finite values and the configured response could not recover."""


class NanGuard:
    def __init__(self, state: TrainState, run: RunDir, bus: StatsBus):
        self.settings = state.config.train.on_nan
        self.run = run
        self.bus = bus
        self.rollbacks = 0
        self.first_bad: dict[str, float | torch.Tensor] = {}  # name → first step it was non-finite (inf: none)
        self.initial = None if list_checkpoints(run.checkpoints) else copy.deepcopy(capture(state))
        self.state = state  # the run's state (restored in place by a rollback): its step dates each report
        self.ignored = unwatched_under(state.config.train.precision)  # fp16: a skipped step's inf gradient norm
        bus.watchers.append(self._watch)

    @property
    def events(self) -> Path:
        return self.run.path / "events.jsonl"

    def _watch(self, name: str, value: float | torch.Tensor) -> None:
        if not name.startswith(WATCHED_PREFIXES) or name in self.ignored:
            return
        step = self.state.step + 1  # reports come from the step being taken
        earlier = self.first_bad.get(name, math.inf)
        if isinstance(value, torch.Tensor):  # stays on the device: no host sync in the step
            this_step = torch.where(torch.isfinite(value), math.inf, float(step))
            self.first_bad[name] = (torch.minimum(earlier, this_step) if isinstance(earlier, torch.Tensor)
                                    else this_step.clamp_max(earlier))
        elif not math.isfinite(value):
            self.first_bad[name] = min(earlier, step)

    def healthy(self, state: TrainState, stopping: bool = False) -> bool:
        """False (after rolling back, or raising) when a step since the last check was non-finite, else True.

        The reports are read only at a step where the host needs the run anyway (`check_due`); the
        parameter scan runs only when a checkpoint is about to be written: at checkpoint steps, at the
        last step, and when a stop was requested.
        """
        if not check_due(state, stopping):
            return True
        settings = state.config.train
        about_to_save = stopping or state.step % settings.checkpoint_every == 0 or state.step >= settings.steps
        first_bad = {name: step for name, step in on_host(self.first_bad).items() if math.isfinite(step)}
        self.first_bad = {}
        problems = sorted(first_bad, key=lambda name: (first_bad[name], name))
        if about_to_save and not problems:
            problems = non_finite_tensors(state)
        if not distributed.any_rank(bool(problems)):  # under torchrun every rank rolls back, or none
            return True
        self._roll_back(state, problems, int(min(first_bad.values(), default=state.step)))
        return False

    def _roll_back(self, state: TrainState, problems: list[str], failed_step: int) -> None:
        what = ", ".join(sorted(problems, key=lambda name: not name.startswith("loss/"))) or "values on another rank"
        if self.settings.action == "stop" or self.rollbacks >= self.settings.max_attempts:
            self._record({"event": "diverged", "step": failed_step, "non_finite": problems, "rollbacks": self.rollbacks})
            after = f" after {self.rollbacks} rollbacks" if self.settings.action == "halve_lr" else ""
            raise DivergenceError(f"training diverged: non-finite {what} at step {failed_step}{after}; {ADVICE}")
        learning_rates = [group["lr"] / 2 for opt in (state.opt_g, state.opt_d) for group in opt.param_groups]
        self.bus.discard()  # the rolled-back steps' reports; restoring brings back the checkpoint's own window
        origin = self._restore_last_good(state)
        for group, lr in zip([g for opt in (state.opt_g, state.opt_d) for g in opt.param_groups], learning_rates):
            group["lr"] = lr  # halved from the rates in force when the step failed, so repeated rollbacks compound
        self.rollbacks += 1
        if distributed.is_main():
            JsonlWriter(self.run.stats).truncate_after(state.step)
        report("guard/rollbacks", self.rollbacks)
        report("guard/failed_step", failed_step)  # where it went wrong: the run itself is back at state.step
        self._record({"event": "rollback", "step": failed_step, "non_finite": problems, "to_step": state.step,
                      "from": origin, "attempt": self.rollbacks, "lr_g": state.opt_g.param_groups[0]["lr"],
                      "lr_d": state.opt_d.param_groups[0]["lr"]})

    def _restore_last_good(self, state: TrainState) -> str:
        """The newest checkpoint holding only finite values (newer unusable ones are set aside), else the start."""
        good, passed_over = newest_finite_checkpoint(self.run.checkpoints)
        if passed_over and distributed.is_main():
            moved = set_aside(passed_over)
            self._record({"event": "set_aside", "step": state.step, "checkpoints": [p.name for p in moved],
                          "reason": "non-finite"})
        if good is not None:
            restore(state, read_checkpoint(good), good)
            origin = good.name
        elif self.initial is not None:
            restore(state, copy.deepcopy(self.initial), Path("<initial state>"))
            origin = "initial state"
        else:
            raise DivergenceError(f"{self.run.checkpoints}: no checkpoint holds only finite values to roll back to "
                                  f"(the unusable ones are kept as *.non-finite); start a new run")
        state.adopt_rng_as_shared()  # as after a resume (a no-op outside torchrun)
        return origin

    def _record(self, event: dict) -> None:
        if not distributed.is_main():
            return
        with self.events.open("a") as file:
            file.write(json.dumps({"time": round(time.time(), 3), **event}) + "\n")


def check_due(state: TrainState, stopping: bool) -> bool:
    """Steps at which the host reads the guard's flags: where stats, grids, evaluations or checkpoints leave the device."""
    train, every = state.config.train, state.config.eval.every
    return (stopping or state.step >= train.steps
            or any(state.step % period == 0 for period in (train.log_every, train.sample_every, train.checkpoint_every))
            or bool(every and state.step % every == 0))


def non_finite_tensors(state: TrainState) -> list[str]:
    """Names of G's and D's parameters and buffers holding a NaN or Inf (empty when all are finite)."""
    found = []
    for prefix, net in (("G", state.G), ("D", state.D)):
        for name, tensor in [*net.named_parameters(), *net.named_buffers()]:
            if tensor.is_floating_point() and not torch.isfinite(tensor).all():
                found.append(f"{prefix}.{name}")
    return found
