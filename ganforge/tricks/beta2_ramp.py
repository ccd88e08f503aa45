"""Adam β₂ ramp: the second-moment decay of both optimisers follows a cosine from their configured β₂ to `final`."""
from __future__ import annotations

from ..errors import ConfigError
from ..schedules import cosine
from ..train.hooks import PLUGINS, Plugin
from ..train.stats import report


@PLUGINS.register("beta2_ramp")
class Beta2Ramp(Plugin):
    """β₂ of G's and D's Adam (or AdamW) moves from its configured value to `final` over the first `steps` G steps.

    With b = `optim.<g|d>.betas[1]` and t the number of G steps done,
        β₂(t) = final + (b − final) · ½ (1 + cos(π · min(t / steps, 1))),
    so step 0 runs with the configured β₂ (set `betas: [0.0, 0.9]` to start from 0.9).
    Adam's second-moment estimate averages the squared gradients over about 1 / (1 − β₂) steps. Early
    in a GAN run the gradient scale changes quickly (D sharpens, then regularisers pull it back), so a
    short window (β₂ 0.9: ~10 steps) tracks it; later a long one (0.99: ~100 steps, 0.999: ~1000) gives
    steadier per-weight step sizes. β₂ is a pure function of the step, so a resumed run follows the
    same schedule without saved state. Logged as `optim/beta2`. Optimisers without betas (SGD, RMSprop)
    are a ConfigError at setup.
    When: with the R3GAN recipe (`rpgan` + `r1` + `r2`, β₁ = 0) and long runs; pairs with the cosine
    γ decay of `r1`/`r2` (`final_gamma`, `decay_steps`).
    """

    def __init__(self, final: float = 0.99, steps: int = 10000):
        if not 0.0 <= final < 1.0:
            raise ConfigError("plugins.beta2_ramp.final", f"expected Adam's β₂ in [0, 1), got {final}")
        if steps < 1:
            raise ConfigError("plugins.beta2_ramp.steps", f"expected a number of G steps ≥ 1, got {steps}")
        self.final, self.steps = final, steps
        self.starts: dict[str, float] = {}  # the configured β₂ of each side

    def beta2_at(self, side: str, step: int) -> float:
        return cosine(self.starts[side], self.final, step, self.steps)

    def setup(self, state) -> None:
        for side in ("g", "d"):
            settings = getattr(state.config.optim, side)
            if settings.name not in ("adam", "adamw"):
                raise ConfigError(f"optim.{side}.name", f"beta2_ramp needs adam or adamw, got {settings.name!r}")
            self.starts[side] = float(settings.betas[1])

    def after_g_step(self, state) -> None:
        upcoming = state.step + 1  # state.step is still this step's index (the loop counts it afterwards)
        for side in ("g", "d"):
            beta2 = self.beta2_at(side, upcoming)
            for group in getattr(state, f"opt_{side}").param_groups:
                group["betas"] = (group["betas"][0], beta2)
        report("optim/beta2", self.beta2_at("g", upcoming))
