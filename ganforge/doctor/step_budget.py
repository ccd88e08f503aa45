"""Auto-remedy's step budget (`doctor.max_extra_steps`): how many steps its remedies may add to a run.

A remedy costs steps twice: the steps it throws away (trained, then rolled back) and the steps it
gives back (`train.steps` grows by as many, so the fixed config trains as far past the rollback as
the run had left). The budget bounds the steps trained in all, thrown-away ones included:

    steps trained ≤ planned × (1 + max_extra_steps)      planned: `train.steps` before the first remedy

so with the default 1.0 a remedied run trains at most twice its planned steps. A remedy that would
throw away more than what is left of the budget is not applied: remedies stop there (recorded in
doctor.jsonl like giving up) and the run trains to its end with the config it has. Otherwise the
steps given back are the thrown-away ones, or what is left of the budget once those are counted,
whichever is fewer.

Example: 1,000 planned steps and max_extra_steps 0.5 (a budget of 500 extra steps). A remedy at
step 300 that rolls back to 100 throws away 200 and gives back min(200, 500 − 200) = 200
(train.steps 1,200; 400 of the budget spent). A second one at step 500 that rolls back to 400
throws away 100 and gives back min(100, 500 − 400 − 100) = 0 (train.steps stays 1,200). Steps
trained: 300 + 400 + 800 = 1,500 = 1,000 × 1.5. A third remedy would throw away steps the budget no
longer has, so remedies stop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class StepBudget:
    planned: int  # train.steps before the first remedy
    extra: int  # steps the remedies may add: ⌊planned × max_extra_steps⌋
    spent: int  # steps earlier remedies added: thrown away plus given back

    def given_back(self, thrown: int) -> int | None:
        """Steps to give back for a remedy that throws away `thrown`; None when the budget cannot pay for it."""
        left = self.extra - self.spent - thrown
        return None if left < 0 else min(thrown, left)


def step_budget(planned_now: int, fraction: float, actions: list[dict]) -> StepBudget:
    """The budget, from the remedies already recorded (`actions`: doctor.jsonl's remedy lines, in order);
    `planned_now` is `train.steps` when none is recorded yet."""
    planned = planned_steps(actions[0]["evidence"]) if actions else planned_now
    spent = sum(thrown_away(a["evidence"]) + int(a["evidence"]["steps_given_back"]) for a in actions)
    return StepBudget(planned, extra_steps(planned, fraction), spent)


def extra_steps(planned: int, fraction: float) -> int:
    """⌊planned × fraction⌋, rounded first to 6 decimals so that 0.29 × 100 counts as 29, not 28."""
    return math.floor(round(planned * fraction, 6))


def planned_steps(evidence: dict) -> int:
    """The run's planned steps as a remedy line records them (lines without the entry: train.steps less the
    steps that remedy gave back)."""
    return int(evidence.get("planned_steps", evidence["train_steps"] - evidence["steps_given_back"]))


def thrown_away(evidence: dict) -> int:
    """Steps a recorded remedy threw away (lines without the entry gave back exactly as many)."""
    return int(evidence.get("steps_thrown_away", evidence["steps_given_back"]))
