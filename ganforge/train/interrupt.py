"""SIGINT and SIGTERM, from the first line of `ganforge`'s `main` to its exit: no traceback, nothing torn.

    install()                      # the first line of main
    with StopRequest() as stop:    # the training loop: the first signal only asks it to stop
        while not stop.requested: ...

Outside a `StopRequest` (start-up: imports, reading data, building nets; `sample`, `report`, ...) a
signal raises `Interrupted` at once; every file is written atomically (safe_files.py), so whatever it
interrupts leaves the old file or the new one. Inside, the first signal sets `stop.requested`: the
loop finishes its step, saves a checkpoint of it and returns. A second signal raises `Interrupted`
at once, and any signal after that (or once `main` is done) ends the process on the spot. The exit
code is 128 + the signal's number: 130 after SIGINT, 143 after SIGTERM.

Imports the standard library only, so `main` can install it before anything heavy is loaded.
"""
from __future__ import annotations

import os
import signal
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_received: int | None = None  # the first signal since `install` (or since a library-mode StopRequest began)
_deferring = False  # inside a StopRequest: the first signal is only recorded
_raised = False  # Interrupted was raised once: the next signal exits on the spot
_exiting = False  # main is done: a signal exits on the spot


class Interrupted(BaseException):
    """Raised by a signal that cannot wait for a step boundary. Not an Exception: `except Exception` lets it by."""

    def __init__(self, number: int):
        super().__init__(signal.Signals(number).name)
        self.number = number
        self.hint = ""  # what the user can do next, filled in by the command that knows

    @property
    def name(self) -> str:
        return signal.Signals(self.number).name

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.number)


def exit_code_for(number: int) -> int:
    return 128 + number


def install() -> dict:
    """Make SIGINT and SIGTERM end the process cleanly (see the module docstring); resets what was received.

    Returns the handlers it replaced, for `uninstall` (empty off the main thread, where nothing changes)."""
    global _received, _raised, _exiting
    if threading.current_thread() is not threading.main_thread():
        return {}
    _received, _raised, _exiting = None, False, False
    return {number: signal.signal(number, _handle) for number in SIGNALS}


def uninstall(previous: dict) -> None:
    """Put back the handlers `install` replaced (a caller of `main` inside a longer-lived program)."""
    for number, handler in previous.items():
        signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def installed() -> bool:
    return signal.getsignal(signal.SIGINT) is _handle


def received() -> int | None:
    """The number of the first signal received, or None."""
    return _received


def exit_at_once() -> None:
    """From now on (main has returned its exit code) a signal ends the process on the spot."""
    global _exiting
    _exiting = True


def _handle(number, frame) -> None:
    global _received, _raised
    if _raised or _exiting:
        _exit_now(number)
    first = _received is None
    if first:
        _received = number
        if _deferring:
            return
    _raised = True
    raise Interrupted(_received)  # a second signal reports the first: what the user asked for


def _exit_now(number: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a stream busy in the interrupted code: its tail is lost, nothing else
            pass
    os._exit(exit_code_for(_received or number))


class StopRequest:
    """While active, the first SIGINT/SIGTERM sets `requested` instead of interrupting; a second interrupts.

    Used outside `ganforge`'s main (training from Python), it installs the handlers itself for its
    duration and puts the previous ones back afterwards.
    """

    def __init__(self):
        self._previous: dict = {}

    @property
    def requested(self) -> bool:
        return _received is not None

    @property
    def signal_number(self) -> int | None:
        return _received

    def __enter__(self) -> "StopRequest":
        global _deferring
        if not installed():
            self._previous = install()
        _deferring = True
        return self

    def __exit__(self, *exc) -> None:
        global _deferring
        _deferring = False
        uninstall(self._previous)
