"""Files written so that a kill at any moment leaves the old file or the new one, never a torn one.

    with atomic_file(path) as file:      # a temporary file in the same folder, then fsync and rename
        file.write(data)
    write_text_atomic(path, text)
    copy_atomic(source, target)
    backup = keep_aside(path, "before-reconfigure")   # path.before-reconfigure, .before-reconfigure-2, ...

The temporary file is `.<name>.XXXX.tmp` next to the target (a rename within one folder is atomic),
flushed and fsynced before `os.replace` puts it in place, and the folder is fsynced after. On any
failure, a signal included, the temporary file is removed and the target is left as it was.
`keep_aside` never overwrites: each call keeps a copy under a name no earlier call used.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_file(path: Path | str, mode: str = "wb", encoding: str | None = None):
    """Yield a file open for writing; on a clean exit it replaces `path` in one rename."""
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(descriptor, mode, encoding=encoding) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _default_mode())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def write_text_atomic(path: Path | str, text: str) -> None:
    with atomic_file(path, "w", encoding="utf-8") as file:
        file.write(text)


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    with atomic_file(path) as file:
        file.write(data)


def copy_atomic(source: Path | str, target: Path | str) -> None:
    with open(source, "rb") as original, atomic_file(target) as copy:
        shutil.copyfileobj(original, copy)


def keep_aside(path: Path | str, label: str) -> Path:
    """Copy `path` to `path.<label>` (or `.<label>-2`, `-3`, ... when taken) and return the copy's name."""
    path = Path(path)
    backup = unused_name(path, label)
    copy_atomic(path, backup)
    return backup


def unused_name(path: Path, label: str) -> Path:
    """`path.<label>`, else the first `path.<label>-N` (N = 2, 3, ...) that does not exist."""
    candidate, number = path.with_name(f"{path.name}.{label}"), 2
    while candidate.exists():
        candidate, number = path.with_name(f"{path.name}.{label}-{number}"), number + 1
    return candidate


def fsync_directory(directory: Path | str) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _default_mode() -> int:
    """The permissions a plain `open(path, "w")` would give (mkstemp makes files private to the owner)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
