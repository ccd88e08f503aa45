"""Modes and KL on stacked digits and stacked Fashion-MNIST: a plain DCGAN against the best preset.

    OMP_NUM_THREADS=1 python benchmarks/stacked.py                  # both bases, baseline and best, 1 seed
    OMP_NUM_THREADS=1 python benchmarks/stacked.py --base digits --seeds 3

Protocol (Metz et al. 2017 §3.3; Srivastava et al. 2017 §5.2; Lin et al. 2018 §4): 26,000 samples
per run, each of the 3 channels classified by the base's shipped classifier, mode = 100·c₀ + 10·c₁ + c₂;
report the modes hit (of 1,000) and KL(p̂ ‖ uniform) (ganforge/metrics/stacked_modes.py). The ceiling
row scores 26,000 real stacked samples of the same data source the same way.

`baseline` is the stacked_digits / stacked_fashion preset, `best` is stacked_digits_best /
stacked_fashion_best. Samples come from the generator that sampling uses (the EMA average when a
preset has the `ema` plugin). Runs go one at a time in this process, one torch thread, without
TensorBoard files or the doctor; "CPU" is this process's CPU time for training plus scoring. Each
finished run is kept in benchmarks/results/stacked/<base>-<variant>-seed<k>-steps<n>.json, so a
second call only rewrites the table (a cached run whose resolved config differs from the current one is run
again; a run stopped early is never kept). Writes the "stacked" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cached_runs import cached_result, train_to_end  # noqa: E402
from report import counts_by_name, machine, write_section  # noqa: E402

from ganforge.config import load_config  # noqa: E402
from ganforge.data import DATA  # noqa: E402
from ganforge.metrics.evaluate import evaluate  # noqa: E402
from ganforge.metrics.extractors import DATASET_CLASSIFIERS, build_extractor  # noqa: E402
from ganforge.metrics.stacked_modes import stacked_mode_histogram, stacked_modes  # noqa: E402
from ganforge.sampling import sampling_generator  # noqa: E402

PRESETS = {"digits": {"baseline": "stacked_digits", "best": "stacked_digits_best"},
           "fashion_mnist": {"baseline": "stacked_fashion", "best": "stacked_fashion_best"}}
TITLES = {"digits": "Stacked digits (scikit-learn 8×8, 3 channels)",
          "fashion_mnist": "Stacked Fashion-MNIST (28×28, 3 channels)"}
SAMPLES = 26000
TARGET = {"modes": 1000, "kl": 0.03, "cpu_minutes": 10}  # every mode, KL ≤ 0.03, ≤ 10 CPU-minutes a run
RESULTS = Path(__file__).resolve().parent / "results" / "stacked"
QUIET_RUN = ["train.tensorboard=false", "train.log_every=100", "doctor.enabled=false", "eval.every=0"]


def overrides_for(seed: int, steps: int | None) -> list[str]:
    return [f"train.seed={seed}", *([f"train.steps={steps}"] if steps else []), *QUIET_RUN]


def resolved_config(base: str, variant: str, seed: int, steps: int | None):
    """The run's config; checkpoint and sample grid only at the end, so that they cost no time on the way."""
    preset = PRESETS[base][variant]
    last = load_config(preset, overrides_for(seed, steps)).train.steps
    return load_config(preset, [*overrides_for(seed, steps), f"train.checkpoint_every={last}",
                                f"train.sample_every={last}"])


def cached_run(base: str, variant: str, seed: int, steps: int | None, workdir: Path) -> dict:
    """One run's scores, from benchmarks/results/stacked/ if this exact config already ran, else trained now."""
    config = resolved_config(base, variant, seed, steps)
    path = RESULTS / f"{base}-{variant}-seed{seed}-steps{config.train.steps}.json"
    return cached_result(path, config, lambda: run_once(config, workdir / f"{base}-{variant}-{seed}"))


def run_once(config, run_path: Path) -> dict:
    state, cpu_started, wall_started = train_to_end(config, run_path)  # raises if stopped early: never cached
    train_cpu = time.process_time() - cpu_started
    generator = sampling_generator(state, config.eval.ema)  # the EMA average when the preset has one
    settings = config.eval.model_copy(update={"n": SAMPLES})
    scores = evaluate(generator, state.data, config.data.model_dump(), settings, [{"name": "stacked_modes", "n": SAMPLES}])
    return {**scores["metrics"], "steps": state.step, "train_cpu_seconds": train_cpu,
            "cpu_seconds": time.process_time() - cpu_started, "seconds": time.perf_counter() - wall_started}


def ceiling(base: str) -> dict:
    """Real stacked samples (batch 0 of training seed 0 of the baseline preset's data) scored as generated ones are."""
    data_spec = load_config(PRESETS[base]["baseline"]).data.model_dump()
    source = DATA.build(data_spec)
    real, _ = source.batch(0, SAMPLES, seed=0)
    return stacked_modes(stacked_mode_histogram(real, build_extractor(DATASET_CLASSIFIERS[base], source)))


