"""benchmarks/equal_compute.py's seed sets: a held-out seed is never a tuning or an already-seen one."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from equal_compute import SETTINGS, Setting, sections  # noqa: E402

from ganforge.config import preset_names  # noqa: E402


def test_held_out_seeds_are_never_tuning_or_seen_ones():
    for setting in SETTINGS.values():
        other = {seed for seeds, words in sections(setting, screening=False).values() if "held-out" not in words
                 for seed in seeds}
        assert not set(setting.held_out_seeds) & (other | set(setting.tuning_seeds)), setting.name


def test_presets_are_pointed_at_the_data_of_the_settings_that_say_so():
    assert SETTINGS["stacked_fashion"].preset_overrides == (
        "data.name=stacked", "data.base=fashion_mnist", "data.size=60000", "data.seed=0")
    assert SETTINGS["photos"].preset_overrides[0] == "data.name=image_folder"
    assert SETTINGS["fashion"].preset_overrides == () and SETTINGS["digits"].preset_overrides == ()


def test_stacked_tables_keep_screening_seen_and_held_out_seeds_apart():
    written = sections(SETTINGS["stacked_fashion"], screening=False)
    assert [seeds for seeds, _ in written.values()] == [(0,), (3, 4), (5, 6)]


def test_every_default_arm_is_the_hand_loop_or_a_preset():
    for setting in SETTINGS.values():
        assert isinstance(setting, Setting)
        assert all(arm == "hand" or arm in preset_names() for arm in setting.arms), setting.name
