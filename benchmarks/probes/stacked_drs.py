"""Rejection sampling on stacked_<base>_best (the docs/benchmarks.md stacked row, session 4).

    OMP_NUM_THREADS=1 python benchmarks/probes/stacked_drs.py digits 0 -1 1     # base, then the γ values

Trains the benchmark's seed-0 config into /tmp/exp/ (or loads it from there), scores G alone, then DRS per γ.
"""
from pathlib import Path
import sys, time, json
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2])]
import torch
import stacked as sb
from ganforge.metrics.evaluate import evaluate
from ganforge.sampling import sampling_generator
from ganforge.tricks.rejection_sampling import RejectionSampler
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.checkpoint import latest_checkpoint, load_checkpoint
from ganforge.train.state import build_state

base = sys.argv[1]
config = sb.resolved_config(base, "best", 0, None)
path = Path(f"/tmp/exp/stacked-{base}-best")
if (path / "checkpoints").is_dir() and latest_checkpoint(path / "checkpoints"):
    state = build_state(config); load_checkpoint(latest_checkpoint(path / "checkpoints"), state)
else:
    t = time.process_time(); state = train(config, RunDir.create(path=path), quiet=True)
    print("train cpu", round(time.process_time() - t, 1), flush=True)
settings = config.eval.model_copy(update={"n": sb.SAMPLES})
def score(g):
    m = evaluate(g, state.data, config.data.model_dump(), settings, [{"name": "stacked_modes", "n": sb.SAMPLES}])["metrics"]
    return {k: round(v, 4) for k, v in m.items()}
G = sampling_generator(state, True)
print("G alone", score(G), flush=True)
for gamma in [float(g) for g in sys.argv[2:]]:
    t = time.process_time()
    S = RejectionSampler(G, state.D, 10000, gamma, 1e-6, 0, 100)
    s = score(S)
    print(f"DRS gamma {gamma}: {s} accept {S.accepted / max(S.proposals, 1):.3f} cpu {time.process_time() - t:.1f}", flush=True)
