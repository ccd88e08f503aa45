"""`ganforge train --dry-run`: everything a real run checks before its first step, with nothing trained or written.

The data are loaded, the nets, loss and plugins built and set up, the optimisers made, the
device checked, the run directory's place checked, and, when `eval.every` asks for evaluation
during training, the real split and feature extractor that evaluation will use.
"""
from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import GanforgeError
from . import periodic_eval
from .run_dir import _holds_nothing
from .state import build_state


def preflight(config: Config, run_dir: str | None = None) -> str:
    """Build what training builds; raise what it would raise. Returns a one-line summary of what was built."""
    if run_dir is not None:
        check_run_dir(Path(run_dir))
    state = build_state(config)
    periodic_eval.check(state)
    plugins = ", ".join(spec.name for spec in config.plugins) or "none"
    return (f"checked: data {config.data.name} ({len_or_stream(state.data)}, shape {tuple(state.data.shape)}), "
            f"G {parameter_count(state.G):,} parameters, D {parameter_count(state.D):,} parameters, plugins {plugins}, "
            f"device {state.device}; nothing trained")


def check_run_dir(path: Path) -> None:
    """The run directory `--run-dir` names must be new or empty (RunDir.create's rule); nothing is made here."""
    if path.exists() and (not path.is_dir() or not _holds_nothing(path)):
        raise GanforgeError(f"{path}: run directory exists and is not empty; use `ganforge resume {path}` or another --run-dir")


def parameter_count(net) -> int:
    return sum(parameter.numel() for parameter in net.parameters())


def len_or_stream(data) -> str:
    try:
        return f"{len(data):,} samples"
    except TypeError:
        return "sampled on the fly"
