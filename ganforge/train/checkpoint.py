"""Checkpoints: every state a run needs to continue exactly, as plain state_dicts.

Written atomically (temporary file in the same folder, flush, fsync, rename, fsync of the
folder), so a crash at any moment leaves either the old set of checkpoints or the old set
plus one complete new file; loaded with `weights_only=True`, so a checkpoint cannot run code.
"""
from __future__ import annotations

import pickle
import random
import re
import warnings
from pathlib import Path

import numpy as np
import torch

from ..errors import CheckpointError
from ..safe_files import atomic_file, unused_name
from .state import TrainState
from .stats import active_bus

PREFIX, SUFFIX = "step-", ".pt"
NAME = re.compile(rf"{PREFIX}(\d+){re.escape(SUFFIX)}")  # step-00000020.pt; `step-00000020 (copy).pt` is not one
REQUIRED = {"step": int, "batches_drawn": int, "generator": dict, "discriminator": dict, "opt_g": dict, "opt_d": dict,
            "plugins": list, "rng": dict}
RNG_KEYS = ("torch", "numpy", "python")


def checkpoint_path(directory: Path, step: int) -> Path:
    return Path(directory) / f"{PREFIX}{step:08d}{SUFFIX}"


def list_checkpoints(directory: Path) -> list[Path]:
    """Complete checkpoints, oldest first (temporary files from interrupted writes are never listed)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(int(match.group(1)), p) for p in directory.iterdir() if (match := NAME.fullmatch(p.name)) and p.is_file()]
    return [path for _, path in sorted(found)]


def checkpoint_step(path: Path) -> int:
    """The step in a checkpoint's file name (step-NNNNNNNN.pt)."""
    return int(Path(path).name[len(PREFIX):-len(SUFFIX)])


def latest_checkpoint(directory: Path) -> Path:
    found = list_checkpoints(directory)
    if not found:
        raise CheckpointError(f"{directory}: no checkpoint found (expected files named {PREFIX}NNNNNNNN{SUFFIX})")
    return found[-1]


def capture(state: TrainState) -> dict:
    return {
        "step": state.step,
        "batches_drawn": state.batches_drawn,
        "generator": state.G.state_dict(),
        "discriminator": state.D.state_dict(),
        "opt_g": state.opt_g.state_dict(),
        "opt_d": state.opt_d.state_dict(),
        "plugins": [plugin.state_dict() for plugin in state.plugins],
        "rng": capture_rng(),
        "stats_window": active_bus().window(),  # a stop between two log steps: the next record's first part
        "threads": state.threads,  # auto's choice: a resumed run computes with the same count, so bit for bit alike
        **({"grad_scalers": {name: scaler.state_dict() for name, scaler in state.scalers.items()}} if state.scalers else {}),
    }


def restore(state: TrainState, checkpoint: dict, origin: Path) -> None:
    try:
        state.G.load_state_dict(checkpoint["generator"])
        state.D.load_state_dict(checkpoint["discriminator"])
        state.opt_g.load_state_dict(checkpoint["opt_g"])
        state.opt_d.load_state_dict(checkpoint["opt_d"])
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        summary = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{origin}: does not match this run's config (net or optimiser shapes differ): {summary}") from None
    if len(checkpoint["plugins"]) != len(state.plugins):
        raise CheckpointError(f"{origin}: holds state for {len(checkpoint['plugins'])} plugins, the config has {len(state.plugins)}")
    try:
        for plugin, plugin_state in zip(state.plugins, checkpoint["plugins"]):
            plugin.load_state_dict(plugin_state)
        restore_rng(checkpoint["rng"])
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise CheckpointError(f"{origin}: its plugin or RNG state does not fit this run ({_first_line(error)})") from None
    for name, scaler_state in checkpoint.get("grad_scalers", {}).items():  # fp16: the loss scale goes on where it was
        if state.scalers:
            state.scalers[name].load_state_dict(scaler_state)
    state.step, state.batches_drawn = checkpoint["step"], checkpoint["batches_drawn"]
    resume_threads(state, checkpoint.get("threads"))
    active_bus().restore_window(checkpoint.get("stats_window"))  # absent from checkpoints written at a log step


def resume_threads(state: TrainState, recorded) -> None:
    """Under `train.threads: auto`, go on with the thread count the checkpoint's run used (its measurement or its
    watch's fallback): torch's CPU kernels split work by thread count, so another count changes the low bits."""
    if state.config.train.threads == "auto" and isinstance(recorded, int) and recorded >= 1:
        torch.set_num_threads(recorded)
        state.threads = recorded


def save_checkpoint(state: TrainState, directory: Path, keep: int, protect: set[int] = frozenset()) -> Path:
    """Write the checkpoint of `state.step`, then drop all but the newest `keep` (and those of the steps in
    `protect`: auto-remedy's best so far, doctor/run_metric.py) and any leftover temporary files.

    A failed write (disk full, directory not writable) is a CheckpointError naming the file and
    the OS's reason; the temporary file is removed and the earlier checkpoints are untouched.
    """
    directory = Path(directory)
    target = checkpoint_path(directory, state.step)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        atomic_save(capture(state), target)
    except (OSError, RuntimeError) as error:  # torch.save reports some write failures as RuntimeError
        reason = getattr(error, "strerror", None) or str(error).strip().splitlines()[0]
        raise CheckpointError(f"{target}: cannot write checkpoint ({reason}); the earlier checkpoints are intact") from None
    for stale in directory.glob(f".{PREFIX}*{SUFFIX}.*.tmp"):  # from a process killed mid-write (one writer per run)
        stale.unlink(missing_ok=True)
    for old in list_checkpoints(directory)[:-keep]:
        if checkpoint_step(old) not in protect:
            old.unlink(missing_ok=True)
    return target


