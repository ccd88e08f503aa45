"""Ctrl-C / SIGTERM ask training to stop at the next step boundary, so the checkpoint saved is consistent."""
from __future__ import annotations

import signal
import threading


class StopRequest:
    """Context manager: while active, SIGINT and SIGTERM set `requested` instead of killing the process.

    A second Ctrl-C raises KeyboardInterrupt at once, for a user who really wants out.
    """

    def __init__(self):
        self.requested = False
        self._previous = {}

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, number, frame) -> None:
        if self.requested and number == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
