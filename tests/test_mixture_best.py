"""The `mixture_best` preset: it loads, names no property of the data, and runs unchanged on any 2-D .npy mixture.

Its benchmark (benchmarks/mixture_best.py) trains it on mixtures of other mode counts, spacings and
σ, some from .npy files; so the preset's data section may name the source and nothing else, and
swapping in a file must leave every other setting as it was.
"""
import numpy as np
import pytest
import torch

from ganforge.config import load_config, preset_names, read_yaml
from ganforge.train.state import build_state


@pytest.fixture
def far_mixture(tmp_path):
    """Four points of a mixture far from [-1, 1]: x in [990, 1010], y in [-7, 3]."""
    path = tmp_path / "far.npy"
    np.save(path, np.array([[990.0, -7.0], [1010.0, 3.0], [1000.0, 0.0], [995.0, -2.0]], np.float32))
    return path


def file_overrides(path) -> list[str]:
    return ["data.name=array", f"data.path={path}", "data.rescale=true"]


def test_mixture_best_is_listed_and_loads_under_its_own_name():
    assert "mixture_best" in preset_names()
    assert load_config("mixture_best").name == "mixture_best"


def test_mixture_best_names_its_data_source_and_no_mode_count_spacing_or_std():
    raw, _ = read_yaml("mixture_best")
    assert raw["data"] == {"name": "ring"}  # the source's own defaults: nothing chosen for a geometry


def test_a_file_mixture_replaces_the_data_and_leaves_every_other_setting(far_mixture):
    on_ring, on_file = load_config("mixture_best").to_dict(), load_config("mixture_best", file_overrides(far_mixture)).to_dict()
    assert on_file["data"]["name"] == "array" and on_file["data"]["rescale"] is True
    for section in ("generator", "discriminator", "loss", "plugins", "optim", "z_dim"):
        assert on_file[section] == on_ring[section]
    assert {**on_file["train"], "seed": None} == {**on_ring["train"], "seed": None}


def test_a_far_mixture_is_trained_in_the_unit_square_and_sampled_back_in_its_own_units(far_mixture):
    state = build_state(load_config("mixture_best", [*file_overrides(far_mixture), "train.steps=1"]))
    x, _ = state.data.batch(0, 4, seed=0)
    assert torch.allclose(x.min(dim=0).values, torch.tensor([-1.0, -1.0]))  # x: (990 - 990) / 20 · 2 - 1
    assert torch.allclose(x.max(dim=0).values, torch.tensor([1.0, 1.0]))
    corners = state.data.to_data_units(torch.tensor([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]))
    assert np.allclose(corners, [[990.0, -7.0], [1000.0, -2.0], [1010.0, 3.0]])  # midpoint of each feature's range
