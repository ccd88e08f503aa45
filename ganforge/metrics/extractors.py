"""Feature extractors: images -> features (and class probabilities) for FID, KID, IS, PRDC and NDB.

- `digits_classifier`, `fashion_classifier`: the small CNNs of classifiers.py, trained by
  scripts/train_classifiers.py, shipped in metrics/weights/ and checked against WEIGHTS_SHA256
  before use. Features are their 128-d penultimate layer.
- `random_conv`: a fixed random conv net (random_features.py) for any image size and channel
  count; no file. The default for images other than digits, Fashion-MNIST and stacked data.
- `inception_v3`: the FID network (Heusel et al. 2017; pool3, 2048-d; 1008-way softmax for the
  Inception Score), read from a local file — never downloaded. Accepted: NVIDIA's TorchScript
  `inception-2015-12-05.pt` (StyleGAN2-ADA, clean-fid) or pytorch-fid's state dict
  `pt_inception-2015-12-05-6726825d.pth`, loaded into fid_inception.FIDInceptionV3.
  Images are made RGB (grayscale repeated) and resized to 299×299 (bilinear).

Every extractor takes float images in [-1, 1], [N, C, H, W], and returns float64, computed in
eval mode without gradients, in batches.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

from ..data.digits import DigitsSource
from ..data.idx import FashionMnistSource
from ..data.stacked import StackedSource
from ..errors import GanforgeError
from .classifiers import CLASSIFIERS
from .fid_inception import FIDInceptionV3
from .random_features import random_conv_features, random_conv_weights, weights_sha256

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
WEIGHTS_SHA256 = {  # printed by scripts/train_classifiers.py; a different file is refused
    "digits_classifier": "5ade261ea7a8e3d0261362d8c476da5a5b9d272e2cd2df451596926685042cb5",
    "fashion_classifier": "8adee4a2fca3eb9ac4c8d8ab6e004f853ccd7e219fafe7c14ad45e0212eb9789",
}
DATASET_CLASSIFIERS = {"digits": "digits_classifier", "fashion_mnist": "fashion_classifier"}
INCEPTION_ENV = "GANFORGE_INCEPTION_WEIGHTS"
INCEPTION_DEFAULT_PATH = Path("~/.cache/ganforge/inception-2015-12-05.pt")
INCEPTION_FILES = ("inception-2015-12-05.pt (NVIDIA's TorchScript FID network, as used by StyleGAN2-ADA and clean-fid)",
                   "pt_inception-2015-12-05-6726825d.pth (pytorch-fid's state dict)")
INCEPTION_SIZE = 299
WORKS_OFFLINE = ("Without them these work: eval.extractor=random_conv (any images; fid, kid, prdc, ndb), "
                 "--metrics swd (any images, no features), eval.extractor=digits_classifier or fashion_classifier "
                 "(those datasets; also is)")


OFFLINE_EXTRACTOR = "random_conv"  # any image size and channel count, no file (random_features.py)


FEATURE_SPACES = {  # what `ganforge evaluate` says about the space its feature metrics were computed in
    "data": "the data's own values (points in the plane)",
    "none": "none: the metrics used compare pixels, no feature network",
    "digits_classifier": "the shipped digits classifier's 128-d penultimate layer",
    "fashion_classifier": "the shipped Fashion-MNIST classifier's 128-d penultimate layer",
    OFFLINE_EXTRACTOR: "random_conv, a fixed random conv net (480-d, any image size and channels, no file); "
                       "compare only with other random_conv results, never with Inception FIDs",
    "inception_v3": "InceptionV3 pool3 (2048-d), the standard FID space",
}


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class FeatureExtractor:
    """Batched, gradient-free images -> (features, probabilities); subclasses define `_prepare`, `_features`, `_logits`."""

    name: str
    sha256: str
    input_shape: tuple[int, int, int]
    num_classes: int
    batch_size: int = 500

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """[N, C, H, W] in [-1, 1] -> float64 [N, D]."""
        return self._batched(images, self._features)

    def probabilities(self, images: torch.Tensor) -> torch.Tensor:
        """[N, C, H, W] in [-1, 1] -> float64 [N, num_classes], each row a softmax distribution."""
        return self._batched(images, lambda x: torch.softmax(self._logits(x).double(), dim=1))

    @torch.no_grad()
    def _batched(self, images: torch.Tensor, compute) -> torch.Tensor:
        images = torch.as_tensor(images)
        if images.ndim != 4:
            raise GanforgeError(f"extractor {self.name} expects images [N, C, H, W], got shape {tuple(images.shape)}")
        parts = [compute(self._prepare(chunk.detach().cpu().float())).double() for chunk in images.split(self.batch_size)]
        return torch.cat(parts) if parts else torch.empty(0, 0, dtype=torch.float64)

    def _prepare(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _features(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _logits(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class ClassifierExtractor(FeatureExtractor):
    """One of the project's own classifiers. Other image sizes are resized (antialiased bilinear) to its input size."""

    def __init__(self, name: str, model: torch.nn.Module, sha256: str):
        self.name, self.model, self.sha256 = name, model.eval(), sha256
        self.input_shape = model.input_shape
        self.num_classes = model.head.out_features

    def _prepare(self, images):
        channels, height, width = self.input_shape
        if images.shape[1] != channels:
            raise GanforgeError(f"extractor {self.name} reads {channels}-channel images, got {images.shape[1]} channels")
        if images.shape[-2:] != (height, width):
            images = F.interpolate(images, size=(height, width), mode="bilinear", antialias=True, align_corners=False)
        return images

    def _features(self, images):
        return self.model.features(images)

    def _logits(self, images):
        return self.model(images)


