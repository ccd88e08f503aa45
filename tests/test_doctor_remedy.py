"""Auto-remedy: rollback to the checkpoint before the trouble, the advice applied, nothing written is lost."""
import json

import pytest
import torch
import yaml

from ganforge.config import validate
from ganforge.doctor import remedy
from ganforge.doctor.finding import Advice, Finding
from ganforge.train.checkpoint import checkpoint_path, list_checkpoints, read_checkpoint
from ganforge.train.run_dir import RunDir
from ganforge.train.stats import read_stats
from tests.conftest import tiny_ring_raw

LOWER_D_LR = Advice(why="D wins", override="optim.d.lr=0.00005")
ADD_NOISE = Advice(why="blur D's view", plugin={"name": "instance_noise", "std": 0.1})
NEW_LAYERS = Advice(why="spectral norm", plugin={"name": "spectral_norm"}, hot=False)


def config(**doctor):
    raw = tiny_ring_raw(steps=30, checkpoint_every=5, keep_checkpoints=10, log_every=5)
    return validate({**raw, "doctor": {"window": 2, **doctor}})


def trained(tmp_path, cfg):
    from ganforge.train.loop import train

    run = RunDir.create(tmp_path, path=tmp_path / "run")
    train(cfg, run, quiet=True)
    return run


def finding_at(step, *advice):
    return Finding(step, "d_overpowering", "error", "D wins", {"loss/d": 0.01}, list(advice or [LOWER_D_LR]))


def test_rollback_goes_to_the_newest_checkpoint_before_the_trouble_and_sets_the_rest_aside(tmp_path):
    cfg = config()
    run = trained(tmp_path, cfg)
    before = read_checkpoint(checkpoint_path(run.checkpoints, 15))
    new = remedy.apply_advice(cfg, LOWER_D_LR)
    # found at step 27; window 2 flushes × 5 steps: the trouble began by step 17, so step 15 is the last good one
    to_step = remedy.roll_back(run, cfg, new, finding_at(27), LOWER_D_LR, attempt=1)
    assert to_step == 15
    assert [p.name for p in list_checkpoints(run.checkpoints)] == [f"step-{s:08d}.pt" for s in (5, 10, 15)]
    assert sorted(p.name for p in (run.checkpoints / "abandoned-1").iterdir()) == [
        f"step-{s:08d}.pt" for s in (20, 25, 30)]
    assert max(r["step"] for r in read_stats(run.stats)) == 15
    assert max(r["step"] for r in read_stats(run.path / "stats.abandoned-1.jsonl")) == 30
    after = read_checkpoint(checkpoint_path(run.checkpoints, 15))
    for net in ("generator", "discriminator"):
        for name, tensor in before[net].items():
            assert torch.equal(tensor, after[net][name]), name  # the weights exactly as they were
    for key, moment in before["opt_d"]["state"][0].items():
        assert torch.equal(moment, after["opt_d"]["state"][0][key])  # Adam's moments kept
    assert after["opt_d"]["param_groups"][0]["lr"] == 0.00005 and after["opt_g"]["param_groups"][0]["lr"] == 2e-4
    assert torch.equal(before["rng"]["torch"], after["rng"]["torch"])
    assert "lr: 5.0e-05" in run.config.read_text()
    kept = sorted((run.path / "config-history").iterdir())
    assert [p.name for p in kept] == ["00-until-step-00000027.yaml"]  # what trained the run until the finding
    assert validate(yaml.safe_load(kept[0].read_text())) == cfg


def test_advice_that_changes_the_nets_restarts_from_scratch(tmp_path):
    cfg = config()
    run = trained(tmp_path, cfg)
    new = remedy.apply_advice(cfg, NEW_LAYERS)
    assert remedy.roll_back(run, cfg, new, finding_at(27, NEW_LAYERS), NEW_LAYERS, attempt=1) == 0
    assert list_checkpoints(run.checkpoints) == [] and len(list((run.checkpoints / "abandoned-1").iterdir())) == 6


