"""The channel through which the live doctor asks for a remedy, the loop stops for it and auto-remedy reads it.

    state.remedy.active = True          # the loop, when doctor.auto is on (single process)
    state.remedy.keep_best = True       # the loop, until the first remedy: rotation spares the best checkpoint
    state.remedy.ask(finding, cause)    # the live doctor, on an error finding: the first one only
    while ... and not state.remedy.pending: ...   # the loop stops at the next step boundary
    state.remedy.finding, state.remedy.cause      # doctor/remedy.py, once train returns

The findings are the doctor's (doctor/finding.py); this module only carries them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class RemedyRequests:
    active: bool = False  # doctor.auto is on and remedies have not been given up
    finding: Any = None  # the error finding the live doctor asks to remedy
    cause: Any = None  # the first-reported finding still standing when it came (live.first_symptom)
    keep_best: bool = False  # no remedy yet: checkpoint rotation spares the best-scored checkpoint (doctor/run_metric.py)

    def ask(self, finding, cause) -> None:
        """Record the request, if remedies are on and none is pending (the first error finding wins)."""
        if self.active and self.finding is None:
            self.finding, self.cause = finding, cause

    @property
    def pending(self) -> bool:
        return self.finding is not None
