"""The doctor's held-out suites: configurations of other families than the calibration suite's, scored once.

    python benchmarks/doctor_suite/held_out_suite.py [--suite held_out_2] --label [--out DIR]   # train, check labels
    python benchmarks/doctor_suite/held_out_suite.py [--suite held_out_2] [--out DIR]           # diagnose and score

`--suite` picks the folder of configs (a folder beside this script, or a path; default `held_out`); runs go
to `--out` (default /tmp/suite-<folder>). Every `<suite>/*.yaml` is a full config with a `# label:` line
(run.py's labels) and a `# why:` line. Families differ from the calibration suite's
(benchmarks/doctor_suite/*.yaml) and from each other's: `held_out/` has other losses (lsgan, hinge with
spectral norm, relativistic, rpgan, WGAN-GP), nets (resnet, modern, conditional with attention), data (an
RGB photo-patch folder, stacked digits, 8-D .npy vectors: held_out_data.py) and failure mechanisms (a
gradient penalty or R1 far too strong, label tricks overdone, a learning-rate schedule that reaches zero at
once, an unbounded loss at a huge rate); `held_out_2/` has rings of 12 modes and 4×4 grids, an EMA
generator, the hinge loss without spectral norm, 4-D .npy vectors and stacked digits under DCGAN nets, and
too-narrow Ds, a learning rate typo'd by orders of magnitude, a schedule that decays to a floor, an
overdone noisy-labels trick and an over-penalised WGAN-GP critic; `held_out_3/` has data of its own
(held_out_data.py: 2-D points from 10 Gaussians at random positions, 3-D points from 7 Gaussians of unequal
weights, both in .npy files, and a folder of 16×16 greyscale photo patches), the least-squares loss on the new
points, rpgan with an EMA generator, minibatch standard deviation with an EMA generator under DCGAN nets, and
failures by other mechanisms (instance noise that drowns the data, dropout 0.9 in D, weight decay typo'd huge on
G or on D, the saturating minimax loss with 10 D steps per G step, Adam β1 0.99, G's rate 100× D's, a latent
prior of 2 islands for 7 modes, a DRAGAN penalty far too strong, a huge RMSprop rate on G alone, plain SGD at
lr 1 on D); `held_out_4/` has data of its own again (held_out_data.py: 5-D points from 10 Gaussians and 6-D
points from 8 Gaussians, both in .npy files), the relativistic pairing, least-squares and hinge losses and EMA
generators on them, and failures by other mechanisms (a G far too narrow for its data, momentum SGD at a huge
rate on G alone, weight clipping at 0.001 on a non-Wasserstein loss, plain SGD on D at a rate meant for Adam,
a mode-seeking term of weight 1000, the hinge loss at 10× the usual rate, momentum SGD on both nets that
builds up until the losses explode); `held_out_5/` again has data of its own (held_out_data.py: 7-D points
from 8 Gaussians in an .npy file and 32×32 RGB patches of the photographs shrunk 2×) and failures by other
mechanisms (gradient-norm clipping at 1e-5 on one net, RMSprop at a huge rate on D, RMSprop with momentum 0.9
on both nets, one-sided label smoothing with a real target of 0.01, batch size 4, Adam with β2 0.9 and β1 0.9);
`held_out_6/` again has data of its own (held_out_data.py: 10-D points from 10 Gaussians of unequal weights in an
.npy file, under PacGAN, and 16×16 tinted RGB digits in a folder) and failures by other mechanisms (an EMA
generator with β 0.9999 sampled, every D target swapped, the least-squares G target set to the fake one, PacGAN
packing 16, no packing on the 10-D mixture, an unconstrained Wasserstein critic, a DCGAN generator without batch
norm, 4 generators with a diversity weight of 1000); `held_out_7/` again has data of its own (held_out_data.py: 12-D
points from 12 Gaussians on a helix in an .npy file, under PacGAN, and 16×16 inverted greyscale digits in a folder) and
failures by other mechanisms (Adam's β2 ramped to 0, PyTorch's Adam defaults, batch norm in D, 10 D steps per G step
under the nonsaturating loss, a spectrally normalised Wasserstein critic too flat to separate the data); `held_out_8/`
again has data of its own (held_out_data.py: 9-D points from 10 Gaussians at the vertices of a regular simplex in an
.npy file, and 16×16 greyscale items of four Fashion-MNIST classes in a folder of one subfolder per class), healthy
runs under the relativistic loss, a Wasserstein critic held only by R1, class-conditional nets with the hinge loss and
the least-squares loss with DiffAugment, and failures by other mechanisms (spectral norm on G as well as D, experience replay from a one-sample
buffer or of stale fakes only, a WGAN-GP weight of 0.001, an AC-GAN classifier weight of 100, ADA pinned at p = 1 with
rotations and flips, a class-conditional D against an unconditional G, the saturating minimax loss against a deeper D).
`held_out_9/` again has data of its own (held_out_data.py: 14-D points from 16 Gaussians on a 4×4 grid in a random 2-D plane in an .npy file, and 16×16 RGB
items of the other six Fashion-MNIST classes drawn light on coloured backgrounds in a folder), healthy runs under a
Wasserstein critic held only by R2 and the hinge loss at Adam 1e-3 with β1 0, and failures by other mechanisms (label
flipping at p = 0.5, an L1 penalty on G's weights, G on plain SGD at Adam's rate, Adam β1 0.9 at the usual rate, spectral
norm on D under the least-squares loss, a lazy R1 penalty applied every 100 steps, layer norm in a DCGAN D).
`held_out_10/` again has data of its own (held_out_data.py: 11-D points from 20 Gaussians on two concentric shells of a
3-D subspace, an icosahedron's 12 vertices around a cube's 8, in an .npy file, and 16×16 greyscale digits pasted at random
positions on a black canvas in a folder), healthy runs under a 100-island latent prior with D's rate 4× G's, RMSprop at
Adam's rates, rpgan without penalties and a pixel-shuffle DCGAN generator, and failures by other mechanisms (random Fourier
features at scale 200 on D's input, a generator ten plain layers deep, a Wasserstein critic held only by DRAGAN, the
WGAN-GP penalty on a nonsaturating D, minibatch discrimination in a DCGAN D, a fully connected D against a DCGAN G).

A suite's role (ROLES) says whether the rules were tuned on it: `held_out/` to `held_out_9/` were each scored once
with the rules frozen and have since been used to tune them, so they are calibration material (their tables from
that one scoring stay in the "-as-held-out" sections of the docs); `held_out_10/` is held out.

`--label` trains each run (one torch thread, cached like run.py's) and records the labelling check
(labelling.py: mode counts and high-quality share for mixtures, FD against the untrained G's for
images), never the doctor, in `<suite>/labels.json`. Without `--label` it replays the doctor over the
trained runs and scores the runs whose samples confirm their label against issue #19's targets, into
the suite's section of docs/doctor.md and docs/benchmarks.md. Runs whose check does not confirm the
label are listed, unscored.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent.parent)]
import held_out_data  # noqa: E402
import labelling  # noqa: E402
from report import machine, write_section  # noqa: E402
from run import (SuiteRun, alarms, detection_fraction, percent, suite_config, suite_runs, train_cached,  # noqa: E402
                 write_doctor_section)

from ganforge.errors import GanforgeError  # noqa: E402

DEFAULT_SUITE = "held_out"
ROLES = {"held_out": "calibration", "held_out_2": "calibration",  # calibration: the rules were tuned on its results
         "held_out_3": "calibration", "held_out_4": "calibration", "held_out_5": "calibration",
         "held_out_6": "calibration", "held_out_7": "calibration", "held_out_8": "calibration",
         "held_out_9": "calibration", "held_out_10": "held-out"}
IMAGE_FAMILIES = ("photo", "stacked", "digits", "gray", "wide", "tint", "neg", "wear", "garb", "roam")


@dataclass(frozen=True)
class Suite:
    """A folder of labelled configs and where its results go."""

    folder: Path

    @property
    def labels_json(self) -> Path:
        return self.folder / "labels.json"

    @property
    def section(self) -> str:
        """Where its table goes: a held-out scoring keeps a section of its own ("-as-held-out"), so the table from
        the one scoring with the rules frozen stays beside the calibration table once the suite has tuned them."""
        name = "doctor-" + self.folder.name.replace("_", "-")
        return name + "-as-held-out" if self.role == "held-out" else name

    @property
    def role(self) -> str:
        return ROLES.get(self.folder.name, "held-out")

    @property
    def default_out(self) -> Path:
        return Path("/tmp") / f"suite-{self.folder.name.replace('_', '-')}"


def suite_at(name: str) -> Suite:
    folder = HERE / name if (HERE / name).is_dir() else Path(name).resolve()
    if not folder.is_dir():
        raise GanforgeError(f"--suite: no folder {name!r} beside {HERE} or at that path")
    return Suite(folder)


def family(run: SuiteRun) -> str:
    return run.name.split("_")[0]


def evidence_for(run: SuiteRun, directory: Path, healthy_fid: dict[str, float]) -> dict:
    """The labelling check of one trained run: {verdict, confirmed, evidence}."""
    if family(run) in IMAGE_FAMILIES:
        evidence = labelling.image_evidence(directory)
        verdict = labelling.image_verdict(evidence, None if run.label == "healthy" else healthy_fid.get(family(run)))
    else:
        centres, std = mixture_of(run)
        evidence = labelling.mixture_evidence(directory, centres, std)
        verdict = labelling.mixture_verdict(evidence)
    return {"label": run.label, "verdict": verdict, "confirmed": labelling.confirms(run.label, verdict), "evidence": evidence}


def mixture_of(run: SuiteRun):
    import numpy as np

    data = suite_config(run.path).data.model_dump()
    if data["name"] == "array":  # vectors written by held_out_data.py, their centres beside them
        return np.load(held_out_data.centres_path(data["path"])), held_out_data.mixture_std(data["path"])
    from ganforge.data import DATA

    source = DATA.build(data, field="data")
    return source.centres.numpy(), source.std


def label_all(runs: list[SuiteRun], out: Path, suite: Suite) -> dict:
    recorded = json.loads(suite.labels_json.read_text()) if suite.labels_json.exists() else {}
    healthy_fid = {}
    for run in sorted(runs, key=lambda r: r.label != "healthy"):  # healthy first: the image families' reference
        config = suite_config(run.path)
        with contextlib.redirect_stdout(io.StringIO()):  # the live doctor prints its findings: the labels never see them
            outcome = train_cached(config, out / run.name)
        entry = {**evidence_for(run, out / run.name, healthy_fid), "steps": config.train.steps,
                 "steps_done": outcome["steps_done"], "cpu_s": outcome["cpu_s"], "error": outcome["error"]}
        if run.label == "healthy" and entry["confirmed"] and "fid" in entry["evidence"]:
            healthy_fid[family(run)] = entry["evidence"]["fid"]
        recorded[run.name] = entry
        print(f"{run.name} [{run.label}]: {entry['verdict']} {'✓' if entry['confirmed'] else '✗'} {entry['evidence']}"
              f" ({outcome['cpu_s']} CPU s)", flush=True)
    suite.labels_json.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    return recorded


def evidence_text(entry: dict) -> str:
    e = entry["evidence"]
    if "modes" in e:
        return f"{e['modes']}/{e['of']} modes, {e['high_quality']:.0%} high quality"
    return f"FD {e['fid']:.3g} (untrained {e['untrained_fid']:.3g})"


def score(runs: list[SuiteRun], labels: dict, out: Path, suite: Suite) -> str:
    scored, unconfirmed = [], []
    for run in runs:
        entry = labels.get(run.name)
        if entry is None or entry["label"] != run.label:
            raise GanforgeError(f"{suite.labels_json}: no labelling check for {run.name} as {run.label}; run --label first")
        run.steps = entry["steps"]
        (scored if entry["confirmed"] else unconfirmed).append(run)
    for run in scored:
        run.findings = alarms(out / run.name)
    failing = [r for r in scored if r.label != "healthy"]
    detected = [r for r in failing if r.first_alarm]
    right = [r for r in detected if r.first_alarm.rule == r.label]
    false_alarms = [r for r in scored if r.label == "healthy" and r.first_alarm]
    fractions = [detection_fraction(r) for r in detected]
    median = f"{100 * statistics.median(fractions):.0f}%" if fractions else "–"
    healthy = sum(r.label == "healthy" for r in scored)
    folder = suite.folder.name
    command = "held_out_suite.py" + ("" if folder == DEFAULT_SUITE else f" --suite {folder}")
    role = ("The rules were frozen before these runs were diagnosed, once." if suite.role == "held-out" else
            "The rules were tuned with these runs' results in view, so they are calibration material, not a held-out test.")
    lines = [
        f"## The doctor on {'held-out' if suite.role == 'held-out' else 'calibration'} configurations (`{folder}/`)",
        "",
        f"`python benchmarks/doctor_suite/{command}` on {machine()}: {len(runs)} runs under "
        f"`benchmarks/doctor_suite/{folder}/`, of other losses, nets, data and failure mechanisms than the calibration "
        f"suite's. Each label is checked against the run's final samples (labelling.py; `{folder}/labels.json`), never "
        f"against the doctor; only confirmed labels are scored. {role}",
        "",
        f"- **recall**: {percent(len(detected), len(failing))} — target ≥ 95%",
        f"- **false alarms**: {len(false_alarms)} of {healthy}"
        + (f" ({', '.join(r.name for r in false_alarms)})" if false_alarms else "") + " — target 0",
        f"- **right kind**: {percent(len(right), len(detected))} — target ≥ 90%",
        f"- **median detection step**: {median} of the run — target ≤ 15%",
        "",
        "| run | label | samples (labelling check) | steps | CPU | first warn/error finding |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        entry = labels[run.name]
        if run in unconfirmed:
            diagnosis = f"not scored: the samples say {entry['verdict']}"
        else:
            first = run.first_alarm
            good = (first is None) if run.label == "healthy" else (first is not None and first.rule == run.label)
            diagnosis = ("–" if first is None else f"{first.rule} ({first.severity}, step {first.step}): {first.message}") \
                + (" ✓" if good else " ✗")
        stopped = f", stopped at {entry['steps_done']}" if entry.get("error") else ""
        lines.append(f"| `{run.name}` | {run.label} | {evidence_text(entry)} | {entry['steps']}{stopped} | "
                     f"{entry['cpu_s']} s | {diagnosis} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default=DEFAULT_SUITE,
                        help=f"folder of configs: a name beside this script or a path (default {DEFAULT_SUITE})")
    parser.add_argument("--out", type=Path, help="where runs go (default /tmp/suite-<folder>)")
    parser.add_argument("--only", help="comma-separated config names (no .yaml); a partial run writes no table")
    parser.add_argument("--label", action="store_true", help="train and record the labelling check only")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    held_out_data.prepare_held_out_data()
    suite = suite_at(args.suite)
    out = args.out or suite.default_out
    runs = suite_runs(args.only.split(",") if args.only else None, suite.folder)
    if args.label:
        label_all(runs, out, suite)
        return
    if not suite.labels_json.exists():
        raise GanforgeError(f"{suite.labels_json}: missing; run with --label first")
    text = score(runs, json.loads(suite.labels_json.read_text()), out, suite)
    print(text)
    if args.only is None:
        write_section(suite.section, text)
        write_doctor_section(text, suite.section)


if __name__ == "__main__":
    from ganforge.train import interrupt

    interrupt.install()  # a signal stops the suite, not only the run it arrives in (run.stop_if_interrupted)
    try:
        main()
    except GanforgeError as failure:
        sys.exit(f"error: {failure}")
    except interrupt.Interrupted as stopped:
        sys.exit(stopped.exit_code)
