"""The training loop. It reads top to bottom; everything optional lives in plugins (see hooks.py)."""
from __future__ import annotations

import time

from ..config import Config, save_config
from ..report.grids import save_samples
from ..sampling import generate, sampling_generator
from .checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from .interrupt import StopRequest
from .progress import ProgressLine
from .run_dir import RunDir
from .state import TrainState, build_state
from .stats import JsonlWriter, StatsBus, report, use_bus
from .step import discriminator_step, generator_step


def train(config: Config, run: RunDir, resume: bool = False, quiet: bool = False) -> TrainState:
    state = build_state(config)
    bus = use_bus(StatsBus())
    stats_log = JsonlWriter(run.stats)
    if resume:
        load_checkpoint(latest_checkpoint(run.checkpoints), state)
        stats_log.truncate_after(state.step)  # records a killed run wrote after its last checkpoint
    save_config(config, run.config)
    bus.listeners.append(stats_log)
    if not quiet:
        bus.listeners.append(ProgressLine(config.train.steps, start_step=state.step))

    settings = config.train
    state.G.train()
    state.D.train()
    with StopRequest() as stop:
        while state.step < settings.steps and not stop.requested:
            started = time.perf_counter()
            for _ in range(config.optim.n_critic):  # D steps, each on a fresh batch
                real, labels = state.next_batch()
                discriminator_step(state, real, labels)
            generator_step(state, real, labels)
            state.step += 1
            report("time/step_s", time.perf_counter() - started)

            if state.step % settings.log_every == 0:
                bus.flush(state.step)
            if state.step % settings.sample_every == 0:
                save_sample_grid(state, run)
            if state.step % settings.checkpoint_every == 0:
                save_checkpoint(state, run.checkpoints, settings.keep_checkpoints)
    finish(state, run, bus)
    if stop.requested:
        print(f"stopped at step {state.step}; checkpoint saved. Continue with: ganforge resume {run.path}")
    return state


def finish(state: TrainState, run: RunDir, bus: StatsBus) -> None:
    """Last stats, grid and checkpoint, unless the final step already wrote them."""
    settings = state.config.train
    if state.step % settings.log_every:
        bus.flush(state.step)
    if state.step % settings.sample_every:
        save_sample_grid(state, run)
    if state.step % settings.checkpoint_every:
        save_checkpoint(state, run.checkpoints, settings.keep_checkpoints)


def save_sample_grid(state: TrainState, run: RunDir) -> None:
    samples = generate(sampling_generator(state), state.fixed_z, state.fixed_labels)
    path = run.samples / f"step-{state.step:08d}.png"
    save_samples(state.data, state.data.to_data_units(samples), path, title=f"step {state.step}")
