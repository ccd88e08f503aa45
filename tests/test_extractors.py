"""Feature extractors: shipped classifier weights (hash check, accuracy), features, InceptionV3 from a local file."""
import shutil
import warnings
from pathlib import Path

from types import SimpleNamespace

import pytest
import torch

from ganforge.data import DATA
from ganforge.errors import GanforgeError
from ganforge.metrics import extractors
from ganforge.metrics.classifiers import digits_split_indices
from ganforge.metrics.extractors import build_extractor, default_extractor_name, load_classifier, sha256_of
from ganforge.metrics.fid_inception import FIDInceptionV3, average_pool_without_padding

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def digits():
    return DATA.build({"name": "digits"})


@pytest.fixture(scope="module")
def digits_classifier():
    return build_extractor("digits_classifier", None)


# shipped classifiers -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["digits_classifier", "fashion_classifier"])
def test_shipped_weights_are_small_and_match_their_hash(name):
    path = extractors.WEIGHTS_DIR / f"{name}.pt"
    assert path.stat().st_size < 1_000_000
    extractor = build_extractor(name, None)
    assert extractor.sha256 == sha256_of(path) == extractors.WEIGHTS_SHA256[name]
    assert extractor.num_classes == 10


def test_tampered_weights_are_refused_with_both_hashes(tmp_path):
    shutil.copy(extractors.WEIGHTS_DIR / "digits_classifier.pt", tmp_path / "digits_classifier.pt")
    tampered = tmp_path / "digits_classifier.pt"
    data = bytearray(tampered.read_bytes())
    data[-100] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(GanforgeError) as error:
        load_classifier("digits_classifier", weights_dir=tmp_path)
    message = str(error.value)
    assert str(tampered) in message and extractors.WEIGHTS_SHA256["digits_classifier"] in message
    assert sha256_of(tampered) in message


def test_missing_weights_file_is_named(tmp_path):
    with pytest.raises(GanforgeError, match="fashion_classifier.pt"):
        load_classifier("fashion_classifier", weights_dir=tmp_path)


def test_digits_classifier_accuracy_on_its_held_out_split(digits, digits_classifier):
    # scripts/train_classifiers.py measured 99.75% (396/397) on this split; 97% leaves room for 11 errors.
    _, test = digits_split_indices(len(digits))
    images = digits._to_unit_range(digits.samples[test])
    predicted = digits_classifier.probabilities(images).argmax(1)
    assert (predicted == digits.labels[test]).double().mean() >= 0.97


@pytest.mark.skipif(not FASHION_MNIST.is_dir(), reason="Fashion-MNIST not installed")
def test_fashion_classifier_accuracy_on_test_slice():
    # Measured on all 10,000 test images: see docs/extractors.md (≥ 91%); on the first 2,000 we ask for 89%.
    test = DATA.build({"name": "fashion_mnist", "split": "test"})
    images = test._to_unit_range(test.samples[:2000])
    predicted = build_extractor("fashion_classifier", None).probabilities(images).argmax(1)
    assert (predicted == test.labels[:2000]).double().mean() >= 0.89


def test_features_are_float64_deterministic_and_independent_of_batching(digits, digits_classifier):
    images = digits._to_unit_range(digits.samples[:50])
    features = digits_classifier.features(images)
    assert features.shape == (50, 128) and features.dtype == torch.float64
    assert torch.equal(features, digits_classifier.features(images))
    digits_classifier.batch_size = 7
    try:
        rebatched = digits_classifier.features(images)
    finally:
        digits_classifier.batch_size = 500
    torch.testing.assert_close(rebatched, features, rtol=1e-6, atol=1e-6)
    assert not torch.is_grad_enabled() or not features.requires_grad


def test_probabilities_are_distributions(digits, digits_classifier):
    probs = digits_classifier.probabilities(digits._to_unit_range(digits.samples[:20]))
    assert probs.shape == (20, 10) and probs.dtype == torch.float64
    torch.testing.assert_close(probs.sum(1), torch.ones(20, dtype=torch.float64))


