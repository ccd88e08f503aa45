"""The doctor's rules on synthetic stats traces modelled on real runs (ring: D(x) ≈ 0.53, loss/d ≈ 1.3).

Each failure trace must raise its own rule first; a healthy trace with large transient spikes
must raise nothing; findings are emitted once, escalate warn → error, and come back only after
clearing; every piece of advice must be a valid config change.
"""
import json
import math

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import yaml

from conftest import tiny_ring_raw
from ganforge.config import load_config, validate
from ganforge.data import DATA
from ganforge.doctor.advice import advice_for, number
from ganforge.doctor.doctor import Doctor, DoctorWriter
from ganforge.doctor.finding import Advice, Finding
from ganforge.doctor.rules import RULES, d_overfitting
from ganforge.doctor.rules.context import RuleContext
from ganforge.doctor.sample_stats import POINT_PROBE_SIZE, SampleProbe
from ganforge.doctor.signals import SignalHistory
from ganforge.losses import LOSSES
from ganforge.random_streams import PROBE

HEALTHY = {"loss/d": 1.30, "loss/g": 0.85, "d/real": 0.53, "d/fake": 0.47, "d/real_logit": 0.12,
           "d/fake_logit": -0.12, "d/accuracy": 0.60, "d/sign_real": 0.10, "grad/d": 2.0, "grad/g": 2.0}
HEALTHY_PROBE = {"samples/diversity": 0.95, "samples/near_duplicates": 0.01, "samples/nn_ratio": 1.5,
                 "samples/offset": 0.05, "samples/std": 0.95, "samples/modes": 8.0, "samples/high_quality": 0.9}
SPIKE = {"loss/d": 6.0, "loss/g": 5.0, "d/real": 0.2, "d/fake": 0.8, "d/accuracy": 0.15, "grad/d": 40.0, "grad/g": 40.0}
LOG_EVERY, SAMPLE_EVERY = 10, 50


def trace(flushes, change=lambda flush: {}, probe_change=lambda flush: {}, seed=0):
    """[(step, means)]: healthy values with 2% jitter, `change(flush)` applied; a probe every SAMPLE_EVERY steps."""
    rng = np.random.default_rng(seed)
    records = []
    for flush in range(1, flushes + 1):
        step = flush * LOG_EVERY
        means = {name: value * (1 + 0.02 * rng.standard_normal()) for name, value in HEALTHY.items()}
        means.update(change(flush))
        if step % SAMPLE_EVERY == 0:
            means.update(HEALTHY_PROBE)
            means.update(probe_change(flush))
        records.append((step, means))
    return records


def ring_config(**raw):
    config = tiny_ring_raw(steps=2000, log_every=LOG_EVERY)
    config.update(raw)
    config["doctor"] = {"sample_every": SAMPLE_EVERY, "window": 10}
    return validate(config)


def run_doctor(records, config=None, data=None):
    doctor = Doctor(config or ring_config(), data if data is not None else DATA.build({"name": "ring"}))
    for step, means in records:
        doctor.observe(step, means)
    return doctor


def spiky_healthy(flush):
    return SPIKE if flush in (40, 41, 90, 91, 140) else {}


def test_healthy_trace_with_large_spikes_raises_nothing():
    doctor = run_doctor(trace(200, spiky_healthy, lambda f: {"samples/diversity": 0.6} if f == 40 else {}))
    assert doctor.findings == []
    assert doctor.status() == "doctor: healthy"


def d_overpowering_trace(flush):
    return {"d/accuracy": 0.95, "d/real": 0.95, "d/fake": 0.05, "loss/d": 0.1, "loss/g": 3.5, "grad/g": 0.2} \
        if flush > 15 else {}


STALLED = lambda flush: {"samples/high_quality": 0.3, "samples/modes": 8.0}  # noqa: E731 (G no longer improving)

