"""Copy grid_latent_mixture.py's scores of grid_best runs into mode_coverage.py's cache, where the configs agree.

    OMP_NUM_THREADS=1 python benchmarks/probes/grid_adopt.py 0-24

grid_latent_mixture.py trains two seeds at a time (one process per core); mode_coverage.py trains one at a
time. A probe result is copied to benchmarks/results/mode_coverage/grid-best-seed<k>-steps<n>.json only when
its stored resolved config equals, key for key, the config mode_coverage.py resolves for that seed today:
the same test the cache applies when it reads a file. Anything else is reported and left alone.
"""
from pathlib import Path
import json, shutil, sys
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]
import mode_coverage as mc
from grid_latent_mixture import CACHE, seeds_of


def adopt(seed: int) -> str:
    config = mc.resolved_config("grid", "best", seed, None)
    wanted, steps = config.to_dict(), config.train.steps
    for source in sorted(CACHE.glob(f"*-seed{seed}-steps{steps}.json")):
        result = json.loads(source.read_text())
        if result.get("config") == wanted:
            shutil.copy(source, mc.RESULTS / f"grid-best-seed{seed}-steps{steps}.json")
            return f"seed {seed}: adopted {source.name} (high quality {100 * result['high_quality']:.1f}%)"
    return f"seed {seed}: no probe run with today's grid_best config"


if __name__ == "__main__":
    for seed in seeds_of(sys.argv[1]):
        print(adopt(seed))
