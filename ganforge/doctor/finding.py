"""A doctor finding and the advice attached to it, as written to a run's doctor.jsonl.

One finding is one JSON line:
    {"step": 1200, "rule": "mode_collapse", "severity": "warn", "message": "...",
     "evidence": {"samples/diversity": 0.21}, "advice": [{"plugin": {"name": "pacgan", "packing": 2}, ...}]}
Advice is either dotted config overrides (`optim.d.lr=5e-05`; a change that only makes sense
as a whole, such as lowering both learning rates, is several separated by spaces, as they are
pasted after `ganforge train`) or a plugin snippet to add to `plugins:`; `hot` says whether it can be applied on a rollback to a checkpoint (it changes only
optimiser settings or hyper-parameters, or adds a plugin without parameters of its own).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

SEVERITIES = ("info", "warn", "error")
OVERRIDE_START = re.compile(r" (?=[A-Za-z_][\w.]*=)")  # a space that begins the next `key=value` (not one inside a value)


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Advice:
    why: str
    override: str | None = None  # "optim.d.lr=5e-05", or several: "optim.d.lr=5e-05 optim.g.lr=5e-05"
    plugin: dict | None = None  # {"name": "instance_noise", "std": 0.1}
    hot: bool = True  # safe to apply when rolling back to a checkpoint (no new or changed net parameters)

    def __post_init__(self):
        if (self.override is None) == (self.plugin is None):
            raise ValueError("advice is either an override or a plugin snippet")

    @property
    def overrides(self) -> list[str]:
        """The dotted overrides this advice applies together (none for a plugin)."""
        return [] if self.override is None else OVERRIDE_START.split(self.override)

    @property
    def keys(self) -> set[str]:
        """What it changes: each override's dotted key, or `plugin:<name>`."""
        if self.override is None:
            return {"plugin:" + self.plugin["name"]}
        return {override.split("=", 1)[0] for override in self.overrides}

    def to_json(self) -> dict:
        change = {"override": self.override} if self.override is not None else {"plugin": dict(self.plugin)}
        return {**change, "why": self.why, "hot": self.hot}

    @classmethod
    def from_json(cls, record: dict) -> "Advice":
        return cls(why=record.get("why", ""), override=record.get("override"), plugin=record.get("plugin"),
                   hot=bool(record.get("hot", True)))

    def change(self) -> str:
        """The change in one phrase: the override, or `add plugin {name: ..., ...}`."""
        if self.override is not None:
            return self.override
        options = ", ".join(f"{key}: {value}" for key, value in self.plugin.items())
        return f"add plugin {{{options}}}"

    def __str__(self) -> str:
        return f"{self.change()}  ({self.why})"


@dataclass
class Finding:
    step: int
    rule: str
    severity: str  # info | warn | error
    message: str
    evidence: dict = field(default_factory=dict)  # {signal name: value}
    advice: list[Advice] = field(default_factory=list)  # best first

    def to_json(self) -> dict:
        return {"step": self.step, "rule": self.rule, "severity": self.severity, "message": self.message,
                "evidence": {name: _rounded(value) for name, value in self.evidence.items()},
                "advice": [item.to_json() for item in self.advice]}

    @classmethod
    def from_json(cls, record: dict) -> "Finding":
        return cls(int(record["step"]), record["rule"], record["severity"], record.get("message", ""),
                   dict(record.get("evidence", {})), [Advice.from_json(a) for a in record.get("advice", [])])


def _rounded(value):
    """Evidence as valid JSON: floats to 5 decimals, NaN/Inf as strings (as stats.jsonl writes them)."""
    if isinstance(value, float):
        return round(value, 5) if math.isfinite(value) else str(value)
    return value
