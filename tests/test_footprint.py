"""The memory lower bound: the two-sample CPU probe must agree with a whole-batch pass on the meta device."""
import pytest
import torch

from ganforge.config import load_config
from ganforge.data import DATA
from ganforge.train import footprint as F


def meta_nets(sizes, shapes):
    with torch.device("meta"):
        G = F.GENERATORS.build(sizes["g_spec"], field="generator", z_dim=sizes["z_dim"], **shapes)
        D = F.DISCRIMINATORS.build(sizes["d_spec"], field="discriminator", **shapes)
    return G, D


@pytest.mark.parametrize("preset", ["ring", "quickstart", "fashion_dcgan", "mixture_best"])
def test_the_probe_scaled_to_the_batch_equals_a_whole_batch_meta_pass(preset):
    config = load_config(preset)
    data = DATA.build(config.data.model_dump(), field="data")
    sizes = F._sizes(config, data)
    shapes = dict(data_shape=data.shape, num_classes=data.num_classes)
    on_meta = F._largest_activation(*meta_nets(sizes, shapes), sizes["z_dim"], sizes["batch"])
    per_sample = F._activation_per_sample(sizes["g_spec"], sizes["d_spec"], shapes, sizes["z_dim"])
    assert on_meta[0] > 0 and on_meta[1] > 0
    assert tuple(n * sizes["batch"] for n in per_sample) == on_meta


def test_the_probe_leaves_the_random_state_of_the_run_alone():
    config = load_config("quickstart")
    data = DATA.build(config.data.model_dump(), field="data")
    torch.manual_seed(7)
    before = torch.random.get_rng_state()
    F.check_training_memory(config, data, torch.device("cpu"))
    assert torch.equal(torch.random.get_rng_state(), before)


def test_nets_too_large_to_allocate_are_probed_on_the_meta_device_only(monkeypatch):
    config = load_config("ring")
    data = DATA.build(config.data.model_dump(), field="data")
    monkeypatch.setattr(F, "PROBE_LIMIT_BYTES", 0)
    monkeypatch.setattr(F, "_activation_per_sample", lambda *a: pytest.fail("nets over the limit were built on the CPU"))
    needed = F.footprint(data, **F._sizes(config, data))
    assert needed["one batch"] > 0
