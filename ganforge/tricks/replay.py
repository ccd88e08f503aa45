"""Experience replay: D also sees fakes from earlier steps."""
from __future__ import annotations

import torch

from ..errors import CheckpointError, ConfigError
from ..train.hooks import PLUGINS, Plugin
from .wrappers import require_single_sample_critic


@PLUGINS.register("replay")
class Replay(Plugin):
    """Experience replay: part of each fake batch D sees is drawn from a buffer of G's older samples.

    Shrivastava et al. 2017, "Learning from Simulated and Unsupervised Images through Adversarial
    Training" (history of refined images); Pfau & Vinyals 2016, "Connecting Generative Adversarial
    Networks and Actor-Critic Methods" (replay buffers).
    The buffer holds up to `size` detached fakes. Each D step, once it holds at least a batch
    (or is full, if smaller), k = round(fraction·N) ≥ 1 of the N fakes D sees are replaced by
    buffer samples drawn uniformly at random (with replacement); the batch size is unchanged.
    Then k of this step's fresh fakes, chosen at random, are pushed into the buffer, first
    filling it and then overwriting the oldest entries (a ring). The push happens inside the
    D step, after the draw, so the buffer only ever returns fakes from earlier D steps.
    Place it first among plugins with `d_inputs` so the buffer holds G's own samples rather
    than augmented ones. Refused with a class-conditional discriminator: the buffer keeps no
    labels, so a replayed sample would be scored against another sample's label.
    When: oscillation / mode hopping, where D forgets the modes G left and G returns to them.
    """

    before_packing = True  # it stores single fakes, so pacgan must pack after it

    def __init__(self, size: int = 1024, fraction: float = 0.25):
        if size < 1:
            raise ConfigError("plugins.replay.size", f"expected a buffer size ≥ 1, got {size}")
        if not 0.0 < fraction <= 1.0:
            raise ConfigError("plugins.replay.fraction", f"expected a fraction in (0, 1], got {fraction}")
        self.size = size
        self.fraction = fraction
        self.buffer: torch.Tensor | None = None  # (size, *data_shape), allocated in setup
        self.filled = 0  # how many entries hold samples
        self.position = 0  # where the next push writes (the oldest entry once full)

    def setup(self, state) -> None:
        if getattr(state.D, "condition", "none") != "none":
            raise ConfigError(f"plugins.{state.plugins.index(self)}",
                              "replay stores fakes without their labels, so it cannot be used with a class-conditional "
                              "discriminator; set discriminator.condition: none or remove the plugin")
        require_single_sample_critic(state, self, "replay stores", "list replay before it")
        self.buffer = torch.zeros(self.size, *state.data.shape, device=state.device)

    def d_inputs(self, real: torch.Tensor, fake: torch.Tensor, state):
        count = max(1, round(self.fraction * len(fake)))  # k
        fake_in = fake
        if self.filled >= min(self.size, len(fake)):
            chosen = torch.randint(self.filled, (count,), device=self.buffer.device)
            fake_in = torch.cat([self.buffer[chosen].to(fake.dtype), fake[count:]])  # (N, *data_shape)
        self._push(fake.detach()[torch.randperm(len(fake), device=fake.device)[:count]])
        return real, fake_in

    def _push(self, samples: torch.Tensor) -> None:
        samples = samples[-self.size:]  # a push larger than the buffer keeps only what fits
        slots = (self.position + torch.arange(len(samples))) % self.size
        self.buffer[slots.to(self.buffer.device)] = samples.to(self.buffer.device, self.buffer.dtype)
        self.position = (self.position + len(samples)) % self.size
        self.filled = min(self.size, self.filled + len(samples))

    def state_dict(self):
        return {"buffer": self.buffer.detach().cpu().clone(), "filled": self.filled, "position": self.position}

    def load_state_dict(self, state_dict) -> None:
        if tuple(state_dict["buffer"].shape) != tuple(self.buffer.shape):
            raise CheckpointError(f"replay buffer of shape {tuple(state_dict['buffer'].shape)} in the checkpoint, "
                             f"{tuple(self.buffer.shape)} expected (plugins.replay.size or the data changed)")
        self.buffer.copy_(state_dict["buffer"])
        self.filled, self.position = int(state_dict["filled"]), int(state_dict["position"])
