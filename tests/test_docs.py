"""The docs keep up with the registries: every plugin, loss and net is documented."""
import re
from pathlib import Path

import pytest

from ganforge.cli import main
from ganforge.losses import LOSSES
from ganforge.plugins import PLUGINS

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("name", PLUGINS.names())
def test_every_plugin_has_a_section_with_a_snippet_in_techniques_md(name):
    text = (DOCS / "techniques.md").read_text()
    section = re.search(rf"^###[^\n]*\b{name}\b.*?(?=^##)", text + "\n##", re.S | re.M)
    assert section, f"docs/techniques.md has no section for {name}"
    assert f"name: {name}" in section.group(0), f"the {name} section has no YAML snippet"


def test_every_plugin_is_listed_with_one_line_of_help(capsys):
    assert main(["list", "plugins"]) == 0
    listing = capsys.readouterr().out
    for name in PLUGINS.names():
        line = next((line for line in listing.splitlines() if line.split()[:1] == [name]), None)
        assert line is not None and len(line.split()) > 2, f"{name} missing or without help"


def test_every_loss_is_in_the_config_reference():
    text = (DOCS / "config.md").read_text()
    for name in LOSSES.names():
        assert f"`{name}`" in text


def test_every_doctor_option_is_in_the_config_reference():
    from ganforge.config_schema import DoctorConfig

    text = (DOCS / "config.md").read_text()
    section = re.search(r"^### `doctor`.*?(?=^##)", text + "\n##", re.S | re.M).group(0)
    for name in DoctorConfig.model_fields:
        assert f"| `{name}` |" in section, f"docs/config.md's doctor table lacks {name}"
