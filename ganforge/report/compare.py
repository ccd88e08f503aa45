"""`ganforge compare`: several runs side by side, as one self-contained HTML page or a text table.

The page holds the final value of every stat (each run's last stats.jsonl record), each run's
latest evaluation (the last eval.jsonl line: `eval/step`, `eval/extractor` and `eval/<metric>`
rows, from `ganforge evaluate` or `eval.every`), the main curves overlaid (one colour per run) as an embedded matplotlib PNG, and each run's last sample
grid; every picture is a base64 data URI, so the file can be mailed or archived alone.
"""
from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import GanforgeError
from ..jsonl import read_records
from ..safe_files import write_text_atomic
from ..train.run_dir import RunDir
from ..train.stats import read_stats
from .run_data import GRID_NAME, as_number, find_grids

CURVES = ("loss/d", "loss/g", "d/real", "d/fake")


@dataclass
class RunSummary:
    name: str
    path: Path
    records: list[dict]  # stats.jsonl, one dict per flush, non-finite values as floats
    last_grid: Path | None  # newest samples/step-*.png
    evaluation: dict | None = None  # the last eval.jsonl record: {"step", "metrics", "provenance"}

    @property
    def final(self) -> dict:
        return self.records[-1]

    def evaluation_rows(self) -> dict[str, str]:
        """{"eval/step": ..., "eval/extractor": ..., "eval/<metric>": ...} of the latest evaluation; {} without one."""
        if self.evaluation is None:
            return {}
        rows = {"eval/step": format_value(_number(self.evaluation.get("step"))),
                "eval/extractor": str(self.evaluation.get("provenance", {}).get("extractor", "-"))}
        for name, value in self.evaluation.get("metrics", {}).items():
            rows[f"eval/{name}"] = format_value(_number(value))
        return rows


def latest_evaluation(path: Path) -> dict | None:
    """The last complete record of eval.jsonl (the newest evaluation), or None when there is none."""
    for record in reversed(read_records(path)[0]):  # torn, undecodable or over-nested lines are skipped
        if isinstance(record.get("metrics"), dict):
            return record
    return None


def _number(value) -> float | None:
    try:
        return float(value)  # non-finite values are stored as "nan" / "inf"
    except (TypeError, ValueError):
        return None


def load_runs(paths: list[Path | str]) -> list[RunSummary]:
    """Each run's stats and newest grid, named by its directory (by its full path where two names clash)."""
    runs = [RunDir.open(path) for path in paths]
    names = [run.path.name for run in runs]
    clashing = {name for name in names if names.count(name) > 1}
    return [_summarise(run, str(run.path) if run.path.name in clashing else run.path.name) for run in runs]


def _summarise(run: RunDir, name: str) -> RunSummary:
    records = [_numbers(record) for record in read_stats(run.stats)]
    if not records:
        raise GanforgeError(f"{run.stats}: no stats yet (a run writes its first record after train.log_every steps)")
    grids = find_grids(run.samples)  # (step, path), oldest first
    return RunSummary(name, run.path, records, grids[-1][1] if grids else None, latest_evaluation(run.path / "eval.jsonl"))


def _numbers(record: dict) -> dict[str, float]:
    """A stats record's numeric values as floats ("nan"/"inf" strings included); anything else is left out."""
    numbers = {key: as_number(value) for key, value in record.items()}
    return {key: value for key, value in numbers.items() if value is not None}


def format_value(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value)}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def final_table(runs: list[RunSummary]) -> tuple[list[str], list[list[str]]]:
    """Header (stat, run names…) and one row per stat any run logged, `step` first, then the latest evaluations'
    rows; '-' where a run lacks it."""
    stats = sorted({key for run in runs for key in run.final} - {"step"})
    rows = [[stat] + [format_value(run.final.get(stat)) for run in runs] for stat in ["step", *stats]]
    evaluations = [run.evaluation_rows() for run in runs]
    names = list(dict.fromkeys(name for rows_of_run in evaluations for name in rows_of_run))
    rows += [[name] + [rows_of_run.get(name, "-") for rows_of_run in evaluations] for name in names]
    return ["stat", *(run.name for run in runs)], rows


def text_table(runs: list[RunSummary]) -> str:
    header, rows = final_table(runs)
    widths = [max(len(line[column]) for line in [header, *rows]) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in [header, *rows]]
    return "\n".join([lines[0], "  ".join("-" * width for width in widths), *lines[1:]]) + "\n"


def curves_png(runs: list[RunSummary], names: tuple[str, ...] = CURVES) -> bytes:
    """A 2×2 figure, one panel per stat, one line per run (same colour in every panel), PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, panels = pyplot.subplots(2, 2, figsize=(10, 6.5), dpi=90)
    for name, axes in zip(names, panels.flat):
        for index, run in enumerate(runs):
            points = [(r["step"], r[name]) for r in run.records if name in r and math.isfinite(r[name])]
            if points:
                steps, values = zip(*points)
                axes.plot(steps, values, color=f"C{index % 10}", linewidth=1.2, label=run.name)
        axes.set_title(name)
        axes.set_xlabel("step")
        axes.grid(alpha=0.3)
    handles, labels = panels.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(len(runs), 4), fontsize=9)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def compare_html(runs: list[RunSummary]) -> str:
    header, rows = final_table(runs)
    escape = html.escape
    table = "<tr>" + "".join(f"<th>{escape(cell)}</th>" for cell in header) + "</tr>\n" + "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>\n" for row in rows)
    grids = "".join(_grid_figure(run) for run in runs)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ganforge compare: {escape(", ".join(run.name for run in runs))}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.grids {{ display: flex; flex-wrap: wrap; gap: 1.5em; }} figure {{ margin: 0; }} img.grid {{ max-width: 360px; image-rendering: pixelated; }}
</style></head><body>
<h1>ganforge compare</h1>
<h2>Final values</h2>
<p>Each run's last stats.jsonl record (window means over train.log_every steps), then its latest
evaluation (eval.jsonl: the step it evaluated, the feature extractor, each metric).</p>
<table>
{table}</table>
<h2>Curves</h2>
<img alt="loss/d, loss/g, d/real, d/fake per run" src="{data_uri(curves_png(runs))}">
<h2>Last sample grids</h2>
<div class="grids">{grids}</div>
</body></html>
"""


def _grid_figure(run: RunSummary) -> str:
    name = html.escape(run.name)
    if run.last_grid is None:
        return f"<figure><figcaption>{name}: no sample grid yet</figcaption></figure>"
    step = int(GRID_NAME.fullmatch(run.last_grid.name).group(1))
    return (f'<figure><img class="grid" alt="{name}" src="{data_uri(run.last_grid.read_bytes())}">'
            f"<figcaption>{name}, step {step}</figcaption></figure>")


def write_compare(paths: list[Path | str], out: Path) -> Path:
    out = Path(out)
    page = compare_html(load_runs(paths))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out, page)
    except OSError as error:
        raise GanforgeError(f"{out}: cannot write the comparison ({error.strerror or error})") from None
    return out
