"""Evaluate a generator: the chosen metrics on one shared context, stamped with how they were computed.

    from ganforge.metrics.evaluate import evaluate_run
    evaluate_run("runs/00000-fashion_dcgan", metrics=["fid", "kid"], n=10000)
    # {"step": 2000, "metrics": {"fid": ..., "kid": ..., "kid_std": ...}, "provenance": {...}}

`ganforge evaluate` calls `evaluate_run`; training calls `evaluate_state` every `eval.every` steps
and reports each number on the stats bus as `eval/<name>`. Every result is also appended to the
run's `eval.jsonl`, one JSON object a line, with its provenance (extractor and weights hash,
sample counts, real split, seed, checkpoint step, which generator).
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

from ..config import EvalConfig, load_config
from ..data.stacked import StackedSource
from ..errors import ConfigError
from ..memory import check_fits
from ..safe_files import write_bytes_atomic
from ..sampling import sampling_generator
from ..train.checkpoint import latest_checkpoint, load_checkpoint
from ..train.run_dir import RunDir
from ..train.state import build_state
from .context import EvalContext
from .extractors import OFFLINE_EXTRACTOR, build_extractor, default_extractor_name
from .real_data import real_source
from .registries import METRICS

IMAGE_DEFAULT_METRICS = ("fid", "kid", "prdc")
FEATURELESS_METRICS = {"modes", "swd"}  # metrics that never ask the context for an extractor


def default_metrics(data_source) -> list[dict]:
    """The data's own metrics: mode counts for mixtures and stacked data; FID, KID and PRDC in the classifier's
    space for digits and Fashion-MNIST; for any other images the same in random_conv's space, and SWD."""
    if hasattr(data_source, "centres"):
        return [{"name": "modes"}]
    if isinstance(data_source, StackedSource):
        return [{"name": "stacked_modes"}]
    if default_extractor_name(data_source) == OFFLINE_EXTRACTOR:
        return [{"name": name} for name in (*IMAGE_DEFAULT_METRICS, "swd")]
    return [{"name": name} for name in IMAGE_DEFAULT_METRICS]


def parse_metrics(names: str) -> list[dict]:
    """`--metrics fid,kid` → validated specs; an unknown name fails with the valid choices."""
    words = [word.strip() for word in names.split(",") if word.strip()]
    if not words:
        raise ConfigError("--metrics", f"expected metric names separated by commas, from: {', '.join(METRICS.names())}")
    return [METRICS.validate({"name": word}, "--metrics") for word in words]


def evaluate(generator, data_source, data_spec: dict, settings: EvalConfig, metrics: list[dict] | None = None) -> dict:
    """{"metrics": {name: value}, "provenance": {...}} for `generator` against `settings.real_split` of the data."""
    specs = metrics or settings.metrics or default_metrics(data_source)
    specs = [{"name": spec} if isinstance(spec, str) else dict(spec) if isinstance(spec, dict) else spec.model_dump()
             for spec in specs]
    reference, reference_spec, split = real_source(data_spec, settings.real_split, data_source)
    context = EvalContext(generator, data_source, reference, reference_spec,
                          make_extractor=lambda: _extractor(settings, data_source), n=settings.n,
                          real_n=settings.real_n, seed=settings.seed, real_split=split)
    values, seconds = {}, {}
    for spec in specs:
        started = time.perf_counter()
        values.update(METRICS.build(spec, field="eval.metrics", context=context))
        seconds[spec["name"]] = round(time.perf_counter() - started, 3)
    provenance = {**context.provenance(), "metrics": [spec["name"] for spec in specs], "seconds": seconds}
    return {"metrics": values, "provenance": provenance}


def check_evaluation(data_source, data_spec: dict, settings: EvalConfig) -> None:
    """Build what `evaluate` will need (the real split, the extractor when the metrics use features); raise its errors."""
    specs = settings.metrics or default_metrics(data_source)
    names = {spec if isinstance(spec, str) else spec["name"] if isinstance(spec, dict) else spec.name for spec in specs}
    real_source(data_spec, settings.real_split, data_source)
    if names - FEATURELESS_METRICS:
        _extractor(settings, data_source)


def evaluate_run(run_dir, metrics: list[dict] | None = None, n: int | None = None, checkpoint: str | None = None,
                 ema: bool | None = None, overrides: list[str] = (), record: bool = True) -> dict:
    """Evaluate a run's newest (or the given) checkpoint; appends the result to RUN_DIR/eval.jsonl unless record=False."""
    run = RunDir.open(run_dir)
    config = load_config(run.config, list(overrides))
    state = build_state(config)
    load_checkpoint(Path(checkpoint) if checkpoint else latest_checkpoint(run.checkpoints), state, require_finite=True)
    settings = config.eval.model_copy(update={"n": n} if n else {})
    _check_memory(state, settings.n, "--n" if n else "eval.n")
    generator = sampling_generator(state, settings.ema if ema is None else ema)
    result = evaluate(generator, state.data, config.data.model_dump(), settings, metrics)
    result = {"step": state.step, **result}
    result["provenance"]["generator"] = _which(generator, state)
    if record:
        append_record(run.path / "eval.jsonl", result)
    return result


def _check_memory(state, n: int, field: str) -> None:
    """n generated samples (latents, outputs, features of the same size at least) must fit in memory."""
    check_fits(field, n * (state.G.z_dim + 2 * math.prod(state.data.shape)) * 4, f"{n} generated samples", state.device)


def evaluate_state(state) -> dict:
    """The periodic evaluation during training: the run's `eval` settings on its sampling generator."""
    settings = state.config.eval
    generator = sampling_generator(state, settings.ema)
    result = evaluate(generator, state.data, state.config.data.model_dump(), settings)
    result = {"step": state.step, **result}
    result["provenance"]["generator"] = _which(generator, state)
    return result


def append_record(path: Path, result: dict) -> None:
    path = Path(path)
    earlier = path.read_bytes() if path.exists() else b""
    if earlier and not earlier.endswith(b"\n"):
        earlier += b"\n"  # a torn last line stays a line of its own, for the reader to skip
    write_bytes_atomic(path, earlier + (json.dumps(_finite(result)) + "\n").encode())


def _extractor(settings: EvalConfig, data_source):
    if not data_source.is_image:
        return None  # vector data are their own features
    name = default_extractor_name(data_source) if settings.extractor == "auto" else settings.extractor
    if name is None:
        raise ConfigError("eval.extractor", "this data has no built-in classifier; set eval.extractor: inception_v3 "
                                            "and eval.inception_weights to a local FID-Inception weights file")
    return build_extractor(name, data_source, settings.inception_weights)


def _which(generator, state) -> str:
    """"G", or the plugin-provided generator samples came from (the EMA average)."""
    return "G" if generator is state.G else "ema" if any(p.__class__.__name__ == "EMA" for p in state.plugins) else "plugin"


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
