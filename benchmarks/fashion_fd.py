"""Fashion-MNIST: Fréchet distance in the project's classifier feature space, five losses at one CPU budget.

    python benchmarks/fashion_fd.py                   # 5 losses × 360 CPU-seconds each (about 3 wall-minutes on 2 cores)
    python benchmarks/fashion_fd.py --budget 120 --losses nonsaturating,hinge

Each loss trains the fashion_dcgan preset's nets until the process has used `--budget` seconds of
CPU time (all threads), then stops cleanly (the same path as Ctrl-C: a final checkpoint). FD is
computed between 10,000 generated samples and the 10,000 test images, in the feature space of the
shipped Fashion-MNIST classifier; the floor is FD(10,000 training images, the 10,000 test images):
what a perfect generator would score. Writes the "fashion-fd" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
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
COMMON = ["train.steps=1000000", "train.sample_every=500", "train.checkpoint_every=500", "train.tensorboard=false",
          "doctor.enabled=false"]


def stop_after_cpu_seconds(budget: float) -> threading.Thread:
    """SIGTERM this process once it has used `budget` CPU-seconds; training then stops cleanly with a checkpoint."""
    def watch():
        while time.process_time() < budget:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def train_within_budget(name: str, overrides: list[str], budget: float, workdir: Path) -> dict:
    config = load_config("fashion_dcgan", [*COMMON, *overrides, f"name=fd-{name}"])
    run = RunDir.create(workdir, path=workdir / name)
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    stop_after_cpu_seconds(start_cpu + budget)
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
    parser.add_argument("--budget", type=float, default=360.0, help="CPU-seconds per loss (all threads; default 360)")
    parser.add_argument("--losses", default=",".join(VARIANTS))
    args = parser.parse_args()
    floor = real_floor()
    print(f"floor FD(train 10k, test 10k) = {floor:.3f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.losses.split(","):
            result = train_within_budget(name, VARIANTS[name], args.budget, Path(workdir))
            print(result, flush=True)
            rows.append(f"| {name} | {result['fd']:.2f} | {result['steps']} | {result['cpu_min']:.1f} | {result['wall_min']:.1f} |")
    provenance = result["provenance"]
    write_section("fashion-fd", "\n".join([
        "## Fashion-MNIST: FD in the project's feature space, five losses at one CPU budget",
        "",
        f"`python benchmarks/fashion_fd.py --budget {args.budget:.0f}` on {machine()}. Each loss trains the `fashion_dcgan`",
        f"preset's nets (DCGAN width 64, batch 64, Adam) until the process has used {args.budget / 60:.1f} CPU-minutes, then",
        f"stops cleanly; FD between {provenance['n_generated']} generated samples and the {provenance['n_real']} test images in",
        f"the feature space of `{provenance['extractor']}` (sha256 {provenance['extractor_sha256']}…). WGAN-GP uses n_critic 5,",
        "Adam(1e-4, β=(0, 0.9)) and λ=10 as in Gulrajani et al. 2017; DRAGAN λ=10 on the non-saturating loss. Lower is better.",
        "",
        "| loss | FD ↓ | steps reached | CPU-min | wall-min |",
        "|---|---|---|---|---|",
        *rows,
        f"| *real floor: FD(10k train, 10k test)* | {floor:.2f} | | | |",
    ]))


if __name__ == "__main__":
    main()
