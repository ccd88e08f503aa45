"""`ganforge compare`: final stats, overlaid curves and the last grids of several runs, on one page."""
import base64
import json
import re

import pytest
import yaml

from ganforge.cli import main
from ganforge.report.compare import format_value, load_runs, text_table
from ganforge.train.stats import read_stats
from tests.conftest import tiny_ring_raw


@pytest.fixture
def two_runs(tmp_path):
    paths = []
    for name, loss in (("run-ns", "nonsaturating"), ("run-hinge", "hinge")):
        config = tmp_path / f"{name}.yaml"
        config.write_text(yaml.safe_dump({**tiny_ring_raw(steps=10), "loss": {"name": loss}}))
        assert main(["train", str(config), "--run-dir", str(tmp_path / name), "--quiet"]) == 0
        paths.append(tmp_path / name)
    return paths


def test_page_has_both_runs_their_grids_and_final_numbers(two_runs, tmp_path):
    out = tmp_path / "compare.html"
    assert main(["compare", *map(str, two_runs), "--out", str(out)]) == 0
    page = out.read_text()
    assert "run-ns" in page and "run-hinge" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3  # the curves figure and one grid per run
    grids = [base64.b64decode(data) for data in images[1:]]
    assert grids == [(path / "samples" / "step-00000010.png").read_bytes() for path in two_runs]
    for path in two_runs:
        final = read_stats(path / "stats.jsonl")[-1]
        assert final["step"] == 10
        for name in ("loss/d", "loss/g", "d/real", "d/fake"):
            assert f"<td>{format_value(final[name])}</td>" in page
    assert "src=\"http" not in page and "<link" not in page  # self-contained


def test_text_table_lists_each_stat_with_each_runs_final_value(two_runs, capsys):
    assert main(["compare", *map(str, two_runs), "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["stat", "run-ns", "run-hinge"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert rows["step"] == ["10", "10"]
    finals = [read_stats(path / "stats.jsonl")[-1] for path in two_runs]
    assert rows["loss/d"] == [f"{final['loss/d']:.4g}" for final in finals]
    assert text_table(load_runs(two_runs)).splitlines() == lines


def test_same_directory_names_are_told_apart_and_a_run_without_stats_is_an_error(two_runs, tmp_path, capsys):
    runs = load_runs([two_runs[0], two_runs[0]])
    assert runs[0].name == runs[1].name == str(two_runs[0])  # clashing names: the full path
    (two_runs[1] / "stats.jsonl").unlink()
    assert main(["compare", str(two_runs[1]), "--format", "table"]) == 2
    assert "stats.jsonl: no stats yet" in capsys.readouterr().err


def test_format_value():
    assert format_value(10.0) == "10" and format_value(0.123456) == "0.1235" and format_value(None) == "-"
    assert format_value(float("nan")) == "nan"


def test_table_and_page_show_each_runs_latest_evaluation(two_runs, tmp_path, capsys):
    evaluated, plain = two_runs
    for n in ("100", "300"):
        assert main(["evaluate", str(evaluated), "--metrics", "modes", "--n", n]) == 0
    latest = [json.loads(line) for line in (evaluated / "eval.jsonl").read_text().splitlines()][-1]
    assert latest["provenance"]["n_generated"] == 300
    with (evaluated / "eval.jsonl").open("a") as file:
        file.write('{"step": 10, "metr')  # a torn line from a run still writing: skipped
    capsys.readouterr()
    assert main(["compare", str(evaluated), str(plain), "--format", "table"]) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[2:]}
    assert rows["eval/step"] == ["10", "-"] and rows["eval/extractor"] == ["data", "-"]
    for name, value in latest["metrics"].items():
        assert rows[f"eval/{name}"] == [format_value(float(value)), "-"]
    out = tmp_path / "page.html"
    assert main(["compare", str(evaluated), str(plain), "--out", str(out)]) == 0
    assert f"<td>eval/{next(iter(latest['metrics']))}</td>" in out.read_text()
