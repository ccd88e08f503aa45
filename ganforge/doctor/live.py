"""The doctor during training: a stats-bus listener that probes samples, judges, prints and records.

`attach_doctor(state, run, bus)` is called once by the training loop. At each flush the listener
(rank 0 only; it runs no collectives) computes the sample statistics when a probe is due and
adds them to the flushed means, so they land in stats.jsonl with the same step; then it feeds
the doctor, appends new findings to doctor.jsonl, prints each one once, and puts the doctor's
status in `state.extras["doctor_status"]`, which the progress line shows. With auto-remedy on, an
error finding is handed to remedy.py through `state.remedy` (train/remedy_requests.py).
"""
from __future__ import annotations

import time

from ..train import distributed
from .doctor import Doctor, DoctorWriter, read_stats_lenient
from .finding import Finding
from .sample_stats import SampleProbe, heldout_source_for


class LiveDoctor:
    def __init__(self, state, run):
        self.state = state
        self.doctor = Doctor(state.config, state.data)
        self.probe = SampleProbe(state, heldout_source_for(state.config))
        self.writer = DoctorWriter(run.path / "doctor.jsonl")
        self.writer.truncate_after(state.step)  # findings a killed run wrote after its last checkpoint
        self.writer.path.touch()  # present and empty: the doctor ran and found nothing (report.html says so)
        self.last_probe_step: int | None = None
        self.replay(run, state.step)

    def replay(self, run, step: int) -> None:
        """On resume: rebuild the doctor's memory from stats.jsonl, without printing what it already said."""
        if not run.stats.is_file():
            return
        for record in read_stats_lenient(run.stats):
            if int(record["step"]) <= step:
                self.doctor.observe(int(record["step"]), record)
                self.last_probe_step = int(record["step"]) if "samples/diversity" in record else self.last_probe_step
        self.state.extras["doctor_status"] = self.doctor.status()

    def __call__(self, step: int, means: dict) -> None:
        started = time.perf_counter()
        if self.probe_due(step):
            means.update(self.probe(self.state))  # the same dict the stats writer is handed next
            self.last_probe_step = step
        for finding in self.doctor.observe(step, means):
            self.writer(finding)
            print(describe(finding), flush=True)
            self.request_remedy(finding)
        self.state.extras["doctor_status"] = self.doctor.status()
        self.doctor.seconds += time.perf_counter() - started

    def request_remedy(self, finding: Finding) -> None:
        """With auto-remedy on (remedy.py), the first error finding asks the loop to stop and remedy it."""
        if finding.severity == "error":
            self.state.remedy.ask(finding, first_symptom(self.doctor.active.values(), finding))

    def probe_due(self, step: int) -> bool:
        every = self.state.config.doctor.sample_every
        return self.last_probe_step is None or step // every > self.last_probe_step // every


def first_symptom(standing, error: Finding) -> Finding:
    """Of the findings still standing, the one reported first: the likeliest cause of the error.

    A D that cannot learn is reported (warn) before its G drifts off the data (a divergence
    error): treating the divergence would lower the learning rates of a run whose D is too small."""
    return min((f for f in standing if f.severity in ("warn", "error")), key=lambda f: f.step, default=error)


def describe(finding: Finding) -> str:
    """One or two lines: severity, rule, message, and the top advice."""
    line = f"doctor: {finding.severity.upper()} {finding.rule} at step {finding.step}: {finding.message}"
    if finding.advice:
        line += f"\n        try: {finding.advice[0]}"
    return line


def attach_doctor(state, run, bus) -> Doctor | None:
    """Start the live doctor when `doctor.enabled` (rank 0 only); returns it, or None."""
    if not state.config.doctor.enabled or not distributed.is_main():
        return None
    live = LiveDoctor(state, run)
    bus.listeners.insert(0, live)  # before the stats writer, so the probe's numbers are written with this step
    return live.doctor
