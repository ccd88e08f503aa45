"""One-sided label smoothing."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin


def require_targets(plugin: Plugin, name: str, state) -> None:
    """Refuse a label trick under a loss that ignores targets (wasserstein, hinge): it would silently do nothing."""
    if not state.loss.uses_targets:
        loss_name = state.config.loss.name
        raise ConfigError(f"plugins.{state.plugins.index(plugin)}",
                          f"{name} has no effect with loss {loss_name!r}, which ignores real/fake targets; "
                          "use it with nonsaturating, minimax, lsgan or relativistic, or remove the plugin")


@PLUGINS.register("label_smoothing")
class LabelSmoothing(Plugin):
    """One-sided label smoothing: D's real targets become `real_target` (0.9), fake targets stay 0.

    Salimans et al. 2016, "Improved Techniques for Training GANs", sec. 3.4.
    D's loss uses t_real = real_target instead of 1; t_fake = 0 is kept (smoothing the fake side
    too would reward G for staying where it is). The optimal D(x) becomes
    0.9·p_data / (p_data + p_model) instead of p_data / (p_data + p_model), so D never becomes
    fully confident.
    When: D overpowers G (d/real near 1, d/fake near 0, G's gradients shrink). Only for losses
    with targets (nonsaturating, minimax, lsgan, relativistic); refused for wasserstein and hinge.
    """

    def __init__(self, real_target: float = 0.9):
        if not 0.0 < real_target <= 1.0:
            raise ConfigError("plugins.label_smoothing.real_target", f"expected a number in (0, 1], got {real_target}")
        self.real_target = real_target

    def setup(self, state) -> None:
        require_targets(self, "label_smoothing", state)

    def d_targets(self, real_targets: torch.Tensor, fake_targets: torch.Tensor, state):
        return torch.full_like(real_targets, self.real_target), fake_targets
