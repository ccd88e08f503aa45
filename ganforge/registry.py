"""Registries: one per kind of component, so that a YAML `name:` picks an implementation.

A component is a class (or function) registered under a name. Its keyword arguments are
its options; their type hints and defaults are its schema. Some arguments are *injected*
by ganforge rather than set by the user (a generator's `z_dim` and `data_shape`, say);
they are named when the registry is created and are not valid YAML options.

    GENERATORS = Registry("generator", injected=("z_dim", "data_shape", "num_classes"))

    @GENERATORS.register("dcgan")
    class DCGANGenerator(nn.Module): ...

    GENERATORS.validate({"name": "dcgan", "width": 32}, field="generator")  # -> full options
    GENERATORS.build({"name": "dcgan", "width": 32}, z_dim=64, data_shape=(1, 28, 28), num_classes=0)
"""
from __future__ import annotations

import inspect
import types
import typing
from typing import Any, Callable

import pydantic

from .errors import ConfigError, short_repr


class Registry:
    def __init__(self, kind: str, injected: tuple[str, ...] = ()):
        self.kind = kind
        self.injected = injected
        self._entries: dict[str, Callable] = {}
        self._schemas: dict[str, type[pydantic.BaseModel]] = {}

    def register(self, name: str):
        """Decorator: make `fn_or_class` buildable as `{name: <name>, ...options}`."""

        def decorate(fn_or_class):
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = fn_or_class
            return fn_or_class

        return decorate

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: str, field: str = "name") -> Callable:
        if name not in self._entries:
            raise ConfigError(field, f"unknown {self.kind} {name!r}; choose from: {', '.join(self.names())}")
        return self._entries[name]

    def summary(self, name: str) -> str:
        """First line of the component's docstring: the one-line help of `ganforge list`."""
        doc = inspect.getdoc(self._entries[name]) or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def options(self, name: str) -> dict[str, str]:
        """Each YAML option of `name` with its type and default, e.g. {"width": "int = 64"}."""
        described = {}
        for option, info in self._schema(name).model_fields.items():
            kind = type_name(info.annotation)
            described[option] = kind if info.is_required() else f"{kind} = {info.default!r}"
        return described

    def validate(self, spec: dict[str, Any], field: str) -> dict[str, Any]:
        """Check `spec` (`{name, **options}`) and return it with every option's default filled in."""
        if not isinstance(spec, dict) or "name" not in spec:
            raise ConfigError(field, f"expected a mapping with a 'name' key ({self.kind} choices: {', '.join(self.names())})")
        name = spec["name"]
        self.get(name, f"{field}.name")
        options = {key: value for key, value in spec.items() if key != "name"}
        schema = self._schema(name)
        unknown = sorted(set(options) - set(schema.model_fields))
        if unknown:
            valid = ", ".join(schema.model_fields) or "none"
            raise ConfigError(f"{field}.{unknown[0]}", f"unknown option for {self.kind} {name!r}; valid options: {valid}")
        try:
            checked = schema.model_validate(options)
        except pydantic.ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ConfigError(f"{field}.{where}", f"{first['msg']} (got {short_repr(first.get('input'))})") from None
        return {"name": name, **checked.model_dump()}

    def build(self, spec: dict[str, Any], field: str | None = None, **injected):
        """Construct the component named by `spec` with its options plus the injected arguments."""
        field = field or self.kind
        full = self.validate(spec, field)
        options = {key: value for key, value in full.items() if key != "name"}
        try:
            return self._entries[full["name"]](**injected, **options)
        except ConfigError as error:
            raise _located(error, field, full["name"]) from None

    def _schema(self, name: str) -> type[pydantic.BaseModel]:
        """A pydantic model of the component's user-settable keyword arguments, built once."""
        if name not in self._schemas:
            target = self._entries[name]
            signature = inspect.signature(target.__init__ if inspect.isclass(target) else target, eval_str=True)
            fields = {}
            for parameter in signature.parameters.values():
                if parameter.name == "self" or parameter.name in self.injected:
                    continue
                if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                    continue
                annotation = Any if parameter.annotation is inspect.Parameter.empty else parameter.annotation
                default = ... if parameter.default is inspect.Parameter.empty else parameter.default
                fields[parameter.name] = (annotation, default)
            config = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=True)
            self._schemas[name] = pydantic.create_model(f"{self.kind}_{name}_options", __config__=config, **fields)
        return self._schemas[name]


def type_name(annotation) -> str:
    """An option's type as `ganforge list -v` shows it; a Literal lists its allowed values: `one of 'a', 'b'`."""
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(repr(value) for value in typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " | ".join(type_name(part) for part in typing.get_args(annotation))
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def _located(error: ConfigError, field: str, name: str) -> ConfigError:
    """A component may name itself in errors (`plugins.r1.gamma`); point at its place instead (`plugins.0.gamma`)."""
    section, _, rest = error.field.partition(".")
    if "." in field and section == field.split(".")[0] and rest.split(".")[0] == name:
        suffix = rest[len(name):]
        return ConfigError(field + suffix, str(error)[len(error.field) + 2:])
    return error
