"""Data-parallel training across processes started by `torchrun` (one process per device).

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; `setup` reads them
and joins the process group (gloo on CPU, NCCL on CUDA). Without them every helper here is a
no-op for a single process, so the training code calls them unconditionally.

Gradients are averaged by DistributedDataParallel: each net's step loss is wrapped in DDP
(objectives.py), so one step is one DDP forward and one backward. What else a data-parallel
GAN needs lives here: the shared latent stream, each rank's rows of a batch, stats and stop
requests reduced across ranks, rank 0's buffers copied out, samples gathered for evaluation.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import torch
import torch.distributed as dist

from ..errors import ConfigError


def setup(device: torch.device) -> bool:
    """Join the process group torchrun describes, unless already in it; True when this call joined it.

    Whoever joined is the one to `teardown`: the CLI around a whole command, or `train` when
    called as a library function outside any group.
    """
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ or dist.is_initialized():
        return False
    if device.type == "cuda":
        torch.cuda.set_device((device.index or 0) + local_rank())  # before NCCL starts: its communicator's GPU
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", init_method="env://")
    return True


def teardown() -> None:
    """Leave the process group (every rank waits for the others first)."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank; torchrun's RANK before the group is joined and after it is left, else 0."""
    return dist.get_rank() if is_distributed() else int(os.environ.get("RANK", 0))


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", 0))


def is_main() -> bool:
    """Rank 0: the only process that writes files (config, stats, samples, checkpoints)."""
    return rank() == 0


def rank_device(device: torch.device, gpu_count: int | None = None) -> torch.device:
    """This process's device under torchrun: `cuda` means cuda:LOCAL_RANK; `cuda:N` means the block of GPUs starting
    at N, so local rank r trains on cuda:(N + r) (two jobs on one 8-GPU machine: cuda and cuda:4 with 4 ranks each).
    A block that runs past the last GPU is refused, naming the field."""
    if not is_distributed() or device.type != "cuda":
        return device
    first = device.index or 0
    index = first + local_rank()
    count = torch.cuda.device_count() if gpu_count is None else gpu_count
    if index >= count:
        raise ConfigError("train.device", f"{device} under torchrun puts local rank {local_rank()} on GPU {index}, but "
                                          f"this machine has {count} (cuda:0 to cuda:{count - 1}); start at a lower "
                                          f"index or run fewer processes per node")
    return torch.device("cuda", index)


def per_rank_batch_size(global_batch_size: int) -> int:
    """train.batch_size is the global batch; each rank takes an equal share of it."""
    size = world_size()
    if global_batch_size % size:
        raise ConfigError("train.batch_size", f"{global_batch_size} is not divisible by the {size} processes "
                                              f"(WORLD_SIZE); choose a multiple of {size}")
    return global_batch_size // size


def rank_rows(batch: torch.Tensor | None) -> torch.Tensor | None:
    """This rank's contiguous share of a global batch: rows [r·n, (r+1)·n) with n = len/W."""
    if batch is None or not is_distributed():
        return batch
    share = len(batch) // world_size()
    return batch[rank() * share:(rank() + 1) * share]


def all_reduce_mean_(tensor: torch.Tensor) -> torch.Tensor:
    """Average `tensor` over ranks, in place; returns it."""
    if is_distributed():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        tensor.div_(world_size())
    return tensor


def broadcast_state(module: torch.nn.Module) -> None:
    """Copy rank 0's parameters and buffers (batch-norm statistics, spectral-norm vectors) to every rank."""
    if not is_distributed():
        return
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def all_gather_samples(samples: torch.Tensor) -> torch.Tensor:
    """Every rank's `samples` [n, ...] concatenated in rank order, [W·n, ...], on every rank (for evaluation)."""
    if not is_distributed():
        return samples
    pieces = [torch.empty_like(samples) for _ in range(world_size())]
    dist.all_gather(pieces, samples.contiguous())
    return torch.cat(pieces)


def share_from_main(make):
    """Call `make()` on rank 0 alone and hand its (picklable) result to every rank."""
    if not is_distributed():
        return make()
    box = [make() if is_main() else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def rank_seed(seed: int, step: int) -> int:
    """The seed of this rank's own random stream at `step` (dropout, plugin noise): a pure function of (seed, rank, step)."""
    return (seed * 1_000_003 + rank() * 7_919 + step) % 2**63


@contextmanager
def rng_state(device: torch.device, state: torch.Tensor):
    """Run the body on the global RNG of `device` set to `state`; yields a holder whose [0] is the state after.

    The global stream of the enclosing code is restored afterwards, untouched.
    """
    get, put = _rng_accessors(device)
    outer = get()
    put(state)
    holder = [state]
    try:
        yield holder
    finally:
        holder[0] = get()
        put(outer)


def current_rng_state(device: torch.device) -> torch.Tensor:
    return _rng_accessors(device)[0]()


def _rng_accessors(device: torch.device):
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return (lambda: torch.cuda.get_rng_state(index)), (lambda s: torch.cuda.set_rng_state(s, index))
    return torch.get_rng_state, torch.set_rng_state


def reduction_device() -> torch.device:
    """Where small tensors go for a collective: this process's GPU under NCCL, else the CPU."""
    if is_distributed() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def any_rank(flag: bool) -> bool:
    """True on every rank when `flag` is true on any (a stop request seen by one rank stops all at the same step)."""
    if not is_distributed():
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=reduction_device())
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())
