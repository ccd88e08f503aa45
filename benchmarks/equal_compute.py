"""Presets against a hand-written PyTorch DCGAN at equal process CPU time, on Fashion-MNIST, stacked Fashion-MNIST, the digits or photo patches.

    OMP_NUM_THREADS=1 python benchmarks/equal_compute.py                     # every arm, 300/600/1200 CPU-s, seed 0
    python benchmarks/equal_compute.py --arms hand,fashion_best --budgets 300 --seeds 1 --no-write
    python benchmarks/equal_compute.py --data digits                          # quickstart against the hand loop at 16×16

Each arm trains in a process of its own with one torch thread and is stopped by process CPU time
(`time.process_time`, not wall clock), so what the other core does barely matters. At each budget
the generator that samples (the EMA copy where a preset keeps one) is copied; after the last budget
training stops and each copy draws 10,000 samples, compared with the 10,000 test images in the
feature space of the shipped `fashion_classifier`: FD, KID, precision and recall (k = 3). Evaluation
is not counted in the budget.

The hand loop is written out below as a newcomer writes it from the PyTorch DCGAN tutorial, sized for
the images: G z(100) → 256@s² → 128@(2s)² → 64@(4s)² transposed convs with batch norm and ReLU (s = 7 for
28×28, 4 for 16×16), a 3×3 conv to the image and tanh; D its mirror with LeakyReLU 0.2 and batch norm;
non-saturating loss, Adam 2e-4, β₁ 0.5, batch 64. Its samples are scored both in train mode (batch statistics, batches of 64, as the
tutorial draws them) and in eval mode (running statistics), and the better of the two is kept. The
presets run through `ganforge.train.loop.train` as `ganforge train` runs them: sample grids,
checkpoints, the report and the live doctor are part of the CPU they spend.

`--data digits` trains on scikit-learn's 1,797 digits at 16×16 (the quickstart's data) and scores
against all of them in `digits_classifier` features; the arms are the hand loop and `quickstart`.
`--data stacked_fashion` is stacked Fashion-MNIST (three images as the RGB channels), the hand loop with
three channels against `stacked_fashion` and `stacked_fashion_fast` (any preset arm is pointed at the
stacked data), scored per channel in `fashion_classifier` features against stacks of test images; its
tables are per seed set: seed 0 screened the arms, seeds 3 and 4 were seen before `stacked_fashion_fast`
was chosen, seeds 5 and 6 are held out.
`--data photos` is a user's RGB folder no preset was tuned on: 2,048 28×28 patches of scikit-learn's
sample photographs (photo_patches.py), the presets pointed at it with `data.name=image_folder
data.path=...` as the README shows, the hand loop with three channels; scored against the patches in
the offline `random_conv` features (no classifier knows these images).

Tuning and held-out material (fixed before any preset was tuned): on Fashion-MNIST settings are chosen
on training seed 0; seeds 1 and 2 are held out and run once, after the presets are frozen (`--seeds 1,2`).
No preset was tuned on the digits or the photographs: every seed of theirs is held out. Writes the
"equal-compute-tuning" and "equal-compute-held-out" sections of docs/benchmarks.md (for the other data,
"equal-compute-digits" and "equal-compute-photos") from one run; `--from-log LOG --screening` writes the candidates' screening
section from a saved run's output.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from photo_patches import write_patches  # noqa: E402
from report import machine, write_section  # noqa: E402

N_SAMPLES = 10_000
SEEN_STACKED_SEEDS = (3, 4)  # stacked_fashion's held-out seeds before stacked_fashion_fast was chosen: tuning now


class Setting:
    """What one comparison trains on and scores with: the data, the judge, the default arms, budgets and seeds.
    `point_presets`: preset arms train on `data` (their own data replaced), as a user points a preset elsewhere."""

    def __init__(self, name, title, data, reference, extractor, side, arms, budgets, tuning_seeds, held_out_seeds, note,
                 channels=1, point_presets=False):
        self.name, self.title, self.data, self.reference, self.extractor = name, title, data, reference, extractor
        self.side, self.arms, self.budgets, self.note = side, arms, budgets, note
        self.tuning_seeds, self.held_out_seeds = tuning_seeds, held_out_seeds
        self.channels, self.point_presets = channels, point_presets

    @property
    def preset_overrides(self) -> tuple[str, ...]:
        """The overrides that point a preset at this setting's data (none when presets keep their own)."""
        return tuple(f"data.{key}={value}" for key, value in self.data.items()) if self.point_presets else ()


