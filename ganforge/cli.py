"""The `ganforge` command: train, resume, sample, evaluate, report, compare, doctor, sweep, list.

Every mistake the user can make (config, data, checkpoint, run directory) ends in one line
on stderr and exit code 2, never a traceback. SIGINT and SIGTERM are handled from the first
line of `main` (train/interrupt.py): exit code 130 or 143, one line saying how to go on.
Heavy modules (torch, numpy) are imported inside the commands, after the handlers are in place.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import GanforgeError
from .train import interrupt

DEFAULT_PRESET = "quickstart"


def main(argv: list[str] | None = None) -> int:
    """The program (argv None: sys.argv); called with a list from inside Python, it restores the signal handlers."""
    previous = interrupt.install()
    try:
        code = run_command(sys.argv[1:] if argv is None else list(argv))
    except interrupt.Interrupted as stop:
        print(f"interrupted by {stop.name}" + (f"; {stop.hint}" if stop.hint else ""), file=sys.stderr)
        code = stop.exit_code
    if argv is None:
        interrupt.exit_at_once()  # nothing is left to save: a signal from here on ends the process on the spot
    else:
        interrupt.uninstall(previous)
    return code


def run_command(argv: list[str]) -> int:
    try:
        args = parse_command_line(build_parser(), argv)
    except SystemExit as stop:  # --help, --version, or a usage error already printed as one line
        return stop.code if isinstance(stop.code, int) else 2
    try:
        return args.handler(args) or 0
    except GanforgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # disk full, permissions, a vanished directory: checkpoints are written atomically
        where = error.filename or "a file"
        print(f"error: {where}: {error.strerror or error} (earlier checkpoints are intact)", file=sys.stderr)
        return 2


class OneLineParser(argparse.ArgumentParser):
    """A usage mistake is one line on stderr and exit code 2, as every other mistake is."""

    def error(self, message: str):
        first_line = message.splitlines()[0] if message else "invalid arguments"
        print(f"error: {self.prog}: {first_line} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


TRAILING = {"train": "args", "resume": "overrides", "evaluate": "overrides", "compare": "run_dirs"}
"""Each subcommand's list of positional words; words after an option join it, so options and overrides mix freely."""


