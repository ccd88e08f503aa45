"""The doctor: feeds each stats flush to the rules and reports each finding once.

    doctor = Doctor(config, data_source)
    for finding in doctor.observe(step, means): ...   # new findings only
    doctor.status()                                   # "doctor: WARN mode_collapse (step 1200)"
    diagnose_run("runs/00003-ring")                   # the same, replayed offline from stats.jsonl

A rule's finding is emitted when it starts, again when its severity rises, and again only
after it has been clear for a whole window and comes back; so a live run prints a problem
once, not at every flush.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import GanforgeError
from ..jsonl import parse_record, read_lines, record_step, rewrite
from ..train.stats import JsonlWriter, read_stats
from .advice import advice_for
from .finding import Finding, severity_rank
from .rules import RULES
from .rules.context import context_from
from .signals import SignalHistory
from .verdicts import as_verdicts


class Doctor:
    def __init__(self, config, data_source=None):
        self.config = config
        self.context = context_from(config, data_source)
        self.history = SignalHistory()
        self.active: dict[str, Finding] = {}  # rule → its last emitted finding, while the problem lasts
        self.clear_for: dict[str, int] = {}  # rule → flushes in a row it has been silent
        self.findings: list[Finding] = []  # everything emitted, in order
        self.seconds = 0.0  # live runs: time spent in the doctor (probes + rules), its overhead on training

    def observe(self, step: int, means: dict) -> list[Finding]:
        if len(self.history) and step <= self.history.step:  # the run rolled back (NaN guard): forget the future
            self.history.truncate_after(step - 1)
        self.history.append(step, as_verdicts(means, self.context.loss))
        new = []
        for name, rule in RULES.items():
            finding = rule.check(self.history, self.context)
            if finding is not None and self.explained(rule):
                finding = None
            if finding is None:
                self._note_clear(name)
                continue
            self.clear_for[name] = 0
            previous = self.active.get(name)
            if previous is None or severity_rank(finding.severity) > severity_rank(previous.severity):
                finding.advice = advice_for(name, self.config)
                self.active[name] = finding
                new.append(finding)
        new.sort(key=lambda finding: -severity_rank(finding.severity))  # at one step, errors before warnings
        self.findings.extend(new)
        return new

    def explained(self, rule) -> bool:
        """A rule that names a symptom (its YIELDS_TO lists the rules naming a cause of it) stays silent while one of
        those rules' findings stands: rules/off_data.py yields to d_weak, d_overpowering, divergence, mode_collapse."""
        return any(name in self.active for name in getattr(rule, "YIELDS_TO", ()))

    def _note_clear(self, name: str) -> None:
        if name not in self.active:
            return
        self.clear_for[name] = self.clear_for.get(name, 0) + 1
        if self.clear_for[name] >= self.context.window:  # clear for a whole window: the problem is over
            del self.active[name]

    def status(self) -> str:
        if not self.active:
            return "doctor: healthy"
        worst = max(self.active.values(), key=lambda f: (severity_rank(f.severity), f.step))
        others = f" (+{len(self.active) - 1} more)" if len(self.active) > 1 else ""
        return f"doctor: {worst.severity.upper()} {worst.rule} (step {worst.step}){others}"


class DoctorWriter(JsonlWriter):
    """Appends findings to <run>/doctor.jsonl; `truncate_after(step)` drops findings past a resume step.

    Auto-remedy records are kept whatever their step: they say which changes the run's config.yaml
    already carries, and a later remedy that rolls back further (to step 0 for a change to the nets)
    must not erase the earlier ones (remedy.previous_attempts counts them on a resume)."""

    def __call__(self, finding: Finding) -> None:
        with self.path.open("a") as file:
            file.write(json.dumps(finding.to_json()) + "\n")

    def truncate_after(self, step: int) -> None:
        if not self.path.exists():
            return
        kept = [line for line in read_lines(self.path) if _remedy_record(line) or record_step(line) <= step]
        rewrite(self.path, kept)


def _remedy_record(line: str) -> bool:
    record = parse_record(line)
    return record is not None and record.get("rule") == "auto_remedy"


def diagnose_run(run_dir) -> list[Finding]:
    """Replay a run's stats.jsonl through a fresh doctor; every finding it would have emitted live."""
    return replay_run(run_dir).findings


def standing_errors(doctor: Doctor) -> list[Finding]:
    """Error findings whose problem lasts to the end of the stats (not cleared for a whole window since)."""
    return [finding for finding in doctor.active.values() if finding.severity == "error"]


def replay_run(run_dir) -> Doctor:
    """The doctor after replaying a run's stats.jsonl: `findings` (all emitted) and `active` (still standing)."""
    run_path = Path(run_dir)
    stats, config_file = run_path / "stats.jsonl", run_path / "config.yaml"
    if not run_path.is_dir():
        raise GanforgeError(f"{run_path}: no such run directory")
    for needed in (stats, config_file):
        if not needed.is_file():
            raise GanforgeError(f"{needed}: missing; is {run_path} a ganforge run directory?")
    config = run_config(config_file)
    doctor = Doctor(config, data_source_or_none(config))
    for record in read_stats_lenient(stats):
        doctor.observe(int(record["step"]), record)
    return doctor


def run_config(path: Path):
    """The run's config; plugins this process does not know (registered by a script) are left out."""
    from ..config import ConfigError, load_config, read_yaml, validate
    from ..plugins import PLUGINS

    try:
        return load_config(path)
    except ConfigError:
        raw, stem = read_yaml(path)
        raw.setdefault("name", stem)
        raw["plugins"] = [spec for spec in raw.get("plugins") or []
                          if isinstance(spec, dict) and spec.get("name") in PLUGINS.names()]
        return validate(raw)


def data_source_or_none(config):
    """The run's data source (for its size and mixture modes), or None when it cannot be opened here."""
    from ..data import DATA

    try:
        return DATA.build(config.data.model_dump(), field="data")
    except GanforgeError:
        return None


def read_stats_lenient(path: Path) -> list[dict]:
    """stats.jsonl records; a torn last line (a run still writing, or killed) or an unreadable one is skipped."""
    return read_stats(path)
