"""Mode seeking: G is penalised when different latents give similar samples."""
from __future__ import annotations

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin


@PLUGINS.register("mode_seeking")
class ModeSeeking(Plugin):
    """Mode seeking (MSGAN): adds weight / (mean|G(z₁)−G(z₂)| / mean|z₁−z₂| + eps) to G's loss.

    Mao et al. 2019, "Mode Seeking Generative Adversarial Networks for Diverse Image Synthesis".
    The G step's N samples are paired, first half against second half (i with i + N/2; an odd
    last sample is left out). For each pair, with means over data and latent dimensions:
        ratio = mean|G(z₁) − G(z₂)| / mean|z₁ − z₂|
        L_G  += weight · mean over pairs of 1 / (ratio + eps)
    Small when distinct latents give distinct samples; large when G maps them to one mode.
    Pairs take whatever labels the batch has (conditional GANs are not paired by class).
    When: mode collapse (few distinct samples, the ring covered by one or two modes).
    """

    def __init__(self, weight: float = 1.0, eps: float = 1e-5):
        if weight < 0:
            raise ConfigError("plugins.mode_seeking.weight", f"expected a weight ≥ 0, got {weight}")
        if eps <= 0:
            raise ConfigError("plugins.mode_seeking.eps", f"expected a small number > 0, got {eps}")
        self.weight = weight
        self.eps = eps

    def setup(self, state) -> None:
        if state.config.train.batch_size < 2:
            raise ConfigError(f"plugins.{state.plugins.index(self)}",
                              "mode_seeking pairs samples within a batch; set train.batch_size ≥ 2")

    def g_terms(self, ctx):
        pairs = len(ctx.fake) // 2
        fake, z = ctx.fake.flatten(1), ctx.z.flatten(1)  # (N, data), (N, z_dim)
        sample_distance = (fake[:pairs] - fake[pairs:2 * pairs]).abs().mean(dim=1)  # (pairs,)
        latent_distance = (z[:pairs] - z[pairs:2 * pairs]).abs().mean(dim=1)  # (pairs,)
        ratio = sample_distance / latent_distance
        return {"mode_seeking": self.weight * (1.0 / (ratio + self.eps)).mean()}
