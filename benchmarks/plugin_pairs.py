"""Every ordered pair of plugins, with options that change structure: refused in one line, or trains, samples and resumes exactly.

    python benchmarks/plugin_pairs.py            # all ordered pairs; writes the plugin-pairs section of docs/benchmarks.md

For each pair [a, b] the run is built on the smallest setup both support (the tiny ring; tiny
digits when one needs images; tiny conditional digits when one needs labels). It is either
refused while the config is resolved or the run is built, with one `GanforgeError` line naming
a field, or it must:
- train 4 steps with finite weights,
- draw finite samples through the plugins' sampling generator (`ganforge sample`'s path),
- save checkpoints, and
- resumed from its step-2 checkpoint, end bitwise equal to the uninterrupted run (G, D, every
  plugin's state).
Anything else (an exception inside a step, a resume that differs) is a failure. The suite runs a
rotating sample of the pairs (tests/test_plugin_pairs.py); this script runs all of them.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ganforge.config import validate  # noqa: E402
from ganforge.errors import GanforgeError  # noqa: E402
from ganforge.plugins import PLUGINS  # noqa: E402
from ganforge.sampling import generate, sampling_generator  # noqa: E402
from ganforge.train.loop import train  # noqa: E402
from ganforge.train.run_dir import RunDir  # noqa: E402
from ganforge.train.stats import StatsBus, use_bus  # noqa: E402
from report import machine, write_section  # noqa: E402
from tests.conftest import tiny_digits_raw, tiny_ring_raw  # noqa: E402

NEEDS_IMAGES = {"diffaugment", "ada"}
NEEDS_LABELS = {"acgan"}
STRUCTURAL_OPTIONS = {  # options that change what a plugin builds or when it acts; defaults elsewhere
    "ada": {"interval": 1, "initial": 0.5},
    "beta2_ramp": {"steps": 3},
    "ema": {"beta": 0.9, "start_step": 1},
    "instance_noise": {"anneal_steps": 3},
    "latent_mixture": {"components": 6, "spread": 0.05},
    "lr_decay": {"end_step": 3},
    "minibatch_discrimination": {"kernels": 8, "kernel_dim": 3},
    "minibatch_stddev": {"group_size": 2},
    "multi_generator": {"generators": 2},
    "pacgan": {"packing": 4},
    "r1": {"every": 2, "final_gamma": 1.0, "decay_steps": 3},
    "r2": {"every": 2},
    "rejection_sampling": {"burn_in": 64, "max_rounds": 4},
    "replay": {"size": 64, "fraction": 0.5},
    "spectral_norm": {"generator": True},
    "unrolled": {"steps": 2},
    "weight_penalty": {"net": "generator"},
}
STEPS, HALF = 4, 2


@dataclass
class PairResult:
    pair: tuple[str, str]
    outcome: str  # "trained", "refused" or "failed"
    detail: str = ""  # the refusal's line, or what failed


def plugin_spec(name: str) -> dict:
    return {"name": name, **STRUCTURAL_OPTIONS.get(name, {})}


def pair_config(pair: tuple[str, str], steps: int = STEPS) -> dict:
    """The raw config for the pair on the smallest setup both plugins support."""
    train_settings = dict(steps=steps, checkpoint_every=HALF, sample_every=steps, log_every=HALF)
    names = set(pair)
    raw = tiny_digits_raw(**train_settings) if names & (NEEDS_IMAGES | NEEDS_LABELS) else tiny_ring_raw(**train_settings)
    if names & NEEDS_LABELS:
        raw["generator"]["condition"] = "concat"
        raw["discriminator"]["condition"] = "projection"
    raw["plugins"] = [plugin_spec(name) for name in pair]
    return raw


def all_pairs() -> list[tuple[str, str]]:
    names = PLUGINS.names()
    return [(a, b) for a in names for b in names if a != b]


def check_pair(pair: tuple[str, str], workdir: Path) -> PairResult:
    """Refused in one line, or trains, samples and resumes bitwise; see the module docstring."""
    raw = pair_config(pair)
    try:
        config = validate(raw)
        straight = train(config, RunDir.create(path=workdir / "straight"), quiet=True)
    except GanforgeError as error:
        one_line = "\n" not in str(error) and ":" in str(error)
        return PairResult(pair, "refused" if one_line else "failed", str(error))
    problems = finite_problems(straight) + sample_problems(straight)
    halves = RunDir.create(path=workdir / "halves")
    train(validate(pair_config(pair, steps=HALF)), halves, quiet=True)
    resumed = train(config, halves, resume=True, quiet=True)
    problems += resume_differences(straight, resumed)
    return PairResult(pair, "failed" if problems else "trained", "; ".join(problems[:3]))


def finite_problems(state) -> list[str]:
    return [f"{net}.{key} is not finite" for net in ("G", "D")
            for key, value in getattr(state, net).state_dict().items()
            if value.is_floating_point() and not torch.isfinite(value).all()][:1]


def sample_problems(state) -> list[str]:
    use_bus(StatsBus())
    z = state.G.sample_latent(16, generator=torch.Generator().manual_seed(0)).to(state.device)
    labels = state.fixed_labels[:16] if state.fixed_labels is not None else None
    samples = generate(sampling_generator(state), z, labels)
    expected = (16, *state.data.shape)
    if tuple(samples.shape) != expected:
        return [f"samples have shape {tuple(samples.shape)}, expected {expected}"]
    return [] if torch.isfinite(samples).all() else ["samples are not finite"]


def resume_differences(straight, resumed) -> list[str]:
    problems = []
    for net in ("G", "D"):
        a, b = getattr(straight, net).state_dict(), getattr(resumed, net).state_dict()
        if a.keys() != b.keys():
            problems.append(f"{net}'s keys differ after resume")
            continue
        problems += [f"{net}.{key} differs after resume" for key in a if not torch.equal(a[key], b[key])][:1]
    for index, (p, q) in enumerate(zip(straight.plugins, resumed.plugins)):
        if not same_state(p.state_dict(), q.state_dict()):
            problems.append(f"plugins.{index}'s state differs after resume")
    return problems


def same_state(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_state(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same_state(x, y) for x, y in zip(a, b))
    return a == b


def run_pairs(pairs: list[tuple[str, str]]) -> list[PairResult]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, pair in enumerate(pairs):
            try:
                results.append(check_pair(pair, Path(tmp) / str(index)))
            except Exception as error:  # noqa: BLE001 — a pair that raises anything but a start-up refusal fails
                results.append(PairResult(pair, "failed", f"{type(error).__name__}: {error}".splitlines()[0]))
    return results


def section(results: list[PairResult], seconds: float) -> str:
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in ("trained", "refused", "failed")}
    lines = [
        "## Plugin pairs", "",
        f"`python benchmarks/plugin_pairs.py` ({machine()}, {seconds:.0f} s): every ordered pair of the "
        f"{len(PLUGINS.names())} plugins, with options that change structure (see the script's STRUCTURAL_OPTIONS). "
        f"A pair is refused with one line when the config is resolved or the run is built, or it trains "
        f"{STEPS} steps, samples and resumes from step {HALF} bitwise.", "",
        "| pairs | trained, sampled, resumed bitwise | refused in one line | failed |",
        "|---:|---:|---:|---:|",
        f"| {len(results)} | {counts['trained']} | {counts['refused']} | {counts['failed']} |", "",
    ]
    refusals = sorted({(r.pair, r.detail) for r in results if r.outcome == "refused"})
    if refusals:
        lines += ["Refused pairs (in list order) and the line each gets:", "",
                  "| plugins | refusal |", "|---|---|"]
        lines += [f"| {a}, {b} | {detail.replace('|', '/')} |" for (a, b), detail in refusals]
    failures = [r for r in results if r.outcome == "failed"]
    if failures:
        lines += ["", "Failed pairs:", "", "| plugins | failure |", "|---|---|"]
        lines += [f"| {a}, {b} | {r.detail.replace('|', '/')} |" for r in failures for a, b in [r.pair]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print the table instead of writing docs/benchmarks.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    started = time.process_time()
    results = run_pairs(all_pairs())
    markdown = section(results, time.process_time() - started)
    if args.no_write:
        print(markdown)
    else:
        write_section("plugin-pairs", markdown)
    return 1 if any(r.outcome == "failed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
