"""The terminal form of the progress display: a live `rich` bar with step, it/s, ETA, the latest
losses and, on a line of its own, the status provider's text (see progress.py)."""
from __future__ import annotations

import atexit
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.text import Text

from .progress_text import StatusProvider, format_seconds, format_signals, speed_and_eta


class _ProgressWithStatus(Progress):
    """rich's Progress with one more line under the bar for the status text (hidden while empty)."""

    status_text = ""

    def get_renderables(self):
        yield from super().get_renderables()
        if self.status_text:
            yield Text(self.status_text)


class ProgressBar:
    """A stats-bus listener drawing the bar; `close()` stops the live display and leaves the last frame."""

    def __init__(self, total_steps: int, start_step: int = 0, status: StatusProvider | None = None,
                 console: Console | None = None):
        self.total_steps = total_steps
        self.status = status
        self._start_step = start_step
        self._start_time = time.perf_counter()
        self._progress = _ProgressWithStatus(
            TextColumn("step {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("{task.fields[rate]}  ETA {task.fields[eta]}  {task.fields[signals]}", markup=False),
            console=console, refresh_per_second=4,
        )
        self._task = self._progress.add_task("train", total=total_steps, completed=start_step,
                                             rate="? it/s", eta="?", signals="")
        self._started = False

    def __call__(self, step: int, means: dict[str, float]) -> None:
        rate, eta = speed_and_eta(step, self._start_step, self.total_steps, time.perf_counter() - self._start_time)
        self._progress.status_text = self.status() if self.status else ""
        self._progress.update(self._task, completed=step, rate=f"{rate:.1f} it/s", eta=format_seconds(eta),
                              signals=format_signals(means))
        if not self._started:  # start on the first flush, so set-up output is not drawn over
            self._progress.start()
            self._started = True
            atexit.register(self.close)  # an exception out of the loop still restores the cursor

    def close(self) -> None:
        if self._started:
            self._progress.stop()
            self._started = False
            atexit.unregister(self.close)
