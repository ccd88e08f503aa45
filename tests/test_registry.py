import pytest

from ganforge.errors import ConfigError
from ganforge.registry import Registry


def make_registry():
    things = Registry("thing", injected=("size",))

    @things.register("box")
    class Box:
        """A box. Second line is not shown."""

        def __init__(self, size: int, colour: str = "red", depth: float = 1.0):
            self.size, self.colour, self.depth = size, colour, depth

    return things


def test_build_passes_injected_arguments_and_options():
    box = make_registry().build({"name": "box", "colour": "blue"}, size=3)
    assert (box.size, box.colour, box.depth) == (3, "blue", 1.0)


def test_validate_fills_defaults_and_coerces_types():
    assert make_registry().validate({"name": "box", "depth": "2.5"}, "thing") == {"name": "box", "colour": "red", "depth": 2.5}


def test_unknown_name_lists_choices():
    with pytest.raises(ConfigError, match=r"thing\.name: unknown thing 'bag'; choose from: box"):
        make_registry().validate({"name": "bag"}, "thing")


def test_unknown_option_lists_valid_options():
    with pytest.raises(ConfigError, match=r"thing\.weight: unknown option .* valid options: colour, depth"):
        make_registry().validate({"name": "box", "weight": 2}, "thing")


def test_injected_arguments_are_not_user_options():
    with pytest.raises(ConfigError, match=r"thing\.size"):
        make_registry().validate({"name": "box", "size": 2}, "thing")


def test_wrong_type_names_field():
    with pytest.raises(ConfigError, match=r"thing\.depth: .*number"):
        make_registry().validate({"name": "box", "depth": "deep"}, "thing")


def test_summary_is_first_docstring_line_and_duplicates_refused():
    things = make_registry()
    assert things.summary("box") == "A box. Second line is not shown."
    with pytest.raises(ValueError):
        things.register("box")(object)
