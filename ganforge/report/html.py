"""The run report: one self-contained `report.html` (PNG grids as data URIs, plots as inline SVG, no network).

    from ganforge.report.html import write_report
    write_report("runs/00000-quickstart")      # -> runs/00000-quickstart/report.html

The loop calls `refresh_report` after every checkpoint and at the end, so the page follows a run
while it trains; `ganforge report RUN_DIR` rebuilds it at any time.
"""
from __future__ import annotations

import base64
import json
import math
import sys
from html import escape
from pathlib import Path

from ..safe_files import write_text_atomic
from .run_data import RunData, Series, read_run
from .svg_plots import NONFINITE_COLOR, PALETTE, SEVERITY_COLORS, Event, Line, line_plot, tick_label, timeline

REPORT_NAME = "report.html"
MAX_GRIDS = 48  # more grids than this are thinned to evenly spaced ones (first and last kept): the page stays small
G_COLOR, D_COLOR = PALETTE[1], PALETTE[0]

# (title, series names, what to look for); series a run did not report are left out.
CORE_PLOTS = (
    ("Losses", ("loss/d", "loss/g"),
     "A D loss falling to ~0 while G's climbs means D has won and G gets no useful gradient."),
    ("D(x) and D(G(z))", ("d/real", "d/fake"),
     "Mean D output as a probability on real and generated batches; both drifting to 0.5 is healthy."),
    ("D accuracy", ("d/accuracy",), "Near 1 for long stretches: D separates perfectly (vanishing gradients for G)."),
    ("Sign statistic r_t", ("d/sign_real",),
     "r_t = E[sign D(x)]; near 1 means D is confident on every real sample (overfitting, as in StyleGAN2-ADA)."),
    ("Gradient norm of G", ("grad/g",), "Before clipping; collapsing to ~0 or exploding both signal trouble."),
    ("Gradient norm of D", ("grad/d",), "Before clipping; spikes often precede divergence."),
)


def write_report(run_path: Path | str, out: Path | str | None = None) -> Path:
    """Build the report of the run at `run_path` and write it atomically to `out` (default RUN/report.html)."""
    run_path = Path(run_path)
    out = Path(out) if out is not None else run_path / REPORT_NAME
    page = render_report(read_run(run_path))
    write_text_atomic(out, page)  # a browser reloading mid-write sees the old page or the new one, never half
    return out


def refresh_report(run_path: Path | str) -> None:
    """`write_report` for the training loop: a failure prints one warning line and training goes on."""
    try:
        write_report(run_path)
    except Exception as error:  # noqa: BLE001 - the report must never end a training run
        print(f"warning: {Path(run_path) / REPORT_NAME} not refreshed ({type(error).__name__}: {error})",
              file=sys.stderr)


def render_report(run: RunData) -> str:
    x_domain = (run.first_step, max(run.last_step, run.first_step + 1))
    events = finding_events(run.findings)
    body = [header(run), nonfinite_alert(run), unreadable_note(run), samples_section(run),
            doctor_section(run, x_domain, events), plots_sections(run, x_domain, events), config_section(run)]
    title = escape(f"ganforge report: {run.path.name}")
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>\n'
            f'<body>\n{"".join(part for part in body if part)}\n<script>{SCRIPT}</script></body></html>\n')


def header(run: RunData) -> str:
    config = run.config
    plugins = [str(p.get("name", "?")) for p in config.get("plugins") or [] if isinstance(p, dict)]
    facts = [f"{label} <b>{escape(str(_config_value(config, section, 'name')))}</b>" for label, section in
             (("data", "data"), ("G", "generator"), ("D", "discriminator"), ("loss", "loss"))]
    facts += [f"plugins <b>{escape(', '.join(plugins) or 'none')}</b>",
              f"step <b>{run.last_step}</b> of {escape(str(_config_value(config, 'train', 'steps')))}"]
    return (f'<header><h1>{escape(run.path.name)}</h1><p class="facts">{" · ".join(facts)}</p>'
            f'<nav><a href="#samples">samples</a> <a href="#doctor">doctor</a> <a href="#signals">signals</a> '
            f'<a href="#config">config</a></nav></header>\n')


def nonfinite_alert(run: RunData) -> str:
    flagged = {name: s.nonfinite_steps for name, s in sorted(run.series.items()) if s.nonfinite_steps}
    if not flagged:
        return ""
    items = "".join(f"<li><code>{escape(name)}</code> at step{'s' if len(steps) > 1 else ''} "
                    f"{escape(_step_list(steps))}</li>" for name, steps in flagged.items())
    return (f'<div class="alert" id="nonfinite"><b>NaN/Inf values</b> (gaps in the plots, red triangles on the top '
            f'edge):<ul>{items}</ul></div>\n')


