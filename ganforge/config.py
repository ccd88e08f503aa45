"""The run configuration: a pydantic schema, YAML loading, dotted overrides, and resolution.

    config = load_config("configs/ring.yaml", ["loss.name=hinge", "train.steps=500"])

`load_config` returns a fully *resolved* `Config`: every section checked, every component
(data source, nets, loss, plugins) checked against its registry, and every default written
out, so the `config.yaml` saved beside a run says exactly what ran. Any mistake raises a
`ConfigError` whose message names the field and lists what would be valid.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel

from .config_schema import (  # noqa: F401  (the schema's names are part of this module's interface)
    MAX_RATE, MAX_SEED, Beta, Component, Config, DoctorConfig, EvalConfig, OnNanConfig, OptimConfig, OptimizerConfig,
    Section, TrainConfig)
from .data import DATA
from .errors import ConfigError, short_repr
from .losses import LOSSES
from .metrics import METRICS
from .nets import DISCRIMINATORS, GENERATORS
from .plugin_order import check_plugin_order
from .plugins import PLUGINS
from .safe_files import write_text_atomic
from .safe_yaml import YamlLimitError, load_limited, read_yaml_file

PRESET_DIRS = (Path(__file__).resolve().parent / "presets",)  # configs/ at the repository root links here


def find_preset(name: str) -> Path | None:
    for directory in PRESET_DIRS:
        candidate = directory / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    return None


def preset_names() -> list[str]:
    return sorted({path.stem for directory in PRESET_DIRS if directory.is_dir() for path in directory.glob("*.yaml")})


def read_yaml(source: str | Path) -> tuple[dict[str, Any], str]:
    """Read a config file or preset name; returns (raw mapping, default run name)."""
    path = Path(source)
    if not path.is_file():
        preset = find_preset(str(source))
        if preset is None:
            raise ConfigError("", f"{source}: no such config file or preset (presets: {', '.join(preset_names())})")
        path = preset
    raw = read_yaml_file(path)
    if not isinstance(raw, dict):
        raise ConfigError("", f"{path}: expected a mapping of sections (data, generator, ...), got {type(raw).__name__}")
    return raw, path.stem


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `a.b.c=value` strings (value parsed as YAML; list items addressed by index: plugins.0.gamma=5)."""
    for override in overrides:
        if "=" not in override:
            raise ConfigError(override, "expected an override of the form section.key=value")
        path, text = override.split("=", 1)
        keys = path.split(".")
        value = _override_value(text, path)
        node = raw
        for depth, key in enumerate(keys[:-1]):
            node = _child(node, key, ".".join(keys[: depth + 1]))
        _assign(node, keys[-1], value, path)
    return raw


def _override_value(text: str, where: str):
    """An override's value parsed as YAML (under the limits of safe_yaml); text that is not YAML stays a string."""
    if text == "":
        return ""
    try:
        return load_limited(text)
    except YamlLimitError as error:
        raise ConfigError(where, f"expected a plain value, got YAML that is {error}") from None
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError, TypeError):
        return text


def _child(node, key, where):
    if isinstance(node, list):
        return node[_list_index(node, key, where)]
    if not isinstance(node, dict):
        raise ConfigError(where, f"cannot set a key inside a {type(node).__name__}")
    return node.setdefault(key, {})


def _assign(node, key, value, where):
    if isinstance(node, list):
        node[_list_index(node, key, where)] = value
    elif isinstance(node, dict):
        node[key] = value
    else:
        raise ConfigError(where, f"cannot set a key inside a {type(node).__name__}")


def _list_index(node: list, key: str, where: str) -> int:
    if not key.isdigit() or int(key) >= len(node):
        raise ConfigError(where, f"expected a list index 0..{len(node) - 1}")
    return int(key)


def validate(raw: dict[str, Any]) -> Config:
    """Check the schema and every component against its registry; fill in all defaults."""
    _check_integers(raw, "")
    _check_colon_keys(raw, "")
    try:
        config = Config.model_validate(raw)
    except pydantic.ValidationError as error:
        raise _config_error(error) from None
    return _resolve_components(config)


def _check_integers(node, where: str) -> None:
    """Every integer in the config fits in 64 bits: PyTorch, NumPy and the RNGs cannot take a larger one."""
    if isinstance(node, bool):
        return
    if isinstance(node, int) and not -(2**63) <= node < 2**63:
        raise ConfigError(where, f"expected an integer from -2^63 to 2^63 - 1, got {short_repr(node)}")
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        _check_integers(child, f"{where}.{key}" if where else str(key))


