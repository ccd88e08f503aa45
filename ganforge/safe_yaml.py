"""YAML with limits: UTF-8 text only, bounded size, nesting depth, aliases and expanded size.

    mapping = read_yaml_file(Path("configs/ring.yaml"))    # GanforgeError naming the file if malformed
    value = parse_yaml_text("[1, 2]", origin="an override")

A config is a small document written by hand, so the limits are far above any real one and
far below what exhausts the machine: an alias "billion laughs" document (aliases of aliases,
each doubling the data) is refused while it is parsed, before anything expands it.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from yaml.events import AliasEvent

from .errors import GanforgeError

MAX_BYTES = 1 << 20  # 1 MiB: the largest preset is under 3 KB
MAX_DEPTH = 64  # nested lists/maps
MAX_ALIASES = 256  # *name references in one document
MAX_EXPANDED_NODES = 100_000  # scalars, lists and maps once every alias is expanded


class YamlLimitError(yaml.YAMLError):
    """The document exceeds one of the limits above."""


class LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts depth, aliases and the expanded node count while composing."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(f"more than {MAX_ALIASES} aliases (*name)")
            anchored = self.anchors.get(self.peek_event().anchor)
            if anchored is not None and id(anchored) not in self._sizes:
                raise YamlLimitError(f"alias *{self.peek_event().anchor} refers to a node that contains it")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(f"nested more than {MAX_DEPTH} levels deep")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._sizes[id(node)] = size = self._expanded_size(node)
        if size > MAX_EXPANDED_NODES:
            raise YamlLimitError(f"expands to more than {MAX_EXPANDED_NODES} values once its aliases are resolved")
        return node

    def _expanded_size(self, node) -> int:
        if id(node) in self._sizes:
            return self._sizes[id(node)]
        if isinstance(node, yaml.SequenceNode):
            return 1 + sum(self._sizes.get(id(child), 1) for child in node.value)
        if isinstance(node, yaml.MappingNode):
            return 1 + sum(self._sizes.get(id(key), 1) + self._sizes.get(id(value), 1) for key, value in node.value)
        return 1


def parse_yaml_text(text: str, origin: str):
    """The value of one YAML document; GanforgeError("<origin>: not valid YAML (...)") if malformed or over a limit."""
    try:
        return load_limited(text)
    except YamlLimitError as error:
        raise GanforgeError(f"{origin}: not a usable YAML config: {error}") from None
    except yaml.YAMLError as error:
        raise GanforgeError(f"{origin}: not valid YAML ({_first_line(error)})") from None
    except (ValueError, OverflowError, RecursionError, TypeError) as error:  # e.g. a date such as 2024-13-45
        raise GanforgeError(f"{origin}: not valid YAML ({type(error).__name__}: {_first_line(error)})") from None


def load_limited(text: str):
    """yaml.safe_load under the limits; raises YamlLimitError, yaml.YAMLError, ValueError or RecursionError."""
    if len(text) > MAX_BYTES:
        raise YamlLimitError(f"longer than {MAX_BYTES // 1024} KiB")
    return yaml.load(text, Loader=LimitedLoader)


def read_yaml_file(path: Path):
    """The YAML value in the file at `path`, which must be UTF-8 text of at most MAX_BYTES."""
    return parse_yaml_text(read_text_file(path, MAX_BYTES, "a YAML config"), str(path))


def read_text_file(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; GanforgeError naming the file otherwise."""
    path = Path(path)
    try:
        if not path.is_file():
            raise GanforgeError(f"{path}: expected {what} file, found {'something else' if path.exists() else 'nothing'}")
        if path.stat().st_size > limit:
            raise GanforgeError(f"{path}: expected {what} of at most {limit // 1024} KiB, "
                                f"the file has {path.stat().st_size // 1024} KiB")
        data = path.read_bytes()
    except OSError as error:
        raise GanforgeError(f"{path}: cannot read ({error.strerror or error})") from None
    if b"\x00" in data:
        raise GanforgeError(f"{path}: expected {what} in UTF-8 text, found binary data (NUL bytes; UTF-16 is not accepted)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GanforgeError(f"{path}: expected {what} in UTF-8 text; byte {error.start} is not UTF-8 "
                            "(re-save the file as UTF-8)") from None


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return " ".join(line.strip() for line in lines[:1]) or type(error).__name__