def load_checkpoint(path: Path, state: TrainState, require_finite: bool = False) -> None:
    """Restore `state` from the file; with `require_finite`, a checkpoint holding NaN/Inf is a CheckpointError."""
    checkpoint = read_checkpoint(path)
    if require_finite:
        refuse_non_finite(checkpoint, Path(path))
    restore(state, checkpoint, Path(path))


def non_finite_entries(checkpoint: dict) -> list[str]:
    """Dotted names of the floating-point tensors holding a NaN or Inf: weights, optimiser moments, plugin state."""
    found: list[str] = []
    for key in ("generator", "discriminator", "opt_g", "opt_d", "plugins"):
        _collect_non_finite(checkpoint.get(key), key, found)
    return found


def refuse_non_finite(checkpoint: dict, path: Path) -> None:
    bad = non_finite_entries(checkpoint)
    if bad:
        more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
        raise CheckpointError(f"{path}: holds non-finite values (NaN or Inf) in {bad[0]}{more}; "
                              f"choose an older checkpoint with --checkpoint")


def newest_finite_checkpoint(directory: Path) -> tuple[Path | None, list[Path]]:
    """The newest checkpoint holding only finite values, and the newer ones passed over (an unreadable one is
    a CheckpointError, as when loading it)."""
    passed_over = []
    for path in reversed(list_checkpoints(directory)):
        if not non_finite_entries(read_checkpoint(path)):
            return path, passed_over
        passed_over.append(path)
    return None, passed_over


def set_aside(paths: list[Path], label: str = "non-finite") -> list[Path]:
    """Rename unusable checkpoints to `<name>.<label>` (numbered if taken): no longer listed, never deleted."""
    moved = []
    for path in paths:
        target = unused_name(path, label)
        try:
            path.replace(target)
        except FileNotFoundError:
            continue  # another rank (or process) moved it first
        moved.append(target)
    return moved


def _collect_non_finite(value, name: str, found: list[str]) -> None:
    if isinstance(value, torch.Tensor):
        if value.is_floating_point() and not torch.isfinite(value).all():
            found.append(name)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect_non_finite(item, f"{name}.{key}", found)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _collect_non_finite(item, f"{name}.{index}", found)


def read_checkpoint(path: Path) -> dict:
    """The checkpoint at `path` as a dict holding every entry `capture` writes; CheckpointError naming the file otherwise."""
    return check_entries(_load(Path(path)), Path(path))


def check_entries(checkpoint, path: Path) -> dict:
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"{path}: expected a ganforge checkpoint (a dict of states), found a {type(checkpoint).__name__}")
    for key, kind in REQUIRED.items():
        if not isinstance(checkpoint.get(key), kind) or (kind is int and isinstance(checkpoint[key], bool)):
            found = "nothing" if key not in checkpoint else type(checkpoint[key]).__name__
            raise CheckpointError(f"{path}: expected a {kind.__name__} under {key!r} (a ganforge checkpoint), found {found}")
    missing = [key for key in RNG_KEYS if key not in checkpoint["rng"]]
    if missing:
        raise CheckpointError(f"{path}: its 'rng' entry lacks {', '.join(missing)} (expected {', '.join(RNG_KEYS)})")
    if checkpoint["step"] < 0 or checkpoint["batches_drawn"] < 0:
        raise CheckpointError(f"{path}: expected step and batches_drawn ≥ 0, found {checkpoint['step']} and {checkpoint['batches_drawn']}")
    return checkpoint


def _load(path: Path):
    if path.is_file() and path.stat().st_size == 0:
        raise CheckpointError(f"{path}: empty file (0 bytes, as a full disk leaves); expected a checkpoint, use an older one")
    if path.exists() and not path.is_file():
        raise CheckpointError(f"{path}: expected a checkpoint file, found a folder or other non-file")
    try:
        with warnings.catch_warnings():  # e.g. torch's note on pickle protocols: the one line below says it all
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint") from None
    except pickle.UnpicklingError as error:
        reason = _refusal_reason(str(error))
        raise CheckpointError(f"{path}: refused to load: not a plain-tensor checkpoint ({reason})") from None
    except (RuntimeError, EOFError, OSError, ValueError, KeyError, TypeError, IndexError, MemoryError) as error:
        raise CheckpointError(f"{path}: unreadable or truncated checkpoint ({_first_line(error)})") from None


def _refusal_reason(message: str) -> str:
    """The line of torch's weights-only refusal that says what the file holds (an unsupported global, ...)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    telling = [line for line in lines if "Unsupported" in line or "GLOBAL" in line]
    return (telling or lines or ["it holds more than tensors and plain values"])[0][:200]


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def atomic_save(payload: dict, target: Path) -> None:
    with atomic_file(target) as file:  # .step-NNNNNNNN.pt.XXXX.tmp until complete
        torch.save(payload, file)


def capture_rng() -> dict:
    numpy_state = np.random.get_state()
    rng = {
        "torch": torch.get_rng_state(),
        "numpy": {"keys": torch.from_numpy(numpy_state[1].astype(np.int64)), "position": int(numpy_state[2]),
                  "has_gauss": int(numpy_state[3]), "cached_gaussian": float(numpy_state[4])},
        "python": _python_rng_state(),
    }
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    return rng


def restore_rng(rng: dict) -> None:
    torch.set_rng_state(rng["torch"])
    numpy_state = rng["numpy"]
    np.random.set_state(("MT19937", numpy_state["keys"].numpy().astype(np.uint32), numpy_state["position"],
                         numpy_state["has_gauss"], numpy_state["cached_gaussian"]))
    version, internal, gauss = rng["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])


def _python_rng_state():
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]
