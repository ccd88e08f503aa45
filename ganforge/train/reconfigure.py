"""Re-save a checkpoint for a changed config: the same run, continued with other hyper-parameters.

Used by `ganforge resume RUN optim.d.lr=1e-4 ...` and by the doctor's auto-remedy. A plain
resume restores the optimisers' own saved settings (learning rates included), so without this a
changed `optim.*` would be silently ignored. Kept: G's and D's weights, the optimisers' moments
(when the optimiser kind is unchanged), the plugins' state matched by name, the step, the data
position and the random state. New: the optimiser settings of the new config; a plugin that was
not on before starts fresh. A change to the nets themselves (width, spectral norm, packing) cannot
reuse the weights: that is a CheckpointError saying to start a new run. The original file is kept
next to the new one as `<name>.before-reconfigure`; a later reconfigure of the same file keeps
its copy as `<name>.before-reconfigure-2`, `-3`, ..., so no backup is ever overwritten.
"""
from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import CheckpointError
from ..safe_files import keep_aside
from .checkpoint import atomic_save, capture, read_checkpoint
from .state import build_state

BACKUP_LABEL = "before-reconfigure"  # step-N.pt.before-reconfigure, then -2, -3, ... (never overwritten)


def optimisation_changed(previous: Config, config: Config) -> bool:
    return previous.optim != config.optim or previous.plugins != config.plugins


def load_nets_for(config: Config, path: Path):
    """A state built for `config` holding the checkpoint's G and D, and the checkpoint; a CheckpointError
    when the config's nets cannot take its weights."""
    old = read_checkpoint(path)
    state = build_state(config)
    try:
        state.G.load_state_dict(old["generator"])
        state.D.load_state_dict(old["discriminator"])
    except RuntimeError as error:
        summary = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{path}: the new config changes the nets, so this run cannot continue with it "
                              f"(start a new run): {summary}") from None
    return state, old


def convert_checkpoint(path: Path, previous: Config, config: Config) -> None:
    state, old = load_nets_for(config, path)
    for name in ("g", "d"):
        _carry_optimizer(getattr(state, f"opt_{name}"), old[f"opt_{name}"], getattr(previous.optim, name),
                         getattr(config.optim, name))
    old_plugins = dict(zip((spec.name for spec in previous.plugins), old["plugins"]))
    for spec, plugin in zip(config.plugins, state.plugins):
        if spec.name in old_plugins:
            plugin.load_state_dict(old_plugins[spec.name])
    state.step, state.batches_drawn = old["step"], old["batches_drawn"]
    new = capture(state)
    new["rng"] = old["rng"]
    new["stats_window"] = old.get("stats_window", {})
    keep_aside(path, BACKUP_LABEL)  # every earlier backup is kept too
    atomic_save(new, path)


def _carry_optimizer(optimizer, saved: dict, before, after) -> None:
    """Change only what the config changed; the rate keeps what schedules and rollbacks did to it.

    The saved rate over `before.lr` is the factor that lr_decay's scale or a NaN rollback's halving
    left in it; a changed lr becomes `after.lr` times that factor, an unchanged one stays as saved.
    The same optimiser kind keeps its saved moments and settings, each setting the config changed
    replaced; a new kind starts from the new config's settings (the optimiser build_state made).
    """
    if before.name == after.name:
        optimizer.load_state_dict(saved)
        for group in optimizer.param_groups:
            _replace_changed(group, before, after)
    for group, saved_group in zip(optimizer.param_groups, saved["param_groups"]):
        group["lr"] = saved_group["lr"] if after.lr == before.lr else saved_group["lr"] * (after.lr / before.lr)


def _replace_changed(group: dict, before, after) -> None:
    if after.weight_decay != before.weight_decay:
        group["weight_decay"] = after.weight_decay
    if "betas" in group and tuple(after.betas) != tuple(before.betas):
        group["betas"] = tuple(after.betas)
    if "momentum" in group and after.momentum != before.momentum:
        group["momentum"] = after.momentum
