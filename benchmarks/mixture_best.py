"""`mixture_best` on the tuning and held-out 2-D mixtures of benchmarks/mixture_sets.py, beside ring_best and grid_best.

    python benchmarks/mixture_best.py --set tuning                 # every preset on the tuning mixtures and seeds
    python benchmarks/mixture_best.py --set held-out               # ... on the held-out ones (run once, frozen preset)
    python benchmarks/mixture_best.py --set tuning --presets path/to/candidate.yaml --mixtures ring --first-seed-only
    python benchmarks/mixture_best.py --table                      # write the tables from the stored runs only

Each run trains one preset on one mixture (its data options replaced by the mixture's: a built-in
source's options, or a .npy file read with `data.rescale=true`), one torch thread, doctor and
TensorBoard off, and scores 2,500 samples of the generator sampling uses under the PacGAN protocol
(ganforge/metrics/modes.py: high quality within 3σ of the nearest centre, a mode captured with ≥ 20
high-quality samples), against the mixture's own centres and σ: the judge's knowledge, never given to
the preset. "CPU" is this process's CPU time for training and scoring. Runs are stored in
benchmarks/results/mixture_best/<preset>-<mixture>-seed<k>.json (reused for the same resolved config),
so several processes can share the work (`--mixtures`), and `--table` gathers them. Writes the
"mixture-best" section of docs/benchmarks.md: a tuning table and a held-out table.
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
from cached_runs import cached_result, stored_result, train_to_end  # noqa: E402
from mixture_sets import HELD_OUT, TUNING, write_files  # noqa: E402
from mode_coverage import QUIET_RUN, WITHOUT_REJECTION, generator_without_rejection, uses_rejection_sampling  # noqa: E402
from report import machine, write_section  # noqa: E402

from ganforge.config import load_config  # noqa: E402
from ganforge.data import DATA  # noqa: E402
from ganforge.metrics.context import draw_samples  # noqa: E402
from ganforge.metrics.modes import mixture_modes  # noqa: E402
from ganforge.sampling import sampling_generator  # noqa: E402

PRESETS = ("mixture_best", "ring_best", "grid_best")
SETS = {"tuning": TUNING, "held-out": HELD_OUT}
RESULTS = Path(__file__).resolve().parent / "results" / "mixture_best"
CANDIDATES = Path(__file__).resolve().parent / "mixture_best_candidates"  # settings screened on the tuning set
SAMPLES = 2500  # PacGAN protocol
SCORE_SEED = 0  # latent seed of the scored samples


def resolved_config(preset: str, mixture, seed: int):
    """The run's config; checkpoints and sample grids only at the end, so that they cost no time on the way."""
    overrides = [*mixture.data_overrides(), f"train.seed={seed}", *QUIET_RUN]
    last = load_config(preset, overrides).train.steps
    return load_config(preset, [*overrides, f"train.checkpoint_every={last}", f"train.sample_every={last}"])


def preset_label(preset: str) -> str:
    return Path(preset).stem


def result_path(preset: str, mixture, seed: int) -> Path:
    return RESULTS / f"{preset_label(preset)}-{mixture.name}-seed{seed}.json"


def cached_run(preset: str, mixture, seed: int, workdir: Path) -> dict:
    config = resolved_config(preset, mixture, seed)
    return cached_result(result_path(preset, mixture, seed), config, lambda: run_once(config, mixture, workdir / f"{mixture.name}-{seed}"))


def run_once(config, mixture, run_path: Path) -> dict:
    state, cpu_started, wall_started = train_to_end(config, run_path)  # raises if stopped early: never cached
    scores = mode_scores(sampling_generator(state, config.eval.ema), state, mixture)
    result = {**scores, "cpu_seconds": time.process_time() - cpu_started, "seconds": time.perf_counter() - wall_started}
    if uses_rejection_sampling(config):  # also the generator alone, from the same run (not counted in the CPU time)
        result[WITHOUT_REJECTION] = mode_scores(generator_without_rejection(state, config), state, mixture)
    return result


def mode_scores(generator, state, mixture) -> dict:
    points = state.data.to_data_units(draw_samples(generator, state.data, SAMPLES, SCORE_SEED))
    centres, std = judge(mixture, state.data)
    return {**mixture_modes(points, centres, std), "total_modes": len(centres)}


