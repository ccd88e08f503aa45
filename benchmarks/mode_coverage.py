"""Modes covered on the 8-Gaussian ring and the 25-Gaussian grid: a plain GAN against the best preset, over seeds.

    python benchmarks/mode_coverage.py                          # ring and grid, plain vs best, 5 seeds
    python benchmarks/mode_coverage.py --dataset grid --variants plain,r1,unrolled
    python benchmarks/mode_coverage.py --all-variants           # every variant below
    python benchmarks/mode_coverage.py --tuning grid:5-14 --held-out grid:15-24   # + best's tuning and held-out seeds

Protocol (PacGAN, Lin et al. 2018, §4, after VEEGAN, Srivastava et al. 2017, §5.1): 2,500 samples
per run; a sample is high quality within 3σ of its nearest centre; a mode is captured with ≥ 20
high-quality samples; reverse KL of the nearest-mode histogram to uniform (ganforge/metrics/modes.py).
Geometry as in PacGAN's code: ring = 8 modes on the unit circle, σ = 0.01; grid = 25 modes at
{-4,-2,0,2,4}², σ = 0.05 (the `ring` and `grid` data sources' defaults).

`plain` is the `ring` / `grid` preset as it is; `best` is `ring_best` / `grid_best`; the other
variants add one plugin to the plain preset. Scores come from the generator that sampling uses
(the EMA average when a preset has the `ema` plugin). Runs go one at a time in this process, one
torch thread, without TensorBoard files or the doctor; "CPU" is this process's CPU time for
training plus scoring. Each run's scores are kept
in benchmarks/results/mode_coverage/<dataset>-<variant>-seed<k>-steps<n>.json, so an interrupted
benchmark picks up where it stopped (delete them to measure again; a cached run whose resolved
config differs from the current one is run again). Writes the "mode-coverage" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for `import ganforge` without installing
from cached_runs import cached_result, train_to_end  # noqa: E402
from report import machine, seed_ranges_by_name, write_section  # noqa: E402

from ganforge.config import load_config  # noqa: E402
from ganforge.metrics.evaluate import evaluate  # noqa: E402
from ganforge.sampling import sampling_generator  # noqa: E402

PRESETS = {"ring": {"plain": "ring", "best": "ring_best"}, "grid": {"plain": "grid", "best": "grid_best"}}
PLUGIN_VARIANTS = {  # each adds one plugin to the plain preset
    "pacgan": ["plugins=[{name: pacgan, packing: 2}]"],
    "minibatch_stddev": ["plugins=[{name: minibatch_stddev}]"],
    "r1": ["plugins=[{name: r1, gamma: 0.1}]"],
    "ema": ["plugins=[{name: ema, beta: 0.999}]"],
    "unrolled": ["plugins=[{name: unrolled, steps: 2}]"],
}
VARIANTS = ("plain", "best", *PLUGIN_VARIANTS)
MODES = {"ring": 8, "grid": 25}
RESULTS = Path(__file__).resolve().parent / "results" / "mode_coverage"
REJECTION = "rejection_sampling"  # a sampling-time filter (discriminator rejection sampling): rows that use it say so
WITHOUT_REJECTION = "without_rejection_sampling"  # the same run's scores from the generator alone
QUIET_RUN = ["train.tensorboard=false", "train.log_every=100", "doctor.enabled=false"]  # time the training alone









def overrides_for(variant: str, seed: int, steps: int | None) -> list[str]:
    step_overrides = [f"train.steps={steps}"] if steps else []
    return [f"train.seed={seed}", *step_overrides, *QUIET_RUN, *PLUGIN_VARIANTS.get(variant, [])]


def resolved_config(dataset: str, variant: str, seed: int, steps: int | None):
    """The run's config; checkpoints and sample grids only at the end, so that they cost no time on the way."""
    preset = PRESETS[dataset]["best" if variant == "best" else "plain"]
    config = load_config(preset, overrides_for(variant, seed, steps))
    last = config.train.steps
    return load_config(preset, [*overrides_for(variant, seed, steps), f"train.checkpoint_every={last}",
                                f"train.sample_every={last}"])


