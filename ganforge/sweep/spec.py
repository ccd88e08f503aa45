"""The sweep spec: read a YAML file, check every field, and check the space against the base config.

    base: ring                       # a preset name or a config file (relative to the spec's folder)
    overrides: {train.steps: 600}    # fixed for every trial
    space: {...}                     # space.py
    objective: {metric: reverse_kl, direction: minimize, every: 100, n: 2500}
    budget: {trials: 20, cpu_seconds: 1200}
    workers: 1
    storage: null                    # default: sqlite:///<sweep dir>/study.db; any Optuna storage URL
    sampler: {name: tpe, seed: 0}
    pruner: {doctor: true, optuna: median}

Each mistake is a ConfigError naming the field; every point of the space that a trial could draw
(both ends of a range, a value between, every choice) is loaded as a config once, so an unknown
path or a value of the wrong type fails before the first trial.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import find_preset, load_config
from ..errors import ConfigError, short_repr
from ..safe_yaml import read_yaml_file
from .objective import Objective, parse_objective
from .space import Param, override, parse_space

TOP_KEYS = ("base", "overrides", "space", "objective", "budget", "workers", "storage", "sampler", "pruner", "name")
SAMPLERS = ("tpe", "random", "grid")
OPTUNA_PRUNERS = ("none", "median")


@dataclass(frozen=True)
class SweepSpec:
    name: str
    base: str
    overrides: tuple[str, ...]
    space: tuple[Param, ...]
    objective: Objective
    trials: int | None
    cpu_seconds: float | None
    workers: int
    storage: str | None
    sampler: str
    sampler_seed: int
    doctor_pruner: bool
    optuna_pruner: str

    def trial_overrides(self, values: dict) -> list[str]:
        """The base overrides, the objective's eval settings, then the trial's own values (last wins)."""
        return [*self.overrides, *self.objective.overrides(), *(override(path, value) for path, value in values.items())]


def read_spec(path: Path | str) -> SweepSpec:
    path = Path(path)
    if not path.is_file():
        raise ConfigError("", f"{path}: no such sweep spec file")
    raw = read_yaml_file(path)
    if not isinstance(raw, dict):
        raise ConfigError("", f"{path}: expected a mapping (base, space, objective, ...), got {type(raw).__name__}")
    spec = parse_spec(raw, path.parent, path.stem)
    check_against_config(spec)
    return spec


def parse_spec(raw: dict, folder: Path, default_name: str) -> SweepSpec:
    unknown = [key for key in raw if key not in TOP_KEYS]
    if unknown:
        raise ConfigError(str(unknown[0]), f"unknown key; valid keys here: {', '.join(TOP_KEYS)}")
    if "base" not in raw:
        raise ConfigError("base", "required but missing (a preset name or a config file)")
    budget = section(raw, "budget", ("trials", "cpu_seconds"))
    sampler = section(raw, "sampler", ("name", "seed"))
    pruner = section(raw, "pruner", ("doctor", "optuna"))
    trials, cpu_seconds = positive(budget, "budget.trials", int), positive(budget, "budget.cpu_seconds", (int, float))
    if trials is None and cpu_seconds is None:
        raise ConfigError("budget", "expected trials, cpu_seconds or both, e.g. {trials: 20}")
    spec = SweepSpec(
        name=text(raw, "name", default_name), base=resolve_base(raw["base"], folder),
        overrides=tuple(parse_overrides(raw.get("overrides", {}))), space=tuple(parse_space(raw.get("space"))),
        objective=parse_objective(raw.get("objective")), trials=trials, cpu_seconds=cpu_seconds,
        workers=positive(raw, "workers", int) or 1, storage=raw.get("storage") and text(raw, "storage", ""),
        sampler=one_of(sampler, "sampler.name", SAMPLERS, "tpe"), sampler_seed=seed(sampler),
        doctor_pruner=flag(pruner, "pruner.doctor", True), optuna_pruner=one_of(pruner, "pruner.optuna", OPTUNA_PRUNERS, "median"))
    if spec.sampler == "grid" and any(param.kind != "choice" for param in spec.space):
        first = next(param for param in spec.space if param.kind != "choice")
        raise ConfigError("sampler.name", f"grid needs every parameter to be a choice; space.{first.path} is {first.kind}")
    return spec


def section(raw: dict, key: str, keys: tuple[str, ...]) -> dict:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(key, f"expected a mapping with {', '.join(keys)}, got {short_repr(value)}")
    unknown = [name for name in value if name not in keys]
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}", f"unknown key; valid keys here: {', '.join(keys)}")
    return {f"{key}.{name}": item for name, item in value.items()}


def positive(values: dict, field: str, kind):
    value = values.get(field, values.get(field.split(".")[-1]))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        raise ConfigError(field, f"expected a positive {'integer' if kind is int else 'number'}, got {short_repr(value)}")
    return value


def text(raw: dict, key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(key, f"expected a non-empty string, got {short_repr(value)}")
    return value


def one_of(values: dict, field: str, choices: tuple[str, ...], default: str) -> str:
    value = values.get(field, default)
    if value not in choices:
        raise ConfigError(field, f"expected one of {', '.join(choices)}, got {short_repr(value)}")
    return value


def flag(values: dict, field: str, default: bool) -> bool:
    value = values.get(field, default)
    if not isinstance(value, bool):
        raise ConfigError(field, f"expected true or false, got {short_repr(value)}")
    return value


def seed(sampler: dict) -> int:
    value = sampler.get("sampler.seed", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError("sampler.seed", f"expected a non-negative integer, got {short_repr(value)}")
    return value


def resolve_base(base, folder: Path) -> str:
    """A config file beside the spec, else the path as given (a file, or a preset name)."""
    if not isinstance(base, str) or not base:
        raise ConfigError("base", f"expected a preset name or a config file, got {short_repr(base)}")
    beside = folder / base
    if beside.is_file():
        return str(beside.resolve())
    if Path(base).is_file():
        return str(Path(base).resolve())
    if find_preset(base) is None:
        raise ConfigError("base", f"{base}: no such config file or preset")
    return base


def parse_overrides(raw) -> list[str]:
    """`{path: value}` or a list of `path=value` strings."""
    if isinstance(raw, dict):
        return [override(str(path), value) for path, value in raw.items()]
    if isinstance(raw, list) and all(isinstance(item, str) and "=" in item for item in raw):
        return list(raw)
    raise ConfigError("overrides", f"expected a mapping of config paths to values, got {short_repr(raw)}")


def check_against_config(spec: SweepSpec) -> None:
    """Load the base config with the overrides, then with each probe value of each parameter."""
    try:
        load_config(spec.base, spec.trial_overrides({}))
    except ConfigError as error:
        raise ConfigError("overrides" if error.field else "base", str(error)) from None
    for param in spec.space:
        for value in param.probe_values():
            try:
                load_config(spec.base, spec.trial_overrides({param.path: value}))
            except ConfigError as error:
                message = str(error)[len(param.path) + 2:] if error.field == param.path else str(error)
                raise ConfigError(f"space.{param.path}", f"{message} (for the value {short_repr(value)})") from None
