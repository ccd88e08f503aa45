"""config-history/: the resolved config each stretch of a resumed run trained with.

config.yaml always holds the config the run trains with now (`sample`, `evaluate` and `report`
read it). When `ganforge resume RUN key=value ...` changes it, the config it replaces is first
kept as config-history/NN-until-step-SSSSSSSS.yaml: the config that trained the run up to that
step, numbered in order, never overwritten. The doctor's auto-remedy keeps the config it replaces
the same way, up to the step of the finding it remedies.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..safe_files import copy_atomic

FOLDER = "config-history"
NAME = re.compile(r"(\d+)-until-step-(\d+)\.yaml$")


def keep_previous(run_path: Path, config_file: Path, step: int) -> Path:
    """Copy the current config.yaml into the history before a resume replaces it; returns the copy's path."""
    folder = Path(run_path) / FOLDER
    folder.mkdir(exist_ok=True)
    target = folder / f"{len(entries(run_path)):02d}-until-step-{step:08d}.yaml"
    copy_atomic(config_file, target)
    return target


def entries(run_path: Path) -> list[Path]:
    """The kept configs, oldest first."""
    folder = Path(run_path) / FOLDER
    found = [path for path in folder.glob("*.yaml") if NAME.match(path.name)] if folder.is_dir() else []
    return sorted(found, key=lambda path: int(NAME.match(path.name).group(1)))


def current_since(run_path: Path) -> int:
    """The step from which config.yaml has trained the run: the newest kept config's step, 0 if none."""
    kept = entries(run_path)
    return int(NAME.match(kept[-1].name).group(2)) if kept else 0
