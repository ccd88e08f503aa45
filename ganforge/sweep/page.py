"""sweep.html: one self-contained page (inline SVG and images, no script) of a sweep's study.

The best value so far over the trials (each trial's own value as dots), the importance of each
parameter (Optuna's fANOVA estimate, once two trials have completed), the best trial's last sample
grid, and the results table.
"""
from __future__ import annotations

import math
from html import escape
from pathlib import Path

import optuna

from ..report.html import STYLE, png_data_uri
from ..report.svg_plots import PALETTE, Frame, Line, line_plot
from ..safe_files import write_text_atomic
from .objective import Objective
from .results import best_trial, format_value, rows

EXTRA_STYLE = """
table.trials{border-collapse:collapse;margin-top:8px} .trials td,.trials th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.bar{display:inline-block;height:12px;background:#1f77b4;vertical-align:middle} .importance td{padding:2px 8px}
tr.pruned{color:#8a6d00} tr.fail{color:#b71c1c}
"""


def write_page(study: optuna.Study, objective: Objective, sweep_dir: Path, name: str) -> Path:
    path = sweep_dir / "sweep.html"
    write_text_atomic(path, render_page(study, objective, name))
    return path


def render_page(study: optuna.Study, objective: Objective, name: str) -> str:
    body = [f"<header><h1>sweep {escape(name)}</h1><p class='facts'>{escape(objective.direction)} "
            f"<b>{escape(objective.metric)}</b> · {len(study.trials)} trials</p></header>",
            best_so_far_section(study, objective), importance_section(study), best_samples_section(study),
            trials_section(study, objective)]
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>ganforge sweep: {escape(name)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}{EXTRA_STYLE}</style>'
            f'</head>\n<body>\n{"".join(body)}\n</body></html>\n')


def best_so_far(study: optuna.Study, objective: Objective) -> list[tuple[float, float]]:
    """(trial number, best value among the completed trials up to it), from the first completed trial on."""
    points, best = [], None
    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.COMPLETE and math.isfinite(trial.value):
            best = trial.value if best is None or objective.better(trial.value, best) else best
        if best is not None:
            points.append((float(trial.number), best))
    return points


def best_so_far_section(study: optuna.Study, objective: Objective) -> str:
    curve = best_so_far(study, objective)
    if not curve:
        return '<section id="best-so-far"><h2>Best so far</h2><p class="note">No trial has completed yet.</p></section>\n'
    values = [(float(t.number), t.value) for t in study.trials
              if t.state == optuna.trial.TrialState.COMPLETE and math.isfinite(t.value)]
    lines = [Line("best so far", curve, PALETTE[0]), Line("trial", values, PALETTE[1])]
    plot = line_plot(lines, x_domain=(0, max(1, len(study.trials) - 1)), frame=Frame(width=640),
                     label=f"best {objective.metric} so far")
    return (f'<section id="best-so-far"><h2>Best {escape(objective.metric)} so far <small>(x: trial number)</small>'
            f'</h2>{plot}</section>\n')


def importances(study: optuna.Study) -> dict[str, float]:
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(complete) < 2:
        return {}
    try:
        return optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError, ZeroDivisionError):  # e.g. every completed trial drew the same values
        return {}


def importance_section(study: optuna.Study) -> str:
    found = importances(study)
    if not found:
        return ('<section id="importance"><h2>Parameter importance</h2><p class="note">Needs two completed trials '
                'with different values.</p></section>\n')
    table = "".join(f'<tr><td><code>{escape(name)}</code></td><td><span class="bar" style="width:{300 * share:.0f}px">'
                    f'</span> {share:.2f}</td></tr>' for name, share in found.items())
    return (f'<section id="importance"><h2>Parameter importance <small>(fANOVA, Optuna)</small></h2>'
            f'<table class="importance">{table}</table></section>\n')


def best_samples_section(study: optuna.Study) -> str:
    best = best_trial(study)
    grids = sorted((Path(best.user_attrs["run_dir"]) / "samples").glob("step-*.png")) if best else []
    if not grids:
        return '<section id="best-samples"><h2>Best trial\'s samples</h2><p class="note">None yet.</p></section>\n'
    return (f'<section id="best-samples"><h2>Best trial\'s samples <small>(trial {best.number}, '
            f'{escape(grids[-1].stem)})</small></h2><figure class="grid"><img alt="best trial samples" '
            f'src="{png_data_uri(grids[-1])}"></figure></section>\n')


def trials_section(study: optuna.Study, objective: Objective) -> str:
    found = rows(study)
    params = sorted({name for row in found for name in row.params})
    head = "".join(f"<th>{escape(cell)}</th>" for cell in ["trial", *params, objective.metric, "state", "CPU s", "pruned by"])
    body = "".join(
        f'<tr class="{escape(row.state)}"><td>{row.number}</td>'
        + "".join(f"<td>{escape(format_value(row.params.get(name)))}</td>" for name in params)
        + f"<td>{escape(format_value(row.value))}</td><td>{escape(row.state)}</td><td>{row.cpu_seconds:.1f}</td>"
        f"<td>{escape(row.pruned_by)}</td></tr>" for row in found)
    return f'<section id="trials"><h2>Trials</h2><table class="trials"><tr>{head}</tr>{body}</table></section>\n'
