"""The HTML report: SVG plots on known numbers, the page of a real tiny run, and the page in headless Chromium."""
import base64
import html
import io
import json
import math
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from ganforge.cli import main
from ganforge.config import validate
from ganforge.report import html as report_html
from ganforge.report.html import render_report, write_report
from ganforge.report.run_data import read_run
from ganforge.report.svg_plots import Frame, Line, line_plot, nice_domain, path_data, thin, ticks
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from tests.conftest import tiny_digits_raw

CHROMIUM = Path("/usr/bin/chromium")
SMALL = Frame(width=200, height=100, left=10, right=10, top=10, bottom=10)  # drawing area x 10..190, y 90 (low)..10 (high)
FINDINGS = [
    {"step": 6, "rule": "d_overpowers_g", "severity": "warning", "message": "D accuracy above 0.95 for 500 steps",
     "evidence": {"d/accuracy": 0.97, "window": 500}, "advice": ["optim.d.lr=1e-4", "plugins=[{name: r1}]"]},
    {"step": 3, "rule": "nan", "severity": "error", "message": "loss/d is NaN", "evidence": {}, "advice": []},
]


# --- SVG plots on known numbers -------------------------------------------------------------------------------

def test_points_land_on_the_pixels_the_linear_maps_give():
    # x: step 0 -> 10 px, 10 -> 190 px; y: value 0 -> 90 px (bottom), 1 -> 10 px (top).
    d = path_data([(0, 0.0), (5, 0.5), (10, 1.0)], x_domain=(0, 10), y_domain=(0, 1), frame=SMALL)
    assert d == "M10.0,90.0L100.0,50.0L190.0,10.0"


def test_nonfinite_values_are_gaps_with_a_marker_each():
    points = [(0, 0.0), (1, math.nan), (2, 1.0), (3, math.inf), (4, 0.0)]
    assert path_data(points, (0, 4), (0, 1), SMALL) == "M10.0,90.0h0M100.0,10.0h0M190.0,90.0h0"  # three lone dots
    svg = line_plot([Line("loss/d", points)], x_domain=(0, 4), y_domain=(0, 1), frame=SMALL)
    assert svg.count('class="nonfinite"') == 2
    assert re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg) == [("10.0", "90.0"), ("100.0", "10.0"),
                                                                      ("190.0", "90.0")]  # each lone point a dot


def test_axes_snap_to_round_ticks():
    assert nice_domain([0.13, 0.87]) == (0.0, 1.0)  # span 0.74 / 4 ticks -> spacing 0.2
    assert ticks((0.0, 1.0)) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    low, high = nice_domain([3.0, 3.0])  # a constant gets room around it
    assert low < 3.0 < high and math.isclose((low + high) / 2, 3.0)
    assert nice_domain([math.nan]) == (0.0, 1.0)


def test_thinning_keeps_spikes_and_gaps():
    points = [(step, 0.0) for step in range(10_000)]
    points[7777] = (7777, 50.0)
    points[1234] = (1234, math.nan)
    kept = thin(points, max_points=1000)
    assert len(kept) <= 1000 + 1 and (7777, 50.0) in kept
    assert any(step == 1234 and math.isnan(value) for step, value in kept)
    assert [step for step, _ in kept] == sorted(step for step, _ in kept)


# --- the page of a real run ------------------------------------------------------------------------------------

class Elements(HTMLParser):
    """Every start tag as (tag, attrs, index of the enclosing <svg> or None)."""

    def __init__(self, text: str):
        super().__init__()
        self.elements, self.svg_index, self.svg_count = [], None, 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.svg_index, self.svg_count = self.svg_count, self.svg_count + 1
        self.elements.append((tag, attrs, self.svg_index))

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_index = None

    def find(self, tag, cls=None):
        return [(a, svg) for t, a, svg in self.elements if t == tag and (cls is None or cls in a.get("class", "").split())]