class RandomConvExtractor(FeatureExtractor):
    """random_conv (random_features.py): a fixed random conv net's block averages, for any size and channel count."""

    num_classes = 0  # features only: no class probabilities (no Inception Score)
    batch_size = 250

    def __init__(self, channels: int):
        self.name = OFFLINE_EXTRACTOR
        self.weights = random_conv_weights(channels)
        self.sha256 = weights_sha256(self.weights)
        self.input_shape = (channels, 0, 0)  # any height and width

    def _prepare(self, images):
        if images.shape[1] != self.input_shape[0]:
            raise GanforgeError(f"extractor {self.name} was built for {self.input_shape[0]}-channel images, "
                                f"got {images.shape[1]} channels")
        return images

    def _features(self, images):
        return random_conv_features(images, self.weights)


class InceptionExtractor(FeatureExtractor):
    """InceptionV3 pool3 features from a TorchScript file (pixels 0..255) or a FIDInceptionV3 module ([-1, 1])."""

    input_shape = (3, INCEPTION_SIZE, INCEPTION_SIZE)
    num_classes = 1008
    batch_size = 50

    def __init__(self, model, sha256: str, torchscript: bool):
        self.name, self.model, self.sha256, self.torchscript = "inception_v3", model.eval(), sha256, torchscript

    def _prepare(self, images):
        if images.shape[1] == 1:
            images = images.repeat(1, 3, 1, 1)
        if images.shape[1] != 3:
            raise GanforgeError(f"extractor inception_v3 reads 1- or 3-channel images, got {images.shape[1]} channels")
        size = (INCEPTION_SIZE, INCEPTION_SIZE)
        if images.shape[-2:] != size:
            images = F.interpolate(images, size=size, mode="bilinear", antialias=True, align_corners=False)
        # NVIDIA's TorchScript network takes pixels 0..255 and rescales them itself; the module takes [-1, 1].
        return (images.clamp(-1, 1) + 1) * 127.5 if self.torchscript else images.clamp(-1, 1)

    def _features(self, images):
        if self.torchscript:
            return self.model(images, return_features=True).reshape(len(images), -1)
        return self.model.pool3(images)

    def _logits(self, images):
        return self.model(images)

    def probabilities(self, images):
        if not self.torchscript:
            return super().probabilities(images)
        # The TorchScript network already ends in its softmax: its default output is [N, 1008] probabilities.
        return self._batched(images, lambda x: self.model(x).reshape(len(x), -1))


def build_extractor(name: str, data_source=None, inception_weights: str | None = None) -> FeatureExtractor:
    """The extractor called `name`: a shipped classifier (hash-checked) or inception_v3 from a local file."""
    if name in CLASSIFIERS:
        return load_classifier(name)
    if name == "inception_v3":
        return load_inception(inception_weights)
    if name == OFFLINE_EXTRACTOR:
        if data_source is None or not getattr(data_source, "is_image", False):
            raise GanforgeError(f"extractor {OFFLINE_EXTRACTOR} reads images; these data are not images")
        return RandomConvExtractor(data_source.shape[0])
    choices = ", ".join([*CLASSIFIERS, OFFLINE_EXTRACTOR, "inception_v3"])
    raise GanforgeError(f"unknown feature extractor {name!r}; choose from: {choices}")


