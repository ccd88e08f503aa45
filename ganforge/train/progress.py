"""A plain progress line at every stats flush: step, speed, ETA and the latest signals."""
from __future__ import annotations

import sys
import time

SHOWN = (("loss/d", "D"), ("loss/g", "G"), ("d/real", "D(x)"), ("d/fake", "D(G(z))"))


class ProgressLine:
    def __init__(self, total_steps: int, start_step: int = 0, every_seconds: float = 5.0, stream=sys.stdout):
        self.total_steps = total_steps
        self.every_seconds = every_seconds
        self.stream = stream
        self._last_time = self._start_time = time.perf_counter()
        self._start_step = start_step

    def __call__(self, step: int, means: dict[str, float]) -> None:
        now = time.perf_counter()
        first = self._last_time == self._start_time
        if not first and now - self._last_time < self.every_seconds and step < self.total_steps:
            return
        self._last_time = now
        rate = (step - self._start_step) / max(now - self._start_time, 1e-9)
        eta = (self.total_steps - step) / rate if rate > 0 else float("inf")
        signals = "  ".join(f"{label} {means[name]:.3f}" for name, label in SHOWN if name in means)
        print(f"step {step}/{self.total_steps}  {rate:.1f} it/s  ETA {format_seconds(eta)}  {signals}",
              file=self.stream, flush=True)


def format_seconds(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"
