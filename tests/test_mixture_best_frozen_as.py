"""benchmarks/mixture_best.py recognises the screened candidate that the frozen `mixture_best` preset copies."""
import sys
from pathlib import Path

from ganforge.config import read_yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from mixture_best import same_preset_settings  # noqa: E402

PRESET = Path(__file__).resolve().parent.parent / "ganforge" / "presets" / "mixture_best.yaml"


def test_a_copy_of_the_preset_under_another_name_has_its_settings(tmp_path):
    copy = tmp_path / "candidate.yaml"
    copy.write_text(PRESET.read_text())
    assert same_preset_settings("mixture_best", str(copy))


def test_a_candidate_that_differs_in_one_option_does_not(tmp_path):
    raw, _ = read_yaml("mixture_best")
    changed = tmp_path / "changed.yaml"
    changed.write_text(PRESET.read_text().replace("steps: %d," % raw["train"]["steps"], "steps: 7,"))
    assert changed.read_text() != PRESET.read_text()
    assert not same_preset_settings("mixture_best", str(changed))
