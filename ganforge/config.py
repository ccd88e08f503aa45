"""The run configuration: a pydantic schema, YAML loading, dotted overrides, and resolution.

    config = load_config("configs/ring.yaml", ["loss.name=hinge", "train.steps=500"])

`load_config` returns a fully *resolved* `Config`: every section checked, every component
(data source, nets, loss, plugins) checked against its registry, and every default written
out, so the `config.yaml` saved beside a run says exactly what ran. Any mistake raises a
`ConfigError` whose message names the field and lists what would be valid.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field

from .errors import ConfigError, short_repr
from .safe_files import write_text_atomic
from .safe_yaml import YamlLimitError, load_limited, read_yaml_file

PRESET_DIRS = (Path(__file__).resolve().parent / "presets",)  # configs/ at the repository root links here


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Component(BaseModel):
    """`{name: ..., **options}`; the options are checked against the named component's registry."""

    model_config = ConfigDict(extra="allow")
    name: str


Beta = Annotated[float, Field(ge=0, lt=1)]  # an Adam moving-average coefficient
MAX_RATE = 1e6  # lr and weight_decay: beyond this the optimisers' float32 arithmetic overflows for some betas
MAX_SEED = 2**32 - 1  # every seed derived from it (seed·1,000,003 + epoch, seed + offsets) stays within int64


class OptimizerConfig(Section):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # an infinite lr or beta is never meant
    name: Literal["adam", "adamw", "rmsprop", "sgd"] = "adam"
    lr: float = Field(2e-4, gt=0, le=MAX_RATE)
    betas: tuple[Beta, Beta] = (0.5, 0.999)
    momentum: float = Field(0.0, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0, le=MAX_RATE)
    grad_clip: float | None = Field(None, gt=0, description="clip this net's gradient norm to this value")


class OptimConfig(Section):
    g: OptimizerConfig = OptimizerConfig()
    d: OptimizerConfig = OptimizerConfig()
    n_critic: int = Field(1, ge=1, description="D steps per G step")


class OnNanConfig(Section):
    """What the NaN/Inf guard does when a step produces a non-finite loss, gradient or weight (docs/reliability.md)."""

    action: Literal["halve_lr", "stop"] = Field("halve_lr", description="roll back and halve both learning rates, or stop")
    max_attempts: int = Field(3, ge=1, description="rollbacks allowed before training stops with an error")


class TrainConfig(Section):
    steps: int = Field(2000, ge=1, description="G steps")
    batch_size: int = Field(64, ge=1)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    sample_every: int = Field(500, ge=1)
    checkpoint_every: int = Field(500, ge=1)
    keep_checkpoints: int = Field(3, ge=1)
    log_every: int = Field(10, ge=1)
    grid_size: int = Field(64, ge=1, description="samples in each fixed-z grid (2-D data: at least 1000 dots)")
    device: str = "cpu"
    channels_last: bool = False
    on_nan: OnNanConfig = OnNanConfig()
    tensorboard: bool = Field(True, description="also write TensorBoard events (scalars, sample grids) into the run "
                                                "directory, when the tensorboard package is installed")


class EvalConfig(Section):
    """Quality metrics: periodically during training (`every`) and the defaults of `ganforge evaluate` (docs/evaluation.md)."""

    every: int = Field(0, ge=0, description="evaluate every this many steps during training (0: only `ganforge evaluate`)")
    metrics: list[str | Component] | None = Field(
        None, description="metric names or {name, options}; default: the data's own (modes, stacked_modes, or fid/kid/prdc)")
    n: int = Field(10000, ge=2, description="generated samples per evaluation")
    real_n: int = Field(10000, ge=2, description="real samples the reference statistics use (fewer if the split is smaller)")
    real_split: Literal["auto", "train", "test"] = Field(
        "auto", description="real data compared against: the data's test split when it has one (auto), or the training data")
    extractor: str = Field("auto", description="feature extractor: auto (digits and Fashion-MNIST: their classifier; "
                                               "other images: random_conv), digits_classifier, fashion_classifier, "
                                               "random_conv or inception_v3")
    inception_weights: str | None = Field(None, description="local FID-InceptionV3 weights file (nothing is downloaded)")
    ema: bool = Field(True, description="evaluate the EMA generator when the ema plugin is on")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the generated and real samples an evaluation draws")


class DoctorConfig(Section):
    """The training doctor (docs/doctor.md): rules over the stats, findings in doctor.jsonl, optional auto-remedy."""

    enabled: bool = Field(True, description="run the doctor while training (rank 0; findings in doctor.jsonl)")
    sample_every: int = Field(50, gt=0, description="steps between sample-statistics probes (diversity, modes, ...)")
    window: int = Field(10, ge=2, description="flushes (train.log_every steps each) a problem must last to count")
    auto: bool = Field(False, description="on an error finding: roll back, apply the top advice, continue")
    max_attempts: int = Field(3, ge=1, description="auto-remedy attempts before training stops with the finding")


class Config(Section):
    name: str = "run"
    data: Component
    generator: Component
    discriminator: Component
    z_dim: int = Field(100, ge=1)
    loss: Component = Component(name="nonsaturating")
    plugins: list[Component] = []
    optim: OptimConfig = OptimConfig()
    train: TrainConfig = TrainConfig()
    eval: EvalConfig = EvalConfig()
    doctor: DoctorConfig = DoctorConfig()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


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
    from .data import DATA
    from .losses import LOSSES
    from .metrics import METRICS
    from .nets import DISCRIMINATORS, GENERATORS
    from .plugins import PLUGINS

    resolved = config.to_dict()
    resolved["data"] = DATA.validate(resolved["data"], "data")
    resolved["generator"] = GENERATORS.validate(resolved["generator"], "generator")
    resolved["discriminator"] = DISCRIMINATORS.validate(resolved["discriminator"], "discriminator")
    resolved["loss"] = LOSSES.validate(resolved["loss"], "loss")
    resolved["plugins"] = [PLUGINS.validate(spec, f"plugins.{i}") for i, spec in enumerate(resolved["plugins"])]
    _refuse_repeated_plugins(resolved["plugins"], PLUGINS)
    for i, spec in enumerate(resolved["plugins"]):
        PLUGINS.build(spec, field=f"plugins.{i}")  # plugins check their option ranges when built; cheap
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


def _config_error(error: pydantic.ValidationError) -> ConfigError:
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
