"""Progress at every stats flush: step, speed, ETA, the latest signals and a status line.

`progress_display` picks the form: a live `rich` bar when stdout is a terminal (progress_bar.py),
else a plain line every few seconds (CI logs, `> train.log`). Both accept `status`, a callable
returning one line of text (or "") asked at each flush; the loop passes one that reads
`state.extras["doctor_status"]`, so whatever a plugin or the doctor writes there is shown
under the bar (or appended to the plain line) without either knowing the other.
"""
from __future__ import annotations

import sys
import time
from .progress_text import StatusProvider, format_seconds, format_signals, speed_and_eta


class ProgressLine:
    def __init__(self, total_steps: int, start_step: int = 0, every_seconds: float = 5.0, stream=sys.stdout,
                 status: StatusProvider | None = None):
        self.total_steps = total_steps
        self.every_seconds = every_seconds
        self.stream = stream
        self.status = status
        self._last_time = self._start_time = time.perf_counter()
        self._start_step = start_step

    def __call__(self, step: int, means: dict[str, float]) -> None:
        now = time.perf_counter()
        first = self._last_time == self._start_time
        if not first and now - self._last_time < self.every_seconds and step < self.total_steps:
            return
        self._last_time = now
        rate, eta = speed_and_eta(step, self._start_step, self.total_steps, now - self._start_time)
        status = self.status() if self.status else ""
        line = f"step {step}/{self.total_steps}  {rate:.1f} it/s  ETA {format_seconds(eta)}  {format_signals(means)}"
        print(line + (f"  | {status}" if status else ""), file=self.stream, flush=True)

    def close(self) -> None:
        """Nothing to tear down; present so the loop treats both displays alike."""


def extras_status(state, key: str = "doctor_status") -> StatusProvider:
    """A status provider reading `state.extras[key]` (empty until someone writes there)."""
    return lambda: str(state.extras.get(key, "") or "")


def progress_display(total_steps: int, start_step: int = 0, status: StatusProvider | None = None, stream=None):
    """A rich bar when `stream` (default stdout) is a terminal and rich is installed, else a ProgressLine."""
    stream = sys.stdout if stream is None else stream
    if _is_terminal(stream):
        try:
            from .progress_bar import ProgressBar
        except ImportError:  # rich missing: plain lines still work
            pass
        else:
            return ProgressBar(total_steps, start_step, status=status)
    return ProgressLine(total_steps, start_step, stream=stream, status=status)


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
