"""D's and G's whole loss for one step, each computed by a single call: the unit DDP wraps.

`discriminator_loss` and `generator_loss` are plain functions of the train state. In one
process the step calls them directly. Under torchrun each is wrapped, together with the one
net it trains, in a `torch.nn.parallel.DistributedDataParallel`: a step is then exactly one
DDP forward (however many times D runs inside it: real, fake, interpolates, look-ahead
copies) followed by one backward, which is the pattern DDP's reducer is built for, and the
reducer averages that net's gradients over the ranks while the backward runs.

Gradient penalties fit this pattern: `autograd.grad(create_graph=True)` inside the forward
differentiates with respect to D's *inputs* only, so it accumulates nothing into D's
parameters and fires none of DDP's hooks; the penalty's own gradient reaches the parameters
through the step's single backward, where DDP averages it with the rest (the "out-of-place
gradients" practice PyTorch's DDP maintainers recommend).
"""
from __future__ import annotations

import gc
import inspect
import warnings
from typing import Callable

import torch
from torch.nn.parallel import DistributedDataParallel

from ..errors import ConfigError
from . import distributed
from .hooks import StepContext, TrainState, generator_view

# (total, adversarial, {term: value}, real logits (N,), fake logits (N,)) of the D step, detached logits
DiscriminatorLoss = tuple[torch.Tensor, torch.Tensor, dict, torch.Tensor, torch.Tensor]
GeneratorLoss = tuple[torch.Tensor, torch.Tensor, dict]  # (total, adversarial, {term: value})

# No buffer broadcast at each forward: `forward_sync_buffers` where DDP has it (newer PyTorch
# deprecates `broadcast_buffers`), else `broadcast_buffers`. Buffers are identical at start either way.
_NO_FORWARD_BUFFER_SYNC = ({"forward_sync_buffers": False}
                           if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
                           else {"broadcast_buffers": False})


def discriminator_loss(state: "TrainState", real: torch.Tensor, labels: torch.Tensor | None) -> DiscriminatorLoss:
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
    return adversarial + sum(terms.values()), adversarial, terms, real_logits.detach(), fake_logits.detach()


def generator_loss(state: "TrainState", real: torch.Tensor, labels: torch.Tensor | None) -> GeneratorLoss:
    """G's loss against D (or the critic a plugin substitutes); the caller keeps D's parameters frozen."""
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
    terms = collect_terms(plugin.g_terms(context) for plugin in plugins)
    return adversarial + sum(terms.values()), adversarial, terms


def collect_terms(term_dicts) -> dict[str, torch.Tensor]:
    terms: dict[str, torch.Tensor] = {}
    for term_dict in term_dicts:
        for name, value in term_dict.items():
            if name in terms:
                raise ValueError(f"two plugins add a loss term named {name!r}")
            terms[name] = value
    return terms


class NetObjective(torch.nn.Module):
    """One net and the function computing its step's loss, as a module whose parameters are that net's alone.

    The train state (and through it the other net) is held as a plain attribute, outside the
    module tree, so DDP over this module averages only the gradients of `net`.
    """

    def __init__(self, net: torch.nn.Module, loss_function: Callable, state: "TrainState"):
        super().__init__()
        self.net = net
        self.loss_function = loss_function
        self.state = state

    def forward(self, real: torch.Tensor, labels: torch.Tensor | None):
        return self.loss_function(self.state, real, labels)


def data_parallel(net: torch.nn.Module, loss_function: Callable, state: "TrainState"):
    """`loss_function` bound to `state`, wrapped with `net` in DistributedDataParallel.

    Buffers are not synchronised at each forward: on CPU each rank normalises with its own rows
    (SyncBatchNorm on CUDA does the global batch), and rank 0's buffers are copied out before
    grids and checkpoints (`TrainState.synchronise_buffers`). find_unused_parameters stays off
    (every built-in net and plugin gives each parameter a gradient every step, and the graph
    traversal it costs would run each step); `require_every_gradient` names a parameter that
    breaks this instead of letting DDP fail at the next step.
    """
    device_ids = [state.device.index] if state.device.type == "cuda" else None
    return DistributedDataParallel(NetObjective(net, loss_function, state), device_ids=device_ids,
                                   find_unused_parameters=False, **_NO_FORWARD_BUFFER_SYNC)


def require_every_gradient(net: torch.nn.Module, net_name: str) -> None:
    """Under DDP: fail with the parameter's name when a backward left one of `net`'s parameters without a gradient."""
    missing = [name for name, parameter in net.named_parameters() if parameter.requires_grad and parameter.grad is None]
    if missing:
        raise ConfigError("plugins", f"under torchrun every parameter of {net_name} needs a gradient at every step "
                                     f"(DistributedDataParallel averages them all), but this step gave none to "
                                     f"{', '.join(missing[:3])}; remove the plugin or net option that leaves them unused")


def release_data_parallel(state: "TrainState") -> None:
    """Drop the DDP modules before the process group is left.

    Each DDP module's reducer holds the process group. Left alive (the module and the state reference
    each other, so only the cycle collector frees them, at the latest at interpreter exit), the group
    is destroyed under it: at exit the rank then tears down gloo's threads after the other ranks and
    their store are gone, and the C++ runtime aborts ("terminate called without an active exception").
    """
    if state.d_objective is None and state.g_objective is None:
        return
    state.d_objective = state.g_objective = None
    gc.collect()


def wrap_for_data_parallel(state: "TrainState") -> None:
    """Under torchrun: D's and G's step losses as DDP modules (state.d_objective, state.g_objective)."""
    if not distributed.is_distributed():
        return
    # channels_last nets: a conv weight with one channel ([64, 1, 4, 4], D's first layer on grey images) has
    # two stride tuples for one memory layout (a size-1 dimension's stride is arbitrary); DDP compares the
    # tuples and warns on every backward about a layout difference that does not exist.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    state.d_objective = data_parallel(state.D, discriminator_loss, state)
    state.g_objective = data_parallel(state.G, generator_loss, state)
