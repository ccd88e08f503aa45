import pytest
import yaml

from ganforge.config import apply_overrides, load_config, preset_names, validate
from ganforge.errors import ConfigError
from tests.conftest import tiny_ring_raw


def write(tmp_path, raw):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_overrides_set_nested_values_with_yaml_types(tmp_path):
    config = load_config(write(tmp_path, tiny_ring_raw()), ["loss.name=hinge", "train.steps=500", "optim.d.lr=4e-4"])
    assert config.loss.name == "hinge"
    assert config.train.steps == 500
    assert config.optim.d.lr == pytest.approx(4e-4)


def test_component_defaults_are_resolved(tmp_path):
    config = load_config(write(tmp_path, tiny_ring_raw()))
    data = config.data.model_dump()
    assert data["radius"] == 1.0 and data["std"] == 0.01 and data["modes"] == 8
    assert config.name == "tiny"


def test_list_items_addressed_by_index():
    raw = apply_overrides({"plugins": [{"name": "a", "gamma": 1}]}, ["plugins.0.gamma=5"])
    assert raw["plugins"][0]["gamma"] == 5
    with pytest.raises(ConfigError, match=r"plugins\.3: expected a list index 0\.\.0"):
        apply_overrides({"plugins": [{"name": "a"}]}, ["plugins.3.gamma=5"])


@pytest.mark.parametrize("override, field, hint", [
    ("train.stepz=5", "train.stepz", "valid keys here: steps, batch_size"),
    ("train.steps=many", "train.steps", "integer"),
    ("train.batch_size=0", "train.batch_size", "greater than or equal to 1"),
    ("optim.d.lr=-1", "optim.d.lr", "greater than 0"),
    ("optim.g.name=adamax", "optim.g.name", "'adam', 'adamw', 'rmsprop' or 'sgd'"),
    ("loss.name=hing", "loss.name", "choose from: hinge, lsgan, minimax"),
    ("generator.name=vae", "generator.name", "choose from: dcgan, mlp, modern, resnet"),
    ("data.name=imagenet", "data.name", "choose from:"),
    ("data.radius=wide", "data.radius", "number"),
    ("discriminator.colour=red", "discriminator.colour", "valid options: width"),
    ("surprise=1", "surprise", "valid keys here: name, data"),
])
def test_errors_name_the_field_and_the_valid_choices(tmp_path, override, field, hint):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, tiny_ring_raw()), [override])
    message = str(caught.value)
    assert message.startswith(field + ":"), message
    assert hint in message
    assert "\n" not in message


def test_missing_section_is_named():
    raw = tiny_ring_raw()
    del raw["generator"]
    with pytest.raises(ConfigError, match=r"^generator: required but missing"):
        validate(raw)


def test_unknown_file_lists_presets(tmp_path):
    with pytest.raises(ConfigError, match="no such config file or preset .*quickstart"):
        load_config(tmp_path / "nope.yaml")


def test_presets_are_valid():
    names = preset_names()
    assert {"quickstart", "ring", "grid", "fashion_dcgan", "mlp_fashion"} <= set(names)
    for name in names:
        assert load_config(name).name == name


@pytest.mark.parametrize("override, message", [
    ("train.threads=0", "train.threads: expected 'auto' or greater than or equal to 1 (got 0)"),
    ("train.threads=many", "train.threads: expected 'auto' or a valid integer"),
])
def test_a_value_no_member_of_a_union_takes_is_one_line_naming_the_field(override, message):
    """pydantic reports one error per union member, located at tags such as `literal['auto']`; the user sees the field."""
    with pytest.raises(ConfigError) as caught:
        load_config("ring", [override])
    assert str(caught.value).startswith(message)
    assert "literal[" not in str(caught.value)


@pytest.mark.parametrize("override, field, fix", [
    ("plugins=[{name:r1}]", "plugins.0", "name: r1"),
    ("loss={name:hinge}", "loss", "name: hinge"),
])
def test_a_mapping_colon_without_its_space_is_named_with_the_fix(override, field, fix):
    """`{name:r1}` is YAML for the key "name:r1" with no value, not for name = r1."""
    with pytest.raises(ConfigError) as caught:
        load_config("ring", [override])
    text = str(caught.value)
    assert text.startswith(f"{field}: ") and text.endswith(fix)