PHOTOS = Path(tempfile.gettempdir()) / "ganforge-equal-compute" / "photo_patches_28"
PHOTO_COUNT, PHOTO_SIDE, PHOTO_SEED, PHOTO_SHRINK = 2048, 28, 2024, 3


SETTINGS = {
    "fashion": Setting(
        "fashion", "Fashion-MNIST", {"name": "fashion_mnist"}, {"name": "fashion_mnist", "split": "test"},
        "fashion_classifier", 28, ("hand", "fashion_dcgan", "fashion_best"), (300, 600, 1200), (0,), (1, 2),
        "the 10000 test images in `fashion_classifier` features"),
    "digits": Setting(
        "digits", "The digits at 16×16", {"name": "digits", "image_size": 16}, {"name": "digits", "image_size": 16},
        "digits_classifier", 16, ("hand", "quickstart"), (60, 120, 240), (), (0, 1, 2),
        "all 1797 digits (the training images: the data set has no other) in `digits_classifier` features"),
    "photos": Setting(
        "photos", "A folder of RGB photo patches", {"name": "image_folder", "path": str(PHOTOS)},
        {"name": "image_folder", "path": str(PHOTOS)}, "random_conv", PHOTO_SIDE, ("hand", "quickstart", "fashion_best"),
        (60, 120, 240), (), (0, 1, 2), f"all {PHOTO_COUNT} patches (the training images) in `random_conv` features",
        channels=3, point_presets=True),
    "stacked_fashion": Setting(
        "stacked_fashion", "Stacked Fashion-MNIST (RGB)", {"name": "stacked", "base": "fashion_mnist", "size": 60000, "seed": 0},
        {"name": "stacked", "base": "fashion_mnist", "split": "test", "size": N_SAMPLES, "seed": 1}, "fashion_classifier", 28,
        ("hand", "stacked_fashion", "stacked_fashion_fast"), (300, 600), (0,), (5, 6),
        f"{N_SAMPLES} stacks of three test images, each channel in `fashion_classifier` features (concatenated: 384-d)",
        channels=3, point_presets=True),
}


def prepare(setting: Setting) -> None:
    """Write the data files a setting reads that do not ship with anything."""
    if setting.name == "photos":
        write_patches(PHOTOS, PHOTO_COUNT, PHOTO_SIDE, PHOTO_SEED, PHOTO_SHRINK)


class BudgetSpent(Exception):
    """Raised inside training once the last CPU budget is used."""


class Snapshots:
    """Copies of the sampling generator taken when process CPU time crosses each budget."""

    def __init__(self, budgets: list[float]):
        self.budgets, self.copies, self.steps = sorted(budgets), {}, {}
        self.started = time.process_time()

    def spent(self) -> float:
        return time.process_time() - self.started

    def tick(self, generator: nn.Module, step: int) -> None:
        """Copy `generator` for every budget just crossed; BudgetSpent after the last one."""
        for budget in self.budgets:
            if budget not in self.copies and self.spent() >= budget:
                self.copies[budget], self.steps[budget] = copy.deepcopy(generator).cpu(), step
        if len(self.copies) == len(self.budgets):
            raise BudgetSpent


# --- the hand-written DCGAN ---------------------------------------------------------------------

def hand_generator(side: int = 28, channels: int = 1, z_dim: int = 100) -> nn.Module:
    start = side // 4  # 7 for 28×28, 4 for 16×16
    return nn.Sequential(
        nn.ConvTranspose2d(z_dim, 256, start, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),  # 7×7
        nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),  # 14×14
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),  # 28×28
        nn.Conv2d(64, channels, 3, 1, 1, bias=False), nn.Tanh())


