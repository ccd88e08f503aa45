"""The run directory: runs/<NNNNN>-<name>/ with config.yaml, stats.jsonl, samples/, checkpoints/.

`train` (through `create`) and `resume` (through `lock`) hold its lock (run_lock.py) until they end,
so two processes never write one run.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ..errors import GanforgeError
from .run_lock import LOCK_NAME, RunLock


class RunDir:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.config = self.path / "config.yaml"
        self.stats = self.path / "stats.jsonl"
        self.samples = self.path / "samples"
        self.checkpoints = self.path / "checkpoints"
        self.created: tuple[Path, ...] = ()  # the folders `create` made in this invocation, outermost first
        self.config_existed = True  # False when `create` found no config.yaml, so this invocation writes it
        self.held: RunLock | None = None  # the writer's lock, while this process holds it

    @classmethod
    def create(cls, root: Path | str = "runs", name: str = "run", path: Path | str | None = None,
               writer: str | None = None) -> "RunDir":
        """A fresh directory: `path` if given (it must be empty or new), else the next `root/NNNNN-name`.

        With `writer` (the command's name) it is returned locked, and an existing folder is checked while
        holding the lock, so a run in progress there is reported by its holder rather than as "not empty".
        """
        target = Path(path) if path is not None else Path(root) / f"{_next_index(Path(root)):05d}-{_slug(name)}"
        held = RunLock.acquire(target, writer) if writer and target.is_dir() else None
        if target.exists() and not _holds_nothing(target):
            if held is not None:
                held.release()
            raise GanforgeError(f"{target}: run directory exists and is not empty; use `ganforge resume {target}` or another --run-dir")
        created = [folder for folder in (*reversed(target.parents), target, target / "samples", target / "checkpoints")
                   if not folder.exists()]
        try:
            for folder in created:
                folder.mkdir()
        except OSError as error:
            if held is not None:
                held.release()
            raise GanforgeError(f"{target}: cannot create run directory ({error.strerror})") from None
        run = cls(target)
        run.config_existed = run.config.exists()
        run.created = tuple(created)
        run.held = held
        return run.lock(writer) if writer else run

    def lock(self, command: str) -> "RunDir":
        """Hold the run's writer lock (a GanforgeError naming the holder when another process has it)."""
        if self.held is None:
            self.held = RunLock.acquire(self.path, command)
        return self

    def __getstate__(self) -> dict:
        return {**self.__dict__, "held": None}  # the lock belongs to the process that took it (torchrun's rank 0)

    def unlock(self) -> None:
        if self.held is not None:
            self.held.release()
            self.held = None

    def remove_if_unused(self) -> None:
        """Undo `create` after a failed start: only what this invocation made, and only while nothing else is there.

        The config file goes if this invocation wrote it and training never wrote a checkpoint, stats, samples or
        events (guard.py); then each folder `create` made is removed if it is empty. A file or folder the user put
        there is never touched, so a folder that holds anything of theirs survives with its content.
        """
        if self.stats.exists() or (self.path / "events.jsonl").exists():
            return
        if any(folder.is_dir() and any(folder.iterdir()) for folder in (self.checkpoints, self.samples)):
            return
        if not self.config_existed:
            self.config.unlink(missing_ok=True)
        if self.held is not None:
            self.held.release(remove=True)
            self.held = None
        for folder in reversed(self.created):
            try:
                folder.rmdir()  # fails, and so keeps the folder, when anything is inside
            except OSError:
                return

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
    """Empty, or only what a run killed during start-up leaves: the empty subfolders `create` makes, a *.tmp file,
    the lock file (free: `create` holds it while asking)."""
    return all((child.is_dir() and child.name in ("samples", "checkpoints") and not any(child.iterdir()))
               or (child.is_file() and (child.name.endswith(".tmp") or child.name == LOCK_NAME))
               for child in path.iterdir())


def _next_index(root: Path) -> int:
    indices = [int(m.group(1)) for p in root.glob("*") if (m := re.match(r"(\d{5})-", p.name))] if root.is_dir() else []
    return max(indices, default=-1) + 1


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