def cached_run(dataset: str, variant: str, seed: int, steps: int | None, workdir: Path) -> dict:
    """One run's scores, from benchmarks/results/ if this exact config already ran, else trained now."""
    config = resolved_config(dataset, variant, seed, steps)
    path = RESULTS / f"{dataset}-{variant}-seed{seed}-steps{config.train.steps}.json"
    return cached_result(path, config, lambda: run_once(config, workdir / f"{dataset}-{variant}-{seed}"))


def run_once(config, run_path: Path) -> dict:
    state, cpu_started, wall_started = train_to_end(config, run_path)  # raises if stopped early: never cached
    generator = sampling_generator(state, config.eval.ema)  # the EMA average when the preset has one (and DRS's filter)
    scores = mode_scores(generator, state, config)
    result = {**scores, "cpu_seconds": time.process_time() - cpu_started, "seconds": time.perf_counter() - wall_started}
    if uses_rejection_sampling(config):  # also the generator alone, from the same run (not counted in the CPU time)
        result[WITHOUT_REJECTION] = mode_scores(generator_without_rejection(state, config), state, config)
    return result


def mode_scores(generator, state, config) -> dict:
    return evaluate(generator, state.data, config.data.model_dump(), config.eval, [{"name": "modes"}])["metrics"]


def uses_rejection_sampling(config) -> bool:
    return config.eval.ema and any(plugin.name == REJECTION for plugin in config.plugins)


def generator_without_rejection(state, config):
    """What sampling would use with every plugin but rejection_sampling (the EMA average, say)."""
    generator = state.G
    for spec, plugin in zip(config.plugins, state.plugins):
        if spec.name != REJECTION:
            generator = plugin.sampling_generator(generator, state)
    return generator


def variant_rows(label: str, results: list[dict], total_modes: int) -> list[str]:
    """The runs' row; with rejection sampling, labelled so, and a second row: the same runs' generator alone."""
    if not all(WITHOUT_REJECTION in r for r in results):
        return [table_row(label, results, total_modes)]
    alone = [{**r[WITHOUT_REJECTION], "cpu_seconds": r["cpu_seconds"]} for r in results]
    return [table_row(f"{label}, with rejection sampling", results, total_modes),
            table_row(f"{label}, same runs, G alone (no rejection sampling)", alone, total_modes)]


def table_row(label: str, results: list[dict], total_modes: int) -> str:
    modes = [r["modes"] for r in results]
    every_seed = sum(m == total_modes for m in modes)
    cpu = [r["cpu_seconds"] / 60 for r in results if "cpu_seconds" in r]
    cpu_text = "not recorded" if not cpu else f"{statistics.mean(cpu):.2f} (max {max(cpu):.2f})" + (
        "" if len(cpu) == len(results) else f" over the {len(cpu)} of {len(results)} runs timed")
    return (f"| {label} | {', '.join(map(str, modes))} | {every_seed}/{len(modes)} | "
            f"{', '.join(format(100 * r['high_quality'], '.1f') for r in results)} | "
            f"{100 * statistics.mean(r['high_quality'] for r in results):.1f}% | "
            f"{statistics.mean(r['reverse_kl'] for r in results):.3f} | {cpu_text} |")


def extra_seed_rows(dataset: str, results: dict, extra: dict[str, range]) -> list[str]:
    """`best` on further seeds, a row per kind ("tuning": seeds its last change was chosen on; "held-out": run after)."""
    return [row for kind, seeds in extra.items() if seeds
            for row in variant_rows(f"`best`, {kind} seeds {seeds[0]}-{seeds[-1]}",
                                    [results[dataset, "best", seed] for seed in seeds], MODES[dataset])]


def dataset_section(dataset: str, variants: list[str], results: dict, seeds: int,
                    extra: dict[str, range] | None = None) -> list[str]:
    total = MODES[dataset]
    return [
        f"### {'8-Gaussian ring' if dataset == 'ring' else '25-Gaussian grid'}",
        "",
        f"| variant | modes per seed (of {total}) | seeds with all {total} | high-quality % per seed | "
        "mean high-quality | mean reverse KL | CPU-minutes per run |",
        "|---|---|---|---|---|---|---|",
        *[row for variant in variants
          for row in variant_rows(f"`{variant}`", [results[dataset, variant, seed] for seed in range(seeds)], total)],
        *extra_seed_rows(dataset, results, extra or {}),
    ]


