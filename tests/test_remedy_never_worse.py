"""Auto-remedy never leaves a run worse than it found it: a step budget, and the unremedied best kept and restored."""
import json
from pathlib import Path

import pytest
import torch

from ganforge.config import load_config, validate
from ganforge.doctor import remedy, run_metric
from ganforge.doctor.finding import Advice, Finding
from ganforge.doctor.kept_best import settle
from ganforge.doctor.step_budget import StepBudget, extra_steps, step_budget
from ganforge.train.checkpoint import checkpoint_step, latest_checkpoint, list_checkpoints, load_checkpoint, read_checkpoint
from ganforge.train.guard import DivergenceError
from ganforge.train.run_dir import RunDir
from ganforge.train.state import build_state
from tests.conftest import tiny_ring_raw

LOWER_D_LR = Advice(why="D wins", override="optim.d.lr=0.00005")
ADD_NOISE = Advice(why="blur D's view", plugin={"name": "instance_noise", "std": 0.1})


def config(**doctor):
    raw = tiny_ring_raw(steps=30, checkpoint_every=5, keep_checkpoints=10, log_every=5)
    return validate({**raw, "doctor": {"window": 2, "auto": True, **doctor}})


def scripted_doctor(trigger_step, unremedied, remedied, probe_every=1):
    """Stands in for the live doctor: probe statistics from `unremedied(step)` until a remedy lowered D's lr, then
    from `remedied(step)` (samples/nn_ratio; diversity 1) at steps that are multiples of `probe_every`, and one error
    finding at `trigger_step` and after."""
    def attach(state, run, bus):
        def listener(step, means):
            score = remedied(step) if state.config.optim.d.lr != 2e-4 else unremedied(step)
            if step % probe_every == 0:
                means.update({"samples/nn_ratio": score, "samples/diversity": 1.0})
            if trigger_step is not None and step >= trigger_step:
                state.remedy.ask(Finding(step, "d_overpowering", "error", "D wins", {}, [LOWER_D_LR, ADD_NOISE]), None)
        bus.listeners.insert(0, listener)  # before the stats writer, as the live doctor's probe
    return attach


def doctor_lines(run):
    return [json.loads(line) for line in (run.path / "doctor.jsonl").read_text().splitlines()]


def remedied_run(tmp_path, monkeypatch, remedied_score, **doctor):
    """Unremedied probe score 1 + |step − 10| / 10 (best at step 10); a finding at step 20 → back to step 10."""
    monkeypatch.setattr("ganforge.train.loop.attach_doctor",
                        scripted_doctor(20, lambda step: 1 + abs(step - 10) / 10, lambda step: remedied_score))
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    state = remedy.train_with_remedies(config(max_attempts=1, **doctor), run, quiet=True)
    return run, state


def test_the_step_budget_by_hand():
    # 1,000 planned steps, max_extra_steps 0.5: 500 extra steps
    budget = step_budget(1000, 0.5, [])
    assert budget == StepBudget(planned=1000, extra=500, spent=0)
    assert budget.given_back(200) == 200  # a remedy at 300 back to 100: 200 thrown away, 200 given back (400 spent)
    first = {"evidence": {"steps_given_back": 200, "steps_thrown_away": 200, "planned_steps": 1000, "train_steps": 1200}}
    budget = step_budget(1200, 0.5, [first])  # train.steps has grown; the planned steps come from the record
    assert (budget.planned, budget.spent) == (1000, 400)
    assert budget.given_back(100) == 0  # 400 + 100 thrown = 500: nothing left to give back
    assert budget.given_back(60) == 40  # 400 + 60 thrown, 40 left
    assert budget.given_back(101) is None  # 400 + 101 > 500: no remedy
    second = {"evidence": {"steps_given_back": 0, "steps_thrown_away": 100, "planned_steps": 1000, "train_steps": 1200}}
    assert step_budget(1200, 0.5, [first, second]).given_back(1) is None
    assert step_budget(1200, 0.5, [first, second]).given_back(0) == 0
    assert step_budget(100, 0.0, []).given_back(1) is None  # max_extra_steps 0: no remedy that throws steps away
    assert extra_steps(100, 0.29) == 29 and extra_steps(1500, 1.0) == 1500 and extra_steps(7, 0.5) == 3
    # a line written before the budget existed: planned = train.steps − given back; thrown away = given back
    old = {"evidence": {"steps_given_back": 220, "train_steps": 1720}}
    assert step_budget(1720, 1.0, [old]) == StepBudget(planned=1500, extra=1500, spent=440)


