"""benchmarks/cached_runs.py: a stored run is found for the current config from any checkout, and only for it."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from cached_runs import portable, same_settings, stored_result  # noqa: E402

STORED = {"name": "mixture_best-grid4", "data": {"name": "array", "path": "/elsewhere/benchmarks/results/mixtures/grid4.npy"},
          "plugins": [{"name": "ema", "beta": 0.99}, {"name": "rejection_sampling", "max_rounds": 100}]}


def current(**rejection):
    return {"name": "ttur_8k-grid4", "data": {"name": "array", "path": "/here/benchmarks/results/mixtures/grid4.npy"},
            "plugins": [{"name": "ema", "beta": 0.99},
                        {"name": "rejection_sampling", "max_rounds": 100, "refit_steps": 0, **rejection}]}


def test_a_run_stored_from_another_checkout_under_another_name_matches_with_options_added_at_their_defaults():
    assert same_settings(portable(STORED), portable(current()))


def test_a_changed_option_a_changed_file_or_another_plugin_list_does_not_match():
    assert not same_settings(portable(STORED), portable(current(max_rounds=1000)))
    other_file = {**current(), "data": {"name": "array", "path": "/here/benchmarks/results/mixtures/grid6.npy"}}
    assert not same_settings(portable(STORED), portable(other_file))
    fewer = {**current(), "plugins": current()["plugins"][:1]}
    assert not same_settings(portable(STORED), portable(fewer))


def test_a_path_outside_the_mixture_files_is_compared_as_it_is():
    outside = {"data": {"path": "/a/points.npy"}}
    assert portable(outside)["data"]["path"] == "/a/points.npy"
    assert not same_settings(portable(outside), portable({"data": {"path": "/b/points.npy"}}))


class Config:
    """What stored_result needs of a resolved config."""

    def __init__(self, settings):
        self.settings = settings

    def to_dict(self):
        return self.settings


def test_stored_result_returns_the_run_for_the_same_settings_and_none_otherwise(tmp_path):
    path = tmp_path / "run.json"
    assert stored_result(path, Config(current())) is None  # nothing stored yet
    path.write_text(json.dumps({"modes": 25, "config": STORED}))
    assert stored_result(path, Config(current())) == {"modes": 25, "config": STORED}
    assert stored_result(path, Config(current(max_rounds=1000))) is None
    path.write_text(json.dumps({"modes": 8}))  # stored before configs were kept: taken as it is
    assert stored_result(path, Config(current(max_rounds=1000))) == {"modes": 8}
