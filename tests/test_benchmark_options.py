"""The benchmark scripts' NAME:K and NAME:FIRST-LAST options (benchmarks/report.py): parsed, or a usage error naming the option."""
import argparse
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from report import counts_by_name, seed_ranges_by_name  # noqa: E402


def parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog="bench", exit_on_error=False)


def test_seed_ranges_are_inclusive_and_per_name():
    ranges = seed_ranges_by_name(["grid:15-24", "ring:3-3"], ["ring", "grid"], "--held-out", parser())
    assert ranges == {"grid": range(15, 25), "ring": range(3, 4)}


@pytest.mark.parametrize("spec", ["grid:5", "grid:9-4", "moon:1-2", "grid:a-b", "grid"])
def test_bad_seed_range_is_a_usage_error_naming_the_option(spec, capsys):
    with pytest.raises(SystemExit):
        seed_ranges_by_name([spec], ["ring", "grid"], "--held-out", parser())
    error = capsys.readouterr().err
    assert "--held-out" in error and repr(spec) in error and "FIRST-LAST" in error and "one of ring, grid" in error


def test_counts_by_name():
    assert counts_by_name(["fashion_mnist:2"], ["digits", "fashion_mnist"], "--seeds-for", parser()) == {"fashion_mnist": 2}
    with pytest.raises(SystemExit):
        counts_by_name(["digits:0"], ["digits", "fashion_mnist"], "--seeds-for", parser())