def test_a_plugin_added_on_rollback_starts_fresh_and_the_others_keep_their_state(tmp_path):
    cfg = validate({**config().to_dict(), "plugins": [{"name": "ema", "beta": 0.9}]})
    run = trained(tmp_path, cfg)
    before = read_checkpoint(checkpoint_path(run.checkpoints, 15))
    new = remedy.apply_advice(cfg, ADD_NOISE)
    remedy.roll_back(run, cfg, new, finding_at(27, ADD_NOISE), ADD_NOISE, attempt=1)
    after = read_checkpoint(checkpoint_path(run.checkpoints, 15))
    assert [p["name"] for p in new.to_dict()["plugins"]] == ["ema", "instance_noise"]
    for name, tensor in before["plugins"][0]["average"].items():
        assert torch.equal(tensor, after["plugins"][0]["average"][name])


def fake_doctor(trigger_step):
    """Stands in for the live doctor: one error finding at `trigger_step` while remedies are left."""
    def attach(state, run, bus):
        def listener(step, means):
            if step >= trigger_step:
                state.remedy.ask(finding_at(step, LOWER_D_LR, ADD_NOISE), None)
        bus.listeners.append(listener)
    return attach


def test_auto_remedy_end_to_end_records_actions_and_gives_up_after_max_attempts(tmp_path, monkeypatch):
    monkeypatch.setattr("ganforge.train.loop.attach_doctor", fake_doctor(20))
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    state = remedy.train_with_remedies(config(auto=True, max_attempts=2, max_extra_steps=2.0), run, quiet=True)
    # each attempt: stopped at step 20, back to the checkpoint at 10 (window 2 × 5 steps), 10 steps given back
    # (steps trained: 20 + 10 + 40 = 70, within the budget of 30 × (1 + 2) = 90)
    assert state.step == 50
    lines = [json.loads(line) for line in (run.path / "doctor.jsonl").read_text().splitlines()]
    actions = [line for line in lines if line["rule"] == "auto_remedy" and {"advice", "gave_up"} & set(line["action"])]
    assert [(a["evidence"]["steps_given_back"], a["evidence"]["train_steps"]) for a in actions[:2]] == [(10, 40), (10, 50)]
    assert [a["action"].get("advice", {}).get("override") for a in actions[:2]] == ["optim.d.lr=0.00005", None]
    assert actions[1]["action"]["advice"]["plugin"]["name"] == "instance_noise"
    assert actions[2]["action"]["gave_up"] is True and len(actions) == 3
    final = validate(__import__("yaml").safe_load(run.config.read_text()))
    assert final.optim.d.lr == 0.00005 and [p.name for p in final.plugins] == ["instance_noise"]
    assert final.train.steps == 50
    assert remedy.previous_attempts(run)[0] == 2


def test_a_combined_change_counts_every_key_it_changes_as_tried():
    both = Advice(why="lower both", override="optim.d.lr=0.0001 optim.g.lr=0.0001")
    finding = finding_at(20, both, LOWER_D_LR, ADD_NOISE)
    assert remedy.next_advice(finding, set()) == both
    assert remedy.next_advice(finding, both.keys) == ADD_NOISE  # LOWER_D_LR would change optim.d.lr again
    changed = remedy.apply_advice(config(), both)
    assert (changed.optim.d.lr, changed.optim.g.lr) == (0.0001, 0.0001)


def test_without_auto_a_finding_never_stops_training(tmp_path, monkeypatch):
    monkeypatch.setattr("ganforge.train.loop.attach_doctor", fake_doctor(10))
    run = RunDir.create(tmp_path, path=tmp_path / "run")
    state = remedy.train_with_remedies(config(auto=False), run, quiet=True)
    assert state.step == 30 and not (run.checkpoints / "abandoned-1").exists()


def test_resume_with_a_new_learning_rate_uses_it(tmp_path):
    from ganforge.cli import main

    cfg = config()
    run = trained(tmp_path, cfg)
    before = read_checkpoint(checkpoint_path(run.checkpoints, 30))
    assert main(["resume", str(run.path), "train.steps=31", "optim.d.lr=0.001", "--quiet"]) == 0
    converted = read_checkpoint(run.checkpoints / "step-00000030.pt")
    assert converted["opt_d"]["param_groups"][0]["lr"] == 0.001  # what step 31 was taken with
    for name, tensor in before["discriminator"].items():
        assert torch.equal(tensor, converted["discriminator"][name])
    assert (run.checkpoints / "step-00000030.pt.before-reconfigure").exists()
    assert read_checkpoint(run.checkpoints / "step-00000031.pt")["opt_d"]["param_groups"][0]["lr"] == 0.001


