"""TrainState: everything a run is made of, built from a resolved config."""
from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field

import numpy as np
import torch

from ..config_schema import Config
from ..data import DATA
from ..data.source import DataSource
from ..errors import ConfigError, short_repr
from ..losses import LOSSES
from ..losses.base import AdversarialLoss
from ..nets.conditioning import cycling_labels, is_conditional
from ..plugins import PLUGINS, Plugin
from ..random_streams import GRID, stream
from ..sampling import grid_count
from . import distributed
from .footprint import check_training_memory
from .net_builder import build_discriminator, build_generator
from .objectives import wrap_for_data_parallel
from .optim import build_optimizer
from .precision import grad_scalers
from .speed import compile_nets, place_data, set_backend_flags
from .threads import apply_threads
from .remedy_requests import RemedyRequests



@dataclass
class TrainState:
    config: Config
    data: DataSource
    G: torch.nn.Module
    D: torch.nn.Module
    loss: AdversarialLoss
    plugins: list[Plugin]
    device: torch.device
    fixed_z: torch.Tensor
    fixed_labels: torch.Tensor | None = None  # classes 0..K-1 in turn for the grid, when G is conditional
    opt_g: torch.optim.Optimizer | None = None
    opt_d: torch.optim.Optimizer | None = None
    step: int = 0  # completed G steps
    batches_drawn: int = 0  # data batches consumed (n_critic per G step)
    extras: dict = field(default_factory=dict)  # scratch space plugins may share
    remedy: RemedyRequests = field(default_factory=RemedyRequests)  # the live doctor's requests (remedy_requests.py)
    shared_rng: torch.Tensor | None = None  # distributed runs: RNG state of the latent stream every rank shares
    d_objective: torch.nn.Module | None = None  # distributed runs: D's step loss wrapped in DDP (objectives.py)
    g_objective: torch.nn.Module | None = None  # distributed runs: G's step loss wrapped in DDP
    scalers: dict | None = None  # train.precision fp16: {"g": GradScaler, "d": GradScaler} (precision.py)
    threads: int = 0  # torch's intra-op threads for this run (threads.py)

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Global batch number `batches_drawn` (train.batch_size rows); under torchrun, this rank's rows of it."""
        batch = self.batch_at(self.batches_drawn, self.config.train.seed)
        self.batches_drawn += 1
        return batch

    def batch_at(self, index: int, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Batch `index` of the data stream seeded with `seed`, on the run's device and memory layout; under
        torchrun, this rank's rows of it. The training stream is `train.seed`; plugins draw from their own."""
        x, labels = self.data.batch(index, self.config.train.batch_size, seed)
        x, labels = distributed.rank_rows(x), distributed.rank_rows(labels)
        x = x.to(self.device, non_blocking=True)
        if self.config.train.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, None if labels is None else labels.to(self.device)

    def redraw_fixed_z(self) -> None:
        """The progress grid's fixed latents, drawn from their own stream with G's prior (a plugin may change it)."""
        generator = stream(self.config.train.seed, GRID)
        self.fixed_z = self.G.sample_latent(len(self.fixed_z), generator=generator).to(self.device)

    def sample_latent(self, n: int) -> torch.Tensor:
        """Latents z [n, z_dim] for a batch of n rows from the training RNG.

        Distributed, every rank draws the whole global batch (n·W rows) from the shared latent
        stream and keeps its own rows, so the ranks together use exactly the latents a single
        process would; everything else random (dropout, plugin noise) uses the rank's own stream.
        """
        if self.shared_rng is None:
            return self.G.sample_latent(n, self.device)
        with distributed.rng_state(self.device, self.shared_rng) as after:
            z = self.G.sample_latent(n * distributed.world_size(), self.device)
        self.shared_rng = after[0]
        return distributed.rank_rows(z)

    def begin_step(self) -> None:
        """Distributed: re-derive this rank's own random stream from (seed, rank, step), so resume is exact."""
        if self.shared_rng is not None:
            torch.manual_seed(distributed.rank_seed(self.config.train.seed, self.step))

    def adopt_rng_as_shared(self) -> None:
        """Distributed: the global RNG as it stands (after building or loading a checkpoint) becomes the shared latent stream."""
        if distributed.is_distributed():
            self.shared_rng = distributed.current_rng_state(self.device)

    def shared_rng_active(self):
        """Context in which the global RNG holds the shared latent stream (what a checkpoint saves)."""
        if self.shared_rng is None:
            return contextlib.nullcontext()
        return distributed.rng_state(self.device, self.shared_rng)

    def synchronise_buffers(self) -> None:
        """Distributed: rank 0's parameters and buffers (batch-norm statistics) on every rank."""
        distributed.broadcast_state(self.G)
        distributed.broadcast_state(self.D)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    """The device `train.device` names, if this machine has it: cpu, cuda, cuda:N (N < the GPU count), auto."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        device = None
    if device is not None and device.type == "mps" and torch.backends.mps.is_available():
        return device
    if device is None or device.type not in ("cpu", "cuda"):
        raise ConfigError("train.device", f"expected cpu, cuda, cuda:N or auto (or mps where available), got {short_repr(name)}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device", "cuda requested but no CUDA device is available; use cpu or auto")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ConfigError("train.device", f"expected cuda:0 to cuda:{torch.cuda.device_count() - 1} (the GPUs here), got {name}")
    return device


def build_state(config: Config) -> TrainState:
    """Data, nets, loss and plugins (set up), then the optimisers over the nets the plugins left."""
    seed_everything(config.train.seed)  # the same on every rank: identical initial nets
    device = distributed.rank_device(resolve_device(config.train.device))
    distributed.per_rank_batch_size(config.train.batch_size)  # fails early unless it splits evenly
    data = DATA.build(config.data.model_dump(), field="data")
    check_training_memory(config, data, device)  # before the nets: a size nobody can allocate is one line naming it
    G, D = build_generator(config, data, device), build_discriminator(config, data, device)
    grid = grid_count(config.train.grid_size, data.is_image)
    state = TrainState(
        config=config, data=data, G=G, D=D, device=device,
        loss=LOSSES.build(config.loss.model_dump(), field="loss"),
        plugins=[PLUGINS.build(spec.model_dump(), field=f"plugins.{i}") for i, spec in enumerate(config.plugins)],
        fixed_z=G.sample_latent(grid, generator=stream(config.train.seed, GRID)).to(device),
        fixed_labels=cycling_labels(grid, data.num_classes, device) if is_conditional(G) else None,
    )
    state.threads = apply_threads(config.train.threads, state)  # the nets as configured, before plugins wrap them
    for plugin in state.plugins:
        plugin.setup(state)
    _prepare_data_parallel(state)
    set_backend_flags(config.train, device)
    place_data(data, device)
    if config.train.compile:
        compile_nets(state)
    state.opt_g = build_optimizer(state.G.parameters(), config.optim.g, device)
    state.opt_d = build_optimizer(state.D.parameters(), config.optim.d, device)
    state.scalers = grad_scalers(config.train.precision, device)
    return state


def _prepare_data_parallel(state: TrainState) -> None:
    """Distributed: batch norm synchronised across GPUs, rank 0's nets on every rank, the shared latent
    stream, and each net's step loss wrapped in DistributedDataParallel (objectives.py).

    SyncBatchNorm needs CUDA; on CPU each rank normalises with its own share of the batch and
    the running statistics are copied from rank 0 before every sample grid and checkpoint.
    """
    if not distributed.is_distributed():
        return
    if state.device.type == "cuda":
        state.G = torch.nn.SyncBatchNorm.convert_sync_batchnorm(state.G)
        state.D = torch.nn.SyncBatchNorm.convert_sync_batchnorm(state.D)
    state.synchronise_buffers()
    state.adopt_rng_as_shared()
    wrap_for_data_parallel(state)
