"""Config fuzz: 1,200 mutated presets either validate or fail with one line naming the field.

Mutations (seeded, so a failure reproduces): wrong types, negative, zero, huge and
non-finite numbers, unknown component names and keys, deleted sections and keys, lists
where scalars belong, nested garbage, other components of the same kind (a ResNet on an
image size it cannot make), plugins with random options. `validate` must return a Config
or raise a GanforgeError whose message is one line starting with a dotted field (or a file);
a random subset of the configs that validate is also built (`build_state`, tiny widths).
"""
import copy
import math
import random
import re

import pytest

from ganforge.config import preset_names, read_yaml, validate
from ganforge.data import DATA
from ganforge.errors import GanforgeError
from ganforge.nets import DISCRIMINATORS, GENERATORS
from ganforge.plugins import PLUGINS
from ganforge.train.state import build_state

MUTANTS = 1200
BUILT = 25
SEED = 20261123
FIELD_FIRST = re.compile(r"^(-?[A-Za-z_][\w\-]*(\.[\w\-]+)*|[^\s:]*[/.][^\s:]*): \S")  # "optim.d.lr: ..." or "path/x.yaml: ..."
GARBAGE = ["abc", "", None, True, [1, 2], {"x": 1}, [{"y": None}], {"name": {"deep": [1, {"z": "?"}]}}, -1, 0, -1e9,
           10**12, 1e308, math.inf, -math.inf, math.nan, 0.5, "1e-3", [], {}, 3.7, -0.0]
UNKNOWN = ["nonexistent", "hing", "Dcgan", "", " ring"]
REGISTRIES = {"data": DATA, "generator": GENERATORS, "discriminator": DISCRIMINATORS}


def paths(node, prefix=()):
    """Every (path, value) inside nested dicts and lists, including the containers themselves."""
    yield prefix, node
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in children:
        yield from paths(value, prefix + (key,))


def parent_and_key(raw, path):
    node = raw
    for key in path[:-1]:
        node = node[key]
    return node, path[-1]


def garbage(rng: random.Random):
    """A fresh copy of one garbage value: a shared list or dict, put in twice, could end up inside itself."""
    return copy.deepcopy(rng.choice(GARBAGE))


def mutate(raw: dict, rng: random.Random) -> dict:
    raw = copy.deepcopy(raw)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        candidates = [p for p, _ in paths(raw) if p]
        path = rng.choice(candidates)
        parent, key = parent_and_key(raw, path)
        kind = rng.choice(["garbage", "garbage", "unknown_name", "unknown_key", "delete", "other_component",
                           "image_size", "plugin", "scale"])
        if kind == "garbage":
            parent[key] = garbage(rng)
        elif kind == "unknown_name":
            parent[key] = rng.choice(UNKNOWN)
        elif kind == "unknown_key" and isinstance(parent, dict):
            parent[rng.choice(["bogus", "stepz", "name2", "widht"])] = garbage(rng)
        elif kind == "delete" and isinstance(parent, dict):
            del parent[key]
        elif kind == "other_component" and path[0] in REGISTRIES and isinstance(raw.get(path[0]), dict):
            raw[path[0]]["name"] = rng.choice(REGISTRIES[path[0]].names())
        elif kind == "image_size" and isinstance(raw.get("data"), dict):
            raw["data"]["image_size"] = rng.choice([1, 2, 7, 13, 24, 30, 33, 1000, 0, -8])
        elif kind == "plugin":
            spec = {"name": rng.choice(PLUGINS.names() + UNKNOWN)}
            if rng.random() < 0.7:
                spec[rng.choice(["weight", "gamma", "beta", "packing", "std", "p", "size", "k", "bogus"])] = garbage(rng)
            raw["plugins"] = [*raw.get("plugins", []), spec] if isinstance(raw.get("plugins"), list) else [spec]
        elif isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = parent[key] * rng.choice([-1, 0, 1e6, 1e-9])
    return raw


def mutants():
    rng = random.Random(SEED)
    presets = [read_yaml(name)[0] for name in preset_names()]
    return [mutate(rng.choice(presets), rng) for _ in range(MUTANTS)]


def check_error(error: Exception, raw) -> None:
    message = str(error)
    assert isinstance(error, GanforgeError), f"{type(error).__name__}: {message} for {raw}"
    assert "\n" not in message and FIELD_FIRST.match(message), f"not one line naming a field: {message!r} for {raw}"


@pytest.fixture(scope="module")
def validated():
    """(configs that validated, (raw, exception) for those that did not), over all mutants."""
    valid, failed = [], []
    for raw in mutants():
        try:
            valid.append(validate(copy.deepcopy(raw)))
        except Exception as error:  # noqa: BLE001 - the point is which type it is
            failed.append((raw, error))
    return valid, failed


def test_mutated_presets_validate_or_fail_with_one_line_naming_the_field(validated):
    valid, failed = validated
    for raw, error in failed:
        check_error(error, raw)
    assert len(failed) > MUTANTS // 2 and len(valid) > 100  # the mutations bite, and some are benign


def small(config) -> dict | None:
    """The config with 1 step and tiny nets, or None if it asks for sizes that would allocate gigabytes."""
    raw = config.to_dict()
    sizes = {key: raw[key] for key in ("data", "generator", "discriminator", "plugins", "z_dim")}
    numbers = [v for _, v in paths(sizes) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
    if any(abs(v) > 256 for v in numbers):  # validated, but building would allocate what it asks for
        return None
    raw["train"].update(steps=1, batch_size=min(raw["train"]["batch_size"], 8), grid_size=4, device="cpu")
    for net in ("generator", "discriminator"):
        if "width" in raw[net]:
            raw[net]["width"] = min(raw[net]["width"], 8)
    return raw


def test_a_random_subset_of_valid_mutants_builds_or_fails_clearly(validated):
    rng = random.Random(SEED + 1)
    built = 0
    for config in rng.sample(validated[0], len(validated[0])):
        raw = small(config)
        if raw is None:
            continue
        try:
            build_state(validate(raw))
        except Exception as error:  # noqa: BLE001
            check_error(error, raw)
        built += 1
        if built == BUILT:
            break
    assert built == BUILT
