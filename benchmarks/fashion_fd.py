"""Fashion-MNIST: Fréchet distance in the project's classifier feature space, five losses at one CPU budget.

    python benchmarks/fashion_fd.py                   # 5 losses, each the compute of 1,000 non-saturating steps
    python benchmarks/fashion_fd.py --budget-steps 300 --losses nonsaturating,hinge

The budget is compute, not steps: a WGAN-GP step (5 critic steps with a double backward) costs
several non-saturating steps. Each variant's cost per G step is measured first on the same
machine state (20 timed steps of every variant, interleaved, process CPU time), and variant v then
trains for budget_steps × cost(nonsaturating) / cost(v) steps of the fashion_dcgan preset at width 32.
FD is
computed between 10,000 generated samples and the 10,000 test images, in the feature space of the
shipped Fashion-MNIST classifier; the floor is FD(10,000 training images, the 10,000 test images):
what a perfect generator would score. Writes the "fashion-fd" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from report import machine, write_section  # noqa: E402

from ganforge.config import load_config  # noqa: E402
from ganforge.metrics.evaluate import evaluate_run  # noqa: E402
from ganforge.train.loop import train  # noqa: E402
from ganforge.train.run_dir import RunDir  # noqa: E402

VARIANTS = {  # overrides of the fashion_dcgan preset; WGAN-GP and DRAGAN as their papers set them up
    "nonsaturating": [],
    "lsgan": ["loss.name=lsgan"],
    "wgan-gp": ["loss.name=wasserstein", "plugins=[{name: wgan_gp, weight: 10}]", "optim.n_critic=5",
                "optim.g.lr=1e-4", "optim.d.lr=1e-4", "optim.g.betas=[0.0, 0.9]", "optim.d.betas=[0.0, 0.9]"],
    "hinge": ["loss.name=hinge"],
    "dragan": ["plugins=[{name: dragan, weight: 10}]"],
}
COMMON = ["generator.width=32", "discriminator.width=32", "train.sample_every=500", "train.checkpoint_every=500", "train.tensorboard=false",
          "doctor.enabled=false"]


def seconds_per_step(names: list[str], steps: int = 10, rounds: int = 2) -> dict[str, float]:
    """CPU seconds per G step of each variant: `rounds` interleaved rounds of `steps` steps, the median kept."""
    from ganforge.train.state import build_state
    from ganforge.train.step import discriminator_step, generator_step

    states = {name: build_state(load_config("fashion_dcgan", [*COMMON, *VARIANTS[name]])) for name in names}
    timings = {name: [] for name in names}
    for _ in range(rounds):
        for name, state in states.items():
            started = time.process_time()
            for _ in range(steps):
                for _ in range(state.config.optim.n_critic):
                    real, labels = state.next_batch()
                    discriminator_step(state, real, labels)
                generator_step(state, real, labels)
            timings[name].append((time.process_time() - started) / steps)
    return {name: sorted(values)[len(values) // 2] for name, values in timings.items()}


def train_within_budget(name: str, overrides: list[str], steps: int, workdir: Path) -> dict:
    config = load_config("fashion_dcgan", [*COMMON, *overrides, f"name=fd-{name}", f"train.steps={steps}"])
    run = RunDir.create(workdir, path=workdir / name)
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    state = train(config, run, quiet=True)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    result = evaluate_run(run.path, metrics=[{"name": "fid"}], n=10000)
    return {"loss": name, "steps": state.step, "cpu_min": cpu / 60, "wall_min": wall / 60,
            "fd": result["metrics"]["fid"], "provenance": result["provenance"]}


def real_floor(seed: int = 0) -> float:
    """FD(10,000 training images, the 10,000 test images) in the same feature space."""
    from ganforge.data import DATA
    from ganforge.metrics.extractors import build_extractor
    from ganforge.metrics.fid import feature_statistics, frechet_distance
    from ganforge.metrics.real_data import real_samples

    train_split, test_split = DATA.build({"name": "fashion_mnist"}), DATA.build({"name": "fashion_mnist", "split": "test"})
    extractor = build_extractor("fashion_classifier", train_split)
    features = [extractor.features(real_samples(source, 10000, seed)).double().numpy() for source in (train_split, test_split)]
    return frechet_distance(*feature_statistics(features[0]), *feature_statistics(features[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget-steps", type=int, default=1000,
                        help="the budget, in non-saturating G steps (default 1000); other losses get the same compute")
    parser.add_argument("--losses", default=",".join(VARIANTS))
    args = parser.parse_args()
    names = args.losses.split(",")
    floor = real_floor()
    print(f"floor FD(train 10k, test 10k) = {floor:.3f}", flush=True)
    costs = seconds_per_step(sorted(set(names) | {"nonsaturating"}))
    print("CPU s per G step:", costs, flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in names:
            steps = max(1, round(args.budget_steps * costs["nonsaturating"] / costs[name]))
            result = train_within_budget(name, VARIANTS[name], steps, Path(workdir))
            print(result, flush=True)
            rows.append(f"| {name} | {result['fd']:.2f} | {result['steps']} | {costs[name] / costs['nonsaturating']:.2f} | "
                        f"{result['cpu_min']:.1f} | {result['wall_min']:.1f} |")
    provenance = result["provenance"]
    write_section("fashion-fd", "\n".join([
        "## Fashion-MNIST: FD in the project's feature space, five losses at one CPU budget",
        "",
        f"`python benchmarks/fashion_fd.py --budget-steps {args.budget_steps}` on {machine()}. Each loss trains the",
        f"`fashion_dcgan` preset at width 32 (DCGAN, batch 64, Adam) for the compute of {args.budget_steps} non-saturating",
        "steps (steps = budget × the measured CPU cost of a non-saturating step ÷ the loss's own; relative cost column);",
        f"FD between {provenance['n_generated']} generated samples and the {provenance['n_real']} test images in",
        f"the feature space of `{provenance['extractor']}` (sha256 {provenance['extractor_sha256']}…). WGAN-GP uses n_critic 5,",
        "Adam(1e-4, β=(0, 0.9)) and λ=10 as in Gulrajani et al. 2017; DRAGAN λ=10 on the non-saturating loss. Lower is better.",
        "",
        "| loss | FD ↓ | steps | relative cost of a step | CPU-min | wall-min |",
        "|---|---|---|---|---|---|",
        *rows,
        f"| *real floor: FD(10k train, 10k test)* | {floor:.2f} | | | | |",
    ]))


if __name__ == "__main__":
    main()
