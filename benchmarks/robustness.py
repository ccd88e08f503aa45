"""Fuzz and fault benchmark of the input boundary: several hundred bad inputs through the real CLI.

    python benchmarks/robustness.py                 # every case; writes the "robustness" section of docs/reliability.md
    python benchmarks/robustness.py --kinds config,checkpoint --no-write
    python benchmarks/robustness.py --spawn         # each case as `python -m ganforge ...` (slower, same checks)

Cases are generated from a seed (and a few are written out by hand) in six kinds: config files,
command-line overrides, data files, checkpoints, other run-directory files and CLI arguments.
Each case prepares its own folder (a copy of a tiny finished run where it needs one), then runs
the `ganforge` command line in a child process with a timeout, in a pool of at most 2. By default
the child is forked from this process after it imported ganforge, and runs the same `main` as
`python -m ganforge` (so a case costs no interpreter start-up); `--spawn` starts the real
interpreter instead. Every case asserts:

- no hang: the child ends within the timeout (it is killed otherwise);
- no traceback: "Traceback" appears in neither stdout nor stderr;
- the exit code is one the case allows (2 for bad input; 0 where the input is valid or recoverable,
  such as a torn last line in stats.jsonl);
- exit code 2 comes with exactly one line on stderr, starting with "error: ";
- nothing lost: every file in the case folder before the command is there afterwards, byte for
  byte, except the outputs a successful command may write; a failed `train` leaves no run folder.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import pickle
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ganforge.cli  # noqa: E402,F401  (imported once, before forking)
import ganforge.train.loop  # noqa: E402,F401
from ganforge.plugins import PLUGINS  # noqa: E402
from report import write_section  # noqa: E402

RELIABILITY_MD = ROOT / "docs" / "reliability.md"
KINDS = ("config", "override", "data", "checkpoint", "run-dir", "cli")
TINY = ["generator.width=8", "discriminator.width=8", "generator.depth=1", "discriminator.depth=1",
        "train.batch_size=16", "train.steps=2", "train.grid_size=16", "train.log_every=1", "train.sample_every=2",
        "train.checkpoint_every=2", "doctor.enabled=false", "train.tensorboard=false", "eval.n=64", "eval.real_n=64"]
BASE_STEPS = 8  # the base run: finished, so `resume` on a copy loads its newest checkpoint and stops at once
RUN_OUTPUTS = ("run/stats.jsonl", "run/doctor.jsonl", "run/events.jsonl", "run/eval.jsonl", "run/config.yaml",
               "run/report.html", "run/checkpoints/*", "run/samples/*", "run/events.out.tfevents.*")


@dataclass
class Case:
    kind: str
    name: str
    argv: list[str]
    prepare: Callable[[Path], None] = lambda folder: None
    expect: tuple[int, ...] = (2,)
    needs_run: bool = False  # the case folder starts with a copy of the base run as run/
    may_change: tuple[str, ...] = ()  # globs (relative to the case folder) a command that exits 0 may write
    fresh_run_dir: bool = False  # a `train --run-dir run` that must leave no run/ behind when it fails


@dataclass
class Outcome:
    case: Case
    code: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    problems: list[str] = field(default_factory=list)


# --- building blocks ------------------------------------------------------------------------------------------

def write(name: str, content: bytes | str) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return prepare


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        for step in steps:
            step(folder)
    return prepare


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npy_with_header(shape: tuple, descr: str = "<f4", payload: bytes = b"\0" * 64) -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}".encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def idx_bytes(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(f">I{len(dims)}I", magic, *dims) + payload


def billion_laughs(levels: int, fanout: int) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * fanout)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fanout)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def flow_bomb(levels: int, fanout: int) -> str:
    """A one-line alias bomb: a flow list whose items are anchors referencing the previous ones."""
    items = ["&a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    items += [f"&a{i} [{', '.join([f'*a{i - 1}'] * fanout)}]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


RING_YAML = (ROOT / "ganforge" / "presets" / "ring.yaml").read_text()


def train_config(name: str, *extra: str, expect=(2,)) -> Case:
    return Case("config", name, ["train", "c.yaml", *TINY, *extra, "--run-dir", "run", "--quiet"],
                expect=expect, may_change=("run/*", "run/*/*"), fresh_run_dir=True)


def train_override(name: str, *overrides: str, expect=(2,), data: Callable | None = None, kind="override") -> Case:
    return Case(kind, name, ["train", "ring", *TINY, *overrides, "--run-dir", "run", "--quiet"],
                prepare=data or (lambda folder: None), expect=expect, may_change=("run/*", "run/*/*"),
                fresh_run_dir=True)


# --- config files -----------------------------------------------------------------------------------------------

def config_cases(rng: random.Random) -> list[Case]:
    cases = []

    def add(name, content, expect=(2,)):
        case = train_config(name, expect=expect)
        case.prepare = write("c.yaml", content)
        cases.append(case)

    for size in (1, 16, 300, 5000):
        add(f"random bytes ({size})", bytes(rng.getrandbits(8) for _ in range(size)))
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        add(f"ring preset in {encoding}", RING_YAML.encode(encoding))
    add("Latin-1 text", (RING_YAML + "name: café\n").encode("latin-1"))
    add("Windows-1252 quotes", (RING_YAML + "name: \x93run\x94\n").encode("latin-1"))
    add("NUL byte", RING_YAML + "\0")
    add("control character", RING_YAML + "name: \x07bell\n")
    for depth in (70, 1000, 20000):
        add(f"nested lists {depth} deep", "z_dim: " + "[" * depth + "]" * depth)
        add(f"nested maps {depth} deep", "z_dim: " + "{a: " * depth + "1" + "}" * depth)
    add("block maps 200 deep", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n")
    for levels, fanout in ((9, 9), (12, 10), (30, 2), (6, 12)):
        bomb = billion_laughs(levels, fanout)
        add(f"billion laughs {fanout}^{levels} in z_dim", RING_YAML + bomb + f"z_dim: *l{levels - 1}\n")
        add(f"billion laughs {fanout}^{levels} in a data option",
            bomb + RING_YAML.replace("data: {name: ring}", f"data: {{name: ring, modes: *l{levels - 1}}}"))
    add("small alias list as z_dim", RING_YAML + billion_laughs(2, 3) + "z_dim: *l1\n")
    add("recursive alias", RING_YAML + "loop: &x {y: *x}\n")
    add("undefined alias", RING_YAML + "z_dim: *nothing\n")
    add("2 MiB of comments", RING_YAML + "#" * (2 << 20) + "\n")
    for text in ("", "null\n", "- a\n- b\n", "42\n", "just text\n", "{}\n", "data: [1, 2]\n"):
        add(f"document {text.strip()[:12]!r}", text)
    add("unhashable key", RING_YAML + "{[1, 2]: 3}: 4\n")
    add("impossible date", RING_YAML + "name: 2024-13-45\n")
    add("tab indentation", RING_YAML + "train:\n\tsteps: 3\n")
    add("duplicate section", RING_YAML + "z_dim: 3\nz_dim: 4\n", expect=(0,))
    add("python tag", RING_YAML + "name: !!python/object/apply:os.system ['true']\n")
    add("binary tag", RING_YAML + "name: !!binary aGVsbG8=\n", expect=(0, 2))
    add("set tag", RING_YAML + "name: !!set {a, b}\n")
    cases.append(Case("config", "FIFO named c.yaml", ["train", "c.yaml", *TINY, "--run-dir", "run"],
                      prepare=lambda folder: os.mkfifo(folder / "c.yaml"), fresh_run_dir=True))
    cases.append(Case("config", "folder named c.yaml", ["train", "c.yaml", *TINY, "--run-dir", "run"],
                      prepare=lambda folder: (folder / "c.yaml").mkdir(), fresh_run_dir=True))
    for i in range(12):
        cut = rng.randrange(len(RING_YAML))
        add(f"ring preset cut at byte {cut}", RING_YAML[:cut], expect=(0, 2))
    for i in range(12):
        data = bytearray(RING_YAML.encode())
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        add(f"ring preset with flipped bytes #{i}", bytes(data), expect=(0, 2))
    return cases


# --- overrides ----------------------------------------------------------------------------------------------------

def override_cases(rng: random.Random) -> list[Case]:
    cases = []
    huge_ints = (10**12, 2**63, 2**64, 10**30)
    for field_name in ("train.batch_size", "z_dim", "generator.width", "discriminator.width", "train.grid_size",
                       "generator.depth"):
        for value in huge_ints:
            cases.append(train_override(f"{field_name}={value}", f"{field_name}={value}"))
    for value in huge_ints:
        cases.append(train_override(f"discriminator.hidden=[{value}]", f"discriminator.hidden=[{value}]"))
    for value in (2**63, 10**30):  # a run of 10^12 steps is a valid (long) run; one beyond 64 bits is not
        cases.append(train_override(f"train.steps={value}", f"train.steps={value}"))
    cases.append(train_override("generator.depth=256 (width doubling 255 times)", "generator.depth=256"))
    for value in (10**9, 10**12, 2**63):
        cases.append(train_override(f"data.modes={value}", f"data.modes={value}"))
        cases.append(train_override(f"grid modes_per_side={value}", "data.name=grid", f"data.modes_per_side={value}"))
    for value in ("1e12", "1.5", "[1]", "{a: 1}", "abc", "-3", "0"):
        cases.append(train_override(f"train.batch_size={value}", f"train.batch_size={value}"))
    for field_name in ("train.seed", "eval.seed"):
        for value in (2**32, 2**63, 2**64, 10**30, -1, "1e20"):
            cases.append(train_override(f"{field_name}={value}", f"{field_name}={value}"))
    for net in ("g", "d"):
        for option, value in (("lr", "1e308"), ("lr", "1e7"), ("lr", "inf"), ("lr", "nan"), ("lr", "-1"), ("lr", "0"),
                              ("weight_decay", "1e308"), ("weight_decay", "inf"), ("weight_decay", "-1"),
                              ("betas", "[1, 0.9]"), ("momentum", "1"), ("grad_clip", "0")):
            cases.append(train_override(f"optim.{net}.{option}={value}", f"optim.{net}.{option}={value}"))
    for device in ("meta", "mps", "xla", "vulkan", "hpu", "cuda:99", "cuda:-1", "cuda:x", "", "[1]", "gpu", "cpu:0"):
        expect = (0,) if device == "cpu:0" else (2,)
        cases.append(train_override(f"train.device={device!r}", f"train.device={device}", expect=expect))
    for name in PLUGINS.names():
        cases.append(train_override(f"{name} twice", f"plugins=[{{name: {name}}}, {{name: {name}}}]"))
    for levels in (6, 9):
        cases.append(train_override(f"one-line alias bomb ({levels} levels) in z_dim", f"z_dim={flow_bomb(levels, 9)}"))
        cases.append(train_override(f"one-line alias bomb ({levels} levels) in data.path", "data.name=array",
                                    f"data.path={flow_bomb(levels, 9)}"))
    for depth in (100, 10000):
        cases.append(train_override(f"data.path nested {depth} deep", "data.name=array",
                                    "data.path=" + "[" * depth + "]" * depth))
    for override in ("train.nope=1", "nope.x=1", "plugins.5.gamma=1", "train.steps", "=3", "train..steps=3",
                     "train.steps.x=3", "loss.name=nope", "generator.name=nope", "data.name=nope"):
        cases.append(train_override(f"override {override!r}", override))
    return cases


# --- data files ------------------------------------------------------------------------------------------------------

def array_case(name: str, content: bytes, *extra: str, expect=(2,), file="d.npy") -> Case:
    return train_override(name, "data.name=array", f"data.path={file}", *extra, expect=expect,
                          data=write(file, content), kind="data")


def data_cases(rng: random.Random) -> list[Case]:
    cases = []
    valid = npy_bytes(np.random.default_rng(0).uniform(-1, 1, (64, 2)).astype(np.float32))
    for i in range(10):
        cut = rng.randrange(1, len(valid))
        cases.append(array_case(f".npy cut at byte {cut}", valid[:cut], expect=(0, 2) if cut > len(valid) - 1 else (2,)))
    for shape in ((10**12, 2), (10**6, 10**6), (2**40,), (10**9, 3, 32, 32)):
        cases.append(array_case(f".npy header declares {shape}", npy_with_header(shape)))
    for shape in ((0, 2), (5, 0), (0,), (), (3, 0, 4), (2, 3, 0, 0), (0, 1, 28, 28)):
        cases.append(array_case(f"zero-size array {shape}", npy_bytes(np.zeros(shape, np.float32))))
    for dtype in ("complex64", "bool", "U5", "datetime64[s]", "V4", "float16", "int64"):
        array = np.zeros((8, 2), dtype=dtype)
        cases.append(array_case(f"dtype {dtype}", npy_bytes(array), expect=(0, 2)))
    cases.append(array_case("object array (pickle)", npy_bytes(np.array([[{"a": 1}, None]] * 4, dtype=object))))
    cases.append(array_case("NaN values", npy_bytes(np.full((8, 2), np.nan, np.float32))))
    cases.append(array_case("infinite values", npy_bytes(np.full((8, 2), np.inf, np.float32))))
    cases.append(array_case("vectors outside [-1, 1]", npy_bytes(np.full((8, 2), 5.0, np.float32))))
    cases.append(array_case("1-D array", npy_bytes(np.zeros(8, np.float32))))
    cases.append(array_case("5-D array", npy_bytes(np.zeros((2, 1, 2, 2, 2), np.float32))))
    cases.append(array_case("random bytes after the signature", b"\x93NUMPY" + bytes(rng.getrandbits(8) for _ in range(200))))
    cases.append(array_case("random bytes", bytes(rng.getrandbits(8) for _ in range(200))))
    cases.append(array_case("empty file", b""))
    for shape in ((1, 2), (2, 2), (3, 5), (1, 1), (40, 1), (40, 7)):
        values = np.random.default_rng(1).uniform(-1, 1, shape).astype(np.float32)
        cases.append(array_case(f"tiny or any-width vectors {shape}", npy_bytes(values), expect=(0,)))
    cases.append(array_case("one grayscale image", npy_bytes(np.zeros((1, 8, 8), np.uint8)), expect=(0,)))
    cases += npz_cases(rng)
    cases += idx_cases(rng)
    cases += cifar_cases()
    cases += image_folder_cases()
    return cases


def npz_cases(rng: random.Random) -> list[Case]:
    cases = []
    for shape in ((10**12, 2), (10**5, 10**5), (2**62,)):
        member = npy_with_header(shape)
        cases.append(array_case(f".npz member declares {shape}", zip_bytes({"x.npy": member}), file="d.npz"))
        cases.append(array_case(f".npz stored member declares {shape}", zip_bytes({"x.npy": member}, zipfile.ZIP_STORED),
                                file="d.npz"))
    good = zip_bytes({"x.npy": npy_bytes(np.zeros((8, 2), np.float32))})
    for i in range(4):
        cut = rng.randrange(2, len(good))
        cases.append(array_case(f".npz cut at byte {cut}", good[:cut], file="d.npz"))
    cases.append(array_case(".npz with no arrays", zip_bytes({}), file="d.npz"))
    cases.append(array_case(".npz with two unnamed arrays", zip_bytes({"a.npy": npy_bytes(np.zeros((4, 2))),
                                                                        "b.npy": npy_bytes(np.zeros((4, 2)))}), file="d.npz"))
    cases.append(array_case(".npz member that is not .npy", zip_bytes({"x.npy": b"hello"}), file="d.npz"))
    labelled = {"x.npy": npy_bytes(np.zeros((8, 2), np.float32))}
    for name, labels in (("missing", None), ("wrong length", np.zeros(3, np.int64)), ("negative", -np.ones(8, np.int64)),
                         ("float", np.zeros(8, np.float32)), ("2-D", np.zeros((8, 2), np.int64))):
        members = dict(labelled) if labels is None else {**labelled, "y.npy": npy_bytes(labels)}
        cases.append(array_case(f".npz labels {name}", zip_bytes(members), "data.labels_key=y", file="d.npz"))
    return cases


def idx_case(name: str, content: bytes, file="i.idx", expect=(2,)) -> Case:
    return train_override(name, "data.name=idx", f"data.images={file}", expect=expect, data=write(file, content),
                          kind="data")


def idx_cases(rng: random.Random) -> list[Case]:
    cases = []
    for dims in ((10**5, 10**5, 10**5), (2**31, 28, 28), (60000, 28, 28), (0, 28, 28), (10, 0, 0), (10, 28, 0)):
        cases.append(idx_case(f"IDX header {dims}, 10 bytes of data", idx_bytes(0x803, dims, b"\0" * 10)))
        cases.append(idx_case(f"gzipped IDX header {dims}", gzip.compress(idx_bytes(0x803, dims, b"\0" * 10)), "i.gz"))
    for i in range(6):
        dims = tuple(rng.choice((0, 1, 7, 2**16, 2**32 - 1)) for _ in range(3))
        cases.append(idx_case(f"IDX random header {dims}", idx_bytes(0x803, dims, b"\0" * rng.randrange(100))))
    cases.append(idx_case("IDX wrong magic", idx_bytes(0x801, (4,), b"\0" * 4)))
    cases.append(idx_case("IDX magic only", struct.pack(">I", 0x803)))
    cases.append(idx_case("IDX extra bytes", idx_bytes(0x803, (1, 2, 2), b"\0" * 9)))
    cases.append(idx_case("corrupt gzip", b"\x1f\x8b" + bytes(rng.getrandbits(8) for _ in range(64)), "i.gz"))
    cases.append(idx_case("one 2x2 image", idx_bytes(0x803, (1, 2, 2), b"\0" * 4), expect=(0,)))
    images = idx_bytes(0x803, (4, 2, 2), b"\0" * 16)
    cases.append(train_override("IDX labels count mismatch", "data.name=idx", "data.images=i.idx", "data.labels=l.idx",
                                data=both(write("i.idx", images), write("l.idx", idx_bytes(0x801, (3,), b"\0" * 3))),
                                kind="data"))
    return cases


def cifar_batch(data) -> bytes:
    return pickle.dumps({b"data": data, b"labels": [0] * (len(data) if hasattr(data, "__len__") else 0)}, protocol=2)


class Reduce:
    """Pickles as `function(*arguments)`: how a hostile batch would name a callable."""

    def __init__(self, function, arguments, state=None):
        self.function, self.arguments, self.state = function, arguments, state

    def __reduce__(self):
        return (self.function, self.arguments) if self.state is None else (self.function, self.arguments, self.state)


def cifar_cases() -> list[Case]:
    from numpy._core.multiarray import _reconstruct

    good = cifar_batch(np.zeros((2, 3072), np.uint8))
    bad = {
        "os.system global": pickle.dumps(Reduce(os.system, ("true",)), protocol=2),
        "eval global": pickle.dumps({b"data": Reduce(eval, ("1",)), b"labels": []}, protocol=2),
        "ndarray of 10^14 elements": cifar_batch(Reduce(np.ndarray, ((10**14,), np.uint8))),
        "_reconstruct of 10^14 elements": cifar_batch(Reduce(_reconstruct, (np.ndarray, (10**14,), b"b"))),
        "setstate shape 909 TiB": cifar_batch(Reduce(_reconstruct, (np.ndarray, (0,), b"b"),
                                                     (1, (10**12, 3072 * 300), np.dtype(np.uint8), False, b"\0" * 8))),
        "object dtype": cifar_batch(np.array([[None] * 3072], dtype=object)),
        "not a dict": pickle.dumps([1, 2, 3], protocol=2),
        "no data entry": pickle.dumps({b"labels": [0]}, protocol=2),
        "data of wrong shape": cifar_batch(np.zeros((2, 100), np.uint8)),
        "truncated": good[: len(good) // 2],
        "empty file": b"",
        "random bytes": bytes(random.Random(3).getrandbits(8) for _ in range(300)),
    }
    cases = []
    for name, content in bad.items():
        files = [write(f"cifar/data_batch_{i}", good) for i in range(2, 6)]
        cases.append(train_override(f"CIFAR batch: {name}", "data.name=cifar10", "data.root=cifar",
                                    data=both(write("cifar/data_batch_1", content), *files), kind="data"))
    return cases


PNG = None


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def image_folder_cases() -> list[Case]:
    image = png_bytes()

    def folder_case(name: str, prepare, expect=(2,)) -> Case:
        return train_override(f"image folder: {name}", "data.name=image_folder", "data.path=imgs", "data.image_size=4",
                              expect=expect, data=prepare, kind="data")

    def fifo(folder: Path) -> None:
        (folder / "imgs").mkdir(exist_ok=True)
        os.mkfifo(folder / "imgs" / "x.png")

    def device_link(folder: Path) -> None:
        (folder / "imgs").mkdir(exist_ok=True)
        (folder / "imgs" / "zero.png").symlink_to("/dev/zero")

    def loop(folder: Path) -> None:
        (folder / "imgs" / "sub").mkdir(parents=True)
        (folder / "imgs" / "sub" / "loop").symlink_to("..")

    return [
        folder_case("FIFO named x.png", fifo),
        folder_case("FIFO named x.png beside an image", both(write("imgs/a.png", image), fifo), expect=(0,)),
        folder_case("x.png linked to /dev/zero", device_link),
        folder_case("symlink loop", both(loop, write("imgs/a.png", image)), expect=(0,)),
        folder_case("empty x.png", write("imgs/x.png", b"")),
        folder_case("text in x.png", write("imgs/x.png", "not an image")),
        folder_case("truncated PNG", write("imgs/x.png", image[: len(image) // 2])),
        folder_case("folder named x.png", lambda folder: (folder / "imgs" / "x.png").mkdir(parents=True)),
        folder_case("no images", write("imgs/readme.txt", "hello")),
        folder_case("one image", write("imgs/a.png", image), expect=(0,)),
    ]


# --- checkpoints and run-directory files ---------------------------------------------------------------------------------

NEWEST = f"run/checkpoints/step-{BASE_STEPS:08d}.pt"


def saved(payload) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def run_case(kind: str, name: str, command: str, prepare, expect=(2,)) -> Case:
    argv, outputs = run_command(command)
    return Case(kind, f"{name} / {command}", argv, prepare=prepare, expect=expect, needs_run=True, may_change=outputs)


def run_command(command: str) -> tuple[list[str], tuple[str, ...]]:
    """argv of a command on the case's run/, and what it may write when it succeeds."""
    return {
        "resume": (["resume", "run", f"train.steps={BASE_STEPS + 10}", "--quiet"], RUN_OUTPUTS),
        "sample": (["sample", "run", "-n", "8", "--out", "out.png"], ("out.png",)),
        "report": (["report", "run", "--out", "report.html"], ("report.html",)),
        "doctor": (["doctor", "run"], ()),
        "compare": (["compare", "run", "run", "--out", "compare.html"], ("compare.html",)),
        "evaluate": (["evaluate", "run", "--n", "64"], ("run/eval.jsonl",)),
    }[command]


