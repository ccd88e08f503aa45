"""Multi-scale sliced Wasserstein distance (SWD) between real and generated images: the ProGAN metric.

Karras et al. 2018, "Progressive growing of GANs for improved quality, stability, and variation",
§5 and appendix D. No feature network: it compares the distributions of local image patches at
every scale of a Laplacian pyramid, so it is defined for any image size and channel count.

1. Each image (pixels 0..255) becomes a Laplacian pyramid: the finest level at the image's own
   resolution, then halving while the side stays ≥ 16 (64×64: levels 64, 32, 16), at least one
   level. Down- and up-sampling use the 5×5 binomial filter [1 4 6 4 1]ᵀ[1 4 6 4 1] / 256 with
   mirrored borders (cv2.pyrDown / pyrUp); the coarsest level is the low-pass image itself.
2. From every level of every image, `patches_per_image` (128) random 7×7 neighbourhoods (the
   whole image when it is smaller), centres drawn uniformly where the patch fits.
3. Each set's descriptors are normalised per channel by that set's own mean and standard
   deviation (over patches and pixels), then flattened (7·7·C numbers).
4. The sliced Wasserstein distance: `directions` (128) random unit directions, both sets'
   projections sorted, the mean absolute difference of the sorted values; averaged over
   `repeats` (4) sets of directions. Reported ×10³ per level (`swd_<side>`) and as their mean
   (`swd`), as in the paper's tables. Lower is closer; identical sets give exactly 0.

Because of step 3, a change of every pixel by the same affine map per channel (brightness,
contrast) is invisible: SWD measures structure (edges, texture, shapes at each scale), and a
blurred, noisy or collapsed set scores worse. The paper uses 16,384 images a set; `images`
(default 1,024) caps the count here to keep it a matter of seconds on a CPU; pass `swd` the
option `images: 16384` (in eval.metrics) to follow the paper. Random patch positions and
directions come from generators seeded with eval.seed, the same for both sets.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import GanforgeError
from .registries import METRICS

PATCH = 7
MIN_LEVEL_SIDE = 16
BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
CHUNK_IMAGES = 256


def sliced_wasserstein_distance(real: torch.Tensor, fake: torch.Tensor, patches_per_image: int = 128,
                                repeats: int = 4, directions: int = 128, seed: int = 0) -> dict[str, float]:
    """{"swd": mean over levels, "swd_<side>": each level}, ×10³, for image sets [N, C, H, W] in [-1, 1]."""
    real, fake = _check(real, "real"), _check(fake, "fake")
    if real.shape[1:] != fake.shape[1:]:
        raise GanforgeError(f"swd: real and generated images differ in shape: {tuple(real.shape[1:])} and {tuple(fake.shape[1:])}")
    count = min(len(real), len(fake))
    real, fake = real[:count], fake[:count]
    sides = level_sides(real.shape[-1])
    values = {}
    for level, (real_level, fake_level) in enumerate(zip(laplacian_pyramid(real, len(sides)),
                                                          laplacian_pyramid(fake, len(sides)))):
        real_patches = normalised_descriptors(real_level, patches_per_image, seed + level)
        fake_patches = normalised_descriptors(fake_level, patches_per_image, seed + level)
        values[f"swd_{sides[level]}"] = 1e3 * sliced_wasserstein(real_patches, fake_patches, repeats, directions, seed)
    return {"swd": sum(values.values()) / len(values), **values}


def level_sides(side: int) -> list[int]:
    """The pyramid's sides: `side`, then halving while ≥ MIN_LEVEL_SIDE; at least one."""
    sides = [side]
    while -(-sides[-1] // 2) >= MIN_LEVEL_SIDE:
        sides.append(-(-sides[-1] // 2))
    return sides


def laplacian_pyramid(images: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """float [N, C, H, W] (pixels 0..255) levels, finest first; each level minus the upsampled next, the last low-pass."""
    pyramid = [(images.float() + 1) * 127.5]
    for _ in range(1, levels):
        coarser = pyr_down(pyramid[-1])
        pyramid[-1] = pyramid[-1] - pyr_up(coarser, pyramid[-1].shape[-2:])
        pyramid.append(coarser)
    return pyramid


def _blur(images: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    kernel = torch.outer(BINOMIAL, BINOMIAL) / 256.0 * gain
    channels = images.shape[1]
    padded = F.pad(images, (2, 2, 2, 2), mode="reflect")  # scipy's "mirror": d c b | a b c d | c b a
    return F.conv2d(padded, kernel.expand(channels, 1, 5, 5).contiguous(), groups=channels)


def pyr_down(images: torch.Tensor) -> torch.Tensor:
    return _blur(images)[:, :, ::2, ::2]


def pyr_up(images: torch.Tensor, size) -> torch.Tensor:
    """Zeros between the pixels, then the filter ×4; cropped to `size` (odd sides)."""
    n, c, h, w = images.shape
    spread = images.new_zeros((n, c, 2 * h, 2 * w))
    spread[:, :, ::2, ::2] = images
    return _blur(spread, gain=4.0)[:, :, :size[0], :size[1]]


def normalised_descriptors(level: torch.Tensor, patches_per_image: int, seed: int) -> np.ndarray:
    """[N·patches_per_image, C·p·p]: random p×p patches (p = 7, or the image's odd side if smaller), per-channel standardised."""
    n, channels, height, width = level.shape
    size = min(PATCH, height - (1 - height % 2), width - (1 - width % 2))
    rng = torch.Generator().manual_seed(seed)
    tops = torch.randint(0, height - size + 1, (n, patches_per_image), generator=rng)
    lefts = torch.randint(0, width - size + 1, (n, patches_per_image), generator=rng)
    offsets = torch.arange(size)
    rows = (tops[..., None] + offsets)[..., :, None]  # [n, P, size, 1]
    columns = (lefts[..., None] + offsets)[..., None, :]  # [n, P, 1, size]
    parts = []
    for start in range(0, n, CHUNK_IMAGES):
        chunk = level[start:start + CHUNK_IMAGES]
        index = torch.arange(len(chunk))[:, None, None, None]
        # [chunk, P, size, size, C] → [chunk·P, C, size, size]
        patches = chunk.permute(0, 2, 3, 1)[index, rows[start:start + len(chunk)], columns[start:start + len(chunk)]]
        parts.append(patches.permute(0, 1, 4, 2, 3).reshape(-1, channels, size, size))
    descriptors = torch.cat(parts)
    mean = descriptors.mean(dim=(0, 2, 3), keepdim=True)
    std = descriptors.std(dim=(0, 2, 3), keepdim=True, unbiased=False).clamp_min(1e-8)  # a constant set stays finite
    return ((descriptors - mean) / std).reshape(len(descriptors), -1).numpy()


def sliced_wasserstein(a, b, repeats: int = 4, directions: int = 128, seed: int = 0) -> float:
    """Mean over `repeats` of the mean |sorted(a·d) − sorted(b·d)| over `directions` random unit d; a, b [M, D]."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if a.shape != b.shape or a.ndim != 2:
        raise GanforgeError(f"sliced_wasserstein: expected two [M, D] sets of one shape, got {a.shape} and {b.shape}")
    rng = np.random.default_rng(seed)
    results = []
    for _ in range(repeats):
        unit = rng.standard_normal((a.shape[1], directions))
        unit = (unit / np.linalg.norm(unit, axis=0, keepdims=True)).astype(np.float32)
        projected_a = np.sort((a @ unit).T, axis=1)  # one row a direction: numpy sorts contiguous rows fast
        projected_b = np.sort((b @ unit).T, axis=1)
        results.append(float(np.abs(projected_a - projected_b).mean(dtype=np.float64)))
    return sum(results) / len(results)


def _check(images, which: str) -> torch.Tensor:
    images = torch.as_tensor(images)
    if images.dim() != 4 or len(images) < 1:
        raise GanforgeError(f"swd: expected {which} images [N, C, H, W], got shape {tuple(images.shape)}")
    return images.detach().cpu().float()


@METRICS.register("swd")
def swd(context, images: int = 1024, patches_per_image: int = 128, repeats: int = 4,
        directions: int = 128) -> dict[str, float]:
    """Multi-scale sliced Wasserstein distance ×10³ (ProGAN): Laplacian-pyramid 7×7 patches; any images, no features."""
    if not context.data_source.is_image:
        raise GanforgeError("swd compares image patches; these data are not images (use modes, fid or kid)")
    for option, value in (("images", images), ("patches_per_image", patches_per_image), ("repeats", repeats),
                          ("directions", directions)):
        if value < 1:
            raise GanforgeError(f"swd: expected {option} ≥ 1, got {value}")
    real = context.real_images(min(images, context.real_n))
    fake = context.samples(min(images, context.n))
    return sliced_wasserstein_distance(real, fake, patches_per_image, repeats, directions, context.seed)