def unreadable_note(run: RunData) -> str:
    if not run.unreadable:
        return ""
    text = ", ".join(f"{count} line{'s' if count > 1 else ''} of {name}" for name, count in run.unreadable.items())
    return f'<p class="note">Could not read {escape(text)} (a torn last line while training is normal).</p>\n'


def samples_section(run: RunData) -> str:
    grids = thin_grids(run.grids)
    if not grids:
        return '<section id="samples"><h2>Samples</h2><p class="note">No sample grids in samples/ yet.</p></section>\n'
    last = len(grids) - 1
    figures = "".join(
        f'<figure class="grid" data-step="{step}"{"" if index == last else " hidden"}>'
        f'<img alt="samples at step {step}" src="{png_data_uri(path)}"><figcaption>step {step}</figcaption></figure>'
        for index, (step, path) in enumerate(grids))
    shown = f"{len(grids)} of {len(run.grids)}" if len(grids) < len(run.grids) else f"{len(grids)}"
    return (f'<section id="samples"><h2>Samples over time <small>(the same fixed z; {shown} grids)</small></h2>'
            f'<div class="slider"><input type="range" id="grid-slider" min="0" max="{last}" value="{last}" '
            f'aria-label="sample grid"{" disabled" if last == 0 else ""}> step <output id="grid-step">'
            f'{grids[-1][0]}</output></div>{figures}</section>\n')


def thin_grids(grids: list, limit: int = MAX_GRIDS) -> list:
    if len(grids) <= limit:
        return grids
    indices = sorted({round(i * (len(grids) - 1) / (limit - 1)) for i in range(limit)})
    return [grids[i] for i in indices]


def png_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def finding_events(findings: list[dict]) -> list[Event]:
    return [Event(f["step"], severity_color(f["severity"]), f"step {f['step']}: {f['rule']} ({f['severity']}): "
                  f"{f['message']}") for f in findings if f["step"] is not None]


def severity_color(severity: str) -> str:
    return SEVERITY_COLORS.get(severity, "#7f7f7f")


def doctor_section(run: RunData, x_domain, events: list[Event]) -> str:
    if not (run.path / "doctor.jsonl").is_file():
        return ('<section id="doctor"><h2>Doctor</h2><p class="note">No doctor.jsonl in this run: '
                'no findings were recorded.</p></section>\n')
    if not run.findings:
        return '<section id="doctor"><h2>Doctor</h2><p class="ok">No findings: nothing looked wrong.</p></section>\n'
    rows = "".join(
        f'<tr class="sev-{escape(f["severity"])}"><td>{"" if f["step"] is None else f["step"]}</td>'
        f'<td><span class="badge" style="background:{severity_color(f["severity"])}">{escape(f["severity"])}</span></td>'
        f'<td><code>{escape(f["rule"])}</code></td><td>{escape(f["message"])}'
        f'<div class="evidence">{format_evidence(f["evidence"])}</div></td>'
        f'<td><ol>{"".join(f"<li>{escape(a)}</li>" for a in f["advice"])}</ol></td></tr>'
        for f in run.findings)
    return (f'<section id="doctor"><h2>Doctor <small>({len(run.findings)} finding'
            f'{"s" if len(run.findings) > 1 else ""})</small></h2>{timeline(events, x_domain)}'
            f'<table class="findings"><thead><tr><th>step</th><th>severity</th><th>rule</th><th>finding</th>'
            f'<th>advice (best first)</th></tr></thead><tbody>{rows}</tbody></table></section>\n')


def format_evidence(evidence) -> str:
    if isinstance(evidence, dict):
        return " · ".join(f"{escape(str(key))} = {escape(_short(value))}" for key, value in evidence.items())
    return escape(_short(evidence)) if evidence not in (None, "", [], {}) else ""


def plots_sections(run: RunData, x_domain, events: list[Event]) -> str:
    """Core training signals first, then plugin loss terms, then metrics (eval/*), then any other series."""
    used = set()
    core = []
    for title, names, caption in CORE_PLOTS:
        present = [run.series[n] for n in names if n in run.series]
        used.update(s.name for s in present)
        if present:
            core.append(plot_card(title, present, caption, x_domain, events))
    rest = [name for name in sorted(run.series) if name not in used and name != "step"]
    plugin_terms = [n for n in rest if n.startswith(("loss/d_", "loss/g_"))]
    metrics = [n for n in rest if n.startswith("eval/")]
    others = [n for n in rest if n not in plugin_terms and n not in metrics]
    sections = [("signals", "Training signals", core)]
    for anchor, title, names in (("plugin-terms", "Plugin loss terms", plugin_terms), ("metrics", "Metrics", metrics),
                                 ("other-stats", "Other stats", others)):
        sections.append((anchor, title, [plot_card(n, [run.series[n]], "", x_domain, events) for n in names]))
    if not run.series:
        return '<section id="signals"><h2>Training signals</h2><p class="note">No stats.jsonl records yet.</p></section>\n'
    return "".join(f'<section id="{anchor}"><h2>{title}</h2><div class="cards">{"".join(cards)}</div></section>\n'
                   for anchor, title, cards in sections if cards)


