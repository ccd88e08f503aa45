"""How a latent_mixture grid run shares its islands out among the 25 modes, and which islands miss their mode.

    python benchmarks/probes/grid_islands.py /tmp/exp/grid_latent_mixture/runs/K100-s0.1-z8-g0-gw96-dw64-seed7-steps18000

For each island: 400 draws z = c_k + s·ε through the sampling generator (the EMA average); the mode most of
them land nearest to is the island's mode. Prints the islands per mode (K / 25 each when evenly shared),
every island with under 90% high-quality samples (its offset: the distance from its samples' mean to its
mode's centre), and D's mean logit per island (whether D, at the end, tells the stray islands apart).
"""
from pathlib import Path
import sys

import numpy as np
import torch
sys.path[:0] = [str(Path(__file__).resolve().parent)]
from grid_look import CENTRES, HIGH_QUALITY, load_run, nearest_centre

DRAWS = 400


def main():
    torch.set_num_threads(1)
    state, G = load_run(sys.argv[1])
    prior = G.prior
    torch.manual_seed(0)
    islands_of = {mode: [] for mode in range(len(CENTRES))}
    high_quality, logits = [], []
    with torch.no_grad():
        for k, centre in enumerate(prior.centres):
            fake = G(centre + prior.spread * torch.randn(DRAWS, len(centre)), None)
            x, near, dist = nearest_centre(state, fake)
            mode = int(np.bincount(near, minlength=len(CENTRES)).argmax())
            islands_of[mode].append(k)
            high_quality.append((dist < HIGH_QUALITY).mean())
            logits.append(float(state.D(fake, None).mean()))
            offset = np.linalg.norm(x[near == mode].mean(0) - CENTRES[mode])
            if high_quality[-1] < 0.9:
                print(f"island {k}: mode {mode} {CENTRES[mode]}, high quality {high_quality[-1]:.3f}, offset {offset:.3f}, "
                      f"std {x.std(0).round(3)}")
    counts = [len(islands_of[mode]) for mode in range(len(CENTRES))]
    print("islands per mode", counts, f"({sum(c != round(len(prior.centres) / len(CENTRES)) for c in counts)} modes uneven)")
    print("high quality over the islands", round(float(np.mean(high_quality)), 4))
    print("D's mean logit per island: quantiles 0/10/50/90/100%", np.quantile(logits, [0, .1, .5, .9, 1]).round(3),
          "; correlation with the island's high-quality share", round(float(np.corrcoef(logits, high_quality)[0, 1]), 3))


if __name__ == "__main__":
    main()
