"""What a sweep optimises: one value of `ganforge evaluate`'s output, minimised or maximised.

    objective: {metric: reverse_kl, direction: minimize, every: 100, n: 2500}

`metric` names a value the evaluation reports (`fid`, `kid`, `swd`, `reverse_kl`, `stacked_modes.kl`, ...); the
trials compute only the metric that reports it. `every` is the trials' `eval.every`: each periodic
value is an intermediate value for Optuna's pruners, and the value at the last step is the trial's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import ConfigError, short_repr
from ..metrics import METRICS

OUTPUTS = {  # each metric of ganforge/metrics/ -> the values it reports
    "fid": ("fid",), "kid": ("kid", "kid_std"), "is": ("is", "is_std"), "swd": ("swd",),
    "modes": ("modes", "high_quality", "reverse_kl"), "ndb": ("ndb", "ndb_fraction", "ndb_js"),
    "prdc": ("precision", "recall", "density", "coverage"), "stacked_modes": ("modes", "kl", "kl_channels"),
}
DIRECTIONS = ("minimize", "maximize")
KEYS = ("metric", "direction", "every", "n")


@dataclass(frozen=True)
class Objective:
    metric: str
    computed_by: str
    direction: str
    every: int
    n: int | None

    def overrides(self) -> list[str]:
        settings = [f"eval.every={self.every}", f"eval.metrics={json.dumps([self.computed_by])}"]
        return settings + ([f"eval.n={self.n}"] if self.n else [])

    def better(self, a: float, b: float) -> bool:
        return a < b if self.direction == "minimize" else a > b


def parse_objective(raw) -> Objective:
    if not isinstance(raw, dict):
        raise ConfigError("objective", f"expected a mapping with {', '.join(KEYS)}, got {short_repr(raw)}")
    unknown = [key for key in raw if key not in KEYS]
    if unknown:
        raise ConfigError(f"objective.{unknown[0]}", f"unknown key; valid keys here: {', '.join(KEYS)}")
    computed_by, metric = parse_metric(raw.get("metric"))
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        raise ConfigError("objective.direction", f"expected minimize or maximize, got {short_repr(direction)}")
    return Objective(metric, computed_by, direction, count(raw, "every", required=True), count(raw, "n", required=False, least=2))


def parse_metric(metric) -> tuple[str, str]:
    """`reverse_kl` (the first metric that reports it) or `stacked_modes.modes` (this metric's value)."""
    known = {name: values for name, values in OUTPUTS.items() if name in METRICS.names()}
    if isinstance(metric, str):
        owner, _, value = metric.rpartition(".")
        owners = [owner] if owner else [name for name, values in known.items() if value in values]
        if owners and value in known.get(owners[0], ()):
            return owners[0], value
    listed = sorted({value for values in known.values() for value in values})
    raise ConfigError("objective.metric", f"expected a value `ganforge evaluate` reports, one of {', '.join(listed)} "
                                          f"(or METRIC.VALUE, e.g. stacked_modes.modes); got {short_repr(metric)}")


def count(raw: dict, key: str, required: bool, least: int = 1) -> int | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(f"objective.{key}", f"expected an integer of at least {least} (steps between evaluations)"
                          if key == "every" else f"expected an integer of at least {least}, got {short_repr(value)}")
    return value
