"""PacGAN: D judges packs of m samples at once."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from ..train.hooks import PLUGINS, Plugin
from ..train.net_builder import build_discriminator


def pack(x: torch.Tensor, packing: int) -> torch.Tensor:
    """(N, C, ...) → (N/m, m·C, ...): pack k is samples k·m .. k·m + m − 1 concatenated along axis 1."""
    if len(x) % packing:
        raise ConfigError("train.batch_size", f"pacgan packs {packing} samples into one, so D's batches must be "
                                              f"divisible by {packing}; got a batch of {len(x)}")
    return x.reshape(len(x) // packing, packing * x.shape[1], *x.shape[2:])


def packed_shape(shape: tuple[int, ...], packing: int) -> tuple[int, ...]:
    """(C, H, W) → (m·C, H, W); (D,) → (m·D,)."""
    return (packing * shape[0], *shape[1:])


@PLUGINS.register("pacgan")
class PacGAN(Plugin):
    """PacGAN: D scores packs of m samples concatenated along the channels, so a G lacking variety is exposed.

    Lin et al. 2018, "PacGAN: The power of two samples in generative adversarial networks".
    D is rebuilt from the discriminator config for inputs of m times the channels (images:
    (m·C, H, W); vectors: (m·D,)); each D step packs N real samples into N/m real packs and N
    fakes into N/m fake packs, concatenating m consecutive samples (the G step packs G's
    samples the same way), and D gives one logit per pack:
        D(x_1 ⊕ x_2 ⊕ … ⊕ x_m)          ⊕ = concatenation along the channel / feature axis
    The adversarial loss is unchanged; it is taken over packs. A pack of fakes from a collapsed
    G holds m near-identical samples, which real packs almost never do, so D learns to spot
    collapse. The paper uses m = 2 to 4; larger m costs little (only D's first layer grows).
    Needs train.batch_size divisible by m. For unconditional models only: one label cannot
    describe a pack of m samples, so a class-conditional D is refused. feature_matching,
    unrolled's look-ahead and relativistic losses see packed inputs through g_inputs;
    multi_generator's classifier needs single samples, so it does not combine with pacgan.
    Order: pacgan rebuilds D, so it must come before plugins that change D (spectral_norm,
    minibatch_stddev, minibatch_discrimination; a changed D is refused), and after plugins that
    change what D sees (replay, instance_noise, diffaugment), so that those handle single samples.
    When: mode collapse; a cheap change, no extra loss term.
    """

    def __init__(self, packing: int = 2):
        if packing < 2:
            raise ConfigError("plugins.pacgan.packing", f"expected at least 2 samples per pack, got {packing}")
        self.packing = packing

    def setup(self, state) -> None:
        config, data = state.config, state.data
        if config.train.batch_size % self.packing:
            raise ConfigError("train.batch_size", f"pacgan (packing {self.packing}) needs a batch size divisible by "
                                                  f"{self.packing}, got {config.train.batch_size}")
        if getattr(state.D, "condition", "none") != "none":
            raise ConfigError("discriminator.condition", "pacgan gives D packs of several samples, which one label "
                                                         "cannot describe; use condition: none with pacgan")
        D = build_discriminator(config, data, state.device, input_shape=packed_shape(data.shape, self.packing))
        if type(D) is not type(state.D) or D.state_dict().keys() != state.D.state_dict().keys():
            raise ConfigError(f"plugins.{state.plugins.index(self)}", "pacgan rebuilds D for packed inputs, which would drop what earlier plugins "
                                         "did to D; list pacgan before them")
        state.D = D

    def d_inputs(self, real, fake, state):
        return pack(real, self.packing), pack(fake, self.packing)

    def g_inputs(self, real, fake, state):
        return pack(real, self.packing), pack(fake, self.packing)
