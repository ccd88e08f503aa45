"""ADA: augmentation of everything D sees, with a probability p that follows D's overfitting."""
from __future__ import annotations

import math
from typing import Any, Literal

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin, StepContext
from ..train.stats import report
from .diffaugment import translation

Transform = Literal["xflip", "rotate90", "translation", "brightness", "contrast", "saturation"]
BRIGHTNESS_STD = 0.2  # additive, in the [-1, 1] pixel range (ADA: N(0, 0.2) on [-1, 1] images)
CONTRAST_STD = 0.5 * math.log(2)  # log-normal factor: ×2 is two standard deviations
SATURATION_STD = math.log(2)


def chosen(x: torch.Tensor, p: float) -> torch.Tensor:
    """[N, 1, 1, 1] booleans, each true with probability p: which images a transform touches."""
    return (torch.rand(len(x), 1, 1, 1, device=x.device) < p)


def xflip(x: torch.Tensor) -> torch.Tensor:
    return x.flip(-1)


def rotate90(x: torch.Tensor) -> torch.Tensor:
    """Each image turned by 90°, 180° or 270° (uniform)."""
    turns = torch.randint(1, 4, (len(x),), device=x.device)
    rotated = [torch.rot90(x, k, dims=(-2, -1)) for k in (1, 2, 3)]
    out = rotated[0]
    for k in (2, 3):
        out = torch.where((turns == k).view(-1, 1, 1, 1), rotated[k - 1], out)
    return out


def brightness(x: torch.Tensor) -> torch.Tensor:
    return x + torch.randn(len(x), 1, 1, 1, device=x.device, dtype=x.dtype) * BRIGHTNESS_STD


def contrast(x: torch.Tensor) -> torch.Tensor:
    factor = torch.exp(torch.randn(len(x), 1, 1, 1, device=x.device, dtype=x.dtype) * CONTRAST_STD)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * factor + mean


def saturation(x: torch.Tensor) -> torch.Tensor:
    """Scale each pixel's distance from its channel mean (grey); a no-op for one channel."""
    factor = torch.exp(torch.randn(len(x), 1, 1, 1, device=x.device, dtype=x.dtype) * SATURATION_STD)
    grey = x.mean(dim=1, keepdim=True)
    return (x - grey) * factor + grey


TRANSFORMS = {"xflip": xflip, "rotate90": rotate90, "translation": translation, "brightness": brightness,
              "contrast": contrast, "saturation": saturation}


def augment(x: torch.Tensor, p: float, policy: tuple[str, ...]) -> torch.Tensor:
    """Each transform of `policy`, in order, applied to each image with probability p; differentiable in x."""
    if p <= 0:
        return x
    for name in policy:
        x = torch.where(chosen(x, p), TRANSFORMS[name](x), x)
    return x


@PLUGINS.register("ada")
class ADA(Plugin):
    """Adaptive discriminator augmentation (Karras et al. 2020, "Training Generative Adversarial Networks with
    Limited Data").

    Every image D sees, real or fake, in D's step and in G's, goes through `policy`; each transform is
    applied to each image with probability p. p follows the overfitting heuristic
        r_t = E[sign(D(x) − c)]     over the real batches of the last `interval` D steps
    where c is the loss's decision threshold (0 for BCE and hinge, ½ for LSGAN) or, for critics and
    relativistic losses whose outputs carry no threshold, the mean of D's outputs on the fake batch.
    After every `interval` D steps
        p ← clamp(p + sign(r_t − target) · batch · interval / speed, 0, 1)
    so p can go from 0 to 1 in `speed` real images. p starts at `initial`, is logged as `ada/p` (and
    r_t as `ada/r_t`), and is part of the checkpoint, so a resumed run goes on with the same p.
    When: D overfits a small data set (D(real) → 1 on training images, FID rising later); with ≥ 100k
    images p stays near 0 and the plugin costs almost nothing. Images only.
    """

    def __init__(self, target: float = 0.6, interval: int = 4, speed: int = 100_000, initial: float = 0.0,
                 policy: list[Transform] = ["xflip", "rotate90", "translation", "brightness", "contrast",  # noqa: B006
                                            "saturation"]):
        self._check(target, interval, speed, initial, policy)
        self.target, self.interval, self.speed, self.policy = target, interval, speed, tuple(policy)
        self.p = float(initial)
        self.signs = torch.zeros(())  # Σ sign(D(x) − c) over the real samples since the last update
        self.count = 0  # how many real samples that sum has
        self.d_steps = 0

    @staticmethod
    def _check(target, interval, speed, initial, policy) -> None:
        if not -1.0 < target < 1.0:
            raise ConfigError("plugins.ada.target", f"expected a value of E[sign D(x)] in (-1, 1) (ADA: 0.6), got {target}")
        if interval < 1:
            raise ConfigError("plugins.ada.interval", f"expected a positive number of D steps, got {interval}")
        if speed < 1:
            raise ConfigError("plugins.ada.speed", f"expected the images p takes to go from 0 to 1, ≥ 1, got {speed}")
        if not 0.0 <= initial <= 1.0:
            raise ConfigError("plugins.ada.initial", f"expected a probability in [0, 1], got {initial}")
        if not policy or len(set(policy)) != len(policy):
            raise ConfigError("plugins.ada.policy", f"expected each of {', '.join(TRANSFORMS)} at most once, got {list(policy)}")

    def setup(self, state) -> None:
        if not state.data.is_image:
            raise ConfigError("plugins.ada", f"augments images (C, H, W), but the data have shape "
                                             f"{tuple(state.data.shape)}; remove it for vector data")
        self.batch_size = state.config.train.batch_size
        self.threshold = state.loss.decision_threshold

    def d_inputs(self, real, fake, state):
        return augment(real, self.p, self.policy), augment(fake, self.p, self.policy)

    def g_inputs(self, real, fake, state):
        return augment(real, self.p, self.policy), augment(fake, self.p, self.policy)

    def d_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        real = ctx.real_logits.detach()
        centre = ctx.fake_logits.detach().mean() if self.threshold is None else self.threshold
        self.signs = self.signs.to(real.device) + (real - centre).sign().sum()
        self.count += real.numel()
        return {}

    def after_d_step(self, state) -> None:
        self.d_steps += 1
        if self.d_steps % self.interval == 0 and self.count:
            r_t = float(self.signs) / self.count
            step = math.copysign(self.batch_size * self.interval / self.speed, r_t - self.target)
            self.p = min(1.0, max(0.0, self.p + step)) if r_t != self.target else self.p
            self.signs, self.count = torch.zeros((), device=self.signs.device), 0
            report("ada/r_t", r_t)
        report("ada/p", self.p)

    def state_dict(self) -> dict[str, Any]:
        return {"p": self.p, "signs": float(self.signs), "count": self.count, "d_steps": self.d_steps}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.p = float(state_dict["p"])
        self.signs, self.count = torch.tensor(float(state_dict["signs"])), int(state_dict["count"])
        self.d_steps = int(state_dict["d_steps"])
