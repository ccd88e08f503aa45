"""Discriminator rejection sampling: samples are kept with a probability set by D, so sampling follows D's correction of G."""
from __future__ import annotations

import math

import torch

from ..errors import ConfigError
from ..nets.base import Generator
from ..sampling import eval_mode
from ..train.hooks import PLUGINS, Plugin
from .refit_critic import new_critic, refit_critic
from .wrappers import require_single_sample_critic


def acceptance_probability(logits: torch.Tensor, max_logit: float, gamma: float, epsilon: float) -> torch.Tensor:
    """σ(F) with F = D̃ − D̃_M − log(1 − exp(D̃ − D̃_M − ε)) − γ (Azadi et al. 2019, eq. 8), for logits D̃ ≤ D̃_M.

    With γ = 0 and ε → 0 this is exp(D̃ − D̃_M): p_data/p_g up to a constant when D is optimal.
    """
    shifted = logits - max_logit  # ≤ 0
    f = shifted - torch.log1p(-torch.exp(shifted - epsilon)) - gamma
    return torch.sigmoid(f)


class RejectionSampler(Generator):
    """G behind D's accept/reject step: row i of the output is the first accepted sample of row i's proposals.

    A proposal for row i is G(z_i) first, then G(z') with fresh latents z' (same label) from this
    sampler's own seeded stream, until D accepts one or `max_rounds` proposals were made (then the
    one D scored highest is kept: the most data-like of them, not an arbitrary one). D is scored in
    eval mode and left in the mode it was in; D is not a submodule, so switching this module's mode
    never touches D's.
    """

    def __init__(self, generator: torch.nn.Module, critic: torch.nn.Module, burn_in: int, gamma: float,
                 epsilon: float, seed: int, max_rounds: int, max_logit: float | None = None):
        super().__init__(generator.z_dim, generator.data_shape, generator.latent)
        self.generator = generator
        self.num_classes = getattr(generator, "num_classes", 0)
        self.condition = getattr(generator, "condition", "none")
        self.critic_ref = (critic,)  # a tuple, so that nn.Module does not register D as a submodule
        self.gamma, self.epsilon, self.max_rounds = gamma, epsilon, max_rounds
        self.stream = torch.Generator().manual_seed(seed)
        self.train(generator.training)  # a no-op for G: this wrapper starts in G's own mode
        self.max_logit = self._burn_in(burn_in, max_logit)
        self.proposals = 0  # proposals made by forward, for the acceptance rate
        self.accepted = 0

    def sample_latent(self, n, device="cpu", generator=None):
        return self.generator.sample_latent(n, device, generator)

    @torch.no_grad()
    def logits(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        with eval_mode(self.critic_ref[0]) as critic:
            return critic(x, y).float()  # (N,)

    def _burn_in(self, n: int, known: float | None) -> float:
        """D̃_M: the largest logit over n proposals (the paper's burn-in); forward raises it when it sees a larger one.

        `known`: the result of the same burn-in done before (same nets, same seed); its latents are still
        drawn, so that the sampler's stream, and so its samples, are the same either way."""
        device = next(self.generator.parameters()).device
        z = self.generator.sample_latent(n, generator=self.stream).to(device)
        labels = self._labels(n, device)
        if known is not None:
            return known
        with torch.no_grad(), eval_mode(self.generator) as generator:  # G's batch-norm statistics stay as training left them
            return float(max(self.logits(generator(z[i:i + 1024], None if labels is None else labels[i:i + 1024]),
                                         None if labels is None else labels[i:i + 1024]).max()
                             for i in range(0, n, 1024)))

    def _labels(self, n: int, device) -> torch.Tensor | None:
        if self.condition == "none" or not self.num_classes:
            return None
        return torch.randint(self.num_classes, (n,), generator=self.stream).to(device)

    @torch.no_grad()
    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        kept = self.generator(z, y)  # (N, *data_shape): every row's first proposal
        best = torch.full((len(z),), -math.inf, device=z.device)  # the highest logit of each row's proposals so far
        pending = torch.arange(len(z), device=z.device)  # rows still without an accepted sample
        for round_ in range(self.max_rounds):
            labels = None if y is None else y[pending]
            if round_:  # fresh proposals for the rows D rejected, same labels
                fresh = self.generator.sample_latent(len(pending), generator=self.stream).to(z.device)
                candidates = self.generator(fresh, labels)
            else:
                candidates = kept[pending]
            logits = self.logits(candidates, labels)
            self.max_logit = max(self.max_logit, float(logits.max()))
            accept = torch.rand(len(pending), generator=self.stream).to(z.device) < acceptance_probability(
                logits, self.max_logit, self.gamma, self.epsilon)
            take = accept | (logits > best[pending])  # an accepted proposal, or the most likely one so far
            kept[pending[take]] = candidates[take]
            best[pending[take]] = logits[take]
            self.proposals += len(pending)
            self.accepted += int(accept.sum())
            pending = pending[~accept]
            if not len(pending):
                break
        return kept


@PLUGINS.register("rejection_sampling")
class RejectionSampling(Plugin):
    """Discriminator rejection sampling (DRS): every sample drawn is kept with probability σ(F(x)) that D sets.

    Azadi, Olsson, Darrell, Goodfellow, Odena 2019, "Discriminator Rejection Sampling". For a
    logistic D at its optimum, exp(D̃(x)) = p_data(x)/p_g(x), so accepting G's sample x with
    probability exp(D̃(x) − D̃_M) (D̃ the logit, D̃_M its maximum) turns p_g into p_data. As in the
    paper, the acceptance is σ(F(x)) with
        F(x) = D̃(x) − D̃_M − log(1 − exp(D̃(x) − D̃_M − ε)) − γ
    (γ = 0, ε → 0: exactly exp(D̃ − D̃_M); γ > 0 rejects more, γ < 0 accepts more), D̃_M estimated
    from `burn_in` samples and raised whenever a larger logit turns up. Only sampling changes:
    training is untouched. Sample grids, `ganforge sample` and evaluation get one accepted sample per
    latent (a rejected latent is replaced by fresh ones from the sampler's own stream, seeded with
    `seed`, at most `max_rounds` proposals per sample), so they cost about 1/acceptance times as
    many G and D passes; `ganforge sample --no-ema` turns it off together with EMA, and an
    `--interpolate` strip is no longer one latent path. List it after `ema` (to filter the EMA
    average). D must score single samples (not with `pacgan`).
    When: after training, to drop the samples D is sure are fake: the mass between the modes of a
    mixture, off-manifold images. It needs a D that still tells real from fake at the end.

    `refit_steps` > 0: once the run has reached its last step, the critic is not the trained D but one
    refitted to the finished sampling generator (refit_critic.py): the trained D continued
    (`refit_critic` unset, the paper's way) or a fresh discriminator from the `refit_critic` spec,
    trained `refit_steps` batches with the logistic loss at `refit_lr`, from `seed`. Sample grids and
    the doctor's probes during training use the trained D (a refit per grid would cost more than the
    steps between grids). A sharper critic accepts fewer proposals: raise `max_rounds` with it; a row
    that reaches it keeps the proposal the critic scored highest.
    """

    wraps_sampling = True

    def __init__(self, burn_in: int = 10000, gamma: float = 0.0, epsilon: float = 1e-6, seed: int = 0,
                 max_rounds: int = 100, refit_steps: int = 0, refit_critic: dict | None = None,
                 refit_lr: float = 1e-3):
        if burn_in < 1:
            raise ConfigError("plugins.rejection_sampling.burn_in", f"expected at least 1 sample, got {burn_in}")
        if not epsilon > 0:
            raise ConfigError("plugins.rejection_sampling.epsilon", f"expected ε > 0 (keeps the log finite), got {epsilon}")
        if max_rounds < 1:
            raise ConfigError("plugins.rejection_sampling.max_rounds", f"expected at least 1 proposal, got {max_rounds}")
        if refit_steps < 0:
            raise ConfigError("plugins.rejection_sampling.refit_steps", f"expected ≥ 0 (0: the trained D), got {refit_steps}")
        if not refit_lr > 0:
            raise ConfigError("plugins.rejection_sampling.refit_lr", f"expected a positive learning rate, got {refit_lr}")
        self.burn_in, self.gamma, self.epsilon, self.seed, self.max_rounds = burn_in, gamma, epsilon, seed, max_rounds
        self.refit_steps, self.refit_spec, self.refit_lr = refit_steps, refit_critic, refit_lr
        self.burn_in_done: tuple | None = None  # ((G, critic), D̃_M) while neither net has changed since the burn-in
        self.refitted: tuple | None = None  # ((G, D, step), critic) while neither net has changed since the refit

    def setup(self, state) -> None:
        require_single_sample_critic(state, self, "rejection_sampling scores", "drop pacgan or rejection_sampling")
        if self.refit_steps and self.refit_spec is not None:
            new_critic(state, self.refit_spec, f"plugins.{state.plugins.index(self)}.refit_critic")  # fails now, not after training

    def sampling_generator(self, generator, state):
        require_single_sample_critic(state, self, "rejection_sampling scores", "drop pacgan or rejection_sampling")  # pacgan listed after it
        critic = self.critic(generator, state)
        key = (id(generator), id(critic))
        known = self.burn_in_done[1] if self.burn_in_done and self.burn_in_done[0] == key else None
        sampler = RejectionSampler(generator, critic, self.burn_in, self.gamma, self.epsilon, self.seed,
                                   self.max_rounds, max_logit=known)
        if known is None:
            self.burn_in_done = (key, sampler.max_logit)  # D̃_M after the burn-in alone, before any forward raises it
        return sampler

    def critic(self, generator, state) -> torch.nn.Module:
        """The trained D, or (refit_steps > 0, the run at its last step) a critic refitted to `generator`, kept until a net changes."""
        if not self.refit_steps or state.step < state.config.train.steps:
            return state.D
        key = (id(generator), id(state.D), state.step)
        if self.refitted is None or self.refitted[0] != key:
            self.refitted = (key, refit_critic(state, generator, self.refit_spec, self.refit_steps, self.refit_lr,
                                               self.seed))
        return self.refitted[1]

    def forget(self) -> None:
        self.burn_in_done = self.refitted = None

    def after_d_step(self, state) -> None:
        self.forget()  # D changed: the next sampler burns in (and refits) again

    def after_g_step(self, state) -> None:
        self.forget()  # G (and the EMA average) changed

    def load_state_dict(self, state_dict) -> None:
        self.forget()  # a checkpoint (a resume, a NaN-guard rollback) replaced the nets
