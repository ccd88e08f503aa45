"""One `ganforge` command run as a child process, with the CPU time it (and anything it started) spent.

The child is reaped with os.wait4, whose resource usage is that child's alone, so trials running
side by side in threads of one sweep each get their own CPU seconds. It runs in a process session of its
own (setsid): a Ctrl-C at the terminal reaches the sweep alone, which then stops each trial with one SIGTERM
(a second signal would interrupt the trial at once instead of letting it finish its step).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STOP_GRACE_S = 60.0  # after SIGTERM the child finishes its step and saves a checkpoint; then it is killed
POLL_S = 0.2


PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding this ganforge package


def ganforge_command(*words: str) -> list[str]:
    return [sys.executable, "-m", "ganforge", *words]


def same_ganforge_environment() -> dict:
    """The parent's environment, with this ganforge first on the path: a trial runs the code the sweep runs."""
    paths = [str(PACKAGE_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}


class ChildProcess:
    def __init__(self, command: list[str], log_path: Path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, env=same_ganforge_environment())
        self.log_path = log_path
        self.returncode: int | None = None
        self.cpu_seconds = 0.0

    def finished(self) -> bool:
        """True once the child has exited (it is reaped here: returncode and cpu_seconds are then set)."""
        if self.returncode is not None:
            return True
        pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
        if pid == 0:
            return False
        self.returncode = os.waitstatus_to_exitcode(status)
        self.process.returncode = self.returncode  # reaped here: Popen must not wait for it again
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        return True

    def wait(self) -> int:
        while not self.finished():
            time.sleep(POLL_S)
        return self.returncode

    def stop(self) -> int:
        """SIGTERM (the child saves a checkpoint at its next step boundary and exits), SIGKILL if it hangs."""
        if not self.finished():
            self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while not self.finished():
            if time.monotonic() > deadline:
                self.process.kill()
            time.sleep(POLL_S / 4)
        return self.returncode

    def last_line(self) -> str:
        """The last line the child printed (its one-line error, when it failed)."""
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""
