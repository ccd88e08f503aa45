"""Progress display: plain lines when stdout is not a terminal, a rich bar when it is; both show a status."""
import io
import re

import pytest

from ganforge.train.progress import ProgressLine, progress_display

MEANS = {"loss/d": 1.2345, "loss/g": 0.6789, "d/real": 0.55, "d/fake": 0.45}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_not_a_terminal_gives_plain_lines_with_step_and_eta():
    stream = io.StringIO()
    display = progress_display(100, start_step=0, stream=stream, status=lambda: "")
    assert isinstance(display, ProgressLine)
    display(10, MEANS)
    display.close()
    line = stream.getvalue()
    assert line.count("\n") == 1
    assert line.startswith("step 10/100  ") and "it/s" in line and "ETA " in line
    assert "D 1.234" in line and "G 0.679" in line and "D(x) 0.550" in line and "D(G(z)) 0.450" in line


def test_plain_line_appends_the_status_when_there_is_one():
    stream = io.StringIO()
    status = {"text": ""}
    line = ProgressLine(100, stream=stream, every_seconds=0.0, status=lambda: status["text"])
    line(10, MEANS)
    status["text"] = "D too strong: D(x) ≈ 1"
    line(20, MEANS)
    first, second = stream.getvalue().splitlines()
    assert "|" not in first
    assert second.endswith("  | D too strong: D(x) ≈ 1")


def test_eta_is_remaining_steps_over_speed(monkeypatch):
    clock = iter([100.0, 110.0])  # constructed at t=100 s, first flush at t=110 s
    monkeypatch.setattr("ganforge.train.progress.time.perf_counter", lambda: next(clock))
    stream = io.StringIO()
    line = ProgressLine(1000, start_step=200, stream=stream)
    line(300, MEANS)  # 100 steps in 10 s = 10 it/s; 700 left = 70 s = 1:10
    assert "10.0 it/s  ETA 1:10" in stream.getvalue()


def test_terminal_gets_the_rich_bar():
    pytest.importorskip("rich")
    from ganforge.train.progress_bar import ProgressBar

    assert isinstance(progress_display(100, stream=FakeTerminal()), ProgressBar)


def test_rich_bar_renders_step_losses_and_status():
    pytest.importorskip("rich")
    from rich.console import Console

    from ganforge.train.progress_bar import ProgressBar

    out = io.StringIO()
    bar = ProgressBar(100, status=lambda: "doctor: all quiet", console=Console(file=out, force_terminal=True, width=200))
    bar(50, MEANS)
    bar.close()
    text = ANSI.sub("", out.getvalue())
    assert "step 50/100" in text and "it/s" in text and "ETA" in text
    assert "D 1.234" in text and "G 0.679" in text
    assert "doctor: all quiet" in text
