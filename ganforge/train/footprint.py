"""A lower bound on the memory training needs, computed before anything is allocated.

The nets are built on PyTorch's "meta" device (shapes only, no storage) and run forward once on a
meta batch, so a `train.batch_size`, `z_dim`, net width or grid size nobody can allocate is refused
with one line naming the field, instead of an allocator error after the run folder was made:

    error: train.batch_size: training needs 6,170,000 GB at least (nets 0.00266 GB, one batch 6,170,000 GB,
    sample grid 0.001 GB), this machine has 23 GB available

What is counted is certain to be allocated: each net's weights and gradients, the latents and data
of one batch, the largest activation of G and of D on it, and the fixed latents and samples of the
sample grid. Optimiser state, the other saved activations and allocator overhead come on top.
"""
from __future__ import annotations

import math

import torch

from ..errors import ConfigError
from ..memory import available_bytes, check_fits, gigabytes
from ..nets import DISCRIMINATORS, GENERATORS
from ..nets.conditioning import is_conditional
from ..sampling import grid_count

FLOAT = 4  # bytes of a float32


def check_training_memory(config, data, device: torch.device) -> None:
    """ConfigError naming the field most responsible when the lower bound exceeds `device`'s available memory."""
    sizes = _sizes(config, data)
    needed = footprint(data, **sizes)
    if needed is None or needed["total"] <= available_bytes(device):
        return
    field = _most_responsible(data, sizes)
    parts = ", ".join(f"{name} {gigabytes(value)} GB" for name, value in needed.items() if name != "total")
    check_fits(field, needed["total"], "training", device, detail=f" at least ({parts})")


def footprint(data, z_dim: int, batch: int, grid: int, g_spec: dict, d_spec: dict) -> dict[str, float] | None:
    """{"nets", "one batch", "sample grid", "total"} in bytes, or None when the nets cannot be built here."""
    shapes = dict(data_shape=data.shape, num_classes=data.num_classes)
    try:
        with torch.device("meta"):
            G = GENERATORS.build(g_spec, field="generator", z_dim=z_dim, **shapes)
            D = DISCRIMINATORS.build(d_spec, field="discriminator", **shapes)
    except ConfigError:
        raise
    except Exception as error:  # sizes whose product overflows 64 bits cannot be built anywhere
        if "overflow" in str(error).lower():
            return {"nets": math.inf, "one batch": 0, "sample grid": 0, "total": math.inf}
        return None  # a net that cannot be built on the meta device: no estimate, build_state reports any problem
    parameters = sum(p.numel() for net in (G, D) for p in net.parameters())
    sample = math.prod(data.shape)
    largest_g, largest_d = _largest_activation(G, D, z_dim, batch)
    nets = 2 * parameters * FLOAT  # weights and their gradients
    one_batch = (batch * (z_dim + 2 * sample) + largest_g + 2 * largest_d) * FLOAT  # z, real and fake x, activations
    sample_grid = grid * (z_dim + sample) * FLOAT
    return {"nets": nets, "one batch": one_batch, "sample grid": sample_grid, "total": nets + one_batch + sample_grid}


def _largest_activation(G, D, z_dim: int, batch: int) -> tuple[int, int]:
    """Elements of the largest output of any module of G, then of D, on a meta batch (0, 0 if it cannot run there)."""
    largest = {G: 0, D: 0}

    def watch(net):
        def hook(_module, _inputs, output):
            if isinstance(output, torch.Tensor):
                largest[net] = max(largest[net], output.numel())
        return [module.register_forward_hook(hook) for module in net.modules()]

    handles = watch(G) + watch(D)
    try:
        with torch.no_grad():
            labels = torch.zeros(batch, dtype=torch.long, device="meta") if is_conditional(G) else None
            D(G(torch.empty(batch, z_dim, device="meta"), labels), labels)
    except Exception:  # some op without a meta kernel: the activations are left out of the bound
        pass
    finally:
        for handle in handles:
            handle.remove()
    return largest[G], largest[D]


def _sizes(config, data) -> dict:
    grid = grid_count(config.train.grid_size, data.is_image)
    return dict(z_dim=config.z_dim, batch=config.train.batch_size, grid=grid,
                g_spec=config.generator.model_dump(), d_spec=config.discriminator.model_dump())


FIELDS = {"z_dim": "z_dim", "batch": "train.batch_size", "grid": "train.grid_size"}


def _most_responsible(data, sizes: dict) -> str:
    """The size field whose reduction to 1 shrinks the bound most: z_dim, train.*, or a net's integer option."""
    candidates = {FIELDS[key]: {**sizes, key: 1} for key in FIELDS if sizes[key] > 1}
    for role, key in (("generator", "g_spec"), ("discriminator", "d_spec")):
        for option, value in sizes[key].items():
            if isinstance(value, int) and not isinstance(value, bool) and value > 1:
                candidates[f"{role}.{option}"] = {**sizes, key: {**sizes[key], option: 1}}
    best, smallest = "train.batch_size", math.inf
    for field, reduced in candidates.items():
        try:
            estimate = footprint(data, **reduced)
        except ConfigError:
            continue
        if estimate is not None and estimate["total"] < smallest:
            best, smallest = field, estimate["total"]
    return best
