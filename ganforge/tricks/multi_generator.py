"""Multiple generators: k generators share the latent space, and a classifier on D pushes them apart."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from ..nets.base import Generator
from ..train.hooks import PLUGINS, Plugin
from ..train.net_builder import build_generator
from ..train.stats import report
from .wrappers import attach_head, head_logits, require_single_sample_critic

CLASSIFIER = "generator_classifier"  # the name of the head attached to D


def generator_indices(n: int, k: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Which generator makes sample i of a batch of n: i mod k, so every batch is an even mixture."""
    return torch.arange(n, device=device) % k


class MultiGenerator(Generator):
    """k generators behind one generator's interface; sample i of a batch comes from generator i mod k."""


    def __init__(self, generators: list[nn.Module]):
        first = generators[0]
        super().__init__(first.z_dim, first.data_shape, first.latent)
        self.generators = nn.ModuleList(generators)
        self.num_classes = getattr(first, "num_classes", 0)
        self.condition = getattr(first, "condition", "none")

    def sample_latent(self, n, device="cpu", generator=None):
        return self.generators[0].sample_latent(n, device, generator)  # one shared prior

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        n, k = len(z), len(self.generators)
        pieces, positions = [], []
        for i, G in enumerate(self.generators[:n]):  # generator i makes samples i, i + k, i + 2k, ...
            pieces.append(G(z[i::k], None if y is None else y[i::k]))
            positions.append(torch.arange(i, n, k, device=z.device))
        return torch.cat(pieces)[torch.argsort(torch.cat(positions))]  # (N, *data_shape), back in batch order


def classifier_logits(critic: nn.Module, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """(N, k): the generator classifier's logits, on the features of the D it was attached to.

    That D may since have been wrapped (minibatch_stddev) or copied (unrolled).
    """
    return head_logits(critic, CLASSIFIER, x, labels)


@PLUGINS.register("multi_generator")
class MultiGeneratorPlugin(Plugin):
    """Multiple generators (MGAN): k generators in a mixture, plus a classifier that pushes them to cover different modes.

    Hoang et al. 2018, "MGAN: Training Generative Adversarial Nets with Multiple Generators";
    Ghosh et al. 2018, "Multi-Agent Diverse Generative Adversarial Networks" (MAD-GAN).
    G becomes k generators (same architecture, different initial weights, one shared latent
    prior); sample i of every batch comes from generator u_i = i mod k. A head C = Linear(F, k)
    is attached to D and reads D's features f (it shares all of D's layers, as in MGAN):
        D's loss += CE(C(f(G(z))), u)            C learns which generator made each fake
        G's loss += β · CE(C(f(G(z))), u)        each generator wants its samples identifiable
    logged as `loss/d_generator_id`, `loss/g_generator_id`, with C's accuracy as
    `d/generator_id_accuracy`. The generators are pushed to disjoint regions of the data, so
    together they cover more modes. Unlike MGAN, whose generators share all but their first
    layer, the k generators here are independent; MAD-GAN's variant (D itself classifying into
    k generators + real) is not offered. Generators are built from the generator config; G's
    checkpoint holds all k. D must score single samples (not with pacgan). List it before
    plugins that change or copy G (spectral_norm with generator: true, which is refused after
    it; ema, whose copy would hold only the first generator).
    When: mode collapse, many well-separated modes; costs k times G's parameters.
    """

    changes_generator = True  # G becomes a set of generators

    def __init__(self, generators: int = 4, diversity: float = 0.5):
        if generators < 2:
            raise ConfigError("plugins.multi_generator.generators", f"expected at least 2 generators, got {generators}")
        if diversity < 0:
            raise ConfigError("plugins.multi_generator.diversity", f"expected a weight β ≥ 0, got {diversity}")
        self.generators = generators
        self.diversity = diversity

    def setup(self, state) -> None:
        config, data = state.config, state.data
        require_single_sample_critic(state, self, "multi_generator's classifier scores", "drop pacgan or multi_generator")
        # state.G is the first; each later one draws its own initial weights
        others = [build_generator(config, data, state.device) for _ in range(self.generators - 1)]
        if type(others[0]) is not type(state.G) or others[0].state_dict().keys() != state.G.state_dict().keys():
            raise ConfigError(f"plugins.{state.plugins.index(self)}", "multi_generator builds its generators from the generator config, which "
                                         "would miss what earlier plugins did to G; list multi_generator before them")
        state.G = MultiGenerator([state.G, *others])
        attach_head(state.D, CLASSIFIER, self.generators, data.num_classes, state.device)

    def d_terms(self, ctx):
        logits = classifier_logits(ctx.critic, ctx.fake, ctx.labels)  # (N, k); fakes as G made them
        made_by = generator_indices(len(ctx.fake), self.generators, logits.device)
        report("d/generator_id_accuracy", (logits.argmax(dim=1) == made_by).float().mean())
        return {"generator_id": F.cross_entropy(logits, made_by)}

    def g_terms(self, ctx):
        if self.diversity == 0:
            return {}
        logits = classifier_logits(ctx.critic, ctx.fake, ctx.labels)
        made_by = generator_indices(len(ctx.fake), self.generators, logits.device)
        return {"generator_id": self.diversity * F.cross_entropy(logits, made_by)}
