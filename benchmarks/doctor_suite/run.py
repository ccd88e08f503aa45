"""The doctor's labelled suite: train every run here, diagnose it, score the doctor, try auto-remedy.

    python benchmarks/doctor_suite/run.py [--out /tmp/suite] [--only a,b] [--no-remedy] [--rediagnose]

Each `*.yaml` beside this file is a full ganforge config whose first line says what it is built to
be: `# label: healthy` or one of the doctor's failure rules (d_overpowering, d_weak,
mode_collapse, divergence, oscillation, d_overfitting, off_data). Runs train one at a time, in this
process, on one torch thread, into `<out>/<name>/`; a finished run (its `suite.json` names the
same config) is not trained again. Scores (issue #5's targets in brackets):

- recall per kind: a failing run counts as detected if the doctor made any warn/error finding [≥ 95%];
- false alarms: healthy runs with any warn/error finding [0];
- right kind: detected failing runs whose first warn/error finding names their label [≥ 90%];
- detection step: the first warn/error finding's step as a fraction of the run (after a NaN-guard
  rollback, the step that failed: `guard/failed_step`), median [≤ 15%];
- auto-remedy: each failing run trained again with `doctor.auto=true` into `<out>/<name>-remedy/`;
  rescued if its final `fid` (ganforge.metrics.evaluate.evaluate_run) is below the unremedied run's and
  within 1.5× the healthy run's on the same dataset (the name's prefix: ring, grid, digits, fashion) [≥ 2/3].

`--rediagnose` trains nothing: it replays the doctor (`diagnose_run`) over the runs already in
`<out>`, for quick iteration on the rules.

`--seed N` trains every run with `train.seed=N` (default 0, the seed the rules were calibrated
on); a held-out seed goes to its own `--out`, e.g. `/tmp/suite-seed1`, and writes no table.
`--report-seeds 0,1` scores the calibration seed from `<out>` and each other seed N, replayed
offline, from `<out>-seed<N>`, side by side in the written table. The table goes to docs/benchmarks.md ("doctor-suite")
and to the same section of docs/doctor.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SUITE = Path(__file__).resolve().parent
REPOSITORY = SUITE.parent.parent
sys.path[:0] = [str(SUITE), str(SUITE.parent), str(REPOSITORY)]
import spike  # noqa: E402
import subsets  # noqa: E402
from report import machine, write_section  # noqa: E402

from ganforge.config import Config, DoctorConfig, apply_overrides, read_yaml, validate  # noqa: E402
from ganforge.errors import GanforgeError  # noqa: E402

KINDS = ("d_overpowering", "d_weak", "mode_collapse", "divergence", "oscillation", "d_overfitting", "off_data")
LABELS = ("healthy", *KINDS)
ALARM = ("warn", "error")
RESCUE_FACTOR = 1.5
FID_SAMPLES = 2000  # generated samples per final fid (real statistics: the eval section's real_n)
DOCTOR_MD = REPOSITORY / "docs" / "doctor.md"
SECTION = "doctor-suite"


@dataclass
class SuiteRun:
    """One labelled config, and what happened when it ran."""

    name: str
    label: str
    path: Path
    dataset: str = ""
    steps: int = 0
    outcome: dict = field(default_factory=dict)  # suite.json: steps done, CPU seconds, error
    findings: list = field(default_factory=list)  # warn/error findings, in order
    fid: float | None = None
    remedy: dict = field(default_factory=dict)  # outcome, fid, actions of the doctor.auto run
    present: bool = False  # its run directory exists (trained now or before)

    @property
    def first_alarm(self):
        return self.findings[0] if self.findings else None


def read_label(path: Path) -> str:
    """The `# label: KIND` comment of a suite config."""
    match = re.search(r"^#\s*label:\s*(\w+)", path.read_text(), re.M)
    if not match or match.group(1) not in LABELS:
        raise GanforgeError(f"{path}: expected a first comment '# label: <{'|'.join(LABELS)}>'")
    return match.group(1)


def suite_runs(only: list[str] | None, directory: Path = SUITE) -> list[SuiteRun]:
    paths = sorted(directory.glob("*.yaml"))
    if only:
        missing = sorted(set(only) - {p.stem for p in paths})
        if missing:
            raise GanforgeError(f"--only: no suite config named {', '.join(missing)}")
        paths = [p for p in paths if p.stem in only]
    runs = [SuiteRun(p.stem, read_label(p), p) for p in paths]
    for run in runs:
        run.dataset = run.name.split("_")[0]
    return runs


def suite_config(path: Path, overrides: list[str] = ()) -> Config:
    """The config as written, minus the `doctor` section while ganforge's DoctorConfig has no fields yet."""
    raw, stem = read_yaml(path)
    raw.setdefault("name", stem)
    if "sample_every" not in DoctorConfig.model_fields:
        raw.pop("doctor", None)
        overrides = [o for o in overrides if not o.startswith("doctor.")]
    return validate(apply_overrides(raw, list(overrides)))


