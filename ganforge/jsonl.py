"""Reading the run's .jsonl logs (stats, doctor findings, evaluations) whatever a crash or an editor left in them.

A process killed mid-write leaves a torn last line; a disk error or a stray editor can leave bytes
that are not UTF-8. Neither stops a reader: each line is decoded on its own (undecodable bytes
replaced), and a line that is not a JSON object with an integer `step` is counted as unreadable
and skipped. Writers append one `json.dumps` line each (pure ASCII), so nothing valid is ever lost.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from .errors import GanforgeError
from .safe_files import write_text_atomic


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a text file, each decoded as UTF-8 on its own; [] if there is no file."""
    path = Path(path)
    if not path.exists():
        return []
    if not path.is_file():
        raise GanforgeError(f"{path}: expected a .jsonl log file, found a folder or other non-file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise GanforgeError(f"{path}: cannot read ({error.strerror or error})") from None
    lines = (raw.decode("utf-8", errors="replace") for raw in data.split(b"\n"))
    return [line for line in lines if line.strip()]


def parse_record(line: str) -> dict | None:
    """The record on `line`: a JSON object whose `step` is an integer ≥ 0; None for anything else (a torn line)."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    step = record.get("step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        return None
    return record


def read_records(path: Path) -> tuple[list[dict], int]:
    """(every readable record in file order, how many lines were unreadable and skipped)."""
    records = [parse_record(line) for line in read_lines(path)]
    return [record for record in records if record is not None], sum(record is None for record in records)


def record_step(line: str) -> float:
    """The step of the record on `line`, or infinity when the line is not a record (so it sorts after every step)."""
    record = parse_record(line)
    return math.inf if record is None else record["step"]


def rewrite(path: Path, lines: list[str]) -> None:
    """Replace the file's content with `lines` (via a temporary file, so a crash leaves the old or the new content)."""
    write_text_atomic(path, "".join(line + "\n" for line in lines))
