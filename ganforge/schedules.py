"""Step schedules shared by plugins: a value that moves from `start` to `final` over `steps` G steps."""
from __future__ import annotations

import math


def cosine(start: float, final: float, step: int, steps: int) -> float:
    """Half a cosine from `start` (step 0) to `final` (step `steps`, and after): slow at both ends."""
    progress = min(max(step / steps, 0.0), 1.0)
    return final + (start - final) * 0.5 * (1.0 + math.cos(math.pi * progress))
