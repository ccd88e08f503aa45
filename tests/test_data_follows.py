"""Switching a preset's data: size, channels and the run name follow the new data unless the user set them."""
import numpy as np
import pytest
from PIL import Image

from ganforge.cli import main
from ganforge.config import load_config
from ganforge.data import DATA
from ganforge.errors import ConfigError
from tests.test_cli_conventions import ganforge_cli


def image_folder(folder, sizes, mode="L"):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i, (width, height) in enumerate(sizes):
        shape = (height, width) if mode == "L" else (height, width, 3)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(folder / f"{i}.png")
    return folder


def test_switching_to_an_array_drops_the_presets_size_and_names_the_run_after_the_data(tmp_path):
    images = tmp_path / "fashion.npy"
    np.save(images, np.zeros((10, 28, 28), dtype=np.uint8))
    config = load_config("quickstart", ["data.name=array", f"data.path={images}"])
    assert config.data.image_size is None  # the quickstart's 16 was for its 8×8 digits
    assert DATA.build(config.data.model_dump()).shape == (1, 28, 28)
    assert config.name == "quickstart-fashion"
    resized = load_config("quickstart", ["data.name=array", f"data.path={images}", "data.image_size=32", "name=mine"])
    assert resized.data.image_size == 32 and resized.name == "mine"  # what the user set stays


def test_an_override_of_the_same_data_keeps_the_presets_options():
    config = load_config("quickstart", ["data.labels=false"])
    assert config.data.image_size == 16 and config.data.labels is False and config.name == "quickstart"


def test_an_image_folder_gives_its_own_size_and_channels(tmp_path):
    grey = DATA.build({"name": "image_folder", "path": str(image_folder(tmp_path / "grey", [(12, 12)] * 3))})
    assert grey.shape == (1, 12, 12)
    colour = DATA.build({"name": "image_folder", "path": str(image_folder(tmp_path / "rgb", [(12, 10)] * 2, "RGB"))})
    assert colour.shape == (3, 10, 10)  # the common short side, centre-cropped
    mixed = image_folder(tmp_path / "mixed", [(12, 12), (20, 16)])
    with pytest.raises(ConfigError, match=r"data.image_size: the images under .* have 2 different sizes"):
        DATA.build({"name": "image_folder", "path": str(mixed)})
    assert DATA.build({"name": "image_folder", "path": str(mixed), "image_size": 8}).shape == (1, 8, 8)


def test_a_folder_of_a_size_dcgan_cannot_make_is_one_line_saying_what_to_set(tmp_path):
    folder = image_folder(tmp_path / "faces", [(20, 20)] * 2)
    done = ganforge_cli("train", "data.name=image_folder", f"data.path={folder}", "--dry-run", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: data.image_size: dcgan supports") and "set data.image_size" in done.stderr


def test_a_dry_run_on_a_folder_shows_the_datas_geometry_and_name(tmp_path, capsys):
    folder = image_folder(tmp_path / "faces", [(16, 16)] * 4)
    assert main(["train", "fashion_dcgan", "data.name=image_folder", f"data.path={folder}", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "name: fashion_dcgan-faces" in out and "shape (1, 16, 16)" in out.splitlines()[-1]
