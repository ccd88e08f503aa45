"""Images per second of ganforge's training step against a hand-written, tuned loop over the same nets.

The tuned loop is what a GPU engineer writes for speed: the same G and D (copies, same weights),
the non-saturating loss, fused Adam, bf16 autocast, channels_last, the whole dataset on the device with
each batch's rows drawn there, and nothing read back to the host. ganforge trains the same nets through
`discriminator_step` / `generator_step` with `train.precision=bf16`, `train.channels_last=true` and its
data on the device (state.next_batch), stats and NaN guard live. Both sides draw their batches inside the
timed steps. The data is sklearn's digits resized to the image size (bundled: nothing to download).

On a GPU: DCGAN, ResNet and modern nets at 32×32 and 64×64, batch 64 and 256; target ganforge ≥ 90% of the
tuned loop. On the CPU (`--device cpu`) it runs small, fp32 (bf16 convolutions on a CPU are an emulation,
not a speed-up), timed in process CPU seconds with one thread, alternating windows as in
benchmarks/step_overhead.py, and reports ganforge's overhead; target ≤ 3%.

    python benchmarks/gpu_throughput.py                    # cuda: the table (≈ 2 min on one GPU)
    python benchmarks/gpu_throughput.py --device cpu       # the CPU overhead rows (≈ 2 min)
    python benchmarks/gpu_throughput.py --device cpu --tiny --no-write   # the smoke test's run
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.report import machine, write_section  # noqa: E402
from ganforge.config import validate  # noqa: E402
from ganforge.train.state import build_state  # noqa: E402
from ganforge.train.stats import StatsBus, use_bus  # noqa: E402
from ganforge.train.step import discriminator_step, generator_step  # noqa: E402

GPU_CASES = [(net, size, batch) for net in ("dcgan", "resnet", "modern") for size in (32, 64) for batch in (64, 256)]
CPU_CASES = [("dcgan", 16, 64), ("resnet", 16, 32)]
TINY_CASES = [("dcgan", 16, 8)]


def config_for(net: str, size: int, batch: int, device: str, precision: str, width: int):
    return validate({
        "name": f"throughput-{net}-{size}", "data": {"name": "digits", "image_size": size},
        "generator": {"name": net, "width": width}, "discriminator": {"name": net, "width": width}, "z_dim": 128,
        "train": {"batch_size": batch, "device": device, "precision": precision, "channels_last": True,
                  "steps": 10**6, "log_every": 10**6, "threads": 1},
    })


class TunedLoop:
    """The hand-written loop: copies of the state's nets, all data on the device, autocast, fused Adam, no host reads."""

    def __init__(self, state, precision: str):
        self.G, self.D = copy.deepcopy(state.G), copy.deepcopy(state.D)
        fused = {"fused": True} if state.device.type == "cuda" else {}
        g, d = state.config.optim.g, state.config.optim.d
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=g.lr, betas=g.betas, **fused)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=d.lr, betas=d.betas, **fused)
        images = state.data.samples.to(state.device).float().div_(127.5).sub_(1.0)
        self.images = images.contiguous(memory_format=torch.channels_last)
        self.batch, self.z_dim, self.device = state.config.train.batch_size, state.config.z_dim, state.device
        self.autocast = (torch.autocast(state.device.type, dtype=torch.bfloat16) if precision == "bf16"
                         else torch.autocast(state.device.type, enabled=False))

    def step(self) -> None:
        real = self.images[torch.randint(len(self.images), (self.batch,), device=self.device)]
        with self.autocast:
            with torch.no_grad():
                fake = self.G(torch.randn(self.batch, self.z_dim, device=self.device))
            real_logits, fake_logits = self.D(real), self.D(fake)
            d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        self.D.requires_grad_(False)
        with self.autocast:
            g_loss = F.softplus(-self.D(self.G(torch.randn(self.batch, self.z_dim, device=self.device)))).mean()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        self.D.requires_grad_(True)


def ganforge_step(state):
    def step() -> None:
        real, _ = state.next_batch()
        discriminator_step(state, real, None)
        generator_step(state, real, None)
    return step


