"""Shared by the benchmarks that train many runs: train a config to its last step, and cache each run's scores.

A run's scores go to one JSON file under benchmarks/results/ together with the resolved config
that produced them; a cached file is reused only for the same settings: the same config but for options
added since at their defaults, the run's name and the checkout's location (files written before configs
were recorded, which have no "config" key, are taken as they are). A run that stopped early — SIGTERM
stops training cleanly — raises instead of being cached.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir


REPOSITORY_FILES = "benchmarks/results/"  # data files the benchmarks write lie here inside any checkout


def portable(config: dict) -> dict:
    """The config without what differs between checkouts of the same run: its name and where the repository lies."""
    data = config.get("data", {})
    path = data.get("path")
    if isinstance(path, str) and REPOSITORY_FILES in path:
        path = path[path.index(REPOSITORY_FILES):]
    return {**config, "name": None, "data": {**data, "path": path}}


def same_settings(stored, current) -> bool:
    """The stored run's config is the current one, except options added since at their defaults (absent in it)."""
    if isinstance(stored, list) and isinstance(current, list):  # plugin lists: item by item
        return len(stored) == len(current) and all(map(same_settings, stored, current))
    if not isinstance(stored, dict) or not isinstance(current, dict):
        return stored == current
    return all(key in current and same_settings(value, current[key]) for key, value in stored.items())


def stored_result(path: Path, config) -> dict | None:
    """What `path` holds if it was run with the same settings as `config` (`same_settings`, from any checkout), else None."""
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    if "config" not in stored or same_settings(portable(stored["config"]), portable(config.to_dict())):
        return stored
    return None


def cached_result(path: Path, config, compute: Callable[[], dict]) -> dict:
    """`compute()` plus the config, stored at `path`; or what `path` holds for the same settings (`stored_result`)."""
    cached = stored_result(path, config)
    if cached is not None:
        return cached
    result = {**compute(), "config": config.to_dict()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return result


def train_to_end(config, run_path: Path):
    """(state, process CPU time at the start, wall time at the start); raises if training stopped early."""
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    state = train(config, RunDir.create(path=run_path), quiet=True)
    if state.step != config.train.steps:
        raise RuntimeError(f"{run_path.name} stopped at step {state.step} of {config.train.steps}")
    return state, cpu_started, wall_started
