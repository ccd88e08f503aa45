"""Device-side options: which nets train.compile compiles, stored data gathered on its device, bad values refused."""
import pytest
import torch

from ganforge.config import validate
from ganforge.data.digits import DigitsSource
from ganforge.errors import ConfigError
from ganforge.plugins import PLUGINS
from ganforge.train.speed import nets_to_compile
from tests.conftest import tiny_ring_raw


@pytest.mark.parametrize("plugins, expected", [
    ([], ["G", "D"]),
    ([{"name": "ema"}], ["G", "D"]),
    ([{"name": "r1"}], ["G"]), ([{"name": "r2"}], ["G"]), ([{"name": "wgan_gp"}], ["G"]), ([{"name": "dragan"}], ["G"]),
])
def test_compile_leaves_d_eager_under_a_double_backward(plugins, expected):
    built = [PLUGINS.build(spec, field="plugins.0") for spec in plugins]
    assert nets_to_compile(built) == expected


def test_a_stored_dataset_that_fits_is_gathered_where_it_lives():
    """The meta device stands in for a GPU: the same rows' batch comes back there, shape and dtype as on the host."""
    on_host, moved = DigitsSource(), DigitsSource()
    assert not moved.place_on(torch.device("meta"), budget_bytes=moved.samples.nbytes - 1)  # does not fit: stays
    assert moved.samples.device.type == "cpu"
    assert moved.place_on(torch.device("meta"), budget_bytes=moved.samples.nbytes)
    x, labels = moved.batch(5, 300, seed=2)  # rows 1500-1799 of 1797 an epoch: the end of epoch 0 and start of 1
    expected_x, expected_labels = on_host.batch(5, 300, seed=2)
    assert (x.device.type, x.shape, x.dtype) == ("meta", expected_x.shape, expected_x.dtype)
    assert (labels.device.type, labels.shape) == ("meta", expected_labels.shape)
    assert not on_host.place_on(torch.device("cpu"), budget_bytes=10**12)  # the CPU: nothing to move


@pytest.mark.parametrize("field, bad", [("precision", "fp8"), ("compile", "sometimes"), ("tf32", "maybe")])
def test_a_bad_speed_option_is_refused_naming_the_field(field, bad):
    with pytest.raises(ConfigError, match=rf"train\.{field}"):
        validate(tiny_ring_raw(**{field: bad}))
