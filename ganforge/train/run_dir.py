"""The run directory: runs/<NNNNN>-<name>/ with config.yaml, stats.jsonl, samples/, checkpoints/."""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from ..errors import GanforgeError


class RunDir:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.config = self.path / "config.yaml"
        self.stats = self.path / "stats.jsonl"
        self.samples = self.path / "samples"
        self.checkpoints = self.path / "checkpoints"

    @classmethod
    def create(cls, root: Path | str = "runs", name: str = "run", path: Path | str | None = None) -> "RunDir":
        """A fresh directory: `path` if given (it must be empty or new), else the next `root/NNNNN-name`."""
        target = Path(path) if path is not None else Path(root) / f"{_next_index(Path(root)):05d}-{_slug(name)}"
        if target.exists() and not _holds_nothing(target):
            raise GanforgeError(f"{target}: run directory exists and is not empty; use `ganforge resume {target}` or another --run-dir")
        try:
            for folder in (target, target / "samples", target / "checkpoints"):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise GanforgeError(f"{target}: cannot create run directory ({error.strerror})") from None
        return cls(target)

    def remove_if_unused(self) -> None:
        """Delete this directory if training never wrote a checkpoint, stats, samples or events (guard.py) into it."""
        written = [p for p in (self.checkpoints, self.samples) if p.is_dir() and any(p.iterdir())]
        if not written and not self.stats.exists() and not (self.path / "events.jsonl").exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def check_writable(self) -> None:
        """Fail with the OS's reason if a file cannot be created in the run directory or its subfolders."""
        for folder in (self.path, self.samples, self.checkpoints):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryFile(dir=folder):
                    pass
            except OSError as error:
                raise GanforgeError(f"{folder}: run directory is not writable ({error.strerror or error})") from None

    @classmethod
    def open(cls, path: Path | str) -> "RunDir":
        run = cls(Path(path))
        if not run.config.is_file():
            raise GanforgeError(f"{path}: not a run directory (expected {run.config.name} inside)")
        return run


def _holds_nothing(path: Path) -> bool:
    """Empty, or only what a run killed during start-up leaves: the empty subfolders `create` makes, a *.tmp file."""
    return all((child.is_dir() and child.name in ("samples", "checkpoints") and not any(child.iterdir()))
               or (child.is_file() and child.name.endswith(".tmp")) for child in path.iterdir())


def _next_index(root: Path) -> int:
    indices = [int(m.group(1)) for p in root.glob("*") if (m := re.match(r"(\d{5})-", p.name))] if root.is_dir() else []
    return max(indices, default=-1) + 1


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