def checkpoint_cases(rng: random.Random, base: Path) -> list[Case]:
    original = torch.load(base / NEWEST, weights_only=True)
    blob = (base / NEWEST).read_bytes()
    variants: dict[str, bytes] = {
        "zero bytes": b"",
        "one byte": b"P",
        "random bytes": bytes(rng.getrandbits(8) for _ in range(4096)),
        "a list": saved([1, 2, 3]),
        "an int": saved(7),
        "a tensor": saved(torch.zeros(3)),
        "step negative": saved({**original, "step": -5}),
        "step a string": saved({**original, "step": "8"}),
        "rng torch state wrong": saved({**original, "rng": {**original["rng"], "torch": torch.zeros(5, dtype=torch.uint8)}}),
        "generator weights of other shapes": saved({**original, "generator": {key: torch.zeros(1) for key in original["generator"]}}),
        "plugin state for 3 plugins": saved({**original, "plugins": [{}, {}, {}]}),
        "plugin entries not dicts": saved({**original, "plugins": "none"}),
        "pickled os.system": pickle.dumps(Reduce(os.system, ("true",))),
        "zip of random members": zip_bytes({"archive/data.pkl": b"garbage", "archive/version": b"3"}, zipfile.ZIP_STORED),
    }
    for fraction in (0.1, 0.5, 0.9, 0.999):
        variants[f"cut at {fraction:.1%}"] = blob[: int(len(blob) * fraction)]
    for key in original:
        variants[f"no {key!r} entry"] = saved({k: v for k, v in original.items() if k != key})
    for key in original["rng"]:
        variants[f"no rng {key!r} entry"] = saved({**original, "rng": {k: v for k, v in original["rng"].items() if k != key}})
    cases = []
    usable = {"no 'stats_window' entry"}  # written at a log step, or by an older ganforge: restored without it
    for name, content in variants.items():
        for command in ("resume", "sample"):
            cases.append(run_case("checkpoint", f"newest checkpoint: {name}", command, write(NEWEST, content),
                                  expect=(0,) if name in usable else (2,)))
    stray = {
        "step-00000020 (copy).pt": blob, "step-abc.pt": b"junk", "step-.pt": b"junk", f"step-{BASE_STEPS:08d}.pt.bak": b"x",
        "step-00000099.pt.tmp": b"", "Step-00000050.pt": b"junk",
    }
    for name, content in stray.items():
        for command in ("resume", "sample", "evaluate"):
            cases.append(run_case("checkpoint", f"stray file {name!r}", command, write(f"run/checkpoints/{name}", content),
                                  expect=(0,)))
    for command in ("resume", "sample"):
        cases.append(run_case("checkpoint", "folder named step-00000050.pt", command,
                              lambda folder: (folder / "run/checkpoints/step-00000050.pt").mkdir(), expect=(0,)))
    return cases


