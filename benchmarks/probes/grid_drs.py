"""Rejection sampling on grid_best with a fine-tuned copy of D (the docs/benchmarks.md grid row, session 4).

    OMP_NUM_THREADS=1 python benchmarks/probes/grid_drs.py grid_best 1

Trains the benchmark's grid_best config for that seed into /tmp/exp/, scores G alone, then a copy of D trained on
without R1 for 0/300/1000/3000 steps behind DRS at γ 0 and 1 (PacGAN protocol, benchmarks/mode_coverage.py).
"""
from pathlib import Path
import sys, copy, time, json
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]
import torch
import torch.nn.functional as F
from ganforge.config import load_config
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.metrics.evaluate import evaluate
from ganforge.tricks.rejection_sampling import RejectionSampler
import mode_coverage as mc

preset, seed = sys.argv[1], int(sys.argv[2])
dataset = "grid" if "grid" in preset else "ring"
config = mc.resolved_config(dataset, "best", seed, None)
t = time.process_time()
state = train(config, RunDir.create(path=Path(f"/tmp/exp/{preset}-{seed}")), quiet=True)
print("train cpu", round(time.process_time() - t, 1), flush=True)
G = mc.generator_without_rejection(state, config)
score = lambda g: {k: round(v, 4) for k, v in mc.mode_scores(g, state, config).items() if k in ("modes", "high_quality", "reverse_kl")}
print("G alone", score(G), flush=True)
for steps in (0, 300, 1000, 3000):
    torch.manual_seed(seed)
    D = copy.deepcopy(state.D); D.train()
    opt = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.999))
    t = time.process_time()
    for i in range(steps):
        real, _ = state.data.batch(10_000_000 + i, 256, seed)
        with torch.no_grad():
            fake = G(G.sample_latent(256), None)
        loss = F.softplus(-D(real, None)).mean() + F.softplus(D(fake, None)).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    cal = time.process_time() - t
    for gamma in (0.0, 1.0):
        S = RejectionSampler(G, D, 10000, gamma, 1e-6, 0, 100)
        s = score(S)
        print(f"calib {steps} gamma {gamma}: {s} accept {S.accepted / max(S.proposals, 1):.2f} calib_cpu {cal:.1f}", flush=True)