def rate(step, steps: int, batch: int, device: torch.device, clock) -> float:
    """Images per second over `steps` steps (the device drained before and after on a GPU)."""
    synchronise(device)
    started = clock()
    for _ in range(steps):
        step()
    synchronise(device)
    return steps * batch / (clock() - started)


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(net: str, size: int, batch: int, device: str, windows: int, steps: int, width: int) -> dict:
    precision = "bf16" if device.startswith("cuda") else "fp32"
    torch.manual_seed(0)
    state = build_state(config_for(net, size, batch, device, precision, width))
    tuned = TunedLoop(state, precision)
    use_bus(StatsBus())
    ours = ganforge_step(state)
    clock = time.perf_counter if state.device.type == "cuda" else time.process_time
    for step in (ours, tuned.step):
        rate(step, 3, batch, state.device, clock)  # warm-up: kernels chosen, memory allocated
    rates = {"ganforge": [], "tuned": []}
    for window in range(windows):  # which side goes first alternates, so a drift in speed favours neither
        for name in (("ganforge", "tuned") if window % 2 == 0 else ("tuned", "ganforge")):
            rates[name].append(rate(ours if name == "ganforge" else tuned.step, steps, batch, state.device, clock))
    ratios = [ours_rate / tuned_rate for ours_rate, tuned_rate in zip(rates["ganforge"], rates["tuned"])]
    row = {"net": net, "size": size, "batch": batch, "precision": precision,
           "ganforge": statistics.median(rates["ganforge"]), "tuned": statistics.median(rates["tuned"]),
           "ratio": statistics.median(ratios), "low": min(ratios), "high": max(ratios)}
    print(row, flush=True)
    return row


def markdown(rows: list[dict], device: str, windows: int, steps: int) -> str:
    where = torch.cuda.get_device_name(0) if device.startswith("cuda") else machine()
    target = "ganforge ≥ 90% of the tuned loop" if device.startswith("cuda") else "overhead (tuned / ganforge − 1) ≤ 3%"
    clock = "wall seconds (device drained at both ends)" if device.startswith("cuda") else "process CPU seconds"
    lines = [
        f"## Training throughput on {'the GPU' if device.startswith('cuda') else 'the CPU'}: ganforge vs a tuned hand loop",
        "",
        f"`python benchmarks/gpu_throughput.py --device {device}` on {where}. Same nets (copies), non-saturating loss, "
        f"Adam, channels_last, data on the device; {windows} pairs of windows of {steps} steps after a warm-up (which "
        f"side goes first alternates), "
        f"median images per {clock}; ratio = ganforge / tuned of adjacent windows (median, range). Target: {target}.",
        "",
        "| net | size | batch | precision | ganforge img/s | tuned img/s | ganforge / tuned | range | overhead |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['net']} | {r['size']} | {r['batch']} | {r['precision']} | {r['ganforge']:.0f} | "
                     f"{r['tuned']:.0f} | {100 * r['ratio']:.1f}% | {100 * r['low']:.1f}% … {100 * r['high']:.1f}% | "
                     f"{100 * (1 / r['ratio'] - 1):+.1f}% |")
    return "\n".join(lines)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="one small case, few steps (the test suite's smoke run)")
    parser.add_argument("--windows", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    on_gpu = args.device.startswith("cuda")
    if not on_gpu:
        torch.set_num_threads(1)
    cases = TINY_CASES if args.tiny else GPU_CASES if on_gpu else CPU_CASES
    windows = args.windows or (2 if args.tiny else 7 if on_gpu else 41)
    steps = args.steps or (2 if args.tiny else 20 if on_gpu else 8)
    width = 8 if args.tiny else 64 if on_gpu else 32
    rows = [measure(net, size, batch, args.device, windows, steps, width) for net, size, batch in cases]
    table = markdown(rows, args.device, windows, steps)
    print(table)
    if not args.no_write:
        write_section("gpu-throughput" if on_gpu else "cpu-throughput", table)
    return rows


if __name__ == "__main__":
    main()
