"""Write docs/images/report.png, the README's picture of report.html: a short quickstart run, its report,
and a headless-Chromium screenshot of the page. About a minute on one CPU thread.

    python benchmarks/report_screenshot.py [--steps 400]

Needs Debian's chromium (`apt-get install chromium`) at /usr/bin/chromium, or its path in $CHROMIUM.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is imported

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from ganforge.config import load_config
from ganforge.report.html import write_report
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir

IMAGE = Path(__file__).resolve().parent.parent / "docs" / "images" / "report.png"
WINDOW = (1280, 1900)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args()
    browser = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not browser.exists():
        print(f"error: {browser}: chromium not found; apt-get install chromium, or set $CHROMIUM", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        run = RunDir.create(path=Path(scratch) / "quickstart")
        config = load_config("quickstart", [f"train.steps={args.steps}", "train.sample_every=50",
                                            "train.checkpoint_every=200", "train.log_every=5"])
        started = time.perf_counter()
        train(config, run, quiet=True)
        print(f"trained {args.steps} steps in {time.perf_counter() - started:.0f} s")
        report = write_report(run.path)
        print(f"report: {report.stat().st_size / 1024:.0f} KiB, rebuilt in {rebuild_seconds(run.path) * 1000:.0f} ms")
        screenshot(browser, report, Path(scratch) / "profile", IMAGE)
    print(f"wrote {IMAGE}")
    return 0


def rebuild_seconds(run_path: Path, repeats: int = 5) -> float:
    """The cost of one refresh as the training loop pays it (best of `repeats`)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        write_report(run_path)
        times.append(time.perf_counter() - started)
    return min(times)


def screenshot(browser: Path, page: Path, profile: Path, out: Path) -> None:
    raw = profile.parent / "screenshot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={profile}", f"--screenshot={raw}", f"--window-size={WINDOW[0]},{WINDOW[1]}"]
    subprocess.run([str(browser), *flags, page.as_uri()], check=True, capture_output=True, timeout=120)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.open(raw).convert("RGB").quantize(colors=128).save(out, optimize=True)  # a third of the bytes, same look


if __name__ == "__main__":
    sys.exit(main())
