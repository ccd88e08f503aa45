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
second call only rewrites the table (a cached run whose resolved config differs from today's is run
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
TARGET = {"modes": 990, "kl": 0.1}
RESULTS = Path(__file__).resolve().parent / "results" / "stacked"
QUIET_RUN = ["train.tensorboard=false", "train.log_every=100", "doctor.enabled=false", "eval.every=0"]

# Lin et al. 2018 (PacGAN), Table 2: stacked MNIST (28×28), 26,000 samples, DCGAN-style nets; rows
# marked † are copied there from VEEGAN (Srivastava et al. 2017, Table 2), the others are means ± std
# over PacGAN's own runs. Quoted from memory of the paper: the search tool could not surface the
# table's text, so re-check against the PDF before citing.
PUBLISHED = [
    "| method (PacGAN, Table 2) | modes (of 1,000) | KL |",
    "|---|---|---|",
    "| DCGAN † | 99.0 | 3.40 |",
    "| ALI † | 16.0 | 5.40 |",
    "| Unrolled GAN † | 48.7 | 4.32 |",
    "| VEEGAN † | 150.0 | 2.95 |",
    "| Minibatch discrimination | 24.5 ± 7.67 | 5.49 ± 0.418 |",
    "| DCGAN (PacGAN's run) | 78.9 ± 6.46 | 4.50 ± 0.127 |",
    "| PacDCGAN2 | 1000.0 ± 0.00 | 0.0680 ± 0.00563 |",
    "| PacDCGAN3 | 1000.0 ± 0.00 | 0.0617 ± 0.00751 |",
    "| PacDCGAN4 | 1000.0 ± 0.00 | 0.0809 ± 0.0164 |",
]

# Variants tried on the way to stacked_digits_best (the same protocol, run by hand with the overrides
# shown; not re-run by this script).
TRIED_DIGITS = [
    "| overrides on `stacked_digits` | modes | KL | CPU-minutes |",
    "|---|---|---|---|",
    "| `train.steps=8000`, ema 0.999 | 1000 | 0.138 | 1.99 |",
    "| `train.steps=8000`, ema 0.999 + pacgan 2 | 1000 | 0.154 | 1.71 |",
    "| `train.steps=20000`, ema 0.999 | 1000 | 0.123 | 4.06 |",
    "| `stacked_digits_best` + `lr_decay` 7000→14000 (session 3, `ganforge evaluate --metrics stacked_modes --n 26000`) "
    "| 1000 | 0.141 | not timed (shared machine) |",
    "| `stacked_digits_best`'s own run (G alone 1000 / 0.103), sampled through `rejection_sampling` γ = 0 / −1 / 1 "
    "(session 4, benchmarks/probes/stacked_drs.py; accepted 77% / 90% / 55%: D's verdicts do not follow the class balance) "
    "| 1000 | 0.109 / 0.106 / 0.114 | 9.2 to train, + 0.1-0.2 to sample |",
    "| the depth-1 `stacked_digits_best` of sessions 3-6, seed 1 (session 7; its seed 0 is the 0.103 above) "
    "| 1000 | 0.131 (per channel 0.080) | 3.8 |",
    "| that preset with width 128 in both nets, seed 1 (session 7, `ganforge train` + `ganforge evaluate`) "
    "| 1000 | 0.085 (per channel 0.055) | 6.1 |",
    "| that preset with depth 2 in both nets (today's preset), seed 1 (session 7, the same way) "
    "| 1000 | 0.037 (per channel 0.014) | 5.2 |",
]


# Variants tried on the way to stacked_fashion_best (seed 0, session 7; `ganforge train` with the overrides shown,
# then `ganforge evaluate --metrics stacked_modes --n 26000`, except the 18,000-step row: this script's cached_run
# with steps 18000, the run the preset's seed-0 row reuses; not re-run by this script).
TRIED_FASHION = [
    "| run | modes | KL (per-channel part) | CPU-minutes |",
    "|---|---|---|---|",
    "| the 4,500-step `stacked_fashion_best` of sessions 3-6 | 988 | 0.427 | 8.6 |",
    "| `train.steps=9000`, its checkpoints at 6,000 / 7,500 / 9,000 steps | 996 / 998 / 1000 "
    "| 0.380 (0.312) / 0.258 (0.203) / 0.194 (0.140) | 10.2 for all 9,000 |",
    "| `train.steps=9000`, depth 2 in both nets | 1000 | 0.187 (0.117) | 19.1 (3 processes on 2 cores) |",
    "| `train.steps=18000` (today's preset; its seed-0 row above is this run) | 1000 | 0.091 (0.042) | 21.6 |",
]


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
    return result["modes"] >= TARGET["modes"] and result["kl"] <= TARGET["kl"]


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
        "which the ceiling row (real stacked samples, scored the same way) shows. Target (issue #4):",
        f"≥ {TARGET['modes']} modes with KL ≤ {TARGET['kl']}. CPU-minutes: the process's CPU time for training",
        "and scoring one run. Scores come from the EMA generator where the preset has the `ema` plugin.",
        "The per-channel part is Σ_c KL(p̂_c ‖ uniform over 10) of each channel's class shares: G making some",
        "classes too often (or images the classifier reads as another class); the rest of the KL is the",
        "channels' dependence (ganforge/metrics/stacked_modes.py).",
        "Per-seed columns are in seed order 0, 1, ...",
        "",
        *[line for base in bases for line in base_section(base, results, seeds[base], real[base])],
        "Other stacked-digits variants tried (seed 0 unless stated, by hand, not re-run by this script):",
        "",
        *TRIED_DIGITS,
        "",
        "Stacked Fashion-MNIST variants tried (seed 0, by hand, not re-run by this script). The KL falls",
        "steadily with training, most of it from each channel's class balance, and had not levelled off at",
        "9,000 steps; depth 2, which fixed the digits, barely moves it here, twice the steps halve it:",
        "",
        *TRIED_FASHION,
        "",
        "Published stacked-MNIST rows for reference. Their setting differs from ours: MNIST at 28×28 (our",
        "digits are scikit-learn's 8×8), other nets, a larger training budget and their own MNIST classifier.",
        "Quoted from memory of PacGAN's Table 2 (the table's text could not be retrieved here): re-check",
        "against the paper before citing; † marks rows PacGAN copies from VEEGAN's Table 2.",
        "",
        *PUBLISHED,
    ]))


if __name__ == "__main__":
    main()
