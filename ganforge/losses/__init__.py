"""Adversarial losses, one file each; `LOSSES` maps a YAML `loss.name` to its class.

Every loss is a pure function of logits returning per-sample values [N]:
    d_loss(real_logits, fake_logits, real_targets, fake_targets)   (D minimises its mean)
    g_loss(fake_logits, real_logits)                                (G minimises its mean)
Targets are inputs (1 for real, 0 for fake by default) so label smoothing, noisy and flipped
labels change the targets and never this code. Losses that have no notion of a target
(wasserstein, hinge) set `uses_targets = False` and ignore them.
"""
from .registries import LOSSES  # noqa: F401  (the package's interface)

from . import minimax, nonsaturating, lsgan, wasserstein, hinge, relativistic, rpgan  # noqa: E402,F401  (register)