FAILURES = {
    "d_overpowering": (d_overpowering_trace, STALLED),
    "d_weak": (lambda f: {"d/real": 0.50, "d/fake": 0.50, "d/accuracy": 0.50, "loss/d": 1.386},
               lambda f: {"samples/high_quality": 0.1, "samples/modes": 1.0, "samples/diversity": 0.9,
                          "samples/offset": 0.6}),  # off the ring (offset ≥ 0.3): a blur on it is not "poor"
    "mode_collapse": (lambda f: {}, lambda f: {"samples/diversity": 0.3, "samples/near_duplicates": 0.6,
                                               "samples/modes": 1.0} if f >= 20 else {}),
    "divergence": (lambda f: {"grad/d": 500.0, "grad/g": 800.0} if f > 30 else {}, lambda f: {}),
    "oscillation": (lambda f: {"d/accuracy": 0.95, "d/fake": 0.1} if (f // 3) % 2 else
                    {"d/accuracy": 0.3, "d/fake": 0.8}, STALLED),
}


@pytest.mark.parametrize("rule", sorted(FAILURES))
def test_each_failure_trace_raises_its_own_rule_first_and_escalates(rule):
    change, probe_change = FAILURES[rule]
    doctor = run_doctor(trace(150, change, probe_change))
    assert doctor.findings, f"{rule} was not detected"
    assert doctor.findings[0].rule == rule
    own = [f.severity for f in doctor.findings if f.rule == rule]
    assert own == ["warn", "error"]  # emitted when it starts and when it worsens; never repeated
    assert doctor.status().startswith(f"doctor: ERROR {rule}")


def test_d_overpowering_is_detected_within_a_few_windows():
    doctor = run_doctor(trace(150, d_overpowering_trace, STALLED))
    first = doctor.findings[0]
    # dominant from flush 16 (step 160): the window needs 80% of 10 flushes, plus the 2-window warm-up
    assert first.rule == "d_overpowering" and 200 <= first.step <= 260
    assert first.evidence["d/accuracy"] == pytest.approx(0.95, abs=0.01)


def test_a_nan_is_an_error_at_once():
    doctor = run_doctor(trace(30, lambda f: {"loss/d": math.nan} if f == 25 else {}))
    assert [(f.rule, f.severity, f.step) for f in doctor.findings] == [("divergence", "error", 250)]
    assert doctor.findings[0].evidence == {"loss/d": "nan"}


def test_a_finding_comes_back_only_after_clearing_for_a_window():
    collapsed = lambda f: 20 <= f < 60 or f >= 100  # noqa: E731
    doctor = run_doctor(trace(160, probe_change=lambda f: {"samples/diversity": 0.3, "samples/near_duplicates": 0.6,
                                                           "samples/modes": 1.0} if collapsed(f) else {}))
    steps = [(f.step, f.severity) for f in doctor.findings if f.rule == "mode_collapse"]
    assert [severity for _, severity in steps] == ["warn", "error", "warn", "error"]
    assert 600 < steps[2][0] < 1200  # the second episode, after the healthy stretch 600-1000


def test_accuracy_rules_are_off_for_a_wasserstein_critic():
    config = ring_config(loss={"name": "wasserstein"})
    doctor = run_doctor(trace(150, d_overpowering_trace, STALLED), config)
    assert "d_overpowering" not in {f.rule for f in doctor.findings}


def overfit_history(sign_real, heldout=None, flushes=40):
    history = SignalHistory()
    for flush in range(1, flushes + 1):
        means = {**HEALTHY, "d/sign_real": sign_real if flush > 10 else 0.1}
        if heldout is not None:
            means.update({"d/train_real": sign_real, "d/heldout_real": heldout})
        history.append(flush * LOG_EVERY, means)
    return history


SMALL_DATA = RuleContext(dataset_size=64, batch_size=64, modes=None, is_image=True)


def test_d_overfitting_on_small_data_from_r_t():
    finding = d_overfitting.check(overfit_history(0.9), SMALL_DATA)
    assert finding.rule == "d_overfitting" and finding.severity == "error"  # r_t > 0.8 for 2 windows
    assert finding.evidence["epochs"] == 400.0  # 400 steps × 64 / 64 images
    assert d_overfitting.check(overfit_history(0.65), SMALL_DATA).severity == "warn"
    assert d_overfitting.check(overfit_history(0.4), SMALL_DATA) is None
    assert d_overfitting.check(overfit_history(0.9), RuleContext(dataset_size=None)) is None  # endless data


def test_d_overfitting_needs_a_held_out_gap_when_held_out_data_exist():
    large = RuleContext(dataset_size=60_000, batch_size=64, is_image=True)
    assert d_overfitting.check(overfit_history(0.9, heldout=0.85, flushes=1000), large) is None  # no gap
    finding = d_overfitting.check(overfit_history(0.9, heldout=0.2, flushes=1000), large)
    assert finding.severity == "error" and finding.evidence["heldout_gap"] == pytest.approx(0.7)


def test_rules_registry_lists_the_seven_failures():
    assert set(RULES) == {"d_overpowering", "d_weak", "mode_collapse", "divergence", "oscillation", "d_overfitting",
                          "off_data"}


def test_finding_json_has_exactly_the_documented_keys():
    finding = Finding(120, "divergence", "error", "m", {"loss/d": math.inf, "grad/d": 1.234567891},
                      [Advice("why", override="optim.d.lr=0.0001"), Advice("w", plugin={"name": "r1", "gamma": 10.0})])
    record = json.loads(json.dumps(finding.to_json(), allow_nan=False))
    assert list(record) == ["step", "rule", "severity", "message", "evidence", "advice"]
    assert record["evidence"] == {"loss/d": "inf", "grad/d": 1.23457}
    assert record["advice"][0] == {"override": "optim.d.lr=0.0001", "why": "why", "hot": True}
    assert record["advice"][1]["plugin"] == {"name": "r1", "gamma": 10.0}
    assert Finding.from_json(record).advice[1].plugin == {"name": "r1", "gamma": 10.0}


@pytest.mark.parametrize("preset", ["ring", "quickstart"])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_piece_of_advice_is_a_valid_config_change(preset, rule):
    config = load_config(preset)
    advice = advice_for(rule, config)
    assert advice
    for item in advice:
        if item.override is not None:
            changed = load_config(preset, item.overrides)
            assert changed != config, item.override
        else:
            flow = yaml.safe_dump([item.plugin], default_flow_style=True).strip()
            assert load_config(preset, [f"plugins={flow}"]).plugins[0].name == item.plugin["name"]


def test_advice_is_relative_to_the_config_and_skips_what_is_in_effect():
    config = load_config("ring", ["plugins=[{name: instance_noise}]", "optim.d.lr=0.004"])
    advice = advice_for("d_overpowering", config)
    assert advice[0].override == "optim.d.lr=0.001"  # a quarter of the current 0.004
    assert "instance_noise" not in {item.plugin["name"] for item in advice if item.plugin}
    hot = {item.plugin["name"] if item.plugin else item.override.split("=")[0]: item.hot for item in advice}
    assert hot["optim.d.lr"] and hot["label_smoothing"] and not hot["spectral_norm"] and not hot["discriminator.dropout"]


def test_sgd_with_momentum_is_advised_to_switch_to_adam_on_oscillation():
    config = load_config("ring", ["optim.d.name=sgd", "optim.d.momentum=0.9"])
    assert "optim.d.name=adam" in {item.override for item in advice_for("oscillation", config)}


def test_a_cycling_wasserstein_run_is_advised_the_r1_regularised_gan_as_one_fresh_start():
    cycling = load_config("ring", ["loss.name=wasserstein", "optim.d.betas=[0.9, 0.999]", "optim.g.betas=[0.9, 0.999]"])
    first = advice_for("oscillation", cycling)[0]
    assert first.overrides == ["loss.name=nonsaturating", "plugins=[{name: r1, gamma: 10.0}]",
                               "optim.d.betas=[0.5, 0.999]", "optim.g.betas=[0.5, 0.999]"]
    assert not first.hot  # a Wasserstein critic's weights mean nothing to a logistic loss
    recipe = load_config("ring", ["loss.name=wasserstein", *first.overrides])
    assert (recipe.loss.name, [p.name for p in recipe.plugins], recipe.optim.g.betas) == ("nonsaturating", ["r1"], (0.5, 0.999))
    clipped = load_config("ring", ["loss.name=wasserstein", "plugins=[{name: ema}, {name: weight_clip, clip: 0.01}]"])
    weak = advice_for("d_weak", clipped)
    assert weak[0].overrides[:2] == ["loss.name=nonsaturating", "plugins=[{name: ema, beta: 0.999, start_step: 0}, "
                                                                "{name: r1, gamma: 10.0}]"]  # the clip goes, EMA stays
    assert weak[1].overrides == ["plugins=[{name: ema, beta: 0.999, start_step: 0}, {name: wgan_gp, weight: 10.0}]"]
    plain = load_config("ring")  # not a Wasserstein run: no loss swap on offer
    assert not any("loss.name" in (item.override or "") for item in advice_for("oscillation", plain))


def test_a_diverging_sgd_dcgan_without_norm_is_moved_to_the_dcgan_recipe_in_one_fresh_start():
    sgd = ["optim.d.name=sgd", "optim.d.momentum=0.99", "optim.g.name=sgd", "optim.g.momentum=0.99"]
    bare = load_config("quickstart", [*sgd, "generator.norm=none", "discriminator.norm=none"])
    first = advice_for("divergence", bare)[0]
    assert first.overrides[-2:] == ["generator.norm=batch", "discriminator.norm=batch"] and not first.hot
    assert "optim.g.name=adam" in first.overrides
    normed = advice_for("divergence", load_config("quickstart", sgd))[0]  # batch norm already: Adam alone, resumable
    assert not any("norm" in o for o in normed.overrides) and normed.hot
    mlp = advice_for("divergence", load_config("ring", sgd))[0]  # the recipe's batch norm is DCGAN's, not an MLP's
    assert not any("norm" in o for o in mlp.overrides)


def test_divergence_lowers_both_learning_rates_and_clips_both_gradients_as_single_changes():
    config = load_config("ring", ["optim.d.lr=0.004", "optim.g.lr=0.002"])
    lower, clip = advice_for("divergence", config)[:2]
    assert lower.overrides == ["optim.d.lr=0.001", "optim.g.lr=0.0005"]  # each a quarter of its own rate
    assert clip.overrides == ["optim.d.grad_clip=10.0", "optim.g.grad_clip=10.0"]
    assert load_config("ring", clip.overrides).optim.g.grad_clip == 10.0
    half_clipped = load_config("ring", ["optim.d.grad_clip=5.0"])
    assert [a for a in advice_for("divergence", half_clipped) if "grad_clip" in (a.override or "")][0].overrides == [
        "optim.g.grad_clip=10.0"]  # D's own clip is kept


def test_a_d_much_narrower_than_g_is_sized_like_g_in_one_fresh_start():
    tiny = load_config("ring", ["discriminator.width=4", "discriminator.depth=1", "optim.d.lr=1.0e-05"])
    first = advice_for("d_weak", tiny)[0]
    # doubling 4 units gives 8; the ring preset's G is 128 wide and 3 deep; D's lr goes to 2 × G's 1e-3, capped for
    # Adam at the 1e-3 GANs are trained with
    assert first.overrides == ["discriminator.width=128", "discriminator.depth=3", "optim.d.lr=0.001"]
    assert not first.hot and all(not (a.keys & first.keys) for a in advice_for("d_weak", tiny)[1:2])
    assert advice_for("d_weak", load_config("ring", ["discriminator.width=64"]))[0].keys == {"optim.n_critic"}


def test_a_weak_d_beside_a_g_at_1e_2_slows_g_rather_than_speeding_d_past_adams_range():
    racing = load_config("ring", ["optim.g.lr=0.01", "optim.d.lr=0.001"])  # grid_mode_collapse's rates
    assert advice_for("d_weak", racing)[0].overrides == ["optim.g.lr=0.001"]
    slow = load_config("ring", ["optim.g.lr=0.0001", "optim.d.lr=1.0e-05"])
    assert advice_for("d_weak", slow)[0].overrides == ["optim.d.lr=0.0002"]  # 2 × G's, within the range


def test_a_flat_weight_clipped_critic_is_advised_a_gradient_penalty_instead_of_the_clipping():
    clipped = load_config("ring", ["loss.name=wasserstein", "plugins=[{name: weight_clip, clip: 0.01}, {name: ema}]"])
    second = advice_for("d_weak", clipped)[1]  # after the loss change (test above), for those who keep the WGAN
    changed = load_config("ring", ["loss.name=wasserstein", *second.overrides])
    assert [p.name for p in changed.plugins] == ["ema", "wgan_gp"] and second.keys == {"plugins"} and second.hot


def test_overrides_split_only_where_a_new_key_begins():
    assert Advice("w", override="optim.d.betas=[0.5, 0.999] optim.g.lr=0.001").overrides == [
        "optim.d.betas=[0.5, 0.999]", "optim.g.lr=0.001"]
    assert Advice("w", plugin={"name": "r1"}).keys == {"plugin:r1"}


def test_numbers_in_overrides_read_back_as_floats():
    assert number(5e-05) == "5.0e-05" and yaml.safe_load(number(5e-05)) == 5e-05
    assert number(0.00025) == "0.00025" and number(2.5e-06) == "2.5e-06"


def test_doctor_writer_truncates_findings_after_a_resume_step(tmp_path):
    writer = DoctorWriter(tmp_path / "doctor.jsonl")
    for step in (100, 200, 300):
        writer(Finding(step, "mode_collapse", "warn", "m"))
    writer.truncate_after(200)
    assert [json.loads(line)["step"] for line in (tmp_path / "doctor.jsonl").read_text().splitlines()] == [100, 200]


def test_a_nan_guard_rollback_is_an_error_and_the_doctor_forgets_the_rolled_back_steps():
    records = trace(30)
    doctor = run_doctor(records)
    assert doctor.findings == []
    doctor.observe(110, {**HEALTHY, "guard/rollbacks": 1.0})  # the loop went back to step 100, then flushed 110
    assert doctor.history.steps[-2:] == [100, 110] and len(doctor.history) == 11
    assert [(f.rule, f.severity, f.step) for f in doctor.findings] == [("divergence", "error", 110)]
    again = run_doctor(records)  # the guard also says which step failed: the finding names it
    [finding] = again.observe(110, {**HEALTHY, "guard/rollbacks": 1.0, "guard/failed_step": 117.0})
    assert finding.step == 110 and finding.evidence["guard/failed_step"] == 117.0 and "step 117" in finding.message


def test_astronomical_losses_on_two_flushes_are_an_error_without_warm_up():
    # 1,500 then 3,000: past the two-flush limit (10³) both times, but below the one-flush limit (10⁴)
    doctor = run_doctor(trace(9, lambda f: {"loss/g": 1500.0 * (f - 7), "grad/d": 191.0} if f >= 8 else {}))
    assert [(f.rule, f.severity, f.step) for f in doctor.findings] == [("divergence", "error", 90)]
    assert doctor.findings[0].evidence == {"loss/g": pytest.approx(3000.0)}


class FixedOutput(torch.nn.Module):
    """A stand-in G whose samples are given rows of `x` (or all row 0, when `constant`)."""

    def __init__(self, x, constant=False):
        super().__init__()
        self.x, self.constant = x, constant

    def sample_latent(self, n, device="cpu", generator=None):
        return torch.arange(n, dtype=torch.float32)[:, None]  # z = the row to return (generate() works in chunks)

    def forward(self, z, labels=None):
        rows = z[:, 0].long()
        return self.x[torch.zeros_like(rows)] if self.constant else self.x[rows]


class FirstCoordinate(torch.nn.Module):
    def forward(self, x, labels=None):
        return x[:, 0]


def probe_with(generator_for):
    data = DATA.build({"name": "ring"})
    real, _ = data.batch(0, POINT_PROBE_SIZE, PROBE)  # the probe's real batch at train.seed 0
    state = SimpleNamespace(G=FixedOutput(real), D=FirstCoordinate(), data=data, fixed_labels=None, device="cpu",
                            plugins=[], loss=LOSSES.build({"name": "nonsaturating"}),
                            config=SimpleNamespace(train=SimpleNamespace(seed=0)))
    probe = SampleProbe(state)
    state.G = generator_for(real)
    return probe(state), real


def test_sample_probe_on_a_copy_of_the_data_and_on_a_single_point():
    copy, real = probe_with(FixedOutput)
    assert copy["samples/diversity"] == pytest.approx(1.0) and copy["samples/std"] == pytest.approx(1.0)
    assert copy["samples/nn_ratio"] == 0.0 and copy["samples/offset"] == 0.0
    assert copy["samples/modes"] == 8 and copy["samples/high_quality"] > 0.97  # 1 − e^{−9/2} ≈ 0.989 within 3σ
    assert copy["samples/near_duplicates"] == pytest.approx(0.01, abs=0.002)  # the 1st percentile, by definition
    assert copy["d/train_real"] == pytest.approx(float(real[:, 0].sign().mean()))
    point, _ = probe_with(lambda real: FixedOutput(real, constant=True))
    assert point["samples/diversity"] == 0.0 and point["samples/near_duplicates"] == 1.0 and point["samples/std"] == 0.0
    assert point["samples/modes"] <= 1


def test_diagnose_run_replays_stats_and_tolerates_plugins_registered_by_a_script(tmp_path):
    from ganforge.doctor.doctor import diagnose_run

    raw = ring_config().to_dict()
    raw["plugins"] = [{"name": "loss_spike", "at": [100]}]  # the doctor suite registers this one itself
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(raw))
    records = trace(30, lambda f: {"loss/d": math.nan} if f == 25 else {})
    (tmp_path / "stats.jsonl").write_text("".join(json.dumps({"step": step, **means}) + "\n" for step, means in records)
                                          + '{"step": 310, "loss')  # a torn last line, as from a running process
    assert [(f.rule, f.severity, f.step) for f in diagnose_run(tmp_path)] == [("divergence", "error", 250)]


