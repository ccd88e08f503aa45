"""The doctor during real (tiny) training runs, and the `ganforge doctor` command."""
import json

import pytest
import torch

from conftest import tiny_digits_raw, tiny_ring_raw
from ganforge.cli import main
from ganforge.config import validate
from ganforge.doctor.doctor import diagnose_run
from ganforge.train.loop import train
from ganforge.train.run_dir import RunDir
from ganforge.train.stats import read_stats


def run_tiny(tmp_path, raw, name="run"):
    run = RunDir.create(path=tmp_path / name)
    state = train(validate(raw), run, quiet=True)
    return run, state


def ring_raw(lr=1e-3):
    """200 steps of a small GAN on 4 wide Gaussians (std 0.2), which it learns in that time (half its points
    within 3σ of a mode by step 40); judged from step 30 on (window 3 flushes of 5 steps, 2 windows warm-up)."""
    raw = tiny_ring_raw(steps=200, log_every=5, sample_every=200, checkpoint_every=200)
    raw["data"] = {"name": "ring", "modes": 4, "std": 0.2}
    raw["generator"]["width"] = raw["discriminator"]["width"] = 32
    raw.update(z_dim=2, optim={"g": {"lr": lr}, "d": {"lr": lr}}, doctor={"sample_every": 10, "window": 3})
    return raw


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    """lr 0.05 on both nets: G's samples blow far off the mixture."""
    run, _ = run_tiny(tmp_path_factory.mktemp("failing"), ring_raw(lr=0.05))
    return run


@pytest.fixture(scope="module")
def standing_error_run(tmp_path_factory):
    """G at lr 1e-7 against D at 1e-3: G never leaves its start, a near-point, so its error stands to the end."""
    raw = ring_raw()
    raw["optim"] = {"g": {"lr": 1e-7}, "d": {"lr": 1e-3}}
    run, _ = run_tiny(tmp_path_factory.mktemp("standing"), raw)
    return run


def test_a_healthy_tiny_run_writes_probes_status_and_no_error(tmp_path):
    run, state = run_tiny(tmp_path, ring_raw())
    records = read_stats(run.stats)
    probed = [r["step"] for r in records if "samples/diversity" in r]
    assert probed == [5, *range(10, 201, 10)]  # the first flush, then every doctor.sample_every steps
    assert {"samples/modes", "samples/high_quality", "samples/offset", "d/heldout_real"} <= set(records[-1])
    assert (run.path / "doctor.jsonl").is_file()
    findings = [json.loads(line) for line in (run.path / "doctor.jsonl").read_text().splitlines()]
    assert all(f["severity"] != "error" for f in findings)
    assert records[-1]["samples/high_quality"] > 0.3  # it did learn: the silence is earned
    assert state.extras["doctor_status"].startswith("doctor: ")


def test_live_findings_match_the_offline_replay(failing_run):
    run = failing_run
    live = [json.loads(line) for line in (run.path / "doctor.jsonl").read_text().splitlines()]
    assert live, "lr 0.05 on both nets should upset the doctor"
    offline = [f.to_json() for f in diagnose_run(run.path)]
    assert [(f["step"], f["rule"], f["severity"]) for f in live] == [(f["step"], f["rule"], f["severity"]) for f in offline]
    assert {f["severity"] for f in live} >= {"warn", "error"}


def test_each_finding_is_printed_once(tmp_path, capsys):
    run, _ = run_tiny(tmp_path, ring_raw(lr=0.05))
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("doctor: ")]
    written = (run.path / "doctor.jsonl").read_text().splitlines()
    assert printed and len(printed) == len(written)


def test_the_doctor_does_not_disturb_training(tmp_path):
    """Probing G and D (eval mode, own generator) leaves weights, BN statistics and the RNG stream untouched."""
    on = tiny_digits_raw(steps=6)
    off = {**tiny_digits_raw(steps=6), "doctor": {"enabled": False}}
    on["doctor"] = {"sample_every": 1}
    _, with_doctor = run_tiny(tmp_path, on, "on")
    run_off, without = run_tiny(tmp_path, off, "off")
    for a, b in zip(with_doctor.G.state_dict().values(), without.G.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(with_doctor.D.state_dict().values(), without.D.state_dict().values()):
        assert torch.equal(a, b)
    assert not (run_off.path / "doctor.jsonl").exists()
    assert all("samples/diversity" not in r for r in read_stats(run_off.stats))


def test_cli_doctor_human_json_and_bad_directory(standing_error_run, tmp_path, capsys):
    run = standing_error_run
    assert main(["doctor", str(run.path), "--json"]) == 1  # its error lasts to the end
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(set(json.loads(line)) == {"step", "rule", "severity", "message", "evidence", "advice"}
                         for line in lines)
    assert main(["doctor", str(run.path)]) == 1
    human = capsys.readouterr().out
    assert "try (best first" in human and json.loads(lines[0])["rule"] in human
    assert main(["doctor", str(tmp_path / "nowhere")]) == 2
    assert "no such run directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["doctor", str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().err.count("\n") == 1  # one line


@pytest.mark.parametrize("value", [0, -5])
def test_sample_every_must_be_positive(value):
    from ganforge.errors import ConfigError

    with pytest.raises(ConfigError, match="doctor.sample_every"):
        validate({**tiny_ring_raw(), "doctor": {"sample_every": value}})


def test_an_error_finding_requests_a_remedy_only_when_auto_remedy_is_active(tmp_path):
    from ganforge.doctor.live import LiveDoctor
    from ganforge.train.state import build_state

    state = build_state(validate(ring_raw()))
    live = LiveDoctor(state, RunDir.create(path=tmp_path / "run"))
    live(5, {"loss/d": float("nan")})  # divergence, error at once
    assert not state.remedy.pending
    state.remedy.active = True
    live(10, {"loss/g": float("inf")})  # the finding is still active: nothing new, so nothing requested
    assert not state.remedy.pending
    state = build_state(validate(ring_raw()))
    state.remedy.active = True
    live = LiveDoctor(state, RunDir.create(path=tmp_path / "run2"))
    live(5, {"loss/d": float("nan")})
    assert state.remedy.finding.rule == "divergence"
    assert state.extras["doctor_status"] == "doctor: ERROR divergence (step 5)"


def test_a_resumed_run_reports_the_findings_of_an_uninterrupted_one(failing_run, tmp_path):
    """The doctor's memory is rebuilt from stats.jsonl on resume: nothing repeated, nothing missed."""
    raw = ring_raw(lr=0.05)
    raw["train"]["steps"] = 100
    run, _ = run_tiny(tmp_path, raw)
    config = validate({**raw, "train": {**raw["train"], "steps": 200}})
    train(config, RunDir.open(run.path), resume=True, quiet=True)
    resumed = (run.path / "doctor.jsonl").read_text().splitlines()
    uninterrupted = (failing_run.path / "doctor.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in resumed] == [json.loads(line)["step"] for line in uninterrupted]
    assert resumed == uninterrupted


def test_report_html_shows_advice_as_changes_not_dicts(failing_run, tmp_path):
    from ganforge.report.html import write_report

    html = write_report(failing_run.path, tmp_path / "report.html").read_text()
    first = json.loads((failing_run.path / "doctor.jsonl").read_text().splitlines()[0])
    change = first["advice"][0].get("override") or f"add plugin {{name: {first['advice'][0]['plugin']['name']}"
    assert change in html and "{&#x27;override&#x27;" not in html and "{'override'" not in html
