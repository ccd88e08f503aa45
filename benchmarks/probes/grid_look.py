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

CENTRES = np.array([(i, j) for i in (-4, -2, 0, 2, 4) for j in (-4, -2, 0, 2, 4)], float)
HIGH_QUALITY = 0.15  # 3σ of the grid's modes (σ = 0.05)


def load_run(path):
    """(state at the last checkpoint, the generator sampling uses: the EMA average where there is one)."""
    run = RunDir.open(path)
    state = build_state(load_config(run.config))
    load_checkpoint(latest_checkpoint(run.checkpoints), state)
    return state, sampling_generator(state, True)


def nearest_centre(state, x):
    """(samples in data units, index of each one's nearest centre, its distance to that centre)."""
    x = np.asarray(state.data.to_data_units(x))
    distances = np.linalg.norm(x[:, None] - CENTRES[None], axis=-1)
    return x, distances.argmin(1), distances.min(1)


def main():
    state, G = load_run(sys.argv[1])
    torch.manual_seed(0)
    with torch.no_grad():
        x, near, dist = nearest_centre(state, G(G.sample_latent(20000), None))
    print("HQ", (dist < HIGH_QUALITY).mean())
    print("dist quantiles", np.quantile(dist, [0.5, 0.9, 0.95, 0.98, 0.99]).round(3))
    for k in range(len(CENTRES)):
        m = near == k; r = dist[m]
        own = x[m] - CENTRES[k]
        print(k, CENTRES[k], m.sum(), "hq %.3f" % (r < HIGH_QUALITY).mean(), "std xy", own[r < 0.3].std(0).round(3),
              "far>0.3 %.3f" % (r > 0.3).mean())


if __name__ == "__main__":
    main()
