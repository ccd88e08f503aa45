"""AC-GAN: D also classifies every sample, and G is rewarded for samples of the class it was asked for."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from .wrappers import attach_head, head_logits, require_single_sample_critic

CLASSIFIER = "acgan_classifier"  # the submodule's name on D (so it is saved, optimised and copied with D)


@PLUGINS.register("acgan")
class ACGAN(Plugin):
    """AC-GAN: an auxiliary classifier on D's features; D and G both add a cross-entropy on the class.

    Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs".
    setup attaches c = Linear(F, K) to D (F = D's feature size, K = the data's classes); with
    φ = D.features, y the batch labels and G(z, y) the fakes drawn for them:
        L_D += weight · (CE(c(φ(x_real)), y) + CE(c(φ(G(z, y))), y))
        L_G += weight · CE(c(φ(G(z, y))), y)
    (logged as `loss/d_acgan`, `loss/g_acgan`). The classifier sees the batch as drawn and
    G's samples as made, not what `d_inputs`/`g_inputs` turned them into, whose labels may no
    longer match (replay, packing). D's own conditioning, if any, still gets y. φ is the
    features of the D the classifier was attached to, even if a later plugin wraps D; in the
    G step both come from the critic (the look-ahead copy under `unrolled`), not updated by G.
    Needs labelled data; pair it with a conditional generator (`generator.condition: concat`),
    or G cannot choose the class it is scored on.
    When: class-conditional training where samples should be recognisably of their class, and
    as a stabiliser on many-class data (each class is an easier sub-problem); the classifier
    term can favour easy-to-classify samples, so lower `weight` if diversity within a class drops.
    """

    def __init__(self, weight: float = 1.0):
        if weight < 0:
            raise ConfigError("plugins.acgan.weight", f"expected a weight ≥ 0, got {weight}")
        self.weight = weight

    def setup(self, state) -> None:
        classes = state.data.num_classes
        if classes < 1:
            raise ConfigError("plugins.acgan", "needs class labels, but the data source gives no labels "
                                               "(num_classes = 0); use labelled data or drop acgan")
        require_single_sample_critic(state, self, "acgan's classifier scores", "drop pacgan or acgan")
        attach_head(state.D, CLASSIFIER, classes, classes, state.device)

    @staticmethod
    def class_loss(critic: nn.Module, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """CE(c(φ(x)), labels), averaged over the batch, φ the features of the module that holds c."""
        return F.cross_entropy(head_logits(critic, CLASSIFIER, x, labels), labels)

    def d_terms(self, ctx) -> dict[str, torch.Tensor]:
        real_loss = self.class_loss(ctx.critic, ctx.real, ctx.labels)
        fake_loss = self.class_loss(ctx.critic, ctx.fake, ctx.labels)
        return {"acgan": self.weight * (real_loss + fake_loss)}

    def g_terms(self, ctx) -> dict[str, torch.Tensor]:
        return {"acgan": self.weight * self.class_loss(ctx.critic, ctx.fake, ctx.labels)}
