"""Pairs of plugins with options that change structure: refused in one line, or train, sample and resume bitwise.

benchmarks/plugin_pairs.py runs every ordered pair (its table is in docs/benchmarks.md); the
suite runs a fixed cover of them: every plugin once first and once second, each with a partner far from it
in the list.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from plugin_pairs import check_pair  # noqa: E402

from ganforge.plugins import PLUGINS  # noqa: E402

NAMES = PLUGINS.names()
SHIFT = len(NAMES) // 2  # plugin i's partner is i + n/2
COVER = [(NAMES[i], NAMES[(i + SHIFT) % len(NAMES)]) for i in range(len(NAMES))]


def test_the_cover_holds_every_plugin_in_both_places():
    assert {a for a, _ in COVER} == {b for _, b in COVER} == set(NAMES)


@pytest.mark.parametrize("pair", COVER, ids="+".join)
def test_pair_is_refused_in_one_line_or_trains_samples_and_resumes_bitwise(tmp_path, pair):
    result = check_pair(pair, tmp_path)
    assert result.outcome in ("trained", "refused"), result.detail
