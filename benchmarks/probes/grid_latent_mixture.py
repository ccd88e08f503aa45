"""grid_best with a disconnected latent prior (`latent_mixture`), scored as benchmarks/mode_coverage.py scores a run.

    OMP_NUM_THREADS=1 python benchmarks/probes/grid_latent_mixture.py --seeds 1 --components 100 --spread 0.1 --z-dim 8
    OMP_NUM_THREADS=1 python benchmarks/probes/grid_latent_mixture.py --seeds 0-4 --generators 4 --components 0

Trains the benchmark's grid_best config (same seed, quiet run, checkpoint and grid only at the end) with
`latent_mixture` put first in its plugin list (--components 0: without it), optionally a larger z_dim and
`multi_generator` (--generators k, before it), then scores the sampling generator (the EMA average): PacGAN
protocol, 2,500 samples, modes / high quality / reverse KL. CPU-minutes: training plus scoring, as in the
benchmark. Each run's scores are cached in /tmp/exp/grid_latent_mixture/ keyed by the resolved config, and its
run directory is kept in /tmp/exp/grid_latent_mixture/runs/ (for benchmarks/probes/grid_look.py).
"""
from pathlib import Path
import argparse, shutil, sys
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]
import torch
from ganforge.config import load_config, read_yaml
from cached_runs import cached_result
import mode_coverage as mc

CACHE = Path("/tmp/exp/grid_latent_mixture")


def seeds_of(text):
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def flow(spec):  # one plugin as a YAML flow mapping
    return "{" + ", ".join(f"{key}: {value}" for key, value in spec.items()) + "}"


def overrides(args, seed):
    plugins = [p for p in read_yaml("grid_best")[0]["plugins"] if p["name"] != "latent_mixture"]  # the preset has one now
    if args.steps:  # the preset's lr_decay covers the second half of its steps: so it does of these
        plugins = [{**p, "start_step": args.steps // 2, "end_step": args.steps} if p["name"] == "lr_decay" else p
                   for p in plugins]
    if args.r1_gamma is not None:
        plugins = [{**p, "gamma": args.r1_gamma} if p["name"] == "r1" else p for p in plugins]
    if args.components:
        plugins = [{"name": "latent_mixture", "components": args.components, "spread": args.spread}, *plugins]
    if args.generators:
        plugins = [{"name": "multi_generator", "generators": args.generators, "diversity": args.diversity}, *plugins]
    extra = [f"z_dim={args.z_dim}"] if args.z_dim else []
    extra += [f"generator.width={args.g_width}"] if args.g_width else []
    extra += [f"discriminator.width={args.d_width}"] if args.d_width else []
    return [*mc.overrides_for("best", seed, args.steps), *extra, "plugins=[" + ", ".join(map(flow, plugins)) + "]"]


def run(args, seed):
    config = load_config("grid_best", overrides(args, seed))
    last = config.train.steps
    config = load_config("grid_best", [*overrides(args, seed), f"train.checkpoint_every={last}", f"train.sample_every={last}"])
    name = (f"K{args.components}-s{args.spread}-z{config.z_dim}-g{args.generators}-gw{config.generator.width}"
            f"-dw{config.discriminator.width}{'' if args.r1_gamma is None else f'-r1g{args.r1_gamma}'}-seed{seed}-steps{last}")
    def train_and_score():
        shutil.rmtree(CACHE / "runs" / name, ignore_errors=True)  # a run stopped part-way: start it again
        return mc.run_once(config, CACHE / "runs" / name)
    return cached_result(CACHE / f"{name}.json", config, train_and_score)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0-4", help="a seed or a range, e.g. 1 or 0-4")
    parser.add_argument("--components", type=int, default=100, help="latent_mixture's K (0: no latent_mixture)")
    parser.add_argument("--spread", type=float, default=0.1, help="latent_mixture's s")
    parser.add_argument("--z-dim", type=int, default=8, help="z_dim (0: the preset's)")
    parser.add_argument("--generators", type=int, default=0, help="add multi_generator with k generators (0: none)")
    parser.add_argument("--diversity", type=float, default=0.5, help="multi_generator's β")
    parser.add_argument("--g-width", type=int, default=0, help="G's width (0: the preset's)")
    parser.add_argument("--d-width", type=int, default=0, help="D's width (0: the preset's)")
    parser.add_argument("--r1-gamma", type=float, default=None, help="r1's γ (default: the preset's)")
    parser.add_argument("--steps", type=int, default=None, help="override train.steps")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for seed in seeds_of(args.seeds):
        r = run(args, seed)
        rows.append(r)
        print(f"seed {seed}: modes {r['modes']}, high quality {100 * r['high_quality']:.1f}%, "
              f"reverse KL {r['reverse_kl']:.4f}, CPU {r['cpu_seconds'] / 60:.2f} min", flush=True)
    mean = lambda key: sum(r[key] for r in rows) / len(rows)
    print(f"mean over {len(rows)}: modes {mean('modes'):.1f}, high quality {100 * mean('high_quality'):.1f}%, "
          f"reverse KL {mean('reverse_kl'):.4f}, CPU {mean('cpu_seconds') / 60:.2f} min (max "
          f"{max(r['cpu_seconds'] for r in rows) / 60:.2f})")


if __name__ == "__main__":
    main()
