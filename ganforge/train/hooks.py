"""Plugins: every regulariser and training trick is one, and the loop knows none by name.

A plugin is a class registered in `PLUGINS`; YAML `plugins: [{name: r1, gamma: 10}]` builds it
with those options. Every hook has a no-op default, so a plugin overrides only what it needs.
The loop calls the hooks in this order (a hook is called on every plugin, in list order,
before the next hook runs):

    setup(state)                               once, after nets are built, before optimisers exist
                                               (wrap or replace nets, add layers, make EMA copies)
    load_state_dict(sd) / state_dict()         on resume / at each checkpoint, so resume is exact
    -- each D step (n_critic per G step):
    d_inputs(real, fake, state) -> (real, fake)        what D sees (noise, augmentation, replay, packing)
    d_targets(real_t, fake_t, state) -> (real_t, fake_t)  loss targets (smoothing, noisy/flipped labels)
    d_terms(ctx) -> {name: scalar tensor}              extra D loss terms (gradient penalties)
    after_d_step(state)                                after D's optimiser step (weight clipping)
    -- each G step:
    g_critic(critic, state) -> critic                  which D scores G's samples (unrolled look-ahead)
    g_inputs(real, fake, state) -> (real, fake)        what D sees in the G step (and in look-aheads):
                                                       side-effect-free input transforms (noise, augmentation, packing)
    g_terms(ctx) -> {name: scalar tensor}              extra G loss terms (feature matching, mode seeking)
    after_g_step(state)                                after G's optimiser step (EMA, replay push)
    -- whenever samples are drawn (grids, `ganforge sample`, evaluation):
    sampling_generator(G, state) -> G                  which generator to sample from (EMA's average)

`ctx` is a `StepContext`: the batch, the samples, D's logits, the nets and the step number.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..registry import Registry

TrainState = Any  # train/state.py's TrainState; not imported, since building a state builds the plugins

PLUGINS = Registry("plugin")


@dataclass
class StepContext:
    """What a loss term may need from the current step."""

    state: "TrainState"
    real: torch.Tensor  # batch as drawn, [N, *data_shape]
    fake: torch.Tensor  # G's samples, [N, *data_shape] (detached in the D step)
    real_in: torch.Tensor  # what D saw of real data after d_inputs
    fake_in: torch.Tensor  # what D saw of fake data after d_inputs / g_inputs
    real_logits: torch.Tensor | None
    fake_logits: torch.Tensor
    labels: torch.Tensor | None
    z: torch.Tensor
    critic: torch.nn.Module  # the D that produced the logits (a look-ahead copy under `unrolled`)


class Plugin:
    """Base class with no-op hooks; see the module docstring for when each is called."""

    before_packing = False  # True: it must be listed before pacgan (it handles D's single-sample inputs)
    repeatable = False  # True: it may be listed more than once (config validation refuses a repeat otherwise)
    # What a plugin does to the nets and to sampling, for the order check (plugin_order.py); an instance
    # may answer from its options (spectral_norm changes G only with `generator: true`).
    changes_generator = False  # setup adds or replaces G's layers or generators
    copies_generator = False  # setup copies G (the copy misses every change made after it)
    replaces_sampling = False  # sampling_generator returns a net of its own, ignoring the one it is given
    wraps_sampling = False  # sampling_generator wraps the net it is given

    def setup(self, state: "TrainState") -> None:
        pass

    def d_inputs(self, real: torch.Tensor, fake: torch.Tensor, state: "TrainState") -> tuple[torch.Tensor, torch.Tensor]:
        return real, fake

    def d_targets(self, real_targets: torch.Tensor, fake_targets: torch.Tensor, state: "TrainState"):
        return real_targets, fake_targets

    def d_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        return {}

    def after_d_step(self, state: "TrainState") -> None:
        pass

    def g_critic(self, critic: torch.nn.Module, state: "TrainState") -> torch.nn.Module:
        return critic

    def g_inputs(self, real: torch.Tensor, fake: torch.Tensor, state: "TrainState") -> tuple[torch.Tensor, torch.Tensor]:
        return real, fake

    def g_terms(self, ctx: StepContext) -> dict[str, torch.Tensor]:
        return {}

    def after_g_step(self, state: "TrainState") -> None:
        pass

    def sampling_generator(self, generator: torch.nn.Module, state: "TrainState") -> torch.nn.Module:
        return generator

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        pass


def generator_view(state: "TrainState", real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Real and fake samples as D sees them in G's step: every plugin's g_inputs, in order."""
    for plugin in state.plugins:
        real, fake = plugin.g_inputs(real, fake, state)
    return real, fake