def test_remedies_stop_at_the_step_budget(tmp_path, monkeypatch):
    monkeypatch.setattr("ganforge.train.loop.attach_doctor", scripted_doctor(20, lambda s: 1.0, lambda s: 1.0))
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    # 30 planned steps × 0.5 = 15 extra. Attempt 1: stopped at 20, back to 10: 10 thrown away, 5 given back
    # (train.steps 35, 15 spent). Attempt 2 would throw away 10 more: over budget, so remedies stop.
    state = remedy.train_with_remedies(config(max_attempts=3, max_extra_steps=0.5), run, quiet=True)
    assert state.step == 35  # steps trained: 20 + (35 − 10) = 45 = 30 × 1.5
    lines = [line for line in doctor_lines(run) if {"advice", "gave_up"} & set(line["action"])]
    assert [line["evidence"].get("steps_given_back") for line in lines] == [5, None]
    assert lines[0]["evidence"]["steps_thrown_away"] == 10 and lines[0]["evidence"]["planned_steps"] == 30
    assert lines[1]["action"]["budget_reached"] is True and lines[1]["action"]["gave_up"] is True
    assert lines[1]["evidence"]["extra_steps_spent"] == 15 and lines[1]["evidence"]["steps_to_throw_away"] == 10
    assert load_config(run.config).train.steps == 35 and not (run.checkpoints / "abandoned-2").exists()


