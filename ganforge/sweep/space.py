"""The search space: config paths and the values each may take, turned into Optuna suggestions.

    optim.g.lr:   {log_uniform: [1.0e-5, 1.0e-1]}     # floats, sampled on a log scale
    optim.beta:   {uniform: [0.0, 0.9]}
    optim.n_critic: {int: [1, 5]}                     # both ends included; `log: true` for a log scale
    loss.name:    {choice: [nonsaturating, hinge]}
    plugins:      {choice: [[], [{name: ema}]]}       # any YAML value, plugin lists included

A parameter's value reaches the trial as the override `path=<value as JSON>` (JSON is YAML, so the
config loader reads it back as it was written).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, short_repr

KINDS = ("log_uniform", "uniform", "int", "choice")


@dataclass(frozen=True)
class Param:
    path: str
    kind: str
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    choices: tuple = ()

    def suggest(self, trial) -> Any:
        """The trial's value for this parameter (Optuna's categorical choices are scalars: lists travel as JSON)."""
        if self.kind == "choice":
            picked = trial.suggest_categorical(self.path, [choice_label(choice) for choice in self.choices])
            return self.choices[[choice_label(choice) for choice in self.choices].index(picked)]
        if self.kind == "int":
            return trial.suggest_int(self.path, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.path, float(self.low), float(self.high), log=self.kind == "log_uniform")

    def probe_values(self) -> list:
        """Values that show whether the config takes this parameter: both ends, and a float between them that
        is no whole number (so a float range over an integer field is refused)."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "int":
            return [int(self.low), int(self.high)]
        share = 0.3711  # of the way from low to high: for ranges of whole numbers, lands between two of them
        middle = (self.low * (self.high / self.low) ** share if self.kind == "log_uniform"
                  else self.low + share * (self.high - self.low))
        return [float(self.low), middle, float(self.high)]


def choice_label(value) -> Any:
    """A choice as Optuna stores it: scalars as they are, lists and mappings as their JSON text."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else json.dumps(value)


def override(path: str, value) -> str:
    return f"{path}={json.dumps(value)}"


def parse_space(raw) -> list[Param]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError("space", "expected a mapping of config paths to ranges, e.g. optim.g.lr: {log_uniform: [1.0e-5, 1.0e-2]}")
    return [parse_param(str(path), spec) for path, spec in raw.items()]


def parse_param(path: str, spec) -> Param:
    field = f"space.{path}"
    kind_keys = [key for key in spec if key in KINDS] if isinstance(spec, dict) else []
    if len(kind_keys) != 1:
        raise ConfigError(field, f"expected one of {', '.join(KINDS)}, e.g. {{log_uniform: [1.0e-5, 1.0e-2]}}, "
                                 f"got {short_repr(spec)}")
    kind = kind_keys[0]
    extra = set(spec) - {kind} - ({"log"} if kind == "int" else set())
    if extra:
        raise ConfigError(f"{field}.{sorted(extra)[0]}", f"unknown key; valid keys here: {kind}" + (", log" if kind == "int" else ""))
    if kind == "choice":
        return Param(path, kind, choices=parse_choices(field, spec[kind]))
    low, high = parse_range(field, kind, spec[kind])
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ConfigError(f"{field}.log", f"expected true or false, got {short_repr(log)}")
    if log and low <= 0:
        raise ConfigError(field, f"a log scale needs a positive low end, got {low}")
    return Param(path, kind, low, high, log=log)


def parse_choices(field: str, choices) -> tuple:
    if not isinstance(choices, list) or not choices:
        raise ConfigError(f"{field}.choice", f"expected a non-empty list of values, got {short_repr(choices)}")
    labels = [choice_label(choice) for choice in choices]
    if len(set(map(json.dumps, labels))) != len(labels):
        raise ConfigError(f"{field}.choice", "a value is listed twice")
    return tuple(choices)


def parse_range(field: str, kind: str, bounds) -> tuple:
    number = int if kind == "int" else (int, float)
    if (not isinstance(bounds, list) or len(bounds) != 2
            or any(isinstance(b, bool) or not isinstance(b, number) for b in bounds)):
        what = "integers" if kind == "int" else "numbers"
        raise ConfigError(f"{field}.{kind}", f"expected [low, high], two {what}, got {short_repr(bounds)}")
    low, high = bounds
    if not all(math.isfinite(b) for b in bounds):
        raise ConfigError(f"{field}.{kind}", f"expected finite bounds, got {short_repr(bounds)}")
    if not low < high:
        raise ConfigError(f"{field}.{kind}", f"empty range: low ({low}) must be below high ({high})")
    if kind == "log_uniform" and low <= 0:
        raise ConfigError(f"{field}.{kind}", f"a log-uniform range needs a positive low end, got {low}")
    return low, high
