"""Spectral normalisation: divide each layer's weight by its largest singular value (power iteration)."""
from __future__ import annotations

from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin

NORMALISED = (nn.Linear, nn.modules.conv._ConvNd)  # _ConvNd: Conv1d/2d/3d and ConvTranspose1d/2d/3d


def add_spectral_norm(net: nn.Module, power_iterations: int) -> None:
    """Wrap every linear and (transposed) conv layer of `net` in place.

    Layers whose weight is already parametrised (spectral norm built into the net, say) are left alone.
    """
    for module in list(net.modules()):
        if isinstance(module, NORMALISED) and not parametrize.is_parametrized(module, "weight"):
            spectral_norm(module, n_power_iterations=power_iterations)


@PLUGINS.register("spectral_norm")
class SpectralNorm(Plugin):
    """Spectral normalisation of D's linear and conv layers (and G's with generator: true).

    Miyato, Kataoka, Koyama, Yoshida (2018), "Spectral Normalization for Generative Adversarial Networks".

        W_SN = W / σ(W),   σ(W) ≈ uᵀ W v  (largest singular value of W reshaped to [out, in·k·k],
                           estimated with `power_iterations` steps per forward pass in train mode)

    Makes every layer 1-Lipschitz, so D as a whole is Lipschitz-bounded, at almost no cost. Use it
    when D overpowers G (vanishing or exploding gradients) or training diverges; the standard
    choice with `loss: hinge` and the resnet nets (SNGAN, BigGAN, SAGAN). Embeddings are not
    normalised. Applied in setup, before the optimisers exist; list it before plugins that copy
    the nets (ema). The power-iteration vectors u, v are buffers of the nets, so checkpoints
    carry them and a resumed run continues exactly.
    """

    def __init__(self, power_iterations: int = 1, generator: bool = False):
        if power_iterations < 1:
            raise ConfigError("plugins.spectral_norm.power_iterations",
                              f"expected a positive number of power iterations per forward pass (1 is usual), "
                              f"got {power_iterations}")
        self.power_iterations, self.generator = power_iterations, generator
        self.changes_generator = generator  # for the order check (plugin_order.py): it adds layers to G too

    def setup(self, state) -> None:
        add_spectral_norm(state.D, self.power_iterations)
        if self.generator:
            add_spectral_norm(state.G, self.power_iterations)