def jsonl_corruptions(rng: random.Random, text: str) -> dict[str, tuple[bytes, tuple[int, ...]]]:
    """{name: (new content, exit codes allowed for resume/report/doctor/sample)} for a .jsonl log."""
    data = text.encode()
    last = data.rstrip(b"\n").rfind(b"\n") + 1
    return {
        "torn last line": (data[: last + (len(data) - last) // 2], (0,)),
        "torn last line, one byte": (data[: last + 1], (0,)),
        "invalid UTF-8 last line": (data + b"\xff\xfe{\"step\": 9\xc3\n", (0,)),
        "invalid UTF-8 in the middle": (data[:last] + b"\x80\x81\x82\n" + data[last:], (0,)),
        "NUL bytes appended": (data + b"\0" * 64, (0,)),
        "random bytes appended": (data + bytes(rng.getrandbits(8) for _ in range(256)), (0,)),
        "records of odd types": (data + b'{"step": "x"}\n{"step": 7, "loss/d": [1, 2]}\n{"step": -1}\n[1, 2]\n"text"\n'
                                 b'{"step": 3, "loss/d": "abc", "loss/g": {"a": 1}}\n', (0,)),
        "number 1e400": (data + b'{"step": 9, "loss/d": 1e400}\n', (0,)),
        "deeply nested record": (data + b'{"step": 9, "x": ' + b"[" * 100000 + b"]" * 100000 + b"}\n", (0,)),
        "empty file": (b"", (0, 2)),
        "only a torn line": (b'{"step": 1, "lo', (0, 2)),
    }


def run_dir_cases(rng: random.Random, base: Path) -> list[Case]:
    cases = []
    for log in ("stats.jsonl", "doctor.jsonl", "eval.jsonl"):
        text = (base / "run" / log).read_text() if (base / "run" / log).exists() else '{"step": 4, "metrics": {}}\n'
        for name, (content, expect) in jsonl_corruptions(rng, text).items():
            for command in ("resume", "report", "doctor", "sample", "compare"):
                allowed = (0, 2) if command == "compare" and log == "stats.jsonl" else expect
                if command == "doctor" and log == "stats.jsonl" and 0 in allowed:
                    allowed = (*allowed, 1)  # exit 1: the logged values (an infinite loss) make an error finding stand
                cases.append(run_case("run-dir", f"{log}: {name}", command, write(f"run/{log}", content), expect=allowed))
    configs = {
        "binary": bytes(rng.getrandbits(8) for _ in range(512)),
        "UTF-16": RING_YAML.encode("utf-16"),
        "Latin-1": (RING_YAML + "name: café\n").encode("latin-1"),
        "empty": b"",
        "a list": b"- 1\n- 2\n",
        "nested 10000 deep": ("z_dim: " + "[" * 10000 + "]" * 10000).encode(),
        "alias bomb": (billion_laughs(9, 9) + "z_dim: *l8\n" + RING_YAML).encode(),
        "unknown key": (RING_YAML + "bogus: 1\n").encode(),
    }
    for name, content in configs.items():
        for command in ("resume", "sample", "report", "doctor", "compare", "evaluate"):
            expect = (0, 2) if command in ("report", "compare") else (2,)  # both read the logs, not the config
            cases.append(run_case("run-dir", f"config.yaml {name}", command, write("run/config.yaml", content), expect))
    for command in ("resume", "sample", "doctor"):
        cases.append(run_case("run-dir", "config.yaml missing", command,
                              lambda folder: (folder / "run/config.yaml").unlink()))
        cases.append(run_case("run-dir", "config.yaml is a folder", command,
                              lambda folder: ((folder / "run/config.yaml").unlink(), (folder / "run/config.yaml").mkdir())))
    grids = {"stray grid name": write("run/samples/step-00000020 (copy).png", b"junk"),
             "FIFO named step-00000040.png": lambda folder: os.mkfifo(folder / "run/samples/step-00000040.png"),
             "folder named step-00000050.png": lambda folder: (folder / "run/samples/step-00000050.png").mkdir(),
             "corrupt newest grid": write(f"run/samples/step-{BASE_STEPS:08d}.png", b"not a png")}
    for name, prepare in grids.items():
        for command in ("report", "compare", "resume"):
            cases.append(run_case("run-dir", f"samples/: {name}", command, prepare, expect=(0,)))
    return cases


# --- CLI arguments --------------------------------------------------------------------------------------------------------

def cli_cases() -> list[Case]:
    def sample(name, *arguments, expect=(2,), prepare=lambda folder: None, outputs=()):
        return Case("cli", f"sample {name}", ["sample", "run", *arguments], prepare=prepare, expect=expect,
                    needs_run=True, may_change=outputs)

    cases = [
        sample("--out o.xyz", "--out", "o.xyz"),
        sample("--out DIR", "--out", "outdir", prepare=lambda folder: (folder / "outdir").mkdir()),
        sample("--out without extension", "--out", "o"),
        sample("--out in a new folder", "--out", "new/o.png", expect=(0,), outputs=("new/o.png",)),
        sample("--out inside a file", "--out", "afile/o.png", prepare=write("afile", "x")),
        sample("--out o.npy --format png", "--out", "o.npy", "--format", "png"),
        sample("--out o.NPY", "-n", "4", "--out", "o.NPY", expect=(0,), outputs=("o.NPY",)),
        sample("--checkpoint missing", "--checkpoint", "nope.pt"),
        sample("--checkpoint a folder", "--checkpoint", "run/checkpoints"),
        sample("--class 3 (unconditional)", "--class", "3"),
        sample("--frames 1", "--interpolate", "0", "1", "--frames", "1"),
        sample("--frames 10^12", "--interpolate", "0", "1", "--frames", str(10**12), "--format", "npy"),
        sample("--interpolate seeds beyond range", "--interpolate", str(2**64), "1", "--format", "npy"),
    ]
    for n in ("0", "-5", "1e12", "abc", str(10**12), str(10**30)):
        cases.append(sample(f"-n {n}", "-n", n))
    for seed in ("-1", str(2**64), str(10**30), "1.5"):
        cases.append(sample(f"--seed {seed}", "--seed", seed))
    run = dict(needs_run=True)
    cases += [
        Case("cli", "evaluate --n 1", ["evaluate", "run", "--n", "1"], **run),
        Case("cli", "evaluate --n 10^12", ["evaluate", "run", "--n", str(10**12)], **run),
        Case("cli", "evaluate --metrics nope", ["evaluate", "run", "--metrics", "nope"], **run),
        Case("cli", "evaluate train.steps=3", ["evaluate", "run", "train.steps=3"], **run),
        Case("cli", "compare a missing run", ["compare", "run", "nothere"], **run),
        Case("cli", "compare --out DIR", ["compare", "run", "--out", "run"], **run),
        Case("cli", "report --out DIR", ["report", "run", "--out", "run/samples"], **run),
        Case("cli", "report --out in a missing folder", ["report", "run", "--out", "no/such/r.html"], **run),
        Case("cli", "doctor a missing run", ["doctor", "nothere"]),
        Case("cli", "resume a missing run", ["resume", "nothere"]),
        Case("cli", "resume a file", ["resume", "afile"], prepare=write("afile", "x")),
        Case("cli", "train --runs-root a file", ["train", "ring", *TINY, "--runs-root", "afile"], prepare=write("afile", "x")),
        Case("cli", "train into a user's folder", ["train", "ring", *TINY, "data.name=array", "data.path=missing.npy",
                                                   "--run-dir", "mine"], prepare=write("mine/draft.tmp", "notes")),
        Case("cli", "train a missing preset", ["train", "nopreset", "--run-dir", "run"], fresh_run_dir=True),
        Case("cli", "unknown command", ["bogus"]),
        Case("cli", "no command", []),
        Case("cli", "unknown option", ["train", "--bogus"]),
        Case("cli", "list bogus", ["list", "bogus"]),
        Case("cli", "--run-dir without value", ["train", "--run-dir"]),
    ]
    return cases


# --- running --------------------------------------------------------------------------------------------------------------

def build_base(workspace: Path) -> Path:
    """A tiny finished ring run in workspace/base/run (checkpoints every 4 steps, the doctor on)."""
    base = workspace / "base"
    base.mkdir()
    argv = [sys.executable, "-m", "ganforge", "train", "ring", *TINY, f"train.steps={BASE_STEPS}",
            "train.checkpoint_every=4", "train.sample_every=4", "doctor.enabled=true", "doctor.sample_every=2",
            "eval.every=4", "--run-dir", "run", "--quiet"]
    subprocess.run(argv, cwd=base, env=child_env(), check=True, capture_output=True, timeout=300)
    return base


def child_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def snapshot(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every regular file under `folder` (FIFOs and devices are not read)."""
    found = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def start(case: Case, folder: Path, spawn: bool, output: Path):
    """Start the case's command in a child process; returns its pid (fork) or Popen (spawn)."""
    out, err = open(output / "stdout", "wb"), open(output / "stderr", "wb")
    if spawn:
        process = subprocess.Popen([sys.executable, "-m", "ganforge", *case.argv], cwd=folder, env=child_env(),
                                   stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        out.close(), err.close()
        return process
    pid = os.fork()
    if pid:
        out.close(), err.close()
        return pid
    os.setsid()
    os.chdir(folder)
    os.dup2(out.fileno(), 1), os.dup2(err.fileno(), 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdout, sys.stderr = io.TextIOWrapper(os.fdopen(1, "wb", 0), write_through=True), \
        io.TextIOWrapper(os.fdopen(2, "wb", 0), write_through=True)
    code = 1
    try:
        code = ganforge.cli.main(case.argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # what the interpreter would print for an uncaught exception
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush(), sys.stderr.flush()
    os._exit(code or 0)


def wait(handle, timeout: float, began: float) -> int | None | bool:
    """The exit code, False while still running, None once killed for running past `timeout`."""
    if isinstance(handle, subprocess.Popen):
        code = handle.poll()
        pid = handle.pid
    else:
        done, status = os.waitpid(handle, os.WNOHANG)
        code = os.waitstatus_to_exitcode(status) if done else None
        pid = handle
    if code is not None:
        return code
    if time.monotonic() - began < timeout:
        return False
    os.killpg(pid, signal.SIGKILL)
    handle.wait() if isinstance(handle, subprocess.Popen) else os.waitpid(pid, 0)
    return None


def judge(case: Case, code: int | None, stdout: str, stderr: str, before: dict, folder: Path) -> list[str]:
    problems = []
    if code is None:
        return ["hang"]
    if "Traceback" in stdout or "Traceback" in stderr:
        problems.append("traceback")
    if code not in case.expect:
        problems.append("exit code")
    lines = [line for line in stderr.splitlines() if line.strip()]
    if code == 2 and (len(lines) != 1 or not lines[0].startswith("error: ")):
        problems.append("not one line")
    after = snapshot(folder)
    allowed = case.may_change if code == 0 else ()
    changed = [path for path, digest in before.items()
               if after.get(path) != digest and not any(fnmatch(path, pattern) for pattern in allowed)]
    if changed:
        problems.append("files lost or changed")
    if case.fresh_run_dir and code != 0 and (folder / "run").exists():
        problems.append("left a run folder")
    return problems


def run_cases(cases: list[Case], workspace: Path, base: Path, spawn: bool, timeout: float, workers: int) -> list[Outcome]:
    pending, running, outcomes = list(enumerate(cases)), {}, []
    while pending or running:
        while pending and len(running) < workers:
            index, case = pending.pop(0)
            folder, output = workspace / f"case-{index:04d}", workspace / f"out-{index:04d}"
            folder.mkdir(), output.mkdir()
            if case.needs_run:
                shutil.copytree(base / "run", folder / "run", symlinks=True)
            case.prepare(folder)
            before = snapshot(folder)
            running[index] = (case, folder, output, before, start(case, folder, spawn, output), time.monotonic())
        for index, (case, folder, output, before, handle, began) in list(running.items()):
            code = wait(handle, timeout, began)
            if code is False:
                continue
            del running[index]
            stdout = (output / "stdout").read_text(errors="replace")
            stderr = (output / "stderr").read_text(errors="replace")
            outcome = Outcome(case, code, stdout, stderr, judge(case, code, stdout, stderr, before, folder))
            outcomes.append(outcome)
            shutil.rmtree(folder, ignore_errors=True)
        time.sleep(0.02)
    return outcomes


PROBLEMS = ("traceback", "hang", "exit code", "not one line", "files lost or changed", "left a run folder")


def table(outcomes: list[Outcome], kinds: list[str]) -> str:
    header = "| kind | cases | passed | " + " | ".join(PROBLEMS) + " |"
    rows = [header, "|" + "---|" * (3 + len(PROBLEMS))]
    for kind in [*kinds, "all"]:
        chosen = [o for o in outcomes if kind in ("all", o.case.kind)]
        counts = [sum(problem in o.problems for o in chosen) for problem in PROBLEMS]
        passed = sum(not o.problems for o in chosen)
        label = "**all**" if kind == "all" else kind
        rows.append(f"| {label} | {len(chosen)} | {passed} | " + " | ".join(map(str, counts)) + " |")
    return "\n".join(rows)


def section(outcomes: list[Outcome], kinds: list[str], seconds: float, spawn: bool, seed: int) -> str:
    how = "`python -m ganforge` subprocesses" if spawn else "child processes forked after importing ganforge"
    return (f"## Input boundary: fuzz and fault benchmark (`benchmarks/robustness.py`)\n\n"
            f"{len(outcomes)} generated and hand-made bad inputs (seed {seed}), each run through the `ganforge` "
            f"command line in {how}, two at a time, with a timeout. A case passes when the command ends in time, prints "
            "no traceback, exits with an allowed code (2 for bad input, with exactly one `error: ` line on stderr), "
            "leaves every file that was there before byte for byte (outputs of a successful command aside) and, "
            "for a failed `train`, no run folder.\n\n"
            f"{table(outcomes, kinds)}\n\n"
            f"{seconds:.0f} s on {torch.get_num_threads()} torch threads, torch {torch.__version__}, "
            f"Python {sys.version.split()[0]}. Rerun: `python benchmarks/robustness.py`.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated subset of {', '.join(KINDS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a case may run (default 60)")
    parser.add_argument("--workers", type=int, default=2, choices=(1, 2))
    parser.add_argument("--spawn", action="store_true", help="run `python -m ganforge` instead of forking")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/reliability.md alone")
    parser.add_argument("--verbose", action="store_true", help="print every failing case with its stderr")
    args = parser.parse_args(argv)
    kinds = [kind for kind in args.kinds.split(",") if kind]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ganforge-robustness-") as temporary:
        workspace = Path(temporary)
        base = build_base(workspace)
        builders = {"config": lambda: config_cases(rng), "override": lambda: override_cases(rng),
                    "data": lambda: data_cases(rng), "checkpoint": lambda: checkpoint_cases(rng, base),
                    "run-dir": lambda: run_dir_cases(rng, base), "cli": cli_cases}
        cases = [case for kind in kinds for case in builders[kind]()]
        print(f"{len(cases)} cases", flush=True)
        outcomes = run_cases(cases, workspace, base, args.spawn, args.timeout, args.workers)
    seconds = time.perf_counter() - started
    failing = [o for o in outcomes if o.problems]
    for outcome in failing:
        print(f"FAIL [{outcome.case.kind}] {outcome.case.name}: {', '.join(outcome.problems)} (exit {outcome.code})")
        if args.verbose:
            print("    " + "\n    ".join((outcome.stderr.strip() or "(no stderr)").splitlines()[-6:]))
    print(table(outcomes, kinds))
    if not args.no_write:
        write_section("robustness", section(outcomes, kinds, seconds, args.spawn, args.seed), RELIABILITY_MD)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