def files_under(path):
    return {p.relative_to(path): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_a_remedied_run_that_ends_worse_gets_the_kept_checkpoint_back(tmp_path, monkeypatch):
    before = {}

    def snapshot_then_settle(run, state, records):
        before.update(files_under(run.path))
        return settle(run, state, records)

    monkeypatch.setattr(remedy, "settle", snapshot_then_settle)
    run, state = remedied_run(tmp_path, monkeypatch, remedied_score=5.0)
    after = files_under(run.path)
    changed = {name for name in before if after.get(name) != before[name]}
    assert changed == {Path("config.yaml"), Path("doctor.jsonl")}  # every other file as it was, none gone
    assert after[Path("doctor.jsonl")].startswith(before[Path("doctor.jsonl")])  # a line appended
    assert state.step == 40  # 30 planned, 10 given back
    kept = read_checkpoint(run.checkpoints / "unremedied-best" / "step-00000010.pt")
    assert kept["opt_d"]["param_groups"][0]["lr"] == 2e-4  # the copy from before the rollback's conversion
    newest = latest_checkpoint(run.checkpoints)
    assert checkpoint_step(newest) == 41
    restored = read_checkpoint(newest)
    assert restored["step"] == 41
    for net in ("generator", "discriminator", "opt_d"):
        for name, value in kept[net].items() if net != "opt_d" else kept[net]["state"][0].items():
            got = restored[net][name] if net != "opt_d" else restored[net]["state"][0][name]
            assert torch.equal(value, got), (net, name)
    config_now = load_config(run.config)  # the config that trained the kept checkpoint, ending at it
    assert config_now.optim.d.lr == 2e-4 and config_now.train.steps == 41
    state = build_state(config_now)
    load_checkpoint(newest, state, require_finite=True)  # what `ganforge sample` and `evaluate` do
    remedied_config = sorted((run.path / "config-history").iterdir())[-1]
    assert remedied_config.name.endswith("until-step-00000040.yaml") and "5.0e-05" in remedied_config.read_text()
    assert (run.checkpoints / "step-00000040.pt").exists()  # the remedied run's own last checkpoint stays
    assert read_checkpoint(run.checkpoints / "step-00000040.pt")["opt_d"]["param_groups"][0]["lr"] == 5e-5
    lines = [line for line in doctor_lines(run) if line["rule"] == "auto_remedy"]
    kept_line = next(line for line in lines if "kept" in line["action"])
    assert kept_line["action"]["kept"] == {"step": 10, "metric": "probe", "score": 1.0,
                                           "checkpoint": "checkpoints/unremedied-best/step-00000010.pt",
                                           "config": "checkpoints/unremedied-best/config.yaml"}
    assert "restored" in lines[-1]["action"] and lines[-1]["severity"] == "warn" and lines[-1]["step"] == 41
    assert lines[-1]["evidence"] == {"metric": "probe", "kept_step": 10, "kept_score": 1.0, "final_step": 40,
                                     "final_score": 5.0, "restored_as": 41}


def test_a_remedied_run_that_ends_better_keeps_its_own_checkpoint(tmp_path, monkeypatch):
    run, state = remedied_run(tmp_path, monkeypatch, remedied_score=0.5)
    assert checkpoint_step(latest_checkpoint(run.checkpoints)) == 40 == state.step
    assert load_config(run.config).optim.d.lr == 5e-5
    last = doctor_lines(run)[-1]
    assert "compared" in last["action"] and last["evidence"]["final_score"] == 0.5
    assert last["evidence"]["kept_score"] == 1.0 and not any("restored" in line["action"] for line in doctor_lines(run)
                                                             if line["rule"] == "auto_remedy")


def test_the_remedied_runs_final_score_is_measured_when_not_logged_at_its_last_step(tmp_path, monkeypatch):
    # probes every 10 steps on a run that ends at 43: none logged there, so the final state is probed now
    monkeypatch.setattr("ganforge.train.loop.attach_doctor",
                        scripted_doctor(20, lambda step: 1e-6 if step == 10 else 2.0, lambda step: 1.0, probe_every=10))
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    cfg = validate({**config(max_attempts=1).to_dict(), "train": {**config().to_dict()["train"], "steps": 33}})
    state = remedy.train_with_remedies(cfg, run, quiet=True)
    assert state.step == 43
    last = doctor_lines(run)[-1]
    assert last["evidence"]["final_step"] == 43 and last["evidence"]["final_score"] > 1e-6  # measured, not scripted
    assert "restored" in last["action"] and checkpoint_step(latest_checkpoint(run.checkpoints)) == 44


def test_until_the_first_remedy_rotation_spares_the_best_checkpoint(tmp_path, monkeypatch):
    from ganforge.train.loop import train

    monkeypatch.setattr("ganforge.train.loop.attach_doctor",
                        scripted_doctor(None, lambda step: 1 + abs(step - 5) / 10, lambda step: 1.0))
    cfg = validate({**config().to_dict(), "train": {**config().to_dict()["train"], "keep_checkpoints": 2}})
    spared = RunDir.create(tmp_path, path=tmp_path / "spared")
    train(cfg, spared, quiet=True, auto_remedy=True, keep_best=True)
    assert [checkpoint_step(p) for p in list_checkpoints(spared.checkpoints)] == [5, 25, 30]
    assert run_metric.best_checkpoint(spared, cfg, "probe")[:1] == (5,)
    plain = RunDir.create(tmp_path, path=tmp_path / "plain")
    train(cfg, plain, quiet=True, auto_remedy=True)  # after a remedy (keep_best off): plain rotation
    assert [checkpoint_step(p) for p in list_checkpoints(plain.checkpoints)] == [25, 30]


def test_scores_lower_is_better_and_a_checkpoint_takes_the_newest_measurement_within_an_interval():
    assert run_metric.probe_score({"samples/nn_ratio": 1.2, "samples/diversity": 0.5}) == 2.4  # collapse charged
    assert run_metric.probe_score({"samples/nn_ratio": 3.0, "samples/diversity": 2.0}) == 3.0  # spread: not rewarded
    assert run_metric.probe_score({"samples/nn_ratio": "nan", "samples/diversity": 1.0}) == float("inf")
    assert run_metric.probe_score({"loss/d": 1.0}) is None
    assert run_metric.eval_score({"fid": 134.0}, "fid") == 134.0
    assert run_metric.eval_score({"is": 8.0}, "is") == -8.0
    assert run_metric.eval_score({"modes": 7, "high_quality": 0.9, "reverse_kl": 0.1}, "modes") == -7.9
    assert run_metric.eval_score({"fid": "inf"}, "fid") == float("inf")
    measured = {100: 3.0, 200: 2.0}
    assert run_metric.score_at(measured, 200, 100) == 2.0
    assert run_metric.score_at(measured, 250, 100) == 2.0  # the newest before, 50 steps earlier
    assert run_metric.score_at(measured, 301, 100) is None  # 101 steps: too old to stand for it
    assert run_metric.score_at(measured, 99, 100) is None


def test_with_periodic_evaluation_the_runs_metric_is_the_evaluations(tmp_path, monkeypatch):
    monkeypatch.setattr("ganforge.train.loop.attach_doctor", scripted_doctor(20, lambda s: 1.0, lambda s: 1.0))
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    cfg = validate({**config(max_attempts=1).to_dict(), "eval": {"every": 10, "metrics": ["modes"], "n": 300}})
    remedy.train_with_remedies(cfg, run, quiet=True)
    lines = [line for line in doctor_lines(run) if line["rule"] == "auto_remedy"]
    kept, last = lines[0]["action"]["kept"], lines[-1]

    def score(log, step):
        record = next(r for r in map(json.loads, (run.path / log).read_text().splitlines()) if r["step"] == step)
        return run_metric.eval_score(record["metrics"], "modes")

    assert kept["metric"] == "modes" and kept["step"] in (10, 20)  # the checkpoints an evaluation scored
    assert kept["score"] == min(score("eval.abandoned-1.jsonl", 10), score("eval.abandoned-1.jsonl", 20))
    assert last["evidence"]["final_step"] == 40 and last["evidence"]["final_score"] == score("eval.jsonl", 40)
    assert ("restored" in last["action"]) == (last["evidence"]["final_score"] > kept["score"])


def test_a_remedied_run_the_nan_guard_stops_gets_the_kept_checkpoint_back_and_still_fails(tmp_path, monkeypatch):
    attach = scripted_doctor(20, lambda step: 1 + abs(step - 10) / 10, lambda step: 1.0)

    def diverging(state, run, bus):
        attach(state, run, bus)

        def listener(step, means):
            if state.config.optim.d.lr != 2e-4 and step >= 30:
                raise DivergenceError("training diverged: non-finite loss/d at step 30")
        bus.listeners.append(listener)

    monkeypatch.setattr("ganforge.train.loop.attach_doctor", diverging)
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    with pytest.raises(DivergenceError):
        remedy.train_with_remedies(config(max_attempts=1), run, quiet=True)
    newest = latest_checkpoint(run.checkpoints)  # the remedied run's newest was step 25: the kept one follows it
    assert checkpoint_step(newest) == 26 and read_checkpoint(newest)["opt_d"]["param_groups"][0]["lr"] == 2e-4
    assert load_config(run.config).train.steps == 26 and load_config(run.config).optim.d.lr == 2e-4
    last = doctor_lines(run)[-1]
    assert "restored" in last["action"] and last["evidence"]["kept_step"] == 10 and last["evidence"]["restored_as"] == 26
    assert last["evidence"]["error"] == "training diverged: non-finite loss/d at step 30"


def test_only_checkpoints_the_current_config_trained_are_candidates(tmp_path, monkeypatch):
    from ganforge.train.config_history import keep_previous
    from ganforge.train.loop import train

    monkeypatch.setattr("ganforge.train.loop.attach_doctor",
                        scripted_doctor(None, lambda step: 1 + abs(step - 5) / 10, lambda step: 1.0))
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    train(config(), run, quiet=True)
    assert run_metric.best_checkpoint(run, config(), "probe")[0] == 5
    keep_previous(run.path, run.config, 15)  # as `ganforge resume RUN optim...` at step 15 does
    assert run_metric.best_checkpoint(run, config(), "probe")[0] == 15  # 5 and 10 were trained by another config
