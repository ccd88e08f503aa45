"""Where a grid run's non-high-quality samples lie: per-mode spread and the share far from every centre.

    python benchmarks/probes/grid_look.py /tmp/exp/grid_best-1     # a run directory of grid_best
"""
from pathlib import Path
import sys

import numpy as np
import torch
sys.path[:0] = [str(Path(__file__).resolve().parents[2])]
from ganforge.config import load_config
from ganforge.train.checkpoint import latest_checkpoint, load_checkpoint
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from ganforge.sampling import sampling_generator
run = RunDir.open(sys.argv[1]); config = load_config(run.config)
state = build_state(config); load_checkpoint(latest_checkpoint(run.checkpoints), state)
G = sampling_generator(state, True)
torch.manual_seed(0)
with torch.no_grad():
    x = state.data.to_data_units(G(G.sample_latent(20000), None))
x = np.asarray(x)
c = np.array([(i, j) for i in (-4, -2, 0, 2, 4) for j in (-4, -2, 0, 2, 4)], float)
d = np.linalg.norm(x[:, None] - c[None], axis=-1); near = d.argmin(1); dist = d.min(1)
print("HQ", (dist < 0.15).mean())
print("dist quantiles", np.quantile(dist, [0.5, 0.9, 0.95, 0.98, 0.99]).round(3))
for k in range(25):
    m = near == k; r = dist[m]
    own = x[m] - c[k]
    print(k, c[k], m.sum(), "hq %.3f" % (r < 0.15).mean(), "std xy", own[r < 0.3].std(0).round(3), "far>0.3 %.3f" % (r > 0.3).mean())
