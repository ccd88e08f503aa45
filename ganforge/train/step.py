"""One discriminator step and one generator step, with plugin hooks in their documented order."""
from __future__ import annotations

from contextlib import contextmanager
from functools import partial

import torch

from .objectives import discriminator_loss, generator_loss, require_every_gradient
from .optim import clip_and_measure
from .precision import autocast
from .state import TrainState
from .stats import report


def discriminator_step(state: TrainState, real: torch.Tensor, labels: torch.Tensor | None) -> None:
    objective = _objective(state.d_objective, discriminator_loss, state)
    with autocast(state.config.train.precision, state.device):
        total, adversarial, terms, real_logits, fake_logits = objective(real, labels)
    _optimise(state.opt_d, total, state.D, "d", state.config.optim.d.grad_clip, state.d_objective is not None,
              _scaler(state, "d"))
    for plugin in state.plugins:
        plugin.after_d_step(state)
    _report_discriminator(adversarial, terms, real_logits, fake_logits, state.loss.decision_point)


def generator_step(state: TrainState, real: torch.Tensor, labels: torch.Tensor | None) -> None:
    objective = _objective(state.g_objective, generator_loss, state)
    with frozen(state.D):  # G's backward needs no gradients for D's parameters
        with autocast(state.config.train.precision, state.device):
            total, adversarial, terms = objective(real, labels)
        _optimise(state.opt_g, total, state.G, "g", state.config.optim.g.grad_clip, state.g_objective is not None,
                  _scaler(state, "g"))
    for plugin in state.plugins:
        plugin.after_g_step(state)
    report("loss/g", adversarial)
    for name, value in terms.items():
        report(f"loss/g_{name}", value)


def _objective(wrapped, loss_function, state: TrainState):
    """The DDP-wrapped loss under torchrun (objectives.py), else the plain function bound to the state."""
    return partial(loss_function, state) if wrapped is None else wrapped


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


def _scaler(state: TrainState, net_name: str):
    return None if state.scalers is None else state.scalers[net_name]


def _optimise(optimizer, loss: torch.Tensor, net: torch.nn.Module, net_name: str, grad_clip: float | None,
              under_ddp: bool = False, scaler=None) -> None:
    """Backward, (under DDP) a check that every gradient arrived, clipping, the norm as grad/<net_name>, the step.

    With an fp16 `scaler`: the scaled loss's backward, the gradients unscaled before clipping and the
    norm, and the step skipped by the scaler when they overflowed (precision.py)."""
    optimizer.zero_grad(set_to_none=True)
    (loss if scaler is None else scaler.scale(loss)).backward()  # under torchrun, DDP averages the gradients here
    if under_ddp:
        require_every_gradient(net, net_name.upper())
    if scaler is None:
        report(f"grad/{net_name}", clip_and_measure(net.parameters(), grad_clip))
        optimizer.step()
        return
    scaler.unscale_(optimizer)
    norm = clip_and_measure(net.parameters(), grad_clip)
    taken = torch.isfinite(norm)  # the scaler skips the step whose gradients overflowed
    report(f"grad/{net_name}", torch.where(taken, norm, 0.0), weight=taken.float())  # the mean over steps taken
    report(f"amp/skipped_{net_name}", ~taken)
    scaler.step(optimizer)
    scaler.update()


def _report_discriminator(adversarial, terms, real_logits, fake_logits, decision_point: float) -> None:
    report("loss/d", adversarial)
    for name, value in terms.items():
        report(f"loss/d_{name}", value)
    report("d/real", torch.sigmoid(real_logits))  # mean D(x) as a probability
    report("d/fake", torch.sigmoid(fake_logits))  # mean D(G(z))
    report("d/real_logit", real_logits)
    report("d/fake_logit", fake_logits)
    report("d/accuracy", ((real_logits > decision_point).float().mean() + (fake_logits < decision_point).float().mean()) / 2)
    report("d/sign_real", (real_logits - decision_point).sign())  # r_t = E[sign D(x)], the overfitting heuristic of ADA
