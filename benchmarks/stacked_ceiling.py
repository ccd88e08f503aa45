"""The ceiling of the stacked-modes metric: real stacked data scored exactly as generated samples are.

    OMP_NUM_THREADS=1 python benchmarks/stacked_ceiling.py

For each base (digits, fashion_mnist): 26,000 real stacked samples (batch 0 of training seed 0),
each channel classified by the shipped classifier, -> modes covered (of 1,000) and KL(p̂ ‖ uniform),
and the share of samples whose predicted mode equals their true label. A generator cannot be
expected to beat these numbers; they are what docs/extractors.md quotes.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganforge.data import DATA  # noqa: E402
from ganforge.metrics.extractors import DATASET_CLASSIFIERS, build_extractor  # noqa: E402
from ganforge.metrics.stacked_modes import stacked_mode_histogram, stacked_modes  # noqa: E402

SAMPLES = 26000


def main() -> None:
    torch.set_num_threads(1)
    print("| base | samples | modes covered | KL to uniform | stacked label accuracy | seconds |")
    print("|---|---|---|---|---|---|")
    for base in ("digits", "fashion_mnist"):
        source = DATA.build({"name": "stacked", "base": base})
        classifier = build_extractor(DATASET_CLASSIFIERS[base], source)
        x, labels = source.batch(0, SAMPLES, seed=0)
        started = time.perf_counter()
        ids = stacked_mode_histogram(x, classifier)
        seconds = time.perf_counter() - started
        result = stacked_modes(ids)
        accuracy = (torch.from_numpy(ids) == labels).double().mean().item()
        print(f"| {base} | {SAMPLES:,} | {result['modes']} | {result['kl']:.4f} | {100 * accuracy:.1f}% | {seconds:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
