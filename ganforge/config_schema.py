"""The run configuration's schema: its sections and their fields, with types, ranges and defaults.

Pure pydantic models and nothing that reads files or registries, so that whatever needs the type of a
config (the train state, the optimisers) can import it without importing the loader in config.py,
which checks components against the registries of data sources, nets, losses and plugins.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Component(BaseModel):
    """`{name: ..., **options}`; the options are checked against the named component's registry."""

    model_config = ConfigDict(extra="allow")
    name: str


Beta = Annotated[float, Field(ge=0, lt=1)]  # an Adam moving-average coefficient
MAX_RATE = 1e6  # lr and weight_decay: beyond this the optimisers' float32 arithmetic overflows for some betas
MAX_SEED = 2**32 - 1  # every seed derived from it (seed·1,000,003 + epoch, seed + offsets) stays within int64


class OptimizerConfig(Section):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # an infinite lr or beta is never meant
    name: Literal["adam", "adamw", "rmsprop", "sgd"] = "adam"
    lr: float = Field(2e-4, gt=0, le=MAX_RATE)
    betas: tuple[Beta, Beta] = (0.5, 0.999)
    momentum: float = Field(0.0, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0, le=MAX_RATE)
    grad_clip: float | None = Field(None, gt=0, description="clip this net's gradient norm to this value")


class OptimConfig(Section):
    g: OptimizerConfig = OptimizerConfig()
    d: OptimizerConfig = OptimizerConfig()
    n_critic: int = Field(1, ge=1, description="D steps per G step")


class OnNanConfig(Section):
    """What the NaN/Inf guard does when a step produces a non-finite loss, gradient or weight (docs/reliability.md)."""

    action: Literal["halve_lr", "stop"] = Field("halve_lr", description="roll back and halve both learning rates, or stop")
    max_attempts: int = Field(3, ge=1, description="rollbacks allowed before training stops with an error")


class TrainConfig(Section):
    steps: int = Field(2000, ge=1, description="G steps")
    batch_size: int = Field(64, ge=1)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    sample_every: int = Field(500, ge=1)
    checkpoint_every: int = Field(500, ge=1)
    keep_checkpoints: int = Field(3, ge=1)
    log_every: int = Field(10, ge=1)
    grid_size: int = Field(64, ge=1, description="samples in each fixed-z grid (2-D data: at least 1000 dots)")
    device: str = "cpu"
    channels_last: bool = False
    threads: Literal["auto"] | Annotated[int, Field(ge=1)] = Field(
        "auto", description="CPU threads torch uses: auto (one for tiny nets, else the count a short measurement finds fastest) or a number")
    precision: Literal["fp32", "bf16", "fp16"] = Field(
        "fp32", description="forward passes under autocast in bf16 or fp16 (fp16 with loss scaling); docs/speed.md")
    compile: bool = Field(False, description="torch.compile G and D (D stays eager under a gradient penalty's double backward)")
    tf32: bool = Field(False, description="CUDA: allow TF32 matrix products and convolutions (faster, ~10-bit mantissa)")
    cudnn_benchmark: bool = Field(True, description="CUDA: let cuDNN time its convolution algorithms for these shapes")
    on_nan: OnNanConfig = OnNanConfig()
    tensorboard: bool = Field(True, description="also write TensorBoard events (scalars, sample grids) into the run "
                                                "directory, when the tensorboard package is installed")


class EvalConfig(Section):
    """Quality metrics: periodically during training (`every`) and the defaults of `ganforge evaluate` (docs/evaluation.md)."""

    every: int = Field(0, ge=0, description="evaluate every this many steps during training (0: only `ganforge evaluate`)")
    metrics: list[str | Component] | None = Field(
        None, description="metric names or {name, options}; default: the data's own (modes, stacked_modes, or fid/kid/prdc)")
    n: int = Field(10000, ge=2, description="generated samples per evaluation")
    real_n: int = Field(10000, ge=2, description="real samples the reference statistics use (fewer if the split is smaller)")
    real_split: Literal["auto", "train", "test"] = Field(
        "auto", description="real data compared against: the data's test split when it has one (auto), or the training data")
    extractor: str = Field("auto", description="feature extractor: auto (digits and Fashion-MNIST: their classifier; "
                                               "other images: random_conv), digits_classifier, fashion_classifier, "
                                               "random_conv or inception_v3")
    inception_weights: str | None = Field(None, description="local FID-InceptionV3 weights file (nothing is downloaded)")
    ema: bool = Field(True, description="evaluate the EMA generator when the ema plugin is on")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the generated and real samples an evaluation draws")


class DoctorConfig(Section):
    """The training doctor (docs/doctor.md): rules over the stats, findings in doctor.jsonl, optional auto-remedy."""

    enabled: bool = Field(True, description="run the doctor while training (rank 0; findings in doctor.jsonl)")
    sample_every: int = Field(50, gt=0, description="steps between sample-statistics probes (diversity, modes, ...)")
    window: int = Field(10, ge=2, description="flushes (train.log_every steps each) a problem must last to count")
    auto: bool = Field(False, description="on an error finding: roll back, apply the top advice, continue")
    max_attempts: int = Field(3, ge=1, description="auto-remedy attempts before training stops with the finding")
    max_extra_steps: float = Field(1.0, ge=0, allow_inf_nan=False, description=(
        "auto-remedy's step budget: steps trained beyond train.steps, thrown-away ones included, as a fraction of it"))


class Config(Section):
    name: str = "run"
    data: Component
    generator: Component
    discriminator: Component
    z_dim: int = Field(100, ge=1)
    loss: Component = Component(name="nonsaturating")
    plugins: list[Component] = []
    optim: OptimConfig = OptimConfig()
    train: TrainConfig = TrainConfig()
    eval: EvalConfig = EvalConfig()
    doctor: DoctorConfig = DoctorConfig()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
