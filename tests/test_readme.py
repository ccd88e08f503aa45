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
    missing = [name for name in PLUGINS.names() if f"`{name}`" not in table]
    assert missing == []