def test_huge_critic_values_are_not_a_blow_up_for_a_wasserstein_critic():
    huge = lambda f: {"loss/d": -5000.0, "loss/g": 5000.0} if f >= 5 else {}  # noqa: E731
    assert run_doctor(trace(8, huge)).findings[0].rule == "divergence"
    assert run_doctor(trace(8, huge), ring_config(loss={"name": "wasserstein"})).findings == []


def test_signal_history_statistics_on_hand_made_series():
    history = SignalHistory()
    for flush in range(1, 21):
        history.append(flush * 10, {"trend": 2.0 * flush, "cycle": (-1.0) ** flush, "spiky": 100.0 if flush == 20 else 1.0})
    history.append(210, {"trend": "nan"})  # stats.jsonl writes NaN as a string
    assert history.slope("trend", 20) == pytest.approx(0.2)  # 2 per flush of 10 steps
    assert history.median("spiky", 10) == 1.0 and history.quantile("spiky", 0.75, 10) == 1.0
    assert history.crossings("cycle", 10) == 9 and history.crossings("trend", 10) == 1
    assert history.autocorrelation("cycle", 1, 20) == pytest.approx(-0.95)  # Σ over 19 lagged pairs ÷ 20 squares
    assert list(history.nonfinite()) == ["trend"] and history.latest("cycle") == 1.0
    history.truncate_after(100)
    assert history.step == 100 and len(history) == 10 and history.nonfinite() == {}