def test_resume_that_changes_the_nets_is_a_clear_error(tmp_path, capsys):
    from ganforge.cli import main

    run = trained(tmp_path, config())
    assert main(["resume", str(run.path), "discriminator.width=32", "--quiet"]) == 2
    assert "the new config changes the nets, so this run cannot continue with it" in capsys.readouterr().err


def test_swapping_weight_clipping_for_a_gradient_penalty_resumes_from_the_rollback(tmp_path):
    from ganforge.doctor.advice import advice_for

    cfg = validate({**config().to_dict(), "loss": {"name": "wasserstein"}, "plugins": [{"name": "weight_clip", "clip": 0.01}]})
    run = trained(tmp_path, cfg)
    swap = advice_for("d_weak", cfg)[1]  # [0] is the loss change, a fresh start (test_doctor_rules)
    assert swap.overrides == ["plugins=[{name: wgan_gp, weight: 10.0}]"]
    new = remedy.apply_advice(cfg, swap)
    assert swap.hot and remedy.roll_back(run, cfg, new, finding_at(27, swap), swap, attempt=1) == 15
    from ganforge.train.loop import train

    state = train(new, run, resume=True, quiet=True)  # the converted checkpoint loads under the new plugins
    assert state.step == 30 and [p.name for p in new.plugins] == ["wgan_gp"]


def test_a_diverging_sgd_run_moves_to_adam_on_its_rollback_and_trains_on(tmp_path):
    from ganforge.doctor.advice import advice_for
    from ganforge.train.loop import train

    sgd = {"name": "sgd", "lr": 0.05, "momentum": 0.9}
    cfg = validate({**config().to_dict(), "optim": {"d": sgd, "g": sgd}})
    run = trained(tmp_path, cfg)
    to_adam = advice_for("divergence", cfg)[0]
    new = remedy.apply_advice(cfg, to_adam)
    assert remedy.roll_back(run, cfg, new, finding_at(27, to_adam), to_adam, attempt=1) == (0 if not to_adam.hot else 15)
    state = train(new, run, resume=True, quiet=True)
    assert state.step == 30 and (new.optim.d.name, new.optim.d.lr, new.optim.g.betas) == ("adam", 2e-4, (0.5, 0.999))
    assert type(state.opt_d).__name__ == "Adam"


def test_an_error_after_an_earlier_standing_finding_is_remedied_as_that_finding():
    from ganforge.doctor.live import first_symptom

    weak = Finding(250, "d_weak", "warn", "D at chance", {}, [Advice("size D like G", override="discriminator.width=128",
                                                                   hot=False)])
    drift = Finding(400, "divergence", "error", "samples off the data", {}, [LOWER_D_LR])
    assert first_symptom([drift, weak], drift) is weak  # reported first, still standing
    treated = remedy.treated_as(drift, weak, tried=set())
    assert (treated.rule, treated.step, treated.advice) == ("d_weak", 250, weak.advice)
    assert treated.evidence["error_rule"] == "divergence" and treated.evidence["error_step"] == 400
    assert remedy.treated_as(drift, weak, tried={"discriminator.width"}) is drift  # the cause's advice is spent
    assert remedy.treated_as(drift, None, tried=set()) is drift


def test_replay_advised_to_a_packed_run_goes_before_pacgan_and_the_run_builds():
    from ganforge.train.state import build_state

    packed = validate({**config().to_dict(), "plugins": [{"name": "r1", "gamma": 0.1}, {"name": "pacgan", "packing": 2}]})
    replay = Advice(why="old fakes", plugin={"name": "replay"})
    new = remedy.apply_advice(packed, replay)
    assert [p.name for p in new.plugins] == ["r1", "replay", "pacgan"]  # appended after pacgan it is refused at set-up
    build_state(new)
    ema = remedy.apply_advice(packed, Advice(why="average", plugin={"name": "ema"}, hot=False))
    assert [p.name for p in ema.plugins] == ["r1", "pacgan", "ema"]  # other plugins are appended
