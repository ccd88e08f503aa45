"""Shared by the benchmark scripts: each owns one section of docs/benchmarks.md and rewrites only that."""
from __future__ import annotations

import platform
import re
from pathlib import Path

import torch

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEvery number here is written by a script under `benchmarks/`; rerun it to reproduce.\n"


def machine() -> str:
    threads = torch.get_num_threads()
    return (f"{platform.machine()}, {threads} torch thread{'s' if threads != 1 else ''}, torch {torch.__version__}, "
            f"Python {platform.python_version()}")


def write_section(key: str, markdown: str, document: Path = BENCHMARKS_MD) -> None:
    """Replace the section marked `key` in `document` (or append it), keeping every other section as it was."""
    text = document.read_text() if document.exists() else HEADER
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    document.parent.mkdir(parents=True, exist_ok=True)
    document.write_text(text)


def _values_by_name(specs: list[str], names: list[str], option: str, parser, parse, expected: str) -> dict:
    """{name: parse(value)} from NAME:VALUE specs; parse returns None for a bad value: a usage error naming the option."""
    values = {}
    for spec in specs:
        name, _, text = spec.partition(":")
        value = parse(text) if name in names else None
        if value is None:
            parser.error(f"{option} {spec!r}: expected {expected}; NAME is one of {', '.join(names)}")
        values[name] = value
    return values


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) >= 1 else None


def _seed_range(text: str) -> range | None:
    first, _, last = text.partition("-")
    if not (first.isdigit() and last.isdigit()) or int(last) < int(first):
        return None
    return range(int(first), int(last) + 1)


def counts_by_name(specs: list[str], names: list[str], option: str, parser) -> dict[str, int]:
    """{"grid": 5} from ["grid:5"] for a repeatable NAME:K option; a bad spec is a usage error naming the option."""
    return _values_by_name(specs, names, option, parser, _count, "NAME:K with K ≥ 1")


def seed_ranges_by_name(specs: list[str], names: list[str], option: str, parser) -> dict[str, range]:
    """{"grid": range(15, 25)} from ["grid:15-24"] for a repeatable NAME:FIRST-LAST option; a bad spec is a usage error."""
    return _values_by_name(specs, names, option, parser, _seed_range,
                           "NAME:FIRST-LAST with seeds FIRST ≤ LAST (e.g. grid:15-24)")