def config_digest(config: Config) -> str:
    return hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def train_cached(config: Config, directory: Path) -> dict:
    """Train `config` into `directory` unless a finished run of the same config is there; returns suite.json."""
    from ganforge.doctor.remedy import train_with_remedies  # plain training unless doctor.auto is on
    from ganforge.train.run_dir import RunDir

    marker = directory / "suite.json"
    digest = config_digest(config)
    if marker.is_file():
        outcome = json.loads(marker.read_text())
        if outcome.get("config") == digest and (outcome["steps_done"] >= config.train.steps or outcome["error"]):
            return outcome
    shutil.rmtree(directory, ignore_errors=True)
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    error, steps_done = None, 0
    try:
        steps_done = train_with_remedies(config, RunDir.create(path=directory), quiet=True).step
    except GanforgeError as failure:  # e.g. DivergenceError: the NaN guard gave up; the run's files stay
        error = str(failure)
        steps_done = last_logged_step(directory)
    stop_if_interrupted()
    outcome = {"config": digest, "steps_done": steps_done, "error": error,
               "cpu_s": round(time.process_time() - started_cpu, 1), "wall_s": round(time.perf_counter() - started_wall, 1)}
    marker.write_text(json.dumps(outcome) + "\n")
    return outcome


def stop_if_interrupted() -> None:
    """SIGINT or SIGTERM during a run stopped it at a step boundary (its checkpoint saved): the suite stops too,
    with the signal's exit code, rather than going on to the next run. Needs `interrupt.install()` in main."""
    from ganforge.train import interrupt

    number = interrupt.received()
    if number is not None:
        raise SystemExit(interrupt.exit_code_for(number))


def last_logged_step(directory: Path) -> int:
    from ganforge.train.stats import read_stats

    stats = directory / "stats.jsonl"
    records = read_stats(stats) if stats.is_file() else []
    return int(records[-1]["step"]) if records else 0


def alarms(directory: Path) -> list:
    """The doctor's warn/error findings for a run, replayed offline from its files."""
    from ganforge.doctor.doctor import diagnose_run

    return [f for f in diagnose_run(directory) if f.severity in ALARM]


def final_fid(directory: Path) -> float | None:
    from ganforge.metrics.evaluate import evaluate_run

    try:
        return float(evaluate_run(directory, metrics=["fid"], n=FID_SAMPLES, record=False)["metrics"]["fid"])
    except (GanforgeError, KeyError, FileNotFoundError, ValueError) as failure:
        print(f"  {directory.name}: no fid ({failure})", flush=True)
        return None


def remedy_actions(directory: Path) -> list[str]:
    """The changes auto-remedy applied, from its doctor.jsonl records ("gave up" when it stopped trying)."""
    path = directory / "doctor.jsonl"
    if not path.is_file():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    texts = [action_text(line) for line in lines if isinstance(line.get("action"), dict)]
    return [text for text in texts if text]


def action_text(line: dict) -> str | None:
    """`optim.d.lr=5.0e-05 (+220 steps)`, "gave up", "step budget reached" or "restored step 400"; None for the lines
    that change nothing (the unremedied best kept aside, a final comparison that kept the remedied run)."""
    action = line["action"]
    if action.get("budget_reached"):
        return "step budget reached"
    if action.get("gave_up"):
        return "gave up"
    if "restored" in action:
        return f"restored step {action['restored']['kept_step']}"
    if "kept" in action or "compared" in action:
        return None
    given_back = line.get("evidence", {}).get("steps_given_back")
    return advice_text(line["action"].get("advice", {})) + (f" (+{given_back} steps)" if given_back else "")


