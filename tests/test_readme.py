"""README claims that can drift: the configuration example is a real preset, the plugin table lists every plugin."""
import re
from pathlib import Path

import yaml

from ganforge.config import find_preset
from ganforge.plugins import PLUGINS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_the_configuration_example_is_the_quickstart_preset():
    section = README[README.index("## Configuration"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    assert yaml.safe_load(block) == yaml.safe_load(find_preset("quickstart").read_text())


def test_the_plugin_table_lists_every_plugin():
    table = README[README.index("| kind | names |"):README.index("## Configuration")]
    shipped = [name for name in PLUGINS.names() if PLUGINS.get(name).__module__.startswith("ganforge.")]  # not tests' own
    missing = [name for name in shipped if f"`{name}`" not in table]
    assert missing == []


def test_the_own_images_walk_through_dry_run_works_on_a_folder(tmp_path, monkeypatch, capsys):
    import shlex

    import numpy as np
    from PIL import Image

    from ganforge.cli import main

    section = README[README.index("### Train on your own images"):README.index("### Presets")]
    line = next(line for line in section.splitlines() if line.startswith("ganforge train") and "--dry-run" in line)
    words = shlex.split(line.split("|")[0].split("#")[0])[1:]
    (tmp_path / "my_images").mkdir()
    for i in range(4):
        Image.fromarray(np.full((28, 28), 40 * i, dtype=np.uint8)).save(tmp_path / "my_images" / f"{i}.png")
    monkeypatch.chdir(tmp_path)
    assert main(words) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("# checked: data image_folder (4 samples, shape (1, 28, 28))")
    assert not (tmp_path / "runs").exists()
