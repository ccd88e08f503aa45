"""The held-out suite's labelling check: what a run's final samples show, measured without the doctor.

A config's `# label:` line says what it was built to be; the label counts only when its final
checkpoint's samples agree (run.py leaves a run whose check disagrees out of the scores, and says so):

- Gaussian mixtures (ring, grid, and the `.npy` vectors of held_out_data.py): N_SAMPLES samples
  through the PacGAN protocol (metrics/modes.py): modes captured and the high-quality share (within
  the radius that holds 98.9% of a mode's own points, 3σ in 2-D). Healthy: at least HEALTHY_MODES of
  the modes and HEALTHY_QUALITY of the points on a mode. Failed: at most half the modes, or under
  FAILED_QUALITY on a mode. mode_collapse further needs its few modes to be real ones: at most half
  the modes while COLLAPSE_QUALITY of the points sit on them.
- Images: the final FD (evaluate_run's `fid`, N_SAMPLES samples; the data's own extractor) against
  the FD of the same config's untrained G. Healthy: the FD at most HEALTHY_FD_SHARE of the untrained
  one. Failed: at least FAILED_FD_FACTOR × the FD of the confirmed healthy run of the same family
  (the name's prefix), or still above FAILED_FD_SHARE of the untrained one.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

N_SAMPLES = 2000
HEALTHY_MODES = 0.75  # share of the modes
HEALTHY_QUALITY = 0.4
FAILED_QUALITY = 0.2
COLLAPSE_QUALITY = 0.3
HIGH_QUALITY_COVERAGE = 1 - math.exp(-4.5)  # P(‖ε‖ ≤ 3σ) for a 2-D Gaussian: the radius's coverage in any dimension
HEALTHY_FD_SHARE = 0.5
FAILED_FD_SHARE = 0.8
FAILED_FD_FACTOR = 2.0


def mixture_evidence(directory: Path, centres: np.ndarray, std: float) -> dict:
    """Modes and high-quality share of the final checkpoint's samples, in the data's units."""
    from scipy.stats import chi2

    from ganforge.metrics.modes import mixture_modes

    state, generator = final_generator(directory)
    points = draw(state, generator).flatten(1)
    points = np.asarray(state.data.to_data_units(points.view(-1, *state.data.shape))).reshape(len(points), -1)
    radius = math.sqrt(chi2.ppf(HIGH_QUALITY_COVERAGE, centres.shape[1]))
    found = mixture_modes(points, centres, std, min_samples=max(1, round(0.008 * len(points))), radius_in_std=radius)
    return {"modes": found["modes"], "of": len(centres), "high_quality": round(found["high_quality"], 3)}


def image_evidence(directory: Path) -> dict:
    """The final FD and the untrained G's FD under the same config and seed."""
    from ganforge.metrics.evaluate import evaluate, evaluate_run
    from ganforge.train.run_dir import RunDir
    from ganforge.config import load_config
    from ganforge.sampling import sampling_generator
    from ganforge.train.state import build_state

    final = float(evaluate_run(directory, metrics=["fid"], n=N_SAMPLES, record=False)["metrics"]["fid"])
    config = load_config(RunDir.open(directory).config)
    state = build_state(config)
    settings = config.eval.model_copy(update={"n": N_SAMPLES})
    untrained = float(evaluate(sampling_generator(state), state.data, config.data.model_dump(), settings, ["fid"])["metrics"]["fid"])
    return {"fid": round(final, 3), "untrained_fid": round(untrained, 3)}


def final_generator(directory: Path):
    from ganforge.config import load_config
    from ganforge.sampling import sampling_generator
    from ganforge.train.checkpoint import latest_checkpoint, load_checkpoint
    from ganforge.train.run_dir import RunDir
    from ganforge.train.state import build_state

    run = RunDir.open(directory)
    state = build_state(load_config(run.config))
    load_checkpoint(latest_checkpoint(run.checkpoints), state)
    return state, sampling_generator(state)


def draw(state, generator):
    import torch

    from ganforge.sampling import generate

    z = generator.sample_latent(N_SAMPLES, generator=torch.Generator().manual_seed(0)) if hasattr(generator, "sample_latent") \
        else state.G.sample_latent(N_SAMPLES, generator=torch.Generator().manual_seed(0))
    return generate(generator, z)


def mixture_verdict(evidence: dict) -> str:
    """healthy, collapsed (few modes, the points on them), failed (off the modes), or unclear."""
    modes, of, quality = evidence["modes"], evidence["of"], evidence["high_quality"]
    if modes >= HEALTHY_MODES * of and quality >= HEALTHY_QUALITY:
        return "healthy"
    if modes <= of / 2 and quality >= COLLAPSE_QUALITY:
        return "collapsed"
    if modes <= of / 2 or quality < FAILED_QUALITY:
        return "failed"
    return "unclear"


def image_verdict(evidence: dict, family_healthy_fid: float | None) -> str:
    fid, untrained = evidence["fid"], evidence["untrained_fid"]
    if fid <= HEALTHY_FD_SHARE * untrained:
        if family_healthy_fid is None or fid < FAILED_FD_FACTOR * family_healthy_fid:
            return "healthy"
        return "failed"
    if fid >= FAILED_FD_SHARE * untrained or (family_healthy_fid is not None and fid >= FAILED_FD_FACTOR * family_healthy_fid):
        return "failed"
    return "unclear"


def confirms(label: str, verdict: str) -> bool:
    """Whether the samples' verdict backs the config's label."""
    if label == "healthy":
        return verdict == "healthy"
    if label == "mode_collapse":
        return verdict == "collapsed"
    return verdict in ("failed", "collapsed") if label == "d_overpowering" else verdict == "failed"
