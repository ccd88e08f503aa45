"""Device-side settings of a run, applied once its nets and data exist (docs/speed.md).

* the stored dataset goes onto the GPU when it takes at most `DATA_ON_DEVICE_SHARE` of the free
  memory (batches are then gathered there), otherwise each batch is pinned for a non-blocking copy;
* `train.tf32`, `train.cudnn_benchmark`: the CUDA backend flags;
* `train.compile`: `nn.Module.compile` of G and of D (in place, so checkpoints keep their keys),
  D left eager when a plugin differentiates its input gradient (torch.compile has no double backward).
"""
from __future__ import annotations

import sys

import torch

from ..data.source import StoredSource

DATA_ON_DEVICE_SHARE = 0.25  # of the GPU's free memory, leaving the rest to nets, activations and optimiser state


def place_data(data, device: torch.device) -> bool:
    """Move a stored dataset that fits onto the GPU (True), else pin its batches; other sources are drawn as they are."""
    if device.type != "cuda" or not isinstance(data, StoredSource):
        return False
    free, _ = torch.cuda.mem_get_info(device)
    return data.place_on(device, int(free * DATA_ON_DEVICE_SHARE))


def set_backend_flags(train, device: torch.device) -> None:
    if device.type != "cuda":
        return
    torch.backends.cuda.matmul.allow_tf32 = train.tf32
    torch.backends.cudnn.allow_tf32 = train.tf32
    torch.backends.cudnn.benchmark = train.cudnn_benchmark


def nets_to_compile(plugins) -> list[str]:
    """"G" always; "D" unless a plugin takes a double backward through it."""
    return ["G"] + ([] if any(getattr(plugin, "double_backward", False) for plugin in plugins) else ["D"])


def compile_nets(state) -> list[str]:
    """Compile G and (where it can) D in place; returns their names. A note on stderr when D stays eager."""
    chosen = nets_to_compile(state.plugins)
    for name in chosen:
        getattr(state, name).compile()
    if "D" not in chosen:
        print("note: train.compile leaves D eager: a gradient penalty's double backward cannot run through "
              "torch.compile", file=sys.stderr)
    return chosen
