"""A density-ratio critic refitted to the finished generator, for discriminator rejection sampling.

Rejection sampling turns p_g into p_data only as far as its critic's logit is log p_data/p_g. The
discriminator at the end of training is a poor estimate of that ratio: it was trained against a G
that kept moving, and (for an MLP on 2-D data) too smooth to see that a mode is twice as wide as
the data's. Azadi et al. 2019 therefore keep training D after G is frozen. `refit_critic` does
that on its own copy: it trains a critic with the logistic loss on the data against the frozen
sampling generator (EMA's average when there is one) for a fixed number of steps, from its own
seeded streams, so that the same run always gets the same critic. The critic is the trained D
continued (the paper's choice) or a fresh net from a discriminator spec (for example an MLP on
Fourier features, which resolves structure far finer than the data's range).
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..nets import DISCRIMINATORS
from ..sampling import eval_mode

CRITIC_BETAS = (0.5, 0.999)  # Adam's, as for GAN discriminators


def new_critic(state, spec: dict | None, field: str = "refit_critic", seed: int = 0) -> torch.nn.Module:
    """A copy of the trained D (spec None) or a fresh discriminator built from `spec`, its initial weights
    drawn from `seed` (the run's stream untouched), on the run's device. A bad spec's error names `field`."""
    if spec is None:
        return copy.deepcopy(state.D)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            critic = DISCRIMINATORS.build(dict(spec), field=field, data_shape=state.data.shape,
                                          num_classes=state.data.num_classes)
    except ConfigError as error:  # the net's own checks name `discriminator.…`: say which spec it was
        raise ConfigError(field, str(error)) from None
    return critic.to(state.device)


def critic_loss(critic, real, fake, labels) -> torch.Tensor:
    """Logistic loss: softplus(−D(x)) on the data, softplus(D(G(z))) on samples; its optimum is log p_data/p_g."""
    return F.softplus(-critic(real, labels)).mean() + F.softplus(critic(fake, labels)).mean()


def refit_critic(state, generator: torch.nn.Module, spec: dict | None, steps: int, lr: float,
                 seed: int) -> torch.nn.Module:
    """A critic trained `steps` steps (batches of train.batch_size) on the data against the frozen `generator`;
    returned in eval mode with its parameters frozen. Training state, streams and nets are left untouched."""
    critic = new_critic(state, spec, seed=seed).train()
    optimizer = torch.optim.Adam(critic.parameters(), lr=lr, betas=CRITIC_BETAS)
    latents = torch.Generator().manual_seed(seed)
    with eval_mode(generator), torch.enable_grad():
        for step in range(steps):
            real, labels = state.batch_at(step, seed)
            with torch.no_grad():
                z = generator.sample_latent(len(real), generator=latents).to(real.device)
                fake = generator(z, labels)
            optimizer.zero_grad(set_to_none=True)
            critic_loss(critic, real, fake, labels).backward()
            optimizer.step()
    return critic.eval().requires_grad_(False)
