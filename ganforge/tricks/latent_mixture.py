"""A disconnected latent prior: z on K small islands, so G can map islands to modes without bridges between them."""
from __future__ import annotations

import math

import torch

from ..errors import CheckpointError, ConfigError
from ..nets.base import Generator
from ..random_streams import LATENT_CENTRES, stream
from ..train.hooks import PLUGINS, Plugin

CANDIDATES_PER_CENTRE = 64  # farthest-point selection picks each centre from this many candidates
MAX_CANDIDATES = 20_000  # ... but from at most this many in all (a few ms for K in the hundreds)
ISLAND_TAIL = 3.0  # an island's reach: ‖z − c‖ ≤ s·(√d + 3), all but ~1% of its draws (χ_d's upper tail)


def island_centres(components: int, z_dim: int, generator: torch.Generator) -> torch.Tensor:
    """(K, z_dim) centres spread over the sphere of radius √z_dim by farthest-point selection.

    Radius √d is where a normal latent lives (‖z‖ ≈ √d), so every coordinate keeps a variance
    near 1 and G's first layer sees inputs of the usual scale. Independent draws would often put
    two centres close together (50 random points on the 4-sphere: nearest pair 0.3 apart);
    greedy farthest-point selection (Gonzalez 1985) from many random candidates keeps the
    nearest pair far apart (1.2 for the same K and d, 2.4 for K = 100 in 8 dimensions).
    """
    count = min(components * CANDIDATES_PER_CENTRE, max(MAX_CANDIDATES, components))
    candidates = torch.randn(count, z_dim, generator=generator, dtype=torch.float64)
    candidates = candidates / candidates.norm(dim=1, keepdim=True) * math.sqrt(z_dim)
    chosen = [0]
    distance = (candidates - candidates[0]).norm(dim=1)  # to the nearest centre chosen so far
    for _ in range(components - 1):
        chosen.append(int(distance.argmax()))
        distance = torch.minimum(distance, (candidates - candidates[chosen[-1]]).norm(dim=1))
    return candidates[chosen].float()


def nearest_pair_distance(centres: torch.Tensor) -> float:
    distances = torch.cdist(centres, centres)
    distances.fill_diagonal_(float("inf"))
    return float(distances.min())


def island_reach(spread: float, z_dim: int) -> float:
    return spread * (math.sqrt(z_dim) + ISLAND_TAIL)


class IslandPrior:
    """z = c_k + s·ε: K fixed centres (K, z_dim) and the spread s. Fixed, so copies of G (EMA's) share it."""

    def __init__(self, centres: torch.Tensor, spread: float):
        self.centres, self.spread = centres, spread

    def sample(self, n: int, device, generator: torch.Generator | None) -> torch.Tensor:
        island = torch.randint(len(self.centres), (n,), device=device, generator=generator)  # k ~ U{0..K-1}
        noise = torch.randn(n, self.centres.shape[1], device=device, generator=generator)  # ε ~ N(0, I)
        return self.centres.to(device)[island] + self.spread * noise  # (n, z_dim)

    def __deepcopy__(self, memo):
        return self


class IslandLatentGenerator(Generator):
    """G behind the island prior: sample_latent draws from it, forward is G's own.

    The prior is no buffer: the wrapper's parameters and buffers are G's, one for one, so a copy of G
    made before the wrapping (ema listed first) still pairs with it. The plugin's checkpoint state holds it.
    """

    def __init__(self, generator: torch.nn.Module, prior: IslandPrior):
        super().__init__(generator.z_dim, generator.data_shape, "normal")
        self.generator = generator
        self.prior = prior
        self.num_classes = getattr(generator, "num_classes", 0)
        self.condition = getattr(generator, "condition", "none")

    @property
    def centres(self) -> torch.Tensor:
        return self.prior.centres

    def sample_latent(self, n, device="cpu", generator=None):
        return self.prior.sample(n, device, generator)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, y)


