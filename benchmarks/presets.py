"""Time and peak memory of each preset, trained from scratch in a fresh process.

    python benchmarks/presets.py                 # all presets
    python benchmarks/presets.py quickstart ring # some

Writes the "presets" section of docs/benchmarks.md and copies each run's last sample grid to
docs/images/preset-<name>.png.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import BENCHMARKS_MD, machine, write_section  # noqa: E402

PRESETS = ("quickstart", "ring", "grid", "fashion_dcgan", "mlp_fashion")
CHILD = """
import json, resource, sys
from ganforge.cli import main
code = main(["train", sys.argv[1], "--run-dir", sys.argv[2], "--quiet"])
print(json.dumps({"code": code, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_preset(name: str, workdir: Path) -> dict:
    run_dir = workdir / name
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, name, str(run_dir)], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = time.perf_counter() - started
    stats = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]
    result["steps"] = stats[-1]["step"]
    grids = sorted((run_dir / "samples").glob("step-*.png"))
    images = BENCHMARKS_MD.parent / "images"
    images.mkdir(exist_ok=True)
    shutil.copy(grids[-1], images / f"preset-{name}.png")
    return result


def main(names: list[str]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in names:
            result = run_preset(name, Path(workdir))
            print(name, result, flush=True)
            rows.append(f"| `{name}` | {result['steps']} | {result['seconds'] / 60:.1f} min | "
                        f"{result['steps'] / result['seconds']:.1f} | {result['peak_rss_mb']:.0f} MB | "
                        f"![{name}](images/preset-{name}.png) |")
    write_section("presets", "\n".join([
        "## Presets: wall time and peak memory",
        "",
        f"`python benchmarks/presets.py` on {machine()}; each preset trained from scratch in a fresh process",
        "(wall time includes start-up, data loading, sample grids and checkpoints; peak RSS of the process).",
        "",
        "| preset | steps | wall time | steps/s | peak RSS | last sample grid |",
        "|---|---|---|---|---|---|",
        *rows,
    ]))


if __name__ == "__main__":
    main(sys.argv[1:] or list(PRESETS))
