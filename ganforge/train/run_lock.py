"""One writer per run directory: `train` and `resume` hold an exclusive lock on RUN/.lock while they run.

    lock = RunLock.acquire(run_path, "train")   # GanforgeError naming the holder's pid and host if taken
    ...
    lock.release()

The lock is `fcntl.flock` on the file, which the kernel drops when its holder exits, however it
exits (kill -9 included), so a lock left by a killed process is never in the way: the next writer
takes it over. The file says who holds it (pid, host, command) while it is held and is emptied on
a clean release, so a file that still names a holder when the lock is free was left by a process
that was killed; taking it over says so in one line.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from ..errors import GanforgeError

LOCK_NAME = ".lock"


class RunLock:
    def __init__(self, path: Path, descriptor: int):
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, run_path: Path | str, command: str) -> "RunLock":
        path = Path(run_path) / LOCK_NAME
        while True:
            descriptor = _open_and_lock(path)
            if _still_named(path, descriptor):
                break
            os.close(descriptor)  # the file was removed (remove_if_unused) between our open and lock: again
        previous = _read_holder(descriptor)
        _write_holder(descriptor, {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                                   "since": round(time.time(), 3)})
        if previous and previous.get("pid") != os.getpid():
            print(f"note: {run_path}: took over the lock left by {_describe(previous)}, which is no longer running")
        return cls(path, descriptor)

    def release(self, remove: bool = False) -> None:
        """Let the next writer in; `remove` also deletes the lock file (undoing a failed start)."""
        if self._descriptor is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        else:
            os.ftruncate(self._descriptor, 0)  # a clean end: the next holder finds nothing to take over
        os.close(self._descriptor)
        self._descriptor = None


def _open_and_lock(path: Path) -> int:
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise GanforgeError(f"{path}: cannot open the run's lock file ({error.strerror or error})") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(descriptor)
        os.close(descriptor)
        raise GanforgeError(f"{path.parent}: another ganforge process is writing this run "
                            f"({_describe(holder) if holder else 'holder unknown'}); wait for it to end or stop it") from None
    except OSError as error:
        os.close(descriptor)
        raise GanforgeError(f"{path}: cannot lock the run directory ({error.strerror or error})") from None
    return descriptor


def _still_named(path: Path, descriptor: int) -> bool:
    """True if `path` is still the file `descriptor` locked (not removed or replaced meanwhile)."""
    try:
        return os.stat(path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def _read_holder(descriptor: int) -> dict:
    try:
        text = os.pread(descriptor, 4096, 0).decode("utf-8")
        holder = json.loads(text) if text.strip() else {}
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _write_holder(descriptor: int, holder: dict) -> None:
    data = (json.dumps(holder) + "\n").encode()
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, data, 0)


def _describe(holder: dict) -> str:
    command = f"`ganforge {holder['command']}`, " if holder.get("command") else ""
    return f"{command}pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