def describe_variants(datasets: list[str], variants: list[str]) -> list[str]:
    lines = []
    for dataset in datasets:
        for variant in variants:
            if variant in PRESETS[dataset]:
                preset = PRESETS[dataset][variant]
                filtered = uses_rejection_sampling(load_config(preset))
                lines.append(f"- {dataset} `{variant}`: preset `{preset}`" + (
                    f"; its samples are filtered by D (`{REJECTION}`: discriminator rejection sampling, Azadi et al."
                    " 2019, a sampling-time technique), so its row is labelled so, and the row below it scores the same"
                    " runs' generator without the filter" if filtered else ""))
            else:
                lines.append(f"- {dataset} `{variant}`: preset `{dataset}` + `{' '.join(PLUGIN_VARIANTS[variant])}`")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=("ring", "grid", "both"), default="both")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None, help="override every preset's train.steps")
    parser.add_argument("--tuning", action="append", default=[], metavar="DATASET:FIRST-LAST",
                        help="more seeds of `best` on DATASET, as a row of their own: the seeds its last change "
                             "was chosen on; repeatable")
    parser.add_argument("--held-out", action="append", default=[], metavar="DATASET:FIRST-LAST",
                        help="more seeds of `best` on DATASET, as a row of their own: seeds first run after the "
                             "preset was fixed; repeatable")
    parser.add_argument("--variants", default="plain,best", help=f"comma-separated, from {', '.join(VARIANTS)}")
    parser.add_argument("--all-variants", action="store_true", help="every variant (slow)")
    args = parser.parse_args()
    variants = list(VARIANTS) if args.all_variants else args.variants.split(",")
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    datasets = ["ring", "grid"] if args.dataset == "both" else [args.dataset]
    tuning = seed_ranges_by_name(args.tuning, datasets, "--tuning", parser)
    held_out = seed_ranges_by_name(args.held_out, datasets, "--held-out", parser)
    extra = {dataset: {"tuning": tuning.get(dataset, range(0)), "held-out": held_out.get(dataset, range(0))}
             for dataset in datasets}
    import torch

    torch.set_num_threads(1)
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for dataset in datasets:
            for variant in variants:
                for seed in range(args.seeds):
                    result = cached_run(dataset, variant, seed, args.steps, Path(workdir))
                    results[dataset, variant, seed] = result
                    print(dataset, variant, seed, {k: v for k, v in result.items() if k != "config"}, flush=True)
            for kind, seeds in extra[dataset].items():
                for seed in seeds:
                    results[dataset, "best", seed] = cached_run(dataset, "best", seed, args.steps, Path(workdir))
                    print(dataset, "best", kind, seed, results[dataset, "best", seed]["high_quality"], flush=True)
    command = " ".join(["python benchmarks/mode_coverage.py", *sys.argv[1:]])
    write_section("mode-coverage", "\n".join([
        "## Mode coverage on the ring and the grid",
        "",
        f"`{command}` on {machine()}; runs one at a time, one torch thread (`OMP_NUM_THREADS=1`),",
        "doctor and TensorBoard off. CPU-minutes are the process's CPU time for training and scoring one run.",
        "PacGAN protocol: 2,500 samples per run, high quality within 3σ of the nearest centre, a mode is",
        "captured with ≥ 20 high-quality samples; reverse KL of the nearest-centre histogram to uniform.",
        "Ring: 8 modes on the unit circle, σ = 0.01; grid: 25 modes at {-4,-2,0,2,4}², σ = 0.05 (as in",
        "PacGAN's code). A perfect sampler scores 98.9% high quality (P(‖ε‖ ≤ 3σ) in 2-D). Per-seed",
        "columns are in seed order 0, 1, 2, ... Target for `best`: every mode on every seed,",
        "≥ 97% high quality, ≤ 3 CPU-minutes per run. A `tuning` row scores the seeds the preset's last",
        "change was chosen on; a `held-out` row, seeds first run after the preset was fixed.",
        "",
        *describe_variants(datasets, variants),
        "",
        *[line for dataset in datasets
          for line in dataset_section(dataset, variants, results, args.seeds, extra[dataset])],
        "Published results under this protocol are in PacGAN's and VEEGAN's Table 1 (Lin et al. 2018; Srivastava",
        "et al. 2017), with other nets, far longer training and a looser mode rule (one high-quality sample",
        "makes a mode there; 20 here).",
    ]))


if __name__ == "__main__":
    main()