def advice_text(advice: dict) -> str:
    if "override" in advice:
        return advice["override"]
    plugin = advice.get("plugin")
    return f"plugin {plugin.get('name')}" if isinstance(plugin, dict) else json.dumps(advice)


EVIDENCE_SIGNALS = ("loss/d", "loss/g", "d/real", "d/fake", "d/accuracy", "d/sign_real", "grad/g", "grad/d",
                    "samples/diversity", "samples/modes", "samples/saturation", "d/heldout_real")


def evidence_line(directory: Path) -> str:
    """Medians of the key signals over the run's last quarter, and any non-finite values: what the label rests on."""
    from ganforge.doctor.doctor import read_stats_lenient

    records = read_stats_lenient(directory / "stats.jsonl")
    tail = records[len(records) * 3 // 4:]
    parts = []
    for name in EVIDENCE_SIGNALS:
        values = [r[name] for r in tail if isinstance(r.get(name), (int, float)) and r[name] == r[name]]
        if values:
            parts.append(f"{name} {statistics.median(values):.3g}")
    non_finite = sum(1 for r in records for v in r.values() if isinstance(v, float) and not abs(v) < float("inf"))
    return ", ".join(parts) + (f", {non_finite} non-finite values" if non_finite else "")


def detection_fraction(run: SuiteRun) -> float | None:
    """The first alarm's step over the run's length; after a NaN-guard rollback, the step that failed (the
    history, and so the finding's own step, restarts from the step the guard went back to)."""
    if run.first_alarm is None:
        return None
    return max(run.first_alarm.step, run.first_alarm.evidence.get("guard/failed_step", 0)) / run.steps


def rescued(run: SuiteRun, healthy_fid: dict[str, float]) -> bool | None:
    """The run's rescue verdict (`rescue_verdict`); None when auto-remedy was not run or the dataset has no healthy fid."""
    if not run.remedy:
        return None
    return rescue_verdict(run.remedy.get("fid"), run.fid, healthy_fid.get(run.dataset))


def rescue_verdict(remedied: float | None, unremedied: float | None, healthy: float | None) -> bool | None:
    """Rescued: the remedied run's final fid is below the unremedied run's (any fid beats none, as when the
    unremedied run stopped on NaN) and within RESCUE_FACTOR× the healthy run's. None without a healthy fid."""
    if healthy is None:
        return None
    if remedied is None:
        return False
    better = unremedied is None or remedied < unremedied
    return better and remedied <= RESCUE_FACTOR * healthy


# --- the table ---------------------------------------------------------------------------

def percent(numerator: int, denominator: int) -> str:
    return "–" if denominator == 0 else f"{numerator}/{denominator} ({100 * numerator / denominator:.0f}%)"


def summary_rows(runs: list[SuiteRun], healthy_fid: dict[str, float]) -> list[str]:
    rows = []
    for kind in KINDS:
        group = [r for r in runs if r.label == kind]
        if not group:
            continue
        detected = [r for r in group if r.first_alarm]
        right = [r for r in detected if r.first_alarm.rule == kind]
        fractions = [detection_fraction(r) for r in detected]
        tried = [r for r in group if rescued(r, healthy_fid) is not None]
        saved = [r for r in tried if rescued(r, healthy_fid)]
        median = f"{100 * statistics.median(fractions):.0f}%" if fractions else "–"
        rows.append(f"| {kind} | {len(group)} | {percent(len(detected), len(group))} | {percent(len(right), len(detected))} "
                    f"| {median} | {percent(len(saved), len(tried))} |")
    return rows


def totals_lines(runs: list[SuiteRun], healthy_fid: dict[str, float]) -> list[str]:
    failing = [r for r in runs if r.label != "healthy"]
    healthy = [r for r in runs if r.label == "healthy"]
    detected = [r for r in failing if r.first_alarm]
    right = [r for r in detected if r.first_alarm.rule == r.label]
    fractions = [detection_fraction(r) for r in detected]
    tried = [r for r in failing if rescued(r, healthy_fid) is not None]
    saved = [r for r in tried if rescued(r, healthy_fid)]
    false_alarms = [r for r in healthy if r.first_alarm]
    median = f"{100 * statistics.median(fractions):.0f}%" if fractions else "–"
    return [
        f"- **recall** (failing runs with a warn/error finding): {percent(len(detected), len(failing))} — target ≥ 95%",
        f"- **false alarms** (healthy runs with a warn/error finding): {len(false_alarms)} of {len(healthy)}"
        + (f" ({', '.join(r.name for r in false_alarms)})" if false_alarms else "") + " — target 0",
        f"- **right kind** (first warn/error finding names the label): {percent(len(right), len(detected))} — target ≥ 90%",
        f"- **median detection step**: {median} of the run — target ≤ 15%",
        f"- **auto-remedy rescues** (final fid below the unremedied run's and ≤ {RESCUE_FACTOR}× the healthy run's): "
        f"{percent(len(saved), len(tried))}"
        " — target ≥ 2/3",
    ]


def remedy_comparison(runs: list[SuiteRun], healthy_fid: dict[str, float]) -> list[str]:
    """Not a target: how the remedied runs compare with their own unremedied run and with looser bounds."""
    tried = [r for r in runs if r.label != "healthy" and rescued(r, healthy_fid) is not None]
    if not tried:
        return []
    better = [r for r in tried if r.remedy.get("fid") is not None and (r.fid is None or r.remedy["fid"] < r.fid)]
    within = {factor: sum(1 for r in tried if r.remedy.get("fid") is not None
                          and r.remedy["fid"] <= factor * healthy_fid[r.dataset]) for factor in (2.0, 3.0)}
    return ["", f"Auto-remedy, for information (not the target): the remedied run's final fid is below the unremedied "
            f"run's in {len(better)}/{len(tried)}; within 2× the healthy run's in {within[2.0]}/{len(tried)}, "
            f"within 3× in {within[3.0]}/{len(tried)}."]


def scores(runs: list[SuiteRun], healthy_fid: dict[str, float]) -> list[str]:
    """The five target scores of one seed's runs, in TARGETS order."""
    failing = [r for r in runs if r.label != "healthy"]
    detected = [r for r in failing if r.first_alarm]
    right = [r for r in detected if r.first_alarm.rule == r.label]
    fractions = [detection_fraction(r) for r in detected]
    false_alarms = [r.name for r in runs if r.label == "healthy" and r.first_alarm]
    tried = [r for r in failing if rescued(r, healthy_fid) is not None]
    saved = [r for r in tried if rescued(r, healthy_fid)]
    healthy = sum(r.label == "healthy" for r in runs)
    return [
        percent(len(detected), len(failing)),
        f"{len(false_alarms)} of {healthy}" + (f" ({', '.join(false_alarms)})" if false_alarms else ""),
        percent(len(right), len(detected)),
        f"{100 * statistics.median(fractions):.0f}%" if fractions else "–",
        percent(len(saved), len(tried)),
    ]


TARGETS = ("recall (failing runs with a warn/error finding) ≥ 95%", "false alarms (healthy runs with a warn/error finding): 0",
           "right kind (first warn/error finding names the label) ≥ 90%", "median detection step ≤ 15% of the run",
           f"auto-remedy rescues (final fid below the unremedied run's and ≤ {RESCUE_FACTOR}× the healthy run's) ≥ 2/3")


CALIBRATION_SEEDS = (0, 1, 2, 3, 4)  # seeds whose misses some rule change answered: no longer held out (docs/doctor.md)


def seeds_table(runs_by_seed: dict[int, list[SuiteRun]], healthy_fid_by_seed: dict[int, dict]) -> list[str]:
    """The targets with one column per seed: the first is the calibration seed; the others are held out unless a rule
    was since changed because of their misses (CALIBRATION_SEEDS)."""
    seeds = list(runs_by_seed)
    names = [f"{'calibration' if i == 0 or seed in CALIBRATION_SEEDS else 'held-out'} (seed {seed})"
             for i, seed in enumerate(seeds)]
    columns = [scores(runs_by_seed[seed], healthy_fid_by_seed[seed]) for seed in seeds]
    lines = ["| target | " + " | ".join(names) + " |", "|---" * (len(seeds) + 1) + "|"]
    for row, target in enumerate(TARGETS):
        lines.append(f"| {target} | " + " | ".join(column[row] for column in columns) + " |")
    return lines


def first_finding_text(run: SuiteRun | None) -> str:
    if run is None:
        return "not run"
    first = run.first_alarm
    verdict = ("✓" if first.rule == run.label else "✗") if first and run.label != "healthy" else (
        "✓" if (first is None) == (run.label == "healthy") else "✗")
    return f"{'–' if first is None else f'{first.rule} ({first.severity}, step {first.step})'} {verdict}"


def run_row(run: SuiteRun, healthy_fid: dict[str, float]) -> str:
    first = run.first_alarm
    diagnosis = "–" if first is None else f"{first.rule} ({first.severity}, step {first.step})"
    verdict = ("✓" if first.rule == run.label else "✗") if first and run.label != "healthy" else (
        "✓" if (first is None) == (run.label == "healthy") else "✗")
    fid = "–" if run.fid is None else f"{run.fid:.3g}"
    remedy = "–"
    if run.remedy:
        state = {True: "rescued", False: "not rescued", None: "no reference"}[rescued(run, healthy_fid)]
        remedy_fid = run.remedy.get("fid")
        actions = "; ".join(run.remedy.get("actions", [])) or "no action"
        remedy = f"{'–' if remedy_fid is None else f'{remedy_fid:.3g}'} ({actions}): {state}"
    stopped = f", stopped at {run.outcome['steps_done']}" if run.outcome.get("error") else ""
    return (f"| `{run.name}` | {run.label} | {run.steps}{stopped} | {run.outcome.get('cpu_s', '–')} s | "
            f"{diagnosis} {verdict} | {fid} | {remedy} |")


def markdown(runs: list[SuiteRun], healthy_fid: dict[str, float], remedy: bool,
             held_out: dict[int, list[SuiteRun]] | None = None, calibration_seed: int = 0) -> str:
    held_out = held_out or {}
    if held_out:
        fids = {seed: reference_fids(other) for seed, other in held_out.items()}
        totals = ["Scores per seed: every seed runs the same configs with its own `train.seed`; the rules were tuned on "
                  "the calibration seeds, and the held-out seeds were diagnosed only once the rules were frozen.", "",
                  *seeds_table({calibration_seed: runs, **held_out}, {calibration_seed: healthy_fid, **fids})]
    else:
        totals = totals_lines(runs, healthy_fid)
    lines = [
        "## The doctor's labelled suite",
        "",
        f"`python benchmarks/doctor_suite/run.py` on {machine()}: {len(runs)} short runs under `benchmarks/doctor_suite/`, "
        f"{sum(r.label == 'healthy' for r in runs)} healthy (some with a deliberate, recovering loss spike: `loss_spike`, "
        "benchmarks/doctor_suite/spike.py) and the rest built to fail one way, named by each config's `# label:` line. "
        "The doctor's verdict is replayed offline from each run's files (`diagnose_run`).",
        "",
        *totals,
        "",
        f"Per failure kind (seed {calibration_seed}):",
        "",
        "| failure | runs | detected | right kind | median detection step | auto-remedy rescued |",
        "|---|---|---|---|---|---|",
        *summary_rows(runs, healthy_fid),
        "",
        "| run | label | steps | CPU | first warn/error finding | final fid | auto-remedy: fid (actions) |"
        + "".join(f" seed {seed}: first warn/error finding |" for seed in held_out),
        "|---|---|---|---|---|---|---|" + "---|" * len(held_out),
        *[run_row(r, healthy_fid) + "".join(f" {first_finding_text(by_name(other, r.name))} |"
                                            for other in held_out.values()) for r in runs],
    ]
    if not remedy:
        lines += ["", "Auto-remedy was not run for this table (`--no-remedy`)."]
    lines += remedy_comparison(runs, healthy_fid)
    return "\n".join(lines)


def by_name(runs: list[SuiteRun], name: str) -> SuiteRun | None:
    return next((r for r in runs if r.name == name), None)


def reference_fids(runs: list[SuiteRun]) -> dict[str, float]:
    """Each dataset's healthy run's final fid: the auto-remedy's reference."""
    return {r.dataset: r.fid for r in runs if r.label == "healthy" and r.fid is not None and r.name == f"{r.dataset}_healthy"}


def write_doctor_section(text: str, section: str = SECTION) -> None:
    """Replace (or append) the marked suite section of docs/doctor.md, leaving the rest as it is."""
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    block = f"{start}\n{text.strip()}\n{end}"
    current = DOCTOR_MD.read_text() if DOCTOR_MD.exists() else "# The doctor\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    updated = pattern.sub(lambda _: block, current) if pattern.search(current) else current.rstrip() + "\n\n" + block + "\n"
    DOCTOR_MD.write_text(updated)


# --- the driver --------------------------------------------------------------------------

def evaluate(run: SuiteRun, out: Path, train_now: bool, remedy: bool, seed: int = 0) -> None:
    seeded = [f"train.seed={seed}"]
    config = suite_config(run.path, seeded)
    run.steps = config.train.steps
    directory = out / run.name
    if train_now:
        run.outcome = train_cached(config, directory)
        print(f"{run.name}: trained {run.outcome}", flush=True)
    elif (directory / "suite.json").is_file():
        run.outcome = json.loads((directory / "suite.json").read_text())
    if not (directory / "stats.jsonl").is_file():
        print(f"{run.name}: no run in {directory}; left out of the scores", flush=True)
        return
    run.present = True
    run.findings = alarms(directory)
    first = run.first_alarm
    print(f"{run.name} [{run.label}]: " + ("no warn/error finding" if first is None else
          f"first {first.rule} {first.severity} at step {first.step}: {first.message}"), flush=True)
    print(f"  last quarter: {evidence_line(directory)}", flush=True)
    run.fid = final_fid(directory)
    if remedy and run.label != "healthy":
        remedy_dir = out / f"{run.name}-remedy"
        outcome = train_cached(suite_config(run.path, [*seeded, "doctor.auto=true"]), remedy_dir)
        run.remedy = {**outcome, "fid": final_fid(remedy_dir), "actions": remedy_actions(remedy_dir)}
        print(f"  remedy: fid {run.remedy['fid']} after {run.remedy['actions'] or 'no action'}", flush=True)


def report_seeds(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise GanforgeError(f"--report-seeds: expected comma-separated integers such as 0,1, got {text!r}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/suite"), help="where runs go (default /tmp/suite)")
    parser.add_argument("--only", help="comma-separated config names (no .yaml)")
    parser.add_argument("--no-remedy", action="store_true", help="skip the doctor.auto re-runs")
    parser.add_argument("--rediagnose", action="store_true", help="train nothing: re-run the doctor on existing runs")
    parser.add_argument("--seed", type=int, default=0, help="train.seed of every run (default 0: the calibration seed)")
    parser.add_argument("--report-seeds", help="comma-separated seeds to score side by side, the first the calibration "
                        "seed in --out, each other N replayed from <out>-seed<N> (e.g. 0,1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    spike.register()
    subsets.prepare_subsets()
    runs = suite_runs(args.only.split(",") if args.only else None)
    remedy = not (args.no_remedy or args.rediagnose)
    for run in sorted(runs, key=lambda r: r.label != "healthy"):  # healthy first: they are the remedy's reference
        evaluate(run, args.out, train_now=not args.rediagnose, remedy=remedy, seed=args.seed)
    missing = [r.name for r in runs if not r.present]
    runs = [r for r in runs if r.present]
    healthy_fid = reference_fids(runs)
    held_out, seeds = {}, report_seeds(args.report_seeds)
    for seed in seeds[1:]:
        print(f"--- held-out seed {seed}: {args.out}-seed{seed}", flush=True)
        others = suite_runs(args.only.split(",") if args.only else None)
        for run in others:
            evaluate(run, Path(f"{args.out}-seed{seed}"), train_now=False, remedy=False, seed=seed)
        held_out[seed] = [r for r in others if r.present]
    text = markdown(runs, healthy_fid, remedy, held_out, seeds[0] if seeds else args.seed)
    if missing:
        text += f"\n\nNot yet run, so not scored: {', '.join(missing)}."
    print(text)
    if args.only is None and args.seed == 0:  # a partial or held-out run must not overwrite the published table
        write_section(SECTION, text)
        write_doctor_section(text)


if __name__ == "__main__":
    from ganforge.train import interrupt

    interrupt.install()  # a signal stops the suite, not only the run it arrives in (run.stop_if_interrupted)
    try:
        main()
    except GanforgeError as failure:
        sys.exit(f"error: {failure}")
    except interrupt.Interrupted as stopped:
        sys.exit(stopped.exit_code)
