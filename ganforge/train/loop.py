"""The training loop. It reads top to bottom; everything optional lives in plugins (see hooks.py)."""
from __future__ import annotations

import signal
import sys
import time

from ..config import Config, save_config
from ..doctor.live import attach_doctor
from ..doctor.run_metric import protected_steps
from ..report.grids import save_samples
from ..report.html import refresh_report
from ..sampling import generate, sampling_generator
from . import distributed, periodic_eval
from ..errors import CheckpointError
from .checkpoint import list_checkpoints, load_checkpoint, newest_finite_checkpoint, save_checkpoint, set_aside
from .guard import NanGuard
from .interrupt import StopRequest
from .progress import extras_status, progress_display
from .run_dir import RunDir
from .state import TrainState, build_state, resolve_device
from .objectives import release_data_parallel
from .stats import JsonlWriter, StatsBus, active_bus, report, use_bus
from .step import discriminator_step, generator_step
from .tensorboard import open_tensorboard
from .threads import watch_threads


def train(config: Config, run: RunDir, resume: bool = False, quiet: bool = False, auto_remedy: bool = False,
          keep_best: bool = False) -> TrainState:
    run.check_writable()  # a read-only or vanished run directory fails now, not at the first checkpoint
    joined = distributed.setup(resolve_device(config.train.device))  # under torchrun: join the other ranks
    state = build_state(config)
    periodic_eval.check(state)  # eval.every's extractor and real split fail now, not at the first evaluation
    bus = use_bus(StatsBus())
    stats_log = JsonlWriter(run.stats)
    if resume and list_checkpoints(run.checkpoints):  # a run killed before its first checkpoint starts over
        load_checkpoint(resume_checkpoint(run), state)  # every rank loads the same file
        state.adopt_rng_as_shared()
    if distributed.is_main():  # rank 0 alone writes files; every rank still takes part in every collective
        stats_log.truncate_after(state.step)  # records a killed run wrote after its last checkpoint
        periodic_eval.forget_after(run, state.step)
        save_config(config, run.config)
        bus.listeners.append(stats_log)
    guard = NanGuard(state, run, bus)  # NaN/Inf never reaches a checkpoint (guard.py)
    display = None if quiet or not distributed.is_main() else progress_display(
        config.train.steps, state.step, status=extras_status(state))
    tensorboard = open_tensorboard(config, run.path, state.step) if distributed.is_main() else None  # None when off
    grid_listeners = []  # each told (step, path) of a saved sample grid
    if display:
        bus.listeners.append(display)
    if tensorboard:
        bus.listeners.append(tensorboard.scalars)
        grid_listeners.append(tensorboard.image)
    state.remedy.active = auto_remedy and not distributed.is_distributed()  # doctor/remedy.py: single process
    state.remedy.keep_best = keep_best and state.remedy.active  # before any remedy: the best checkpoint is spared
    watch_threads(state, bus)  # under auto: back to one thread if a load arriving mid-run slows the steps
    attach_doctor(state, run, bus)  # a stats listener (rank 0, when doctor.enabled): findings, status line, remedy requests

    settings = config.train
    state.G.train()
    state.D.train()
    with StopRequest() as stop:
        while state.step < settings.steps and not distributed.any_rank(stop.requested or state.remedy.pending):
            started = time.perf_counter()
            state.begin_step()  # under torchrun: this rank's own random stream for the step
            for _ in range(config.optim.n_critic):  # D steps, each on a fresh batch
                real, labels = state.next_batch()
                discriminator_step(state, real, labels)
            generator_step(state, real, labels)
            state.step += 1
            report("time/step_s", time.perf_counter() - started)
            if not guard.healthy(state):
                continue  # a non-finite step since the last check: rolled back to the last good checkpoint

            if periodic_eval.due(state):
                periodic_eval.evaluate_now(state, run)  # eval/<metric> on the bus, and a line in eval.jsonl
            if state.step % settings.log_every == 0:
                bus.flush(state.step)
            if state.step % settings.sample_every == 0:
                save_sample_grid(state, run, grid_listeners)
            if state.step % settings.checkpoint_every == 0:
                write_checkpoint(state, run)
                if distributed.is_main():
                    refresh_report(run.path)  # report.html follows the run; a failure only prints a warning
        if state.step < settings.steps:  # stopped early (every rank alike): the steps since the last check
            guard.healthy(state, stopping=True)
        finish(state, run, bus, grid_listeners)  # still under the StopRequest: a first signal here waits for it
    for closable in (display, tensorboard):
        if closable:
            closable.close()
    release_data_parallel(state)  # before any rank leaves the process group (objectives.py)
    if joined:
        distributed.teardown()
    if stop.requested and distributed.is_main():
        print(stopped_line(state, run, stop.signal_number), file=sys.stderr)
    return state