@PLUGINS.register("latent_mixture")
class LatentMixture(Plugin):
    """Mixture latent prior: z lies on K separated islands, so G need not make bridges between disconnected modes.

    Gurumurthy, Sarvadevabhatla, Babu 2017, "DeLiGAN: Generative Adversarial Networks for Diverse
    and Limited Data" (a mixture-of-Gaussians latent); Khayatkhoei, Singh, Elgammal 2018,
    "Disconnected Manifold Learning for Generative Adversarial Networks" (a continuous G maps a
    connected latent onto a connected set, so between disconnected modes it must put some mass).
        z = c_k + s·ε,   k ~ Uniform{1..K},   ε ~ N(0, I_d)
    with d = z_dim, K = `components`, s = `spread`. The centres are fixed (not learnt, unlike
    DeLiGAN's): K points spread over the sphere of radius √d by farthest-point selection, drawn
    once from a generator seeded with train.seed, so a run and its resume, `ganforge sample` and
    `ganforge evaluate` all use the same islands (the checkpoint holds them too). Start-up
    fails unless the nearest two islands are apart: centre distance > 2·s·(√d + 3). Training,
    sample grids and evaluation all draw from this prior; G's own `latent` setting is ignored.
    Take K above the number of modes (each island's mass is 1/K; G maps whole islands, or
    splits a few), and z_dim of 4-8 so that K islands fit far apart. List it after
    `multi_generator` (which rebuilds G) and before `rejection_sampling` (whose fresh proposals
    come from the prior of the generator it wraps); before or after `ema` is the same.
    When: many disconnected modes (the grid, the ring) whose samples are tight but joined by
    thin bridges of low-quality samples; costs nothing per step.
    """

    def __init__(self, components: int = 50, spread: float = 0.1):
        if components < 2:
            raise ConfigError("plugins.latent_mixture.components",
                              f"expected at least 2 islands (1 is a connected prior), got {components}")
        if not spread > 0:
            raise ConfigError("plugins.latent_mixture.spread", f"expected an island width s > 0, got {spread}")
        self.components, self.spread = components, spread
        self.prior: IslandPrior | None = None  # the centres, drawn in setup

    def setup(self, state) -> None:
        z_dim = state.config.z_dim
        centres = island_centres(self.components, z_dim,
                                 stream(state.config.train.seed, LATENT_CENTRES))  # moves no training RNG
        gap, reach = nearest_pair_distance(centres), island_reach(self.spread, z_dim)
        if gap <= 2 * reach:
            raise ConfigError(f"plugins.{state.plugins.index(self)}.spread",
                              f"{self.components} islands in z_dim {z_dim} have their nearest centres {gap:.3g} apart, "
                              f"so islands of spread {self.spread} (reach {reach:.3g} each) would touch; use a spread "
                              f"below {gap / 2 / (math.sqrt(z_dim) + ISLAND_TAIL):.3g}, fewer components or a larger z_dim")
        self.prior = IslandPrior(centres.to(state.device), self.spread)
        state.G = IslandLatentGenerator(state.G, self.prior)
        state.redraw_fixed_z()  # the grid's latents from this prior

    def sampling_generator(self, generator, state):
        """Sampling's generator with this prior: already so, unless an earlier plugin (ema) copied G before setup."""
        if isinstance(generator, IslandLatentGenerator):
            return generator
        return IslandLatentGenerator(generator, self.prior)

    def state_dict(self):
        return {"centres": self.prior.centres.clone()}

    def load_state_dict(self, state_dict) -> None:
        """The centres as saved: the same as setup drew from the seed, unless the way they are drawn has changed since."""
        centres = state_dict["centres"]
        if centres.shape != self.prior.centres.shape:
            raise CheckpointError(f"latent_mixture's checkpoint holds {tuple(centres.shape)} centres (K, z_dim); "
                                  f"this run has {tuple(self.prior.centres.shape)}")
        self.prior.centres.copy_(centres)