def _check_colon_keys(node, where: str) -> None:
    """`{name:r1}` is YAML for a key "name:r1" without a value (a mapping's colon needs a space after it): say so,
    rather than report `name` missing."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        place = f"{where}.{key}" if where else str(key)
        if isinstance(key, str) and ":" in key and child is None:
            name, _, value = key.partition(":")
            raise ConfigError(where or key, f"{key!r} reads as one key with no value; YAML needs a space after the "
                                            f"colon: {name}: {value}")
        _check_colon_keys(child, place)


def load_config(source: str | Path, overrides: list[str] = ()) -> Config:
    """The resolved config of a file or preset with dotted overrides (see `follow_switched_data`)."""
    raw, stem = read_yaml(source)
    file_data = raw["data"].get("name") if isinstance(raw.get("data"), dict) else None
    raw.setdefault("name", stem)
    raw = apply_overrides(raw, list(overrides))
    return validate(follow_switched_data(raw, file_data, list(overrides)))


def follow_switched_data(raw: dict[str, Any], file_data: str | None, overrides: list[str]) -> dict[str, Any]:
    """An override that names other data (`data.name=array`) than the file's starts a fresh data section.

    The file's data options (its image size, channels, labels, ...) were set for its own data,
    so they are dropped: the new source's options are the overrides' `data.*` keys and its own
    defaults, which take size and channels from the data. Unless an override sets `name`, the run
    name gains the new data's label: `quickstart` trained on fashion.npy is `quickstart-fashion`.
    """
    data = raw.get("data")
    if file_data is None or not isinstance(data, dict) or data.get("name") == file_data:
        return raw
    keys = [override.split("=", 1)[0] for override in overrides]
    if "data" not in keys:  # `data={...}` replaced the whole section already
        chosen = {key.split(".")[1] for key in keys if key.startswith("data.")}
        raw["data"] = {key: value for key, value in data.items() if key == "name" or key in chosen}
    if "name" not in keys:
        raw["name"] = f"{raw['name']}-{data_label(raw['data'])}"
    return raw


def data_label(data: dict[str, Any]) -> str:
    """A short name for a data section: its file or folder name (fashion.npy → fashion), else the source's name."""
    for option in ("path", "images"):
        if isinstance(data.get(option), str) and data[option].strip("/"):
            return Path(data[option].rstrip("/")).stem
    return str(data.get("name"))


def save_config(config: Config, path: Path) -> None:
    """Write the resolved config atomically (safe_files.py: a crash never leaves half a file)."""
    write_text_atomic(path, yaml.safe_dump(config.to_dict(), sort_keys=False))


def _resolve_components(config: Config) -> Config:
    resolved = config.to_dict()
    resolved["data"] = DATA.validate(resolved["data"], "data")
    resolved["generator"] = GENERATORS.validate(resolved["generator"], "generator")
    resolved["discriminator"] = DISCRIMINATORS.validate(resolved["discriminator"], "discriminator")
    resolved["loss"] = LOSSES.validate(resolved["loss"], "loss")
    resolved["plugins"] = [PLUGINS.validate(spec, f"plugins.{i}") for i, spec in enumerate(resolved["plugins"])]
    _refuse_repeated_plugins(resolved["plugins"], PLUGINS)
    built = [(spec["name"], PLUGINS.build(spec, field=f"plugins.{i}"))  # plugins check their option ranges when built
             for i, spec in enumerate(resolved["plugins"])]
    check_plugin_order(built)
    if resolved["eval"]["metrics"] is not None:
        resolved["eval"]["metrics"] = [METRICS.validate({"name": spec} if isinstance(spec, str) else spec, f"eval.metrics.{i}")
                                       for i, spec in enumerate(resolved["eval"]["metrics"])]
    return Config.model_validate(resolved)


def _refuse_repeated_plugins(specs: list[dict], plugins) -> None:
    """A plugin listed twice would apply its hooks twice (two penalties, two packings): refused unless it says `repeatable`."""
    first_place: dict[str, int] = {}
    for i, spec in enumerate(specs):
        name = spec["name"]
        if name in first_place and not getattr(plugins.get(name, f"plugins.{i}.name"), "repeatable", False):
            raise ConfigError(f"plugins.{i}", f"{name} is already plugins.{first_place[name]}; a plugin can be listed "
                                              "once (put all its options in one entry)")
        first_place.setdefault(name, i)


UNION_BRANCH_TAGS = ("int", "float", "str", "bool", "none", "constrained-int", "constrained-float", "constrained-str")


def _is_union_branch(part) -> bool:
    """A location part pydantic adds for one member of a union (`literal['auto']`, `int`), not a field name."""
    return isinstance(part, str) and (part in UNION_BRANCH_TAGS or "[" in part or part.startswith("function-"))


def _union_error(errors: list[dict]) -> ConfigError | None:
    """A value no member of a union field accepts: one line naming the field and what each member would take
    (`train.threads: expected 'auto' or greater than or equal to 1 (got 0)`)."""
    first = errors[0]
    if not first["loc"] or not _is_union_branch(first["loc"][-1]):
        return None
    field_loc = first["loc"][:-1]
    members = [e["msg"].removeprefix("Input should be ") for e in errors
               if e["loc"][:-1] == field_loc and _is_union_branch(e["loc"][-1])]
    field = ".".join(str(part) for part in field_loc)
    return ConfigError(field, f"expected {' or '.join(dict.fromkeys(members))} (got {short_repr(first.get('input'))})")


def _config_error(error: pydantic.ValidationError) -> ConfigError:
    union = _union_error(error.errors())
    if union is not None:
        return union
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        section = _section_model(first["loc"][:-1])
        valid = ", ".join(section.model_fields) if section else "see docs/config.md"
        return ConfigError(field, f"unknown key; valid keys here: {valid}")
    if first["type"] == "missing":
        return ConfigError(field, "required but missing")
    return ConfigError(field, f"{first['msg']} (got {short_repr(first.get('input'))})")


def _section_model(location: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] = Config
    for key in location:
        field = model.model_fields.get(str(key))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model
