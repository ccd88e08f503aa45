"""TensorBoard events in the run directory: every stats-bus flush as scalars, every sample grid as an image.

Optional: used when `train.tensorboard` is true (the default) and the `tensorboard` package is
installed (`pip install -e '.[tensorboard]'`); otherwise training runs without it. The event
files sit in the run directory itself, so `tensorboard --logdir runs/` lists every run by name.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image

SAMPLES_TAG = "samples"


class TensorBoardLog:
    """Two listeners over one event writer: `scalars(step, means)` for the stats bus and
    `image(step, path)` for each saved sample grid."""

    def __init__(self, log_dir: Path, start_step: int = 0):
        from torch.utils.tensorboard import SummaryWriter

        # A resumed run hides the events its killed predecessor wrote after the checkpoint at `start_step`
        # (TensorBoard drops every step ≥ purge_step), as stats.jsonl drops those records.
        self.writer = SummaryWriter(log_dir=str(log_dir), purge_step=start_step + 1 if start_step else None)

    def scalars(self, step: int, means: dict[str, float]) -> None:
        for name, value in sorted(means.items()):
            self.writer.add_scalar(name, value, step)
        self.writer.flush()  # a killed run keeps every flushed window, as stats.jsonl does

    def image(self, step: int, path: Path) -> None:
        """The grid exactly as saved (PNG read back, RGB), so TensorBoard shows what samples/ holds."""
        with Image.open(path) as picture:
            pixels = np.asarray(picture.convert("RGB"))
        self.writer.add_image(SAMPLES_TAG, pixels, step, dataformats="HWC")
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def tensorboard_available() -> bool:
    return importlib.util.find_spec("tensorboard") is not None


def open_tensorboard(config, log_dir: Path, start_step: int = 0) -> TensorBoardLog | None:
    """A TensorBoardLog writing into `log_dir`, or None when `train.tensorboard` is off or the package is missing."""
    if not config.train.tensorboard or not tensorboard_available():
        return None
    return TensorBoardLog(log_dir, start_step)
