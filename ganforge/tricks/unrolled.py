"""Unrolled GAN: G is scored by a copy of D that has taken a few more steps."""
from __future__ import annotations

import copy

import torch

from ..errors import ConfigError
from ..random_streams import LOOKAHEAD
from ..train.hooks import PLUGINS, Plugin, generator_view



@PLUGINS.register("unrolled")
class Unrolled(Plugin):
    """Unrolled GAN: G's loss is computed against a copy of D advanced `steps` (5) D updates ahead.

    Metz et al. 2017, "Unrolled Generative Adversarial Networks".
    Each G step, D and its optimiser state are copied and the copy takes `steps` updates with
    D's loss and optimiser (same class, hyper-parameters, moments and gradient clipping), each
    on a fresh real batch and fresh fakes; G is then scored by the copy:
        θ_D^0 = θ_D,  θ_D^{k+1} = θ_D^k − opt(∇ L_D(θ_D^k)),  L_G = L_G(G, D(θ_D^steps))
    This is the first-order variant used by most implementations: gradients reach G through
    the final copy only, not through the look-ahead updates (no second-order terms). D and its
    optimiser are untouched. The look-ahead uses the adversarial loss with targets 1 and 0 and
    no other plugin's hooks (no penalties, augmentation or label tricks), so plugins with side
    effects are not stepped twice. Real batches come from a stream of their own (seed +
    random_streams.LOOKAHEAD, with a counter kept in the checkpoint), so the training data stream is not consumed;
    G's batch-norm statistics are restored after the look-ahead draws its fakes.
    When: mode collapse and oscillation, where G exploits the current D's blind spots; costs
    `steps` extra D updates per G step.
    """

    def __init__(self, steps: int = 5):
        if steps < 0:
            raise ConfigError("plugins.unrolled.steps", f"expected a number of look-ahead steps ≥ 0, got {steps}")
        self.steps = steps
        self.batches_drawn = 0  # look-ahead batches consumed, the index into its own data stream

    def g_critic(self, critic: torch.nn.Module, state) -> torch.nn.Module:
        if self.steps == 0:
            return critic
        if critic is not state.D:
            raise ValueError("unrolled copies D's optimiser state, so it must be the first plugin that "
                             "replaces the critic")
        lookahead, optimizer = self._copy_with_optimizer(state.D, state.opt_d)
        generator_buffers = [buffer.clone() for buffer in state.G.buffers()]
        for _ in range(self.steps):
            real, labels = self._next_batch(state)
            with torch.no_grad():
                fake = state.G(state.G.sample_latent(len(real), state.device), labels)  # (N, *data_shape)
            real_in, fake_in = generator_view(state, real, fake)  # as D sees inputs (noise, packing, ...)
            real_logits, fake_logits = lookahead(real_in, labels), lookahead(fake_in, labels)  # (N,), (N,)
            loss = state.loss.d_loss(real_logits, fake_logits, torch.ones_like(real_logits),
                                     torch.zeros_like(fake_logits)).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if state.config.optim.d.grad_clip is not None:
                parameters = [p for p in lookahead.parameters() if p.grad is not None]
                torch.nn.utils.clip_grad_norm_(parameters, state.config.optim.d.grad_clip)
            optimizer.step()
        with torch.no_grad():
            for buffer, saved in zip(state.G.buffers(), generator_buffers):
                buffer.copy_(saved)
        return lookahead.requires_grad_(False)  # G's backward goes through it but never into it

    @staticmethod
    def _copy_with_optimizer(D: torch.nn.Module, opt_d: torch.optim.Optimizer):
        """A deep copy of D, and an optimiser of opt_d's class over the copy with a deep copy of opt_d's state."""
        lookahead = copy.deepcopy(D)
        counterpart = {id(original): clone for original, clone in zip(D.parameters(), lookahead.parameters())}
        groups = [{"params": [counterpart[id(p)] for p in group["params"]]} for group in opt_d.param_groups]
        for group in groups:
            for parameter in group["params"]:
                parameter.requires_grad_(True)  # the copy is made while the G step has D frozen
        optimizer = type(opt_d)(groups, **opt_d.defaults)
        optimizer.load_state_dict(copy.deepcopy(opt_d.state_dict()))  # hyper-parameters and moments
        return lookahead, optimizer

    def _next_batch(self, state):
        batch = state.batch_at(self.batches_drawn, state.config.train.seed + LOOKAHEAD)  # its own stream, not training's
        self.batches_drawn += 1
        return batch

    def state_dict(self):
        return {"batches_drawn": self.batches_drawn}

    def load_state_dict(self, state_dict) -> None:
        self.batches_drawn = int(state_dict["batches_drawn"])