def parse_command_line(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    args, extra = parser.parse_known_args(argv)
    words = [word for word in extra if not word.startswith("-")]
    unknown = [word for word in extra if word.startswith("-")]
    target = TRAILING.get(args.command)
    if unknown or (words and target is None):
        command_parser = parser.subcommands[args.command]
        command_parser.error(f"unrecognized arguments: {' '.join(unknown or words)}")
    if words:
        setattr(args, target, [*getattr(args, target), *words])
    return args


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = OneLineParser(prog="ganforge", description="Train GANs that work.")
    parser.add_argument("--version", action="version", version=f"ganforge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    parser.subcommands = commands.choices

    train = commands.add_parser("train", help="train from a config file or preset (default: quickstart)")
    train.add_argument("args", nargs="*", default=[], metavar="CONFIG|OVERRIDE",
                       help="a YAML file or preset name, then dotted overrides such as train.steps=500")
    train.add_argument("--run-dir", help="write the run here instead of runs/<NNNNN>-<name>/")
    train.add_argument("--runs-root", default="runs", help="parent of numbered run directories (default: runs)")
    train.add_argument("--dry-run", action="store_true",
                       help="check everything the run would (data, nets, plugins, device), print the resolved config, "
                            "train nothing")
    train.add_argument("--quiet", action="store_true", help="no progress lines")
    train.set_defaults(handler=command_train)

    resume = commands.add_parser("resume", help="continue a run from its newest checkpoint")
    resume.add_argument("run_dir")
    resume.add_argument("overrides", nargs="*", default=[], metavar="OVERRIDE", help="e.g. train.steps=4000")
    resume.add_argument("--quiet", action="store_true")
    resume.set_defaults(handler=command_resume)

    sample = commands.add_parser("sample", help="draw samples from a run's newest checkpoint")
    sample.add_argument("run_dir")
    sample.add_argument("-n", type=int, help="number of samples (default 64), or of strips with --interpolate (default 1)")
    sample.add_argument("--out", help="output file (default RUN_DIR/samples/sample.png or .npy)")
    sample.add_argument("--format", choices=("png", "npy"), help="png or npy (default: from --out's extension, else png)")
    sample.add_argument("--seed", type=int, default=0, help="latent seed (default 0)")
    sample.add_argument("--checkpoint", help="a checkpoint file other than the newest")
    sample.add_argument("--class", dest="label", type=int, metavar="K",
                        help="conditional runs: every sample of class K (default: classes 0..K-1 in turn)")
    sample.add_argument("--ema", action=argparse.BooleanOptionalAction, default=True,
                        help="sample from the EMA generator when the run has one (default: yes)")
    sample.add_argument("--interpolate", nargs=2, type=int, metavar=("SEED_A", "SEED_B"),
                        help="latent interpolation strips instead: strip i goes from seed A+i's latent to seed B+i's "
                             "(slerp for normal latents, linear for uniform)")
    sample.add_argument("--frames", type=int, default=8, help="images per interpolation strip, both ends included (default 8)")
    sample.set_defaults(handler=command_sample)

    report = commands.add_parser("report", help="write a run's self-contained HTML report (samples, plots, findings)")
    report.add_argument("run_dir")
    report.add_argument("--out", help="output file (default RUN_DIR/report.html)")
    report.set_defaults(handler=command_report)

    evaluate = commands.add_parser("evaluate", help="quality metrics of a run's newest checkpoint (FID, KID, PRDC, modes, ...)")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--metrics", help="comma-separated metric names (default: the run's eval.metrics, else the "
                                            "data's own); see `ganforge list metrics`")
    evaluate.add_argument("--n", type=int, help="generated samples (default: the run's eval.n, 10000)")
    evaluate.add_argument("--checkpoint", help="a checkpoint file other than the newest")
    evaluate.add_argument("--ema", action=argparse.BooleanOptionalAction, default=None,
                          help="evaluate the EMA generator when the run has one (default: the run's eval.ema)")
    evaluate.add_argument("--json", action="store_true", help="print the result as one JSON object")
    evaluate.add_argument("overrides", nargs="*", default=[], metavar="OVERRIDE",
                          help="eval settings, e.g. eval.real_split=train eval.inception_weights=/path/to/weights.pt")
    evaluate.set_defaults(handler=command_evaluate)

    compare = commands.add_parser("compare", help="runs side by side: final stats, curves, last sample grids")
    compare.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    compare.add_argument("--out", default="compare.html", help="the HTML page to write (default compare.html)")
    compare.add_argument("--format", choices=("html", "table"), default="html",
                         help="html: one self-contained page; table: final values as plain text on stdout")
    compare.set_defaults(handler=command_compare)

    doctor = commands.add_parser("doctor", help="diagnose a finished or running run from its stats (docs/doctor.md)")
    doctor.add_argument("run_dir")
    doctor.add_argument("--json", action="store_true", help="one JSON object a line, as in doctor.jsonl")
    doctor.set_defaults(handler=command_doctor)

    sweep = commands.add_parser("sweep", help="hyper-parameter search on Optuna; the doctor prunes failing trials (docs/sweep.md)")
    sweep.add_argument("spec", metavar="SPEC.yaml")
    sweep.add_argument("--sweep-dir", help="trials, study database and results go here (default sweeps/<spec name>/)")
    sweep.add_argument("--quiet", action="store_true", help="no line per trial")
    sweep.set_defaults(handler=command_sweep)

    listing = commands.add_parser("list", help="list registered components with one line of help each")
    listing.add_argument("kind", nargs="?", default="all", choices=("all", *LISTINGS))
    listing.add_argument("-v", "--verbose", action="store_true", help="also list each component's options and defaults")
    listing.set_defaults(handler=command_list)
    return parser


def command_train(args) -> int:
    from .config import load_config
    from .train import distributed
    from .doctor.remedy import train_with_remedies as train  # plain training unless doctor.auto is on
    from .train.run_dir import RunDir
    from .train.state import resolve_device

    source, overrides = split_config_and_overrides(args.args)
    config = load_config(source, overrides)
    if args.dry_run:
        import yaml

        from .train.preflight import preflight

        checked = preflight(config, args.run_dir)  # builds data, nets and plugins as the run would; trains nothing
        print(yaml.safe_dump(config.to_dict(), sort_keys=False), end="")
        print(f"# {checked}")  # a YAML comment: the output still reads back as the config
        return 0
    joined = distributed.setup(resolve_device(config.train.device))  # under torchrun: rank 0 picks the run directory
    run = distributed.share_from_main(lambda: RunDir.create(args.runs_root, config.name, args.run_dir, writer="train"))
    main_rank = distributed.is_main()
    if main_rank:
        print(f"run directory: {run.path}", flush=True)
    try:
        train(config, run, quiet=args.quiet)
    except (GanforgeError, interrupt.Interrupted) as error:
        if main_rank:
            run.remove_if_unused()  # a run that failed or was interrupted while setting up leaves nothing behind
        if isinstance(error, interrupt.Interrupted):
            error.hint = how_to_continue(run)
        raise
    finally:
        run.unlock()
    if joined:
        distributed.teardown()
    if interrupt.received():
        return interrupt.exit_code_for(interrupt.received())  # stopped early, checkpoint saved: not a success
    if main_rank:
        print(f"done: samples in {run.samples}, checkpoints in {run.checkpoints}, stats in {run.stats}")
    return 0


def command_resume(args) -> int:
    from .config import load_config
    from .train import distributed
    from .doctor.remedy import train_with_remedies as train  # plain training unless doctor.auto is on
    from .train.run_dir import RunDir

    run = RunDir.open(args.run_dir)
    previous = load_config(run.config)
    config = load_config(run.config, args.overrides)
    start, main_rank = resume_step(run), distributed.is_main()
    if start >= config.train.steps:
        if start:
            check_newest_checkpoint(run, previous, config)  # refused now, not once train.steps is raised
        if main_rank:
            print(f"{run.path}: nothing to do: the newest checkpoint is at step {start} and train.steps is "
                  f"{config.train.steps}; to train on, raise it, e.g. `ganforge resume {run.path} "
                  f"train.steps={start + previous.train.steps}`")
        return 0
    if main_rank:
        run.lock("resume")  # before anything is changed: a run in progress is named, never raced
    try:
        if main_rank:
            print(f"resuming {run.path} from step {start} to {config.train.steps}")
            keep_config_history(run, previous, config, start)
        continue_with(run, previous, config)
        train(config, run, resume=True, quiet=args.quiet)
    except interrupt.Interrupted as stop:
        stop.hint = how_to_continue(run)
        raise
    finally:
        run.unlock()
    if interrupt.received():
        return interrupt.exit_code_for(interrupt.received())
    if main_rank:
        print(f"done: {run.path}")
    return 0


def resume_step(run) -> int:
    """The step `resume` continues from: its newest checkpoint's, or 0 when it has none (it starts over)."""
    from .train.checkpoint import checkpoint_step, list_checkpoints

    found = list_checkpoints(run.checkpoints)
    return checkpoint_step(found[-1]) if found else 0


def nets_changed(previous, config) -> bool:
    return any(getattr(previous, part) != getattr(config, part) for part in ("data", "generator", "discriminator", "z_dim"))


def check_newest_checkpoint(run, previous, config) -> None:
    """A CheckpointError if the newest checkpoint is damaged, or if the nets of a changed config cannot load it."""
    from .train.checkpoint import latest_checkpoint, read_checkpoint
    from .train.reconfigure import load_nets_for

    newest = latest_checkpoint(run.checkpoints)
    if nets_changed(previous, config):
        load_nets_for(config, newest)
    else:
        read_checkpoint(newest)


def keep_config_history(run, previous, config, step: int) -> None:
    """A resume that changes the resolved config keeps the one it replaces in config-history/ (train/config_history.py)."""
    from .train.config_history import keep_previous

    if previous.to_dict() != config.to_dict():
        kept = keep_previous(run.path, run.config, step)
        print(f"config changed: the config that trained steps up to {step} is kept as {kept}")


def how_to_continue(run) -> str:
    """After an interrupt that could not wait for a step boundary: what is on disk, and the command to go on."""
    from .train.checkpoint import list_checkpoints

    if not run.config.is_file():
        return "nothing was written; run the same command again"
    saved = list_checkpoints(run.checkpoints)
    kept = f"the newest checkpoint ({saved[-1].name}) is intact" if saved else "no checkpoint yet (resume starts from step 0)"
    return f"{kept}; resume with: ganforge resume {run.path}"


def continue_with(run, previous, config) -> None:
    """`resume` with changed optimiser settings or plugins: re-save the newest checkpoint for them (else they'd be ignored)."""
    from .train import distributed
    from .train.checkpoint import latest_checkpoint, list_checkpoints
    from .train.reconfigure import convert_checkpoint, optimisation_changed

    if distributed.is_main() and list_checkpoints(run.checkpoints) and optimisation_changed(previous, config):
        convert_checkpoint(latest_checkpoint(run.checkpoints), previous, config)
        print("continuing with the changed optim/plugins settings (the original checkpoint is kept as *.before-reconfigure)")


def command_sample(args) -> int:
    from .config import load_config
    from .errors import ConfigError
    from .report.grids import save_samples
    from .sampling import generate, sampling_generator
    from .train.checkpoint import latest_checkpoint, load_checkpoint
    from .train.run_dir import RunDir
    from .train.state import build_state
    import torch

    if args.n is None:
        args.n = 1 if args.interpolate else 64
    if args.n < 1:
        raise ConfigError("-n", f"expected a positive number of samples, got {args.n}")
    check_seeds(args)
    args.format = output_format(args.out, args.format)
    run = RunDir.open(args.run_dir)
    config = load_config(run.config)
    state = build_state(config)
    check_sample_memory(state, args.n * (args.frames if args.interpolate else 1))
    labels = sample_labels(state, args.n, args.label)
    load_checkpoint(Path(args.checkpoint) if args.checkpoint else latest_checkpoint(run.checkpoints), state,
                    require_finite=True)
    if args.interpolate:
        return write_interpolation(args, state, run)
    z = state.G.sample_latent(args.n, generator=torch.Generator().manual_seed(args.seed)).to(state.device)
    samples = state.data.to_data_units(generate(sampling_generator(state, args.ema), z, labels))
    out = Path(args.out) if args.out else run.samples / f"sample.{args.format}"
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "npy":
        out = save_array(out, samples)
    else:
        save_samples(state.data, samples, out, title=f"{run.path.name}, step {state.step}")
    print(f"wrote {args.n} samples (step {state.step}) to {out}")
    return 0


def output_format(out: str | None, chosen: str | None) -> str:
    """png or npy: --format, else --out's extension, else png; ConfigError for a directory or another extension."""
    from .errors import ConfigError

    if out is None:
        return chosen or "png"
    path = Path(out)
    if path.is_dir():
        raise ConfigError("--out", f"{out} is a directory; expected a file name such as {path / 'sample.png'}")
    extension = path.suffix.lower().lstrip(".")
    if extension not in ("png", "npy"):
        raise ConfigError("--out", f"expected a file name ending in .png or .npy, got {out}")
    if chosen is not None and chosen != extension:
        raise ConfigError("--out", f"{out} ends in .{extension} but --format is {chosen}; make them agree")
    return extension


def check_seeds(args) -> None:
    """--seed and --interpolate seeds (plus the strip offsets) within 0..MAX_SEED, as train.seed."""
    from .config import MAX_SEED
    from .errors import ConfigError

    for option, seed in (("--seed", args.seed), *(("--interpolate", seed + args.n - 1) for seed in args.interpolate or ())):
        if not 0 <= seed <= MAX_SEED:
            raise ConfigError(option, f"expected a seed from 0 to {MAX_SEED}, got {seed}")


def check_sample_memory(state, count: int) -> None:
    """-n (times --frames) samples: their latents and generated values must fit in memory."""
    import math

    from .memory import check_fits

    each = (state.G.z_dim + 2 * math.prod(state.data.shape)) * 4  # z, G's float output, its data-unit copy
    check_fits("-n", count * each, f"{count} samples", state.device)


def write_interpolation(args, state, run) -> int:
    """`sample --interpolate A B`: -n strips of --frames images (PNG rows), or their samples as npy [n, frames, ...]."""
    from .errors import ConfigError
    from .interpolate import interpolation_latents
    from .report.grids import save_image_grid
    from .sampling import generate, sampling_generator

    if args.frames < 2:
        raise ConfigError("--frames", f"expected at least 2 images per strip (both ends), got {args.frames}")
    if args.format == "png" and not state.data.is_image:
        raise ConfigError("--interpolate", f"a PNG strip needs image data, but this run's samples are points of shape "
                                           f"{tuple(state.data.shape)}; use --format npy to get the path's points")
    seed_a, seed_b = args.interpolate
    z = interpolation_latents(state.G, seed_a, seed_b, args.n, args.frames).to(state.device)
    strip_labels = sample_labels(state, args.n, args.label)  # one class per strip: --class K, else strip i % classes
    labels = None if strip_labels is None else strip_labels.repeat_interleave(args.frames)
    samples = state.data.to_data_units(generate(sampling_generator(state, args.ema), z, labels))
    out = Path(args.out) if args.out else run.samples / f"interpolation-{seed_a}-{seed_b}.{args.format}"
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "npy":
        out = save_array(out, samples.reshape(args.n, args.frames, *samples.shape[1:]))
    else:
        save_image_grid(samples, out, columns=args.frames)
    print(f"wrote {args.n} interpolation strip(s) of {args.frames} frames (step {state.step}) to {out}")
    return 0


def save_array(out: Path, samples) -> Path:
    """`samples` as .npy at `out` (".npy" appended when missing, as numpy does), written atomically."""
    import numpy as np

    from .safe_files import atomic_file

    out = out if out.suffix == ".npy" else out.with_name(out.name + ".npy")
    with atomic_file(out) as file:
        np.save(file, samples)
    return out


def command_report(args) -> int:
    from .report.html import write_report
    from .train.run_dir import RunDir

    run = RunDir.open(args.run_dir)
    try:
        out = write_report(run.path, args.out)
    except OSError as error:
        raise GanforgeError(f"{args.out or run.path}: cannot write the report ({error.strerror or error})") from None
    print(f"wrote {out}")
    return 0


def command_evaluate(args) -> int:
    import json

    from .errors import ConfigError
    from .metrics.evaluate import evaluate_run, parse_metrics
    from .metrics.extractors import FEATURE_SPACES

    if args.n is not None and args.n < 2:
        raise ConfigError("--n", f"expected at least 2 generated samples, got {args.n}")
    if any(not override.startswith("eval.") for override in args.overrides):
        raise ConfigError("evaluate", "only eval.* settings can be overridden here, e.g. eval.real_split=train")
    metrics = parse_metrics(args.metrics) if args.metrics else None
    result = evaluate_run(args.run_dir, metrics, args.n, args.checkpoint, args.ema, args.overrides)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.run_dir} at step {result['step']}:")
    for name, value in result["metrics"].items():
        print(f"  {name:16s} {value:.6g}")
    provenance = result["provenance"]
    print(f"  features: {FEATURE_SPACES.get(provenance['extractor'], provenance['extractor'])}")
    print("  (" + ", ".join(f"{key}={value}" for key, value in provenance.items() if key != "seconds") + ")")
    return 0


def command_compare(args) -> int:
    from .report.compare import load_runs, text_table, write_compare

    if args.format == "table":
        print(text_table(load_runs(args.run_dirs)), end="")
        return 0
    print(f"wrote {write_compare(args.run_dirs, Path(args.out))}")
    return 0


def command_doctor(args) -> int:
    from .doctor.doctor import replay_run, standing_errors
    from .doctor.report import format_findings

    doctor = replay_run(args.run_dir)  # replayed from stats.jsonl: the truth, whatever doctor.jsonl says
    print(format_findings(doctor.findings, args.json, Path(args.run_dir)), end="")
    standing = standing_errors(doctor)
    if standing and not args.json:
        rules = ", ".join(sorted({finding.rule for finding in standing}))
        print(f"exit code 1: an error finding still stands at the end of the run ({rules})")
    return 1 if standing else 0


def command_sweep(args) -> int:
    from .sweep.command import run_sweep

    return run_sweep(args.spec, args.sweep_dir, args.quiet)


def sample_labels(state, n: int, label: int | None) -> "torch.Tensor | None":
    """Labels for `ganforge sample`: all `label` (--class), else classes in turn; None for an unconditional run."""
    from .errors import ConfigError
    from .nets.conditioning import cycling_labels
    import torch

    if state.fixed_labels is None:  # the generator takes no labels
        if label is not None:
            raise ConfigError("--class", "this run's generator is unconditional (generator.condition: none), "
                                         "so it has no classes to choose from; sample without --class")
        return None
    classes = state.data.num_classes
    if label is None:
        return cycling_labels(n, classes, state.device)
    if not 0 <= label < classes:
        raise ConfigError("--class", f"expected a class in 0..{classes - 1} (the data have {classes}), got {label}")
    return torch.full((n,), label, dtype=torch.long, device=state.device)


def split_config_and_overrides(words: list[str]) -> tuple[str, list[str]]:
    """`[CONFIG] [k=v ...]`: the first word is the config unless it is an override."""
    if words and "=" not in words[0]:
        return words[0], words[1:]
    return DEFAULT_PRESET, list(words)


def _registries() -> dict:
    from .data import DATA
    from .losses import LOSSES
    from .metrics import METRICS
    from .nets import DISCRIMINATORS, GENERATORS
    from .plugins import PLUGINS

    return {"losses": [LOSSES], "nets": [GENERATORS, DISCRIMINATORS], "data": [DATA],
            "plugins": [PLUGINS], "metrics": [METRICS]}


LISTINGS = ("losses", "nets", "data", "plugins", "metrics", "presets")


def command_list(args) -> int:
    from .config import preset_names

    registries = _registries()
    kinds = LISTINGS if args.kind == "all" else (args.kind,)
    for kind in kinds:
        print(f"{kind}:")
        if kind == "presets":
            for name in preset_names():
                print(f"  {name}")
            continue
        for registry in registries[kind]:
            for name in registry.names():
                label = f"{name} ({registry.kind})" if kind == "nets" else name
                print(f"  {label:<28} {registry.summary(name)}")
                if args.verbose:
                    for option, described in registry.options(name).items():
                        print(f"      {option}: {described}")
            if not registry.names():
                print(f"  (no {registry.kind} registered yet)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