def stopped_line(state: TrainState, run: RunDir, number: int) -> str:
    return (f"stopped by {signal.Signals(number).name} at step {state.step}; checkpoint saved; "
            f"resume with: ganforge resume {run.path}")


def resume_checkpoint(run: RunDir):
    """The newest checkpoint holding only finite values, chosen by rank 0 for every rank."""
    good = distributed.share_from_main(lambda: choose_finite_checkpoint(run))
    if good is None:
        raise CheckpointError(f"{run.checkpoints}: no checkpoint loads with only finite values (they are kept as "
                              f"*.non-finite); start a new run")
    return good


def choose_finite_checkpoint(run: RunDir):
    """The newest finite checkpoint (None if there is none); newer unusable ones are set aside, with a note."""
    good, passed_over = newest_finite_checkpoint(run.checkpoints)
    if passed_over:
        moved = set_aside(passed_over)
        print(f"note: {', '.join(p.name for p in passed_over)} holding NaN/Inf, kept as "
              f"{', '.join(p.name for p in moved)}; resuming from {good.name if good else 'nothing'}", file=sys.stderr)
    return good


def finish(state: TrainState, run: RunDir, bus: StatsBus, grid_listeners=()) -> None:
    """Last stats, grid and checkpoint, unless the final step already wrote them; then the report.

    A run stopped before `train.steps` writes no partial stats record: the steps since the last log step
    are kept in the checkpoint (checkpoint.py) and the resumed run's next record covers them, so its
    stats.jsonl is the uninterrupted run's, record for record.
    """
    settings = state.config.train
    if state.step % settings.log_every and state.step >= settings.steps:
        bus.flush(state.step)
    if state.step % settings.sample_every:
        save_sample_grid(state, run, grid_listeners)
    if state.step % settings.checkpoint_every:
        write_checkpoint(state, run)
    if distributed.is_main():
        refresh_report(run.path)


def write_checkpoint(state: TrainState, run: RunDir) -> None:
    """Rank 0 writes the checkpoint: its buffers (copied to every rank first) and, as the RNG, the shared latent stream."""
    state.synchronise_buffers()
    active_bus().share_window_over_ranks()  # a collective, like synchronise_buffers
    if distributed.is_main():
        with state.shared_rng_active():
            save_checkpoint(state, run.checkpoints, state.config.train.keep_checkpoints, spared_steps(state, run))


def spared_steps(state: TrainState, run: RunDir) -> set[int]:
    """While auto-remedy has not changed the run: the best-scored checkpoint's step, which rotation keeps (remedy.py
    copies it aside before the first remedy); otherwise none."""
    return protected_steps(run, state.config) if state.remedy.keep_best else set()


def save_sample_grid(state: TrainState, run: RunDir, listeners=()) -> None:
    """The fixed-latent grid as samples/step-NNNNNNNN.png; each listener (TensorBoard) gets (step, path)."""
    state.synchronise_buffers()  # under torchrun: rank 0's batch-norm statistics on every rank (a collective)
    if not distributed.is_main():
        return
    samples = generate(sampling_generator(state), state.fixed_z, state.fixed_labels)
    path = run.samples / f"step-{state.step:08d}.png"
    save_samples(state.data, state.data.to_data_units(samples), path, title=f"step {state.step}")
    for listener in listeners:
        listener(state.step, path)
