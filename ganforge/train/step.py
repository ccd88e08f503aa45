"""One discriminator step and one generator step, with plugin hooks in their documented order."""
from __future__ import annotations

from contextlib import contextmanager

import torch

from . import distributed
from .hooks import StepContext, generator_view
from .optim import clip_and_measure
from .state import TrainState
from .stats import report


def discriminator_step(state: TrainState, real: torch.Tensor, labels: torch.Tensor | None) -> None:
    G, D, plugins = state.G, state.D, state.plugins
    z = state.sample_latent(len(real))  # (N, z_dim); under torchrun this rank's rows of the global batch
    with torch.no_grad():
        fake = G(z, labels)  # (N, *data_shape), no graph back into G
    real_in, fake_in = real, fake
    for plugin in plugins:
        real_in, fake_in = plugin.d_inputs(real_in, fake_in, state)
    real_logits, fake_logits = D(real_in, labels), D(fake_in, labels)  # (N,), (N,)

    real_targets, fake_targets = torch.ones_like(real_logits), torch.zeros_like(fake_logits)
    for plugin in plugins:
        real_targets, fake_targets = plugin.d_targets(real_targets, fake_targets, state)
    adversarial = state.loss.d_loss(real_logits, fake_logits, real_targets, fake_targets).mean()

    context = StepContext(state, real, fake, real_in, fake_in, real_logits, fake_logits, labels, z, D)
    terms = collect_terms(plugin.d_terms(context) for plugin in plugins)
    _optimise(state.opt_d, adversarial + sum(terms.values()), D, state.config.optim.d.grad_clip, "grad/d")
    for plugin in plugins:
        plugin.after_d_step(state)
    _report_discriminator(adversarial, terms, real_logits.detach(), fake_logits.detach())


def generator_step(state: TrainState, real: torch.Tensor, labels: torch.Tensor | None) -> None:
    G, plugins = state.G, state.plugins
    with frozen(state.D):  # G's backward needs no gradients for D's parameters
        adversarial, terms = _generator_loss(state, real, labels)
        _optimise(state.opt_g, adversarial + sum(terms.values()), G, state.config.optim.g.grad_clip, "grad/g")
    for plugin in plugins:
        plugin.after_g_step(state)
    report("loss/g", adversarial)
    for name, value in terms.items():
        report(f"loss/g_{name}", value)


def _generator_loss(state: TrainState, real: torch.Tensor, labels: torch.Tensor | None):
    G, plugins = state.G, state.plugins
    critic = state.D
    for plugin in plugins:
        critic = plugin.g_critic(critic, state)
    z = state.sample_latent(len(real))
    fake = G(z, labels)
    real_in, fake_in = generator_view(state, real, fake)
    fake_logits = critic(fake_in, labels)
    real_logits = critic(real_in, labels) if state.loss.g_needs_real_logits else None
    adversarial = state.loss.g_loss(fake_logits, real_logits).mean()

    context = StepContext(state, real, fake, real_in, fake_in, real_logits, fake_logits, labels, z, critic)
    return adversarial, collect_terms(plugin.g_terms(context) for plugin in plugins)


@contextmanager
def frozen(module: torch.nn.Module):
    """Turn off gradients for `module`'s parameters, restoring each one's own flag afterwards."""
    flags = [(parameter, parameter.requires_grad) for parameter in module.parameters()]
    module.requires_grad_(False)
    try:
        yield module
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)


def collect_terms(term_dicts) -> dict[str, torch.Tensor]:
    terms: dict[str, torch.Tensor] = {}
    for term_dict in term_dicts:
        for name, value in term_dict.items():
            if name in terms:
                raise ValueError(f"two plugins add a loss term named {name!r}")
            terms[name] = value
    return terms


def _optimise(optimizer, loss: torch.Tensor, net: torch.nn.Module, grad_clip: float | None, stat_name: str) -> None:
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    distributed.average_gradients(net.parameters())  # under torchrun: the gradient of the global batch's loss
    report(stat_name, clip_and_measure(net.parameters(), grad_clip))
    optimizer.step()


def _report_discriminator(adversarial, terms, real_logits, fake_logits) -> None:
    report("loss/d", adversarial)
    for name, value in terms.items():
        report(f"loss/d_{name}", value)
    report("d/real", torch.sigmoid(real_logits))  # mean D(x) as a probability
    report("d/fake", torch.sigmoid(fake_logits))  # mean D(G(z))
    report("d/real_logit", real_logits)
    report("d/fake_logit", fake_logits)
    report("d/accuracy", ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean()) / 2)
    report("d/sign_real", real_logits.sign())  # r_t = E[sign D(x)], the overfitting heuristic of ADA
