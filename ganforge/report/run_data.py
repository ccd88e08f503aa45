"""Everything the HTML report shows, read from a run directory: stats series, sample grids, doctor findings, config.

Reading is forgiving on purpose: the report is refreshed while training runs, so a torn last line
of stats.jsonl, a missing doctor.jsonl or an odd value must never stop it; what could not be read
is counted in `unreadable` and shown on the page.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..jsonl import read_lines
from ..errors import GanforgeError
from ..safe_yaml import read_yaml_file

GRID_NAME = re.compile(r"step-(\d+)\.png$")  # written by the loop; `ganforge sample`'s sample.png is not one


@dataclass
class Series:
    """One stats name over time: `points` holds (step, value) with NaN/±Inf kept as float('nan') / ±inf."""

    name: str
    points: list[tuple[int, float]] = field(default_factory=list)

    @property
    def nonfinite_steps(self) -> list[int]:
        return [step for step, value in self.points if not math.isfinite(value)]


@dataclass
class RunData:
    path: Path
    config_text: str = ""
    config: dict = field(default_factory=dict)
    series: dict[str, Series] = field(default_factory=dict)
    grids: list[tuple[int, Path]] = field(default_factory=list)  # (step, png path), oldest first
    findings: list[dict] = field(default_factory=list)
    unreadable: dict[str, int] = field(default_factory=dict)  # file name -> lines that could not be parsed

    @property
    def last_step(self) -> int:
        steps = [p[-1][0] for p in (s.points for s in self.series.values()) if p] + [s for s, _ in self.grids]
        return max(steps, default=0)

    @property
    def first_step(self) -> int:
        steps = [p[0][0] for p in (s.points for s in self.series.values()) if p] + [s for s, _ in self.grids]
        return min(steps, default=0)


def read_run(path: Path | str) -> RunData:
    path = Path(path)
    run = RunData(path=path)
    read_config(run)
    read_stats(run, path / "stats.jsonl")
    run.grids = find_grids(path / "samples")
    read_findings(run, path / "doctor.jsonl")
    return run


def read_config(run: RunData) -> None:
    config_file = run.path / "config.yaml"
    if not config_file.is_file():
        return
    try:
        loaded = read_yaml_file(config_file)
        run.config_text = config_file.read_text()
    except GanforgeError as error:  # binary, not UTF-8, malformed or huge: the page says so instead
        loaded, run.config_text = None, f"(config.yaml not shown: {error})"
    run.config = loaded if isinstance(loaded, dict) else {}


def read_stats(run: RunData, stats_file: Path) -> None:
    """Numeric values of every record become series; "nan"/"inf" strings (see JsonlWriter) become floats."""
    for record in _json_lines(run, stats_file):
        step = record.get("step")
        if not isinstance(step, int) or isinstance(step, bool):
            run.unreadable[stats_file.name] = run.unreadable.get(stats_file.name, 0) + 1
            continue
        for name, raw in record.items():
            value = as_number(raw)
            if name != "step" and value is not None:
                run.series.setdefault(name, Series(name)).points.append((step, value))


def as_number(raw) -> float | None:
    """A stats value as a float, or None when it is not a number (text, lists, booleans are skipped)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str) and raw.strip().lower() in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
        return float(raw.strip().lower())
    return None


def find_grids(samples: Path) -> list[tuple[int, Path]]:
    if not samples.is_dir():
        return []
    grids = [(int(m.group(1)), p) for p in samples.iterdir() if (m := GRID_NAME.fullmatch(p.name)) and p.is_file()]
    return sorted(grids)  # regular files only: reading a FIFO named step-N.png would block


def read_findings(run: RunData, doctor_file: Path) -> None:
    """doctor.jsonl lines `{"step", "rule", "severity", "message", "evidence", "advice": [...]}`, in step order."""
    findings = []
    for record in _json_lines(run, doctor_file):
        advice = record.get("advice", [])
        findings.append({
            "step": record.get("step") if isinstance(record.get("step"), int) else None,
            "rule": str(record.get("rule", "?")),
            "severity": str(record.get("severity", "info")).lower(),
            "message": str(record.get("message", "")),
            "evidence": record.get("evidence", {}),
            "advice": [advice_text(a) for a in advice] if isinstance(advice, list) else [str(advice)],
        })
    run.findings = sorted(findings, key=lambda f: (f["step"] is None, f["step"] or 0))


def advice_text(advice) -> str:
    """A doctor advice item as one line: `{"override": ..., "why": ...}` or `{"plugin": {...}, "why": ...}`."""
    if not isinstance(advice, dict):
        return str(advice)
    if "override" in advice:
        change = str(advice["override"])
    elif isinstance(advice.get("plugin"), dict):
        change = "add plugin {" + ", ".join(f"{k}: {v}" for k, v in advice["plugin"].items()) + "}"
    else:
        return str(advice)
    return f"{change} ({advice['why']})" if advice.get("why") else change


def _json_lines(run: RunData, path: Path) -> list[dict]:
    """The JSON objects of a .jsonl file; lines that are not one (a torn last line) are counted, not raised."""
    records = []
    for line in read_lines(path):
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # a torn line, or one nested too deep to parse
            record = None
        if isinstance(record, dict):
            records.append(record)
        else:
            run.unreadable[path.name] = run.unreadable.get(path.name, 0) + 1
    return records