def judge(mixture, source):
    """(centres, σ) in data units: the built-in source's own, or the file mixture's spec."""
    if mixture.builtin:
        return source.centres.numpy(), float(source.std)
    return mixture.centres, mixture.std


def data_itself(mixture) -> dict:
    """The judge's scores of 2,500 of the mixture's own samples (as the preset would read them): the ceiling."""
    source = DATA.build(load_config("mixture_best", mixture.data_overrides()).data.model_dump())
    real, _ = source.batch(0, SAMPLES, seed=SCORE_SEED)
    centres, std = judge(mixture, source)
    return {**mixture_modes(source.to_data_units(real), centres, std), "total_modes": len(centres)}


def table(mixtures, results: dict, presets: list[str]) -> list[str]:
    """A row per (mixture, preset) with stored runs, the seeds that ran in order; first the data's own samples."""
    lines = ["| mixture | preset | seeds | modes per seed | all modes | high-quality % per seed | mean high-quality | "
             "reverse KL per seed | G alone per seed: modes at high-quality % | CPU-seconds per run (max) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for mixture in mixtures:
        ceiling = data_itself(mixture)
        lines.append(f"| {mixture.name} | the data's own samples | - | {ceiling['modes']}/{ceiling['total_modes']} | - | "
                     f"{100 * ceiling['high_quality']:.1f} | {100 * ceiling['high_quality']:.1f}% | "
                     f"{ceiling['reverse_kl']:.3f} | - | - |")
        for preset in presets:
            seeds = [seed for seed in mixture.seeds if (preset_label(preset), mixture.name, seed) in results]
            if seeds:
                lines.append(table_row(mixture.name, preset_label(preset), seeds,
                                       [results[preset_label(preset), mixture.name, seed] for seed in seeds]))
    return lines


def table_row(mixture: str, preset: str, seeds: list[int], runs: list[dict]) -> str:
    total = runs[0]["total_modes"]
    cpu = [run["cpu_seconds"] for run in runs]
    return (f"| {mixture} | `{preset}` | {', '.join(map(str, seeds))} | "
            f"{', '.join(str(run['modes']) + '/' + str(total) for run in runs)} | "
            f"{sum(run['modes'] == total for run in runs)}/{len(runs)} | "
            f"{', '.join(format(100 * run['high_quality'], '.1f') for run in runs)} | "
            f"{100 * statistics.mean(run['high_quality'] for run in runs):.1f}% | "
            f"{', '.join(format(run['reverse_kl'], '.3f') for run in runs)} | {', '.join(map(alone, runs))} | "
            f"{statistics.mean(cpu):.0f} ({max(cpu):.0f}) |")


def alone(run: dict) -> str:
    """The same run's generator without rejection sampling, as 'modes/total at high-quality %'; '-' without it."""
    if WITHOUT_REJECTION not in run:
        return "-"
    scores = run[WITHOUT_REJECTION]
    return f"{scores['modes']}/{run['total_modes']} at {100 * scores['high_quality']:.1f}"


def candidates() -> list[str]:
    return sorted(str(path) for path in CANDIDATES.glob("*.yaml"))


def same_preset_settings(preset: str, candidate: str) -> bool:
    """Whether two presets or config files resolve alike but for their names."""
    first, second = load_config(preset).to_dict(), load_config(candidate).to_dict()
    return {**first, "name": None} == {**second, "name": None}


def stored_results(presets: list[str]) -> dict:
    """Every stored run whose config is the one the preset resolves to now (older configs are left out)."""
    results = {}
    for mixtures in SETS.values():
        for mixture in mixtures:
            for preset in presets:
                for seed in mixture.seeds:
                    stored = stored_result(result_path(preset, mixture, seed), resolved_config(preset, mixture, seed))
                    if stored is not None:
                        results[preset_label(preset), mixture.name, seed] = stored
    return results


def describe(mixtures) -> list[str]:
    return [f"- `{mixture.name}`: {mixture.description}" for mixture in mixtures]


def write_tables(presets: list[str], command: str) -> None:
    screened = candidates()
    results = stored_results([*presets, *screened])
    frozen_as = [preset_label(c) for c in screened if same_preset_settings("mixture_best", c)]
    write_section("mixture-best", "\n".join([
        "## One recipe for any 2-D mixture: `mixture_best`",
        "",
        f"`{command}` on {machine()} (`OMP_NUM_THREADS=1`), doctor and TensorBoard off.",
        "CPU-seconds: the process's CPU time for training and scoring one run.",
        "PacGAN protocol: 2,500 samples, high quality within 3σ of the nearest centre, a mode captured with",
        "≥ 20 high-quality samples, scored against each mixture's own centres and σ (the preset never sees",
        "them: a .npy mixture is read with `data.rescale=true`, each feature min-max scaled from the samples).",
        "A perfect sampler scores 98.9% high quality. Target for `mixture_best`: every mode, ≥ 97% high",
        "quality, ≤ 180 CPU-seconds a run. The mixtures and seeds are fixed in benchmarks/mixture_sets.py;",
        "the preset's settings come from the tuning set only (`ring_best`'s and `grid_best`'s tuning on the ring",
        "and the grid, and the candidates in benchmarks/mixture_best_candidates/); the held-out set is run once,",
        "after the preset is frozen (a change after that moves its rows to tuning and needs new held-out mixtures).",
        f"Presets run here: {', '.join('`' + preset_label(p) + '`' for p in presets)}. Presets with rejection sampling",
        "are scored through it (it is what their sampling uses); \"G alone\" is the same run's generator without it.",
        "Reverse KL: KL(p̂ ‖ uniform) of the nearest-centre histogram (log K: all on one mode; the data's own row",
        "gives the value for the mixture's weights); near the data's own with few high-quality samples means samples",
        "over every mode's cell, but loose.",
        *([f"`mixture_best` has the settings of the candidate `{frozen_as[0]}`, so that candidate's tuning rows are its own."]
          if frozen_as else []),
        "The candidates are in benchmarks/mixture_best_candidates/; its README says how each differs from `mixture_best`.",
        "",
        "### Tuning mixtures", "", *describe(TUNING), "", *table(TUNING, results, [*presets, *screened]), "",
        "### Held-out mixtures", "", *describe(HELD_OUT), "", *table(HELD_OUT, results, presets), "",
        *missing_runs(HELD_OUT, results, presets),
    ]))


def missing_runs(mixtures, results: dict, presets: list[str]) -> list[str]:
    """A line naming each held-out (preset, mixture, seed) with no stored run for the current config."""
    missing = [f"`{preset_label(preset)}` on {mixture.name} seed {seed}" for mixture in mixtures for preset in presets
               for seed in mixture.seeds if (preset_label(preset), mixture.name, seed) not in results]
    return [f"Not run (no stored result): {'; '.join(missing)}."] if missing else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=tuple(SETS), help="the mixtures to run (none: only write the tables)")
    parser.add_argument("--presets", default=",".join(PRESETS), help="comma-separated preset names or config files")
    parser.add_argument("--mixtures", default=None, help="comma-separated mixture names of the set (default: all)")
    parser.add_argument("--first-seed-only", action="store_true", help="each mixture's first seed only (screening)")
    parser.add_argument("--table", action="store_true", help="write docs/benchmarks.md from the stored runs")
    args = parser.parse_args()
    presets = args.presets.split(",")
    import torch

    torch.set_num_threads(1)
    write_files()
    if args.set:
        chosen = SETS[args.set]
        if args.mixtures:
            unknown = sorted(set(args.mixtures.split(",")) - {mixture.name for mixture in chosen})
            if unknown:
                parser.error(f"unknown mixtures {unknown} in the {args.set} set")
            chosen = [mixture for mixture in chosen if mixture.name in args.mixtures.split(",")]
        with tempfile.TemporaryDirectory() as workdir:
            for mixture in chosen:
                for seed in mixture.seeds[:1] if args.first_seed_only else mixture.seeds:
                    for preset in presets:
                        result = cached_run(preset, mixture, seed, Path(workdir))
                        print(preset_label(preset), mixture.name, seed, result["modes"], "/", result["total_modes"],
                              f"{100 * result['high_quality']:.1f}%", f"{result['cpu_seconds']:.0f}s", flush=True)
    if args.table:
        write_tables(presets, f"python benchmarks/mixture_best.py --set tuning|held-out --presets {args.presets} "
                              "[--mixtures ...], then --table")


if __name__ == "__main__":
    main()
