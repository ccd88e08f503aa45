"""The words and numbers of a progress display: speed, ETA, time left and the signals shown beside them."""
from __future__ import annotations

from typing import Callable

SHOWN = (("loss/d", "D"), ("loss/g", "G"), ("d/real", "D(x)"), ("d/fake", "D(G(z))"))
StatusProvider = Callable[[], str]


def speed_and_eta(step: int, start_step: int, total_steps: int, elapsed_s: float) -> tuple[float, float]:
    """Steps per second since this process started (a resumed run's earlier steps excluded) and seconds left."""
    rate = (step - start_step) / max(elapsed_s, 1e-9)
    eta = (total_steps - step) / rate if rate > 0 else float("inf")
    return rate, eta


def format_signals(means: dict[str, float]) -> str:
    return "  ".join(f"{label} {means[name]:.3f}" for name, label in SHOWN if name in means)


def format_seconds(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"