def test_other_sizes_are_resized_and_wrong_channels_named(digits, digits_classifier):
    upscaled = torch.nn.functional.interpolate(digits._to_unit_range(digits.samples[:10]), size=16, mode="bilinear")
    assert digits_classifier.features(upscaled).shape == (10, 128)
    with pytest.raises(GanforgeError, match="reads 1-channel images, got 3"):
        digits_classifier.features(torch.zeros(2, 3, 8, 8))


def test_default_extractor_names(digits):
    assert default_extractor_name(digits) == "digits_classifier"
    assert default_extractor_name(DATA.build({"name": "stacked", "size": 10})) == "digits_classifier"
    assert default_extractor_name(DATA.build({"name": "ring"})) is None
    assert default_extractor_name(SimpleNamespace(is_image=True, shape=(5, 40, 40))) == "random_conv"  # any other images
    if FASHION_MNIST.is_dir():
        assert default_extractor_name(DATA.build({"name": "fashion_mnist"})) == "fashion_classifier"
        stacked_fashion = DATA.build({"name": "stacked", "base": "fashion_mnist", "size": 10})
        assert default_extractor_name(stacked_fashion) == "fashion_classifier"


def test_unknown_extractor_lists_choices():
    with pytest.raises(GanforgeError, match="digits_classifier, fashion_classifier, random_conv, inception_v3"):
        build_extractor("vgg", None)


