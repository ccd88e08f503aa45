"""Learning-rate decay: both nets' learning rates fall linearly to a fraction of their value by the last step."""
from __future__ import annotations

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from ..train.stats import report


@PLUGINS.register("lr_decay")
class LRDecay(Plugin):
    """Linear learning-rate decay: constant until `start_step`, then linearly down to `final` × the rate at `end_step`.

    The schedule of CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
    Adversarial Networks", appendix, training details: constant for the first half of training, then
    linearly to zero). With s = start_step and e = end_step, the multiplier of step t is
        f(t) = 1                                  t ≤ s
        f(t) = 1 − (1 − final) · (t − s) / (e − s)    s < t < e
        f(t) = final                              t ≥ e
    applied to every parameter group of G's and D's optimisers. Set end_step to train.steps for the
    CycleGAN schedule; the steps are explicit, so that a run stopped early and resumed follows the same
    schedule. The rate in force is multiplied by f(t + 1) / f(t) after each G step (so a NaN rollback's
    halving carries over), and f is part of the checkpoint. Logged as `optim/lr_scale`.
    When: near the end of training, to let G and D settle: smaller steps shrink the jitter of G's
    weights, which spreads each mode and leaves mass between modes. Pairs with `ema`.
    """

    def __init__(self, start_step: int = 0, end_step: int = 10000, final: float = 0.0):
        if start_step < 0:
            raise ConfigError("plugins.lr_decay.start_step", f"expected a step ≥ 0, got {start_step}")
        if end_step <= start_step:
            raise ConfigError("plugins.lr_decay.end_step", f"expected a step after start_step ({start_step}), got {end_step}")
        if not 0.0 <= final <= 1.0:
            raise ConfigError("plugins.lr_decay.final", f"expected a fraction of the learning rate in [0, 1], got {final}")
        self.start_step, self.end_step, self.final = start_step, end_step, final
        self.scale = 1.0  # f(t) of the step about to run: the multiplier now in the optimisers' rates

    def multiplier(self, step: int) -> float:
        """f(step) of the docstring."""
        progress = min(1.0, max(0.0, (step - self.start_step) / (self.end_step - self.start_step)))
        return 1.0 - (1.0 - self.final) * progress

    def after_g_step(self, state) -> None:
        scale = self.multiplier(state.step + 1)  # state.step is still this step's index (the loop counts it afterwards)
        if scale != self.scale:  # f never rises, so a zero scale stays zero and is never divided by
            for optimizer in (state.opt_g, state.opt_d):
                for group in optimizer.param_groups:
                    group["lr"] *= scale / self.scale
            self.scale = scale
        report("optim/lr_scale", scale)

    def state_dict(self):
        return {"scale": self.scale}

    def load_state_dict(self, state_dict) -> None:
        self.scale = float(state_dict["scale"])
