"""benchmarks/equal_compute.py's seed sets: a held-out seed is never a tuning or an already-seen one."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from equal_compute import SETTINGS, Setting, sections  # noqa: E402

from ganforge.config import preset_names  # noqa: E402


def test_held_out_seeds_are_never_tuning_or_seen_ones():
    for setting in SETTINGS.values():
        written = sections(setting, screening=False)
        held_out = set(setting.held_out_seeds)
        for key, (seeds, _) in written.items():
            if seeds is not setting.held_out_seeds:
                assert not held_out & set(seeds), (setting.name, key)


def test_stacked_tables_keep_screening_seen_and_held_out_seeds_apart():
    written = sections(SETTINGS["stacked_fashion"], screening=False)
    assert [seeds for seeds, _ in written.values()] == [(0,), (3, 4), (5, 6)]


def test_every_default_arm_is_the_hand_loop_or_a_preset():
    for setting in SETTINGS.values():
        assert isinstance(setting, Setting)
        assert all(arm == "hand" or arm in preset_names() for arm in setting.arms), setting.name