# InceptionV3 from a local file ------------------------------------------------------------------------------------
def test_missing_inception_file_says_where_and_which(tmp_path, monkeypatch):
    monkeypatch.delenv("GANFORGE_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(GanforgeError) as error:
        build_extractor("inception_v3", None)
    message = str(error.value)
    assert str(tmp_path / ".cache/ganforge/inception-2015-12-05.pt") in message
    assert "pt_inception-2015-12-05-6726825d.pth" in message and "GANFORGE_INCEPTION_WEIGHTS" in message
    assert "never downloads" in message


def test_inception_path_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_INCEPTION_WEIGHTS", str(tmp_path / "from_env.pt"))
    assert extractors.inception_weights_path() == tmp_path / "from_env.pt"
    assert extractors.inception_weights_path(str(tmp_path / "given.pt")) == tmp_path / "given.pt"


def test_unreadable_inception_file_names_accepted_formats(tmp_path):
    junk = tmp_path / "inception.pt"
    junk.write_bytes(b"not a network")
    with pytest.raises(GanforgeError, match=r"inception\.pt: .*inception-2015-12-05\.pt"):
        build_extractor("inception_v3", None, str(junk))


class TorchScriptStandIn(torch.nn.Module):
    """Follows NVIDIA's inception-2015-12-05.pt convention: pixels 0..255 in, pool3 features or softmax out.

    Features [N, 2048]: per-channel means in 0..255, then height and width, then zeros.
    """

    def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        n = x.shape[0]
        summary = torch.cat([x.mean(dim=(2, 3)), torch.full((n, 2), float(x.shape[2])),
                             torch.zeros(n, 2043)], dim=1)
        if return_features:
            return summary
        return torch.softmax(torch.zeros(n, 1008) + summary[:, :1] / 255.0 * torch.arange(1008.0) / 1008, dim=1)


def test_torchscript_inception_gets_299_pixels_0_to_255_in_three_channels(tmp_path):
    path = tmp_path / "inception-2015-12-05.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated, but NVIDIA's file is TorchScript
        torch.jit.script(TorchScriptStandIn()).save(str(path))
    extractor = build_extractor("inception_v3", None, str(path))
    assert extractor.sha256 == sha256_of(path) and extractor.num_classes == 1008
    gray = torch.tensor([-1.0, 0.0, 1.0]).view(3, 1, 1, 1).expand(3, 1, 28, 28)
    features = extractor.features(gray)
    assert features.shape == (3, 2048) and features.dtype == torch.float64
    expected_means = torch.tensor([0.0, 127.5, 255.0], dtype=torch.float64)[:, None].expand(3, 3)
    torch.testing.assert_close(features[:, :3], expected_means, rtol=1e-6, atol=1e-4)
    assert features[:, 3:5].eq(299).all()
    probs = extractor.probabilities(gray)
    assert probs.shape == (3, 1008)
    torch.testing.assert_close(probs.sum(1), torch.ones(3, dtype=torch.float64))


# pytorch-fid's state dict: names and shapes of the FID network ---------------------------------------------------
STEM = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3"]
BRANCHES = {  # the layer names inside each block of pytorch-fid's (torchvision's) InceptionV3
    "A": ["branch1x1", "branch5x5_1", "branch5x5_2", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3", "branch_pool"],
    "B": ["branch3x3", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"],
    "C": ["branch1x1", "branch7x7_1", "branch7x7_2", "branch7x7_3", "branch7x7dbl_1", "branch7x7dbl_2",
          "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5", "branch_pool"],
    "D": ["branch3x3_1", "branch3x3_2", "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"],
    "E": ["branch1x1", "branch3x3_1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_1", "branch3x3dbl_2",
          "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool"],
}
BLOCKS = {"Mixed_5b": "A", "Mixed_5c": "A", "Mixed_5d": "A", "Mixed_6a": "B", "Mixed_6b": "C", "Mixed_6c": "C",
          "Mixed_6d": "C", "Mixed_6e": "C", "Mixed_7a": "D", "Mixed_7b": "E", "Mixed_7c": "E"}


def pytorch_fid_keys() -> set[str]:
    layers = STEM + [f"{block}.{branch}" for block, kind in BLOCKS.items() for branch in BRANCHES[kind]]
    suffixes = ["conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"]
    return {f"{layer}.{suffix}" for layer in layers for suffix in suffixes} | {"fc.weight", "fc.bias"}


def test_fid_inception_has_pytorch_fid_parameter_names_and_shapes():
    model = FIDInceptionV3()
    state = model.state_dict()
    assert {key for key in state if not key.endswith("num_batches_tracked")} == pytorch_fid_keys()
    assert state["Conv2d_1a_3x3.conv.weight"].shape == (32, 3, 3, 3)
    assert state["Mixed_6e.branch7x7_2.conv.weight"].shape == (192, 192, 1, 7)
    assert state["Mixed_7c.branch_pool.conv.weight"].shape == (192, 2048, 1, 1)
    assert state["fc.weight"].shape == (1008, 2048)
    # torchvision's inception_v3 has 27,161,264 parameters; less its auxiliary head (3,326,696) and with a
    # 1008-way instead of 1000-way classifier (+16,392): 23,850,960.
    assert sum(p.numel() for p in model.parameters()) == 23_850_960


def test_fid_quirks_pool_without_padding_and_max_pool_in_the_last_block():
    # TensorFlow averages only existing pixels: a constant image stays constant up to the border,
    # where zero padding counted in would give 4/9 in a corner and 6/9 along an edge.
    pooled = average_pool_without_padding(torch.ones(1, 1, 4, 4))
    assert torch.equal(pooled, torch.ones(1, 1, 4, 4))
    model = FIDInceptionV3()
    assert model.Mixed_7c.max_pool and not model.Mixed_7b.max_pool


def test_fid_inception_state_dict_loads_through_the_file_path(tmp_path):
    torch.manual_seed(0)
    model = FIDInceptionV3().eval()
    path = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    torch.save(model.state_dict(), path)
    extractor = build_extractor("inception_v3", None, str(path))
    images = torch.rand(2, 3, 299, 299) * 2 - 1
    features = extractor.features(images)
    assert features.shape == (2, 2048) and torch.isfinite(features).all()
    with torch.no_grad():
        torch.testing.assert_close(features, model.pool3(images).double())
    assert extractor.probabilities(images).shape == (2, 1008)


def test_state_dict_with_wrong_keys_is_refused(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save({"conv.weight": torch.zeros(1)}, path)
    with pytest.raises(GanforgeError, match="not FID-InceptionV3 weights"):
        build_extractor("inception_v3", None, str(path))