def hand_discriminator(side: int = 28, channels: int = 1) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(channels, 64, 3, 1, 1, bias=False), nn.LeakyReLU(0.2, True),  # 28×28
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, True),  # 14×14
        nn.Conv2d(128, 256, 4, 2, 1, bias=False), nn.BatchNorm2d(256), nn.LeakyReLU(0.2, True),  # 7×7
        nn.Conv2d(256, 1, side // 4, 1, 0, bias=False), nn.Flatten())


def tutorial_init(module: nn.Module) -> None:
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class HandGenerator(nn.Module):
    """The hand loop's G behind the interface the evaluation uses: z [N, 100] → images [N, C, side, side]."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net, self.z_dim = net, 100

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        return self.net(z[:, :, None, None])


def train_hand(snapshots: Snapshots, seed: int, setting: Setting) -> None:
    from ganforge.data import DATA

    torch.manual_seed(seed)
    images = DATA.build(dict(setting.data)).samples  # uint8 [N, C, side, side]
    G, D = hand_generator(setting.side, setting.channels), hand_discriminator(setting.side, setting.channels)
    G.apply(tutorial_init)
    D.apply(tutorial_init)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion, step = nn.BCEWithLogitsLoss(), 0
    ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
    while True:
        for rows in torch.randperm(len(images)).split(64):
            if len(rows) < 64:
                continue
            real = images[rows].float() / 127.5 - 1
            fake = G(torch.randn(64, 100, 1, 1))
            opt_d.zero_grad()
            (criterion(D(real), ones) + criterion(D(fake.detach()), zeros)).backward()
            opt_d.step()
            opt_g.zero_grad()
            criterion(D(fake), ones).backward()
            opt_g.step()
            step += 1
            snapshots.tick(HandGenerator(G), step)


# --- the presets, through ganforge's own loop ------------------------------------------------------

def train_preset(name: str, snapshots: Snapshots, seed: int, workdir: Path, overrides=()) -> None:
    """A preset as it ships (its own data: `quickstart` trains on the digits at 16×16), or pointed at other data."""
    from ganforge.config import load_config
    from ganforge.sampling import sampling_generator
    from ganforge.train import loop
    from ganforge.train.run_dir import RunDir
    from ganforge.train.step import generator_step

    def step_then_tick(state, real, labels):
        generator_step(state, real, labels)
        snapshots.tick(sampling_generator(state), state.step + 1)

    config = load_config(name, [*overrides, f"train.seed={seed}", "train.steps=100000000"])  # a preset or a config file
    loop.generator_step = step_then_tick  # the loop's own G step, then a look at the CPU clock
    loop.train(config, RunDir.create(path=workdir / Path(name).stem), quiet=True)


# --- evaluation ------------------------------------------------------------------------------------

def generated(generator: nn.Module, train_mode: bool, seed: int) -> torch.Tensor:
    rng = torch.Generator().manual_seed(10_000 + seed)
    z = torch.randn(N_SAMPLES, 100, generator=rng) if isinstance(generator, HandGenerator) else \
        generator.sample_latent(N_SAMPLES, generator=rng)  # the preset's own prior
    generator.train(train_mode)
    with torch.no_grad():
        return torch.cat([generator(part).float() for part in z.split(64)]).clamp(-1, 1)


def scores(generator: nn.Module, seed: int, real_features, extractor) -> dict:
    from ganforge.metrics.context import extractor_features
    from ganforge.metrics.fid import feature_statistics, frechet_distance
    from ganforge.metrics.kid import kernel_inception_distance
    from ganforge.metrics.prdc import precision_recall_density_coverage

    best = None
    for train_mode in ((True, False) if isinstance(generator, HandGenerator) else (False,)):
        fake = extractor_features(extractor, generated(generator, train_mode, seed))
        fd = frechet_distance(*feature_statistics(real_features), *feature_statistics(fake))
        if best is None or fd < best["fd"]:
            best = {"fd": fd, "mode": "train" if train_mode else "eval", "fake": fake}
    fake = best.pop("fake")
    best.update(kernel_inception_distance(real_features, fake, subsets=50))
    prdc = precision_recall_density_coverage(real_features, fake)
    best.update(precision=prdc["precision"], recall=prdc["recall"])
    return best


def evaluate_snapshots(snapshots: Snapshots, seed: int, setting: Setting) -> dict:
    from ganforge.data import DATA
    from ganforge.metrics.context import extractor_features
    from ganforge.metrics.extractors import build_extractor
    from ganforge.metrics.real_data import real_samples

    reference = DATA.build(dict(setting.reference))
    extractor = build_extractor(setting.extractor, reference)
    real_features = extractor_features(extractor, real_samples(reference, N_SAMPLES, 0))
    return {str(budget): {"steps": snapshots.steps[budget], **scores(generator, seed, real_features, extractor)}
            for budget, generator in snapshots.copies.items()}


def run_arm(arm: str, budgets: list[float], seed: int, out: Path, setting: Setting) -> None:
    """One arm in this process: train until the last budget, then score every snapshot into `out` (JSON)."""
    torch.set_num_threads(1)
    snapshots = Snapshots(budgets)
    with tempfile.TemporaryDirectory() as workdir:
        try:
            if arm == "hand":
                train_hand(snapshots, seed, setting)
            else:
                train_preset(arm, snapshots, seed, Path(workdir), setting.preset_overrides)
        except BudgetSpent:
            pass
    scored = evaluate_snapshots(snapshots, seed, setting)
    out.write_text(json.dumps({"arm": Path(arm).stem, "seed": seed, "data": setting.name, "budgets": scored}))


# --- the driver ------------------------------------------------------------------------------------

def run_all(arms: list[str], budgets: list[float], seeds: list[int], parallel: int, workdir: Path,
            setting: Setting) -> list[dict]:
    """Every (arm, seed) in its own one-thread process, `parallel` at a time."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    jobs = [(arm, seed, workdir / f"{Path(arm).stem}-{seed}.json") for seed in seeds for arm in arms]
    running, results = [], []
    while jobs or running:
        while jobs and len(running) < parallel:
            arm, seed, out = jobs.pop(0)
            command = [sys.executable, __file__, "--worker", arm, "--budgets", ",".join(map(str, budgets)),
                       "--seeds", str(seed), "--out", str(out), "--data", setting.name]
            running.append((subprocess.Popen(command, env=environment), out))
        time.sleep(2)
        for process, out in [entry for entry in running if entry[0].poll() is not None]:
            running.remove((process, out))
            if process.returncode != 0:
                raise SystemExit(f"{out.stem}: worker failed with exit code {process.returncode}")
            results.append(json.loads(out.read_text()))
            print(json.dumps(results[-1]), flush=True)
    return results


def table(results: list[dict], budgets: list[float]) -> list[str]:
    """One row per (budget, arm): means over the seeds, and the worst seed's FD over the hand loop's of that seed."""
    rows = ["| seeds | budget (CPU-s) | arm | G steps | FD ↓ | FD ÷ hand | worst seed's FD ÷ hand | KID ↓ | precision | recall |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    by_arm, hand = {}, {r["seed"]: r for r in results if r["arm"] == "hand"}
    for result in results:
        by_arm.setdefault(result["arm"], []).append(result)
    seeds = ",".join(map(str, sorted({r["seed"] for r in results})))
    for budget in budgets:
        key = str(budget)
        hand_fd = mean([r["budgets"][key]["fd"] for r in hand.values()])
        for arm, runs in by_arm.items():
            cells = [r["budgets"][key] for r in runs]
            fd = mean([c["fd"] for c in cells])
            ratio = f"{fd / hand_fd:.2f}" if hand_fd else ""
            per_seed = [r["budgets"][key]["fd"] / hand[r["seed"]]["budgets"][key]["fd"] for r in runs if r["seed"] in hand]
            worst = f"{max(per_seed):.2f}" if per_seed else ""
            rows.append(f"| {seeds} | {budget:g} | {arm} | {mean([c['steps'] for c in cells]):.0f} | {fd:.2f} | {ratio} | "
                        f"{worst} | {mean([c['kid'] for c in cells]):.4f} | {mean([c['precision'] for c in cells]):.3f} | "
                        f"{mean([c['recall'] for c in cells]):.3f} |")
    return rows


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def sections(setting: Setting, screening: bool) -> dict:
    """Section key: (which seeds, the title's words)."""
    if screening:
        return {"equal-compute-screening": (setting.tuning_seeds, "candidates screened on the tuning seed")}
    if setting.name == "stacked_fashion":
        return {"equal-compute-stacked_fashion-screening": (setting.tuning_seeds, "arms screened on a tuning seed"),
                "equal-compute-stacked_fashion-seen": (SEEN_STACKED_SEEDS, "seeds seen before the fast arm was chosen"),
                "equal-compute-stacked_fashion": (setting.held_out_seeds, "held-out seeds (run once, presets frozen)")}
    if setting.name != "fashion":
        return {f"equal-compute-{setting.name}": (setting.held_out_seeds, "held-out seeds (no preset tuned on it)")}
    return {"equal-compute-tuning": (setting.tuning_seeds, "tuning seed"),
            "equal-compute-held-out": (setting.held_out_seeds, "held-out seeds (run once, presets frozen)")}


TARGETS = {
    "fashion": "Targets: `fashion_best` ≤ 0.5, `fashion_dcgan` ≤ 1.0 at every budget.",
    "digits": "Target: `quickstart` ≤ 1.0 at every budget.",
    "photos": "Targets: `fashion_best` ≤ 0.5 and `quickstart` ≤ 1.0 at every budget.",
    "stacked_fashion": "Targets: `stacked_fashion_fast` ≤ 0.5, `stacked_fashion` ≤ 1.0 at every budget. "
                       "Seeds 3 and 4 were held out for `stacked_fashion` and `stacked_fashion_best` (chosen on "
                       "training seeds 0-2 by the stacked modes' KL, benchmarks/stacked.py, not by FD per "
                       "CPU-second); `stacked_fashion_fast` (`fashion_best`'s recipe on width-32 nets) was chosen "
                       "after they were seen, on seed 0 against `fashion_best` itself, so they are tuning seeds "
                       "now; seeds 5 and 6 are held out.",
}


SCREENING_NOTE = [
    "The candidates are the configs in `benchmarks/equal_compute_candidates/` (their README says how they were",
    "chosen); the best at the last budget became `configs/fashion_best.yaml`, frozen before the held-out seeds ran.",
]


def write(results: list[dict], budgets: list[float], command: str, setting: Setting, screening: bool = False) -> None:
    """The tuning and the held-out rows of one run, each in its own section (the screening section instead, if asked)."""
    for key, (seeds, words) in sections(setting, screening).items():
        chosen = [r for r in results if r["seed"] in seeds]
        if not chosen:
            continue
        write_section(key, "\n".join([
            f"## {setting.title} at equal CPU time: presets against a hand-written DCGAN, {words}",
            "",
            f"`{command}` on {machine()}, one torch thread per arm. FD, KID, precision and recall between",
            f"{N_SAMPLES} samples and {setting.note} (means over the seeds);",
            f"FD ÷ hand is the arm's FD over the hand loop's at the same budget. {TARGETS[setting.name]}",
            "The hand loop is in `benchmarks/equal_compute.py`.",
            *(SCREENING_NOTE if key == "equal-compute-screening" else []),
            "",
            *table(chosen, budgets),
        ]))


def read_log(path: Path) -> list[dict]:
    """The per-arm result lines (JSON objects) a driver run printed; other lines are ignored."""
    lines = [line for line in path.read_text().splitlines() if line.startswith('{"arm"')]
    return [json.loads(line) for line in lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", choices=sorted(SETTINGS), default="fashion", help="what the arms train on and are scored against")
    parser.add_argument("--arms", help="hand, preset names or config files, comma-separated (default: the data's own)")
    parser.add_argument("--budgets", help="CPU seconds, comma-separated (default: the data's own)")
    parser.add_argument("--seeds", help="comma-separated (default: the data's tuning seeds, else its held-out seeds)")
    parser.add_argument("--parallel", type=int, default=2, help="arms trained at once (default 2: one a core)")
    parser.add_argument("--no-write", action="store_true", help="print the results, leave docs/benchmarks.md alone")
    parser.add_argument("--from-log", help="rebuild the tables from the JSON lines a driver run printed (its stdout)")
    parser.add_argument("--screening", action="store_true", help="write the screening section instead of tuning/held-out")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setting = SETTINGS[args.data]
    budgets = [float(b) for b in args.budgets.split(",")] if args.budgets else [float(b) for b in setting.budgets]
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else list(setting.tuning_seeds or setting.held_out_seeds)
    arms = args.arms.split(",") if args.arms else list(setting.arms)
    prepare(setting)
    if args.worker:
        return run_arm(args.worker, budgets, seeds[0], Path(args.out), setting)
    if args.from_log:
        results = read_log(Path(args.from_log))
        budgets = sorted({float(b) for r in results for b in r["budgets"]})
    else:
        with tempfile.TemporaryDirectory() as workdir:
            results = run_all(arms, budgets, seeds, args.parallel, Path(workdir), setting)
    for row in table(results, budgets):
        print(row)
    if not args.no_write:
        write(results, budgets, "python benchmarks/equal_compute.py " + " ".join(sys.argv[1:]), setting, args.screening)


if __name__ == "__main__":
    main()