@pytest.fixture(scope="module")
def run_path(tmp_path_factory):
    """A 6-step DCGAN run on the digits (grids at steps 3 and 6), then a NaN record and two hand-written findings."""
    path = tmp_path_factory.mktemp("report") / "run"
    train(validate(tiny_digits_raw(log_every=1)), RunDir.create(path=path), quiet=True)
    assert (path / "report.html").is_file()  # written by the loop at the checkpoints and at the end
    with (path / "stats.jsonl").open("a") as file:
        file.write(json.dumps({"step": 7, "loss/d": "nan", "loss/g": 0.7, "loss/d_r1": 0.25, "eval/fid": 12.5}) + "\n")
        file.write('{"step": 8, "loss/d"')  # a torn last line, as a killed run leaves
    (path / "doctor.jsonl").write_text("".join(json.dumps(f) + "\n" for f in FINDINGS))
    assert main(["report", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def page(run_path):
    return (run_path / "report.html").read_text()


def test_the_loop_writes_a_report_with_every_grid(tmp_path):
    path = tmp_path / "run"
    train(validate(tiny_digits_raw()), RunDir.create(path=path), quiet=True)
    figures = Elements((path / "report.html").read_text()).find("figure", "grid")
    assert [a["data-step"] for a, _ in figures] == ["3", "6"]


def test_every_plot_has_a_line_and_every_image_decodes(run_path, page):
    elements = Elements(page)
    plots = {svg for _, svg in elements.find("svg", "plot")}
    lines = elements.find("path", "series")
    assert plots and {svg for _, svg in lines} == plots  # every plot draws at least one series
    assert all(re.fullmatch(r"(M[-\d.]+,[-\d.]+(h0|(L[-\d.]+,[-\d.]+)+))+", a["d"]) for a, _ in lines)
    names = {a["data-name"] for a, _ in lines}
    assert {"loss/g", "loss/d", "d/real", "d/fake", "d/accuracy", "d/sign_real", "grad/g", "grad/d",
            "loss/d_r1", "eval/fid", "time/step_s"} <= names

    images = [a["src"] for a, _ in elements.find("img")]
    assert len(images) == 2
    for src, grid in zip(images, sorted((run_path / "samples").glob("step-*.png"))):
        assert src.startswith("data:image/png;base64,")
        decoded = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        assert decoded.size == Image.open(grid).size
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page


def test_nan_is_a_gap_and_is_flagged(page):
    alert = re.search(r'<div class="alert" id="nonfinite">(.*?)</div>', page, re.S).group(1)
    assert "<code>loss/d</code> at step 7" in alert and "loss/g" not in alert
    loss_card = re.search(r"<h3>Losses</h3>(.*?)</figure>", page, re.S).group(1)
    assert loss_card.count('class="nonfinite"') == 1 and "loss/d: NaN/Inf at step 7" in loss_card
    assert "Could not read 1 line of stats.jsonl" in page


def test_doctor_findings_in_step_order_with_their_advice(page):
    doctor = re.search(r'<section id="doctor">(.*?)</section>', page, re.S).group(1)
    rows = re.findall(r"<tr class=\"sev-(\w+)\"><td>(\d+)</td>", doctor)
    assert rows == [("error", "3"), ("warning", "6")]
    assert doctor.index("optim.d.lr=1e-4") < doctor.index(html.escape("plugins=[{name: r1}]"))
    assert doctor.count("<circle") == 2 and "d/accuracy = 0.97" in doctor
    assert page.count('class="event"') == 2 * len(Elements(page).find("svg", "plot"))  # a marker per finding per plot


def test_config_is_embedded_verbatim(run_path, page):
    shown = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))
    assert shown == (run_path / "config.yaml").read_text()
    assert yaml.safe_load(shown)["data"]["name"] == "digits"


def test_a_run_without_doctor_file_or_grids_still_renders(tmp_path):
    (tmp_path / "config.yaml").write_text("name: empty\n")
    (tmp_path / "stats.jsonl").write_text('{"step": 10, "loss/d": 1.0}\n{"step": 20, "loss/d": "inf"}\n')
    page = render_report(read_run(tmp_path))
    assert "No doctor.jsonl in this run" in page and "No sample grids" in page
    assert "<code>loss/d</code> at step 20" in page


def test_a_report_failure_never_stops_training(tmp_path, monkeypatch, capsys):
    def broken(run):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report_html, "render_report", broken)
    path = tmp_path / "run"
    train(validate(tiny_digits_raw(steps=3)), RunDir.create(path=path), quiet=True)
    assert (path / "checkpoints" / "step-00000003.pt").is_file()
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings and all("report.html not refreshed (RuntimeError: disk on fire)" in w for w in warnings)
    assert not (path / "report.html").exists()


def test_cli_report_errors_are_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path}: not a run directory")
    (tmp_path / "config.yaml").write_text("name: x\n")
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "missing" / "r.html")]) == 2
    assert "cannot write the report" in capsys.readouterr().err


def test_report_rebuild_is_cheap(run_path):
    import time

    started = time.perf_counter()
    write_report(run_path, run_path / "again.html")
    assert time.perf_counter() - started < 2.0  # generous for a loaded CI machine; ~10 ms here


# --- in a real browser -----------------------------------------------------------------------------------------

def chromium(args: list[str], user_data: Path, url: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={user_data}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([str(CHROMIUM), *flags, *args, url], capture_output=True, text=True, timeout=120)


def console_lines(stderr: str) -> list[str]:
    """Chromium logs every console message and uncaught exception of the page as `...:CONSOLE...] "text"`."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                   "(apt-get install chromium); .ci/run installs it")
def test_report_in_headless_chromium(run_path, page, tmp_path):
    report = run_path / "report.html"
    dom_run = chromium(["--dump-dom"], tmp_path / "profile-dom", report.as_uri() + "#step=3")
    assert dom_run.returncode == 0, dom_run.stderr[-2000:]
    dom = Elements(dom_run.stdout)
    assert any(t == "body" and a.get("data-report-script") == "ok" for t, a, _ in dom.elements)  # the script ran to its end
    shown = {a["data-step"]: "hidden" in a for a, _ in dom.find("figure", "grid")}
    assert shown == {"3": False, "6": True}  # #step=3 picked the first grid
    assert len(dom.find("svg", "plot")) == len(Elements(page).find("svg", "plot"))
    assert console_lines(dom_run.stderr) == []  # no errors, and the report logs nothing

    # The screenshot run also proves the console check works: a control message must show up, and nothing else.
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", '<script>console.error("control-probe")</script></body>'))
    screenshot = tmp_path / "report.png"
    shot_run = chromium([f"--screenshot={screenshot}", "--window-size=1280,2000", "--hide-scrollbars"],
                        tmp_path / "profile-shot", probed.as_uri())
    assert shot_run.returncode == 0, shot_run.stderr[-2000:]
    logged = console_lines(shot_run.stderr)
    assert len(logged) == 1 and "control-probe" in logged[0]
    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=np.float64)
    assert pixels.shape == (2000, 1280) and pixels.var() > 100  # not a blank page