def plot_card(title: str, series: list[Series], caption: str, x_domain, events: list[Event]) -> str:
    lines = [Line(s.name, s.points, series_color(s.name, index)) for index, s in enumerate(series)]
    flagged = [s for s in series if s.nonfinite_steps]
    warning = "".join(f'<p class="flag">{escape(s.name)}: NaN/Inf at step{"s" if len(s.nonfinite_steps) > 1 else ""} '
                      f'{escape(_step_list(s.nonfinite_steps))}</p>' for s in flagged)
    last_values = " · ".join(f"{escape(s.name)} = {escape(_short(s.points[-1][1]))}" for s in series if s.points)
    return (f'<figure class="card{" has-nonfinite" if flagged else ""}"><h3>{escape(title)}</h3>'
            f'{line_plot(lines, x_domain=x_domain, events=events, label=title)}'
            f'<figcaption>{escape(caption)}<span class="last">last: {last_values}</span>{warning}</figcaption></figure>')


def series_color(name: str, index: int) -> str:
    """G's signals orange and D's blue in every plot; anything else takes the palette from green on."""
    if name in ("loss/g", "d/fake", "d/fake_logit", "grad/g") or name.startswith("loss/g_"):
        return G_COLOR
    if name in ("loss/d", "d/real", "d/real_logit", "grad/d") or name.startswith("loss/d_"):
        return D_COLOR
    return PALETTE[2 + index % (len(PALETTE) - 2)]


def config_section(run: RunData) -> str:
    text = run.config_text or "(no config.yaml)"
    return f'<section id="config"><h2>Resolved config</h2><pre>{escape(text)}</pre></section>\n'


def _config_value(config: dict, section: str, key: str):
    value = config.get(section)
    return value.get(key, "?") if isinstance(value, dict) else "?"


def _step_list(steps: list[int], limit: int = 12) -> str:
    shown = ", ".join(str(s) for s in steps[:limit])
    return shown + (f" and {len(steps) - limit} more" if len(steps) > limit else "")


def _short(value) -> str:
    if isinstance(value, float):
        return tick_label(value) if math.isfinite(value) and value.is_integer() else f"{value:.4g}"
    return value if isinstance(value, str) else json.dumps(value)


STYLE = f"""
body{{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;margin:0 auto;max-width:1260px;padding:16px 24px}}
h1{{margin:0 0 4px;font-size:24px}} h2{{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}}
h2 small,h3 small{{font-weight:normal;color:#666;font-size:13px}} h3{{margin:0 0 4px;font-size:15px}}
.facts{{margin:0;color:#444}} nav a{{margin-right:12px}} code{{background:#f2f2f2;padding:0 3px;border-radius:3px}}
.alert{{background:#fdecea;border:1px solid {NONFINITE_COLOR};padding:8px 12px;margin:12px 0;border-radius:4px}}
.alert ul{{margin:4px 0}} .note{{color:#666}} .ok{{color:#2e7d32}}
.slider{{margin:8px 0}} .slider input{{width:420px;vertical-align:middle}}
figure.grid{{margin:0}} figure.grid img{{max-width:512px;width:100%;image-rendering:pixelated;border:1px solid #ddd}}
.cards{{display:flex;flex-wrap:wrap;gap:16px}} figure.card{{margin:0;width:600px}}
figure.card svg{{max-width:100%;height:auto}} figcaption{{font-size:12.5px;color:#555}}
.last{{display:block;color:#333}} .flag{{color:{NONFINITE_COLOR};margin:2px 0;font-weight:600}}
table.findings{{border-collapse:collapse;width:100%;margin-top:8px}}
.findings td,.findings th{{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}}
.findings ol{{margin:0;padding-left:20px}} .evidence{{color:#666;font-size:12px}}
.badge{{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px}}
pre{{background:#f7f7f7;border:1px solid #e2e2e2;padding:10px;overflow:auto;font-size:12.5px}}
"""

# The slider shows one grid at a time; `#step=N` in the address opens the grid of step N.
SCRIPT = """
(function () {
  var figures = Array.prototype.slice.call(document.querySelectorAll("#samples figure.grid"));
  var slider = document.getElementById("grid-slider");
  var label = document.getElementById("grid-step");
  function show(index) {
    figures.forEach(function (figure, k) { figure.hidden = k !== index; });
    slider.value = String(index);
    label.textContent = figures[index].getAttribute("data-step");
  }
  if (slider && figures.length) {
    slider.addEventListener("input", function () { show(Number(slider.value)); });
    var wanted = /step=(\\d+)/.exec(window.location.hash);
    figures.forEach(function (figure, k) { if (wanted && figure.getAttribute("data-step") === wanted[1]) show(k); });
  }
  document.body.setAttribute("data-report-script", "ok");
})();
"""