def default_extractor_name(data_source) -> str | None:
    """digits -> digits_classifier, fashion_mnist -> fashion_classifier, stacked -> its base's classifier,
    other images (any size, any channels) -> random_conv, anything else (2-D points) -> None."""
    if isinstance(data_source, StackedSource):
        return DATASET_CLASSIFIERS[data_source.base]
    if isinstance(data_source, DigitsSource):
        return "digits_classifier"
    if isinstance(data_source, FashionMnistSource):
        return "fashion_classifier"
    if getattr(data_source, "is_image", False):
        return OFFLINE_EXTRACTOR
    return None


def load_classifier(name: str, weights_dir: str | Path = WEIGHTS_DIR) -> ClassifierExtractor:
    """The shipped classifier `name`; GanforgeError if its weights file is missing or its sha256 differs."""
    path = Path(weights_dir) / f"{name}.pt"
    if not path.is_file():
        raise GanforgeError(f"{path}: weights of {name} not found; reinstall ganforge or run scripts/train_classifiers.py")
    actual = sha256_of(path)
    if actual != WEIGHTS_SHA256[name]:
        raise GanforgeError(f"{path}: sha256 {actual} does not match the expected {WEIGHTS_SHA256[name]}; "
                            "the file is corrupt or was replaced (reinstall ganforge)")
    model = CLASSIFIERS[name]()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return ClassifierExtractor(name, model, actual)


def inception_weights_path(inception_weights: str | None = None) -> Path:
    """The argument, else $GANFORGE_INCEPTION_WEIGHTS, else ~/.cache/ganforge/inception-2015-12-05.pt."""
    chosen = inception_weights or os.environ.get(INCEPTION_ENV) or INCEPTION_DEFAULT_PATH
    return Path(chosen).expanduser()


def load_inception(inception_weights: str | None = None) -> InceptionExtractor:
    """InceptionV3 from a local file (see INCEPTION_FILES); GanforgeError saying where to put it if it is missing."""
    path = inception_weights_path(inception_weights)
    if not path.is_file():
        raise GanforgeError(
            f"{path}: InceptionV3 weights not found (ganforge never downloads them). Put one of these files there, "
            f"or pass eval.inception_weights / set ${INCEPTION_ENV} to its path, or save it as "
            f"{INCEPTION_DEFAULT_PATH}: {'; '.join(INCEPTION_FILES)}. {WORKS_OFFLINE}")
    digest = sha256_of(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated; NVIDIA's file is TorchScript
            return InceptionExtractor(torch.jit.load(str(path), map_location="cpu"), digest, torchscript=True)
    except RuntimeError:
        pass  # not TorchScript: try a state dict
    return InceptionExtractor(load_fid_inception_state(path), digest, torchscript=False)


def load_fid_inception_state(path: Path) -> FIDInceptionV3:
    """FIDInceptionV3 with pytorch-fid's state dict from `path`; GanforgeError naming the file if it is not one."""
    expected_formats = f"expected one of: {'; '.join(INCEPTION_FILES)}"
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unpickling errors come in many types
        raise GanforgeError(f"{path}: neither TorchScript nor a state dict ({error.__class__.__name__}); {expected_formats}")
    if not isinstance(state, dict):
        raise GanforgeError(f"{path}: holds a {type(state).__name__}, not a state dict; {expected_formats}")
    model = FIDInceptionV3()
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as error:
        raise GanforgeError(f"{path}: tensor shapes do not fit FID-InceptionV3 ({str(error).splitlines()[-1].strip()})")
    missing = [key for key in missing if not key.endswith("num_batches_tracked")]
    unexpected = [key for key in unexpected if not key.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise GanforgeError(f"{path}: not FID-InceptionV3 weights ({len(missing)} missing keys, e.g. {missing[:2]}; "
                            f"{len(unexpected)} unexpected, e.g. {unexpected[:2]}); {expected_formats}")
    return model