def meets_target(result: dict) -> bool:
    return (result["modes"] >= TARGET["modes"] and result["kl"] <= TARGET["kl"]
            and result["cpu_seconds"] <= 60 * TARGET["cpu_minutes"])


def table_row(label: str, results: list[dict]) -> str:
    modes = ", ".join(str(r["modes"]) for r in results)
    kl = ", ".join(f"{r['kl']:.3f}" for r in results)
    cpu = statistics.mean(r["cpu_seconds"] for r in results) / 60
    hit = sum(meets_target(r) for r in results)
    return (f"| {label} | {results[0]['steps']} | {modes} | {kl} | {statistics.mean(r['kl'] for r in results):.3f} | "
            f"{channel_part(results)} | {hit}/{len(results)} | {cpu:.2f} |")


def channel_part(results: list[dict]) -> str:
    """Per seed, the KL's share that comes from each channel's own class balance (runs cached before it was kept: –)."""
    return ", ".join(f"{r['kl_channels']:.3f}" if "kl_channels" in r else "–" for r in results)


def base_section(base: str, results: dict, seeds: int, real: dict) -> list[str]:
    return [
        f"### {TITLES[base]}",
        "",
        "| run | steps | modes per seed (of 1,000) | KL per seed | mean KL | per-channel part of KL, per seed | "
        "seeds on target | CPU-minutes per run |",
        "|---|---|---|---|---|---|---|---|",
        *[table_row(f"`{variant}` (`{PRESETS[base][variant]}`)", [results[base, variant, s] for s in range(seeds)])
          for variant in ("baseline", "best")],
        f"| ceiling: {SAMPLES:,} real stacked samples | – | {real['modes']} | {real['kl']:.3f} | {real['kl']:.3f} | "
        f"{real['kl_channels']:.3f} | – | – |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", choices=("digits", "fashion_mnist", "both"), default="both")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--seeds-for", action="append", default=[], metavar="BASE:K",
                        help="K seeds for BASE instead of --seeds, e.g. fashion_mnist:1; repeatable")
    parser.add_argument("--steps", type=int, default=None, help="override every preset's train.steps")
    args = parser.parse_args()
    bases = ["digits", "fashion_mnist"] if args.base == "both" else [args.base]
    seeds = {base: args.seeds for base in bases} | counts_by_name(args.seeds_for, bases, "--seeds-for", parser)
    import torch

    torch.set_num_threads(1)
    results, real = {}, {}
    with tempfile.TemporaryDirectory() as workdir:
        for base in bases:
            real[base] = ceiling(base)
            print(base, "ceiling", real[base], flush=True)
            for variant in ("baseline", "best"):
                for seed in range(seeds[base]):
                    result = cached_run(base, variant, seed, args.steps, Path(workdir))
                    results[base, variant, seed] = result
                    print(base, variant, seed, {k: v for k, v in result.items() if k != "config"}, flush=True)
    command = " ".join(["OMP_NUM_THREADS=1 python benchmarks/stacked.py", *sys.argv[1:]])
    write_section("stacked", "\n".join([
        "## Stacked digits and stacked Fashion-MNIST: modes and KL",
        "",
        f"`{command}` on {machine()}; runs one at a time, one torch thread, doctor and TensorBoard off.",
        f"{SAMPLES:,} samples per run, each channel classified by the base's shipped classifier",
        "(docs/extractors.md); a mode is the triple of classes (1,000 in all); KL(p̂ ‖ uniform) of the mode",
        "histogram. With 26,000 samples even a perfect sampler's KL is biased up by about 999/52,000 ≈ 0.019,",
        "which the ceiling row (real stacked samples, scored the same way) shows. Target:",
        f"all {TARGET['modes']:,} modes with KL ≤ {TARGET['kl']} in ≤ {TARGET['cpu_minutes']} CPU-minutes. CPU-minutes: the process's",
        "CPU time for training and scoring one run. Scores come from the EMA generator where the preset has the `ema` plugin.",
        "The per-channel part is Σ_c KL(p̂_c ‖ uniform over 10) of each channel's class shares: G making some",
        "classes too often (or images the classifier reads as another class); the rest of the KL is the",
        "channels' dependence (ganforge/metrics/stacked_modes.py).",
        "Per-seed columns are in seed order 0, 1, ...",
        "",
        *[line for base in bases for line in base_section(base, results, seeds[base], real[base])],
        "Published stacked-MNIST results (PacGAN's Table 2, Lin et al. 2018) use MNIST at 28×28, other nets, a",
        "larger budget and their own classifier; the digits here are scikit-learn's 8×8.",
    ]))


if __name__ == "__main__":
    main()
