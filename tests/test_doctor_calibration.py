"""The doctor's rules on the situations its labelled suite calibrated them on (issue #5).

Each test pairs a trace that must stay quiet with the nearest trace that must fire, so the
calibration cannot pass by switching a rule off: a DCGAN's dominant-D opening while its samples
spread out on the data; a D at chance while a mixture's samples are a blur on the data; a flat
(weight-clipped) Wasserstein critic; a G collapsed to one point off the modes; samples hovering
off the data without heading away.
"""
import pytest

from test_doctor_rules import d_overpowering_trace, ring_config, run_doctor, trace

STALLED_QUALITY = {"samples/high_quality": 0.3, "samples/modes": 8.0}


def rules_fired(doctor) -> list[str]:
    return [f.rule for f in doctor.findings if f.severity in ("warn", "error")]


def spreading(offset):
    """Probes whose diversity climbs linearly from 0.05 (flush 10) to 0.9 (flush 60), at a fixed offset."""
    def probe(flush):
        diversity = 0.05 + 0.85 * min(max(flush - 10, 0), 50) / 50
        return {**STALLED_QUALITY, "samples/diversity": diversity, "samples/offset": offset}
    return probe


def test_dominant_d_while_samples_spread_out_on_the_data_is_a_normal_opening():
    # every 20-flush window of a linear climb from 0.05 has its later half ≥ 1.1× its earlier half (at
    # flushes 40-60: medians ≈ 0.65 → 0.82), on the data (offset 0.05 < 0.3): progress.spreading_on_data
    quiet = run_doctor(trace(60, d_overpowering_trace, spreading(0.05)))
    assert "d_overpowering" not in rules_fired(quiet)
    # the same climb 0.6 away from the data (≥ 0.3) is not progress: D is overpowering
    loud = run_doctor(trace(60, d_overpowering_trace, spreading(0.6)))
    assert rules_fired(loud)[:1] == ["d_overpowering"]


D_AT_CHANCE = {"d/real": 0.51, "d/fake": 0.49, "d/accuracy": 0.52, "loss/d": 1.386}


@pytest.mark.parametrize("offset, fires", [(0.15, False), (0.6, True)])
def test_d_at_chance_on_a_mixture_needs_the_samples_off_the_data(offset, fires):
    probe = lambda f: {"samples/high_quality": 0.05, "samples/modes": 2.0, "samples/diversity": 0.95,  # noqa: E731
                       "samples/offset": offset}
    doctor = run_doctor(trace(60, lambda f: D_AT_CHANCE, probe))
    assert ("d_weak" in rules_fired(doctor)) is fires


@pytest.mark.parametrize("real, fake, fires", [(0.502, 0.498, True), (0.20, 0.10, False)])
def test_a_flat_wasserstein_critic_is_a_weak_d(real, fake, fires):
    # sigmoid(±0.01) ≈ 0.5 ± 0.0025: within 0.1 of 0.5 on real and fake → flat; sigmoid 0.2 / 0.1 is not
    critic = {"d/real": real, "d/fake": fake, "d/accuracy": 0.7, "loss/d": -0.01, "loss/g": 0.01}
    probe = lambda f: {"samples/high_quality": 0.0, "samples/modes": 0.0, "samples/diversity": 0.9,  # noqa: E731
                       "samples/offset": 0.6}
    doctor = run_doctor(trace(60, lambda f: critic, probe), ring_config(loss={"name": "wasserstein"}))
    assert ("d_weak" in rules_fired(doctor)) is fires


@pytest.mark.parametrize("offset", [0.1, 0.8])
def test_one_point_off_the_modes_is_mode_collapse_not_divergence(offset):
    one_point = lambda f: {"samples/diversity": 1e-4, "samples/near_duplicates": 1.0, "samples/modes": 0.0,  # noqa: E731
                           "samples/high_quality": 0.0, "samples/offset": offset} if f >= 10 else {}
    fired = rules_fired(run_doctor(trace(60, probe_change=one_point)))
    assert fired[:1] == ["mode_collapse"] and "divergence" not in fired


def test_samples_hovering_off_the_data_are_not_divergence_until_they_head_away():
    hovering = lambda f: {"samples/offset": 0.6, "samples/high_quality": 0.0, "samples/modes": 0.0}  # noqa: E731
    assert "divergence" not in rules_fired(run_doctor(trace(80, probe_change=hovering)))
    # offset doubling every 10 flushes from flush 40: the later probes of two windows are ≥ 1.5× the earlier
    away = lambda f: {**hovering(f), "samples/offset": 0.6 * 2 ** max(0, (f - 40) / 10)}  # noqa: E731
    assert "divergence" in rules_fired(run_doctor(trace(80, probe_change=away)))


def first_advice(rule, **raw):
    from ganforge.doctor.advice import advice_for

    return advice_for(rule, ring_config(**raw))[0]


def test_a_d_slower_than_g_is_first_advised_to_catch_up():
    slow_d = {"g": {"name": "adam", "lr": 1.0e-4}, "d": {"name": "adam", "lr": 1.0e-5}}
    assert first_advice("d_weak", optim=slow_d).override == "optim.d.lr=0.0002"  # 2 × G's 1e-4
    even = {"g": {"name": "adam", "lr": 1.0e-4}, "d": {"name": "adam", "lr": 1.0e-4}}
    assert first_advice("d_weak", optim=even).override.startswith("optim.n_critic=")


def test_a_cycling_wasserstein_critic_is_first_advised_the_r1_gan_then_a_gradient_penalty():
    from ganforge.doctor.advice import advice_for

    recipe, penalty = advice_for("oscillation", ring_config(loss={"name": "wasserstein"}))[:2]
    assert recipe.keys >= {"loss.name", "plugins"} and not recipe.hot
    assert penalty.plugin == {"name": "wgan_gp", "weight": 10.0}  # for those who keep the WGAN
    bounded = advice_for("oscillation", ring_config(loss={"name": "wasserstein"}, plugins=[{"name": "r1", "gamma": 1.0}]))
    assert bounded[0].keys == {"loss.name"}  # R1 is already on: only the loss changes
    assert bounded[1].keys == {"optim.d.lr", "optim.g.lr"}  # then both rates halved, as one change
    assert first_advice("oscillation").keys == {"optim.d.lr", "optim.g.lr"}  # a classifier loss: no critic bound needed


def test_learning_rates_far_apart_are_brought_together_first():
    def rates(d, g):
        return {"g": {"name": "adam", "lr": g}, "d": {"name": "adam", "lr": d}}
    # D 20× faster than G (past TTUR's 4×): G gets D's rate; at 4× (TTUR itself) D is slowed instead
    assert first_advice("d_overpowering", optim=rates(2e-4, 1e-5)).override == "optim.g.lr=0.0002"
    assert first_advice("d_overpowering", optim=rates(4e-4, 1e-4)).override == "optim.d.lr=0.0001"
    # the saturating loss is the first suspect when D wins (Goodfellow et al. 2014)
    assert first_advice("d_overpowering", loss={"name": "minimax"}).override == "loss.name=nonsaturating"
    # G 10× faster than D on a collapsing mixture: G gets D's rate; at 2× the literature's fixes come first
    assert first_advice("mode_collapse", optim=rates(1e-3, 1e-2)).override == "optim.g.lr=0.001"
    assert first_advice("mode_collapse", optim=rates(1e-3, 2e-3)).plugin["name"] == "unrolled"
    # D 20× faster than G with 5 D steps (ring_mode_collapse): G is pinned where it first landed; G gets D's rate
    assert first_advice("mode_collapse", optim=rates(2e-3, 1e-4)).override == "optim.g.lr=0.002"
    sgd = {"g": {"name": "sgd", "lr": 2e-3, "momentum": 0.9}, "d": {"name": "sgd", "lr": 2e-3, "momentum": 0.9}}
    assert first_advice("mode_collapse", optim=sgd).keys == {f"optim.{net}.{key}" for net in "dg"
                                                              for key in ("name", "lr", "betas")}


def test_diverging_adam_is_lowered_to_the_usual_range_in_one_change():
    def rates(lr, name="adam"):
        return {"g": {"name": name, "lr": lr}, "d": {"name": name, "lr": lr}}
    assert first_advice("divergence", optim=rates(0.1)).overrides == ["optim.d.lr=0.001", "optim.g.lr=0.001"]
    assert first_advice("divergence", optim=rates(2e-3)).overrides == ["optim.d.lr=0.0005", "optim.g.lr=0.0005"]
    to_adam, lower = __import__("ganforge.doctor.advice", fromlist=["advice_for"]).advice_for(
        "divergence", ring_config(optim=rates(0.05, "sgd")))[:2]
    # SGD with momentum: both nets to Adam at the DCGAN setting first, as one change; then its rates ÷ 4
    assert to_adam.overrides == [f"optim.{net}.{option}" for net in "dg" for option in
                                 ("name=adam", "lr=0.0002", "betas=[0.5, 0.999]")]
    assert lower.overrides == ["optim.d.lr=0.0125", "optim.g.lr=0.0125"]


def test_doctor_writer_keeps_earlier_remedies_when_a_later_one_rolls_back_further(tmp_path):
    import json

    from ganforge.doctor.doctor import DoctorWriter
    from ganforge.doctor.finding import Finding

    path = tmp_path / "doctor.jsonl"
    writer = DoctorWriter(path)
    writer(Finding(300, "d_weak", "error", "m"))
    with path.open("a") as file:  # remedy.record's line for attempt 1, stamped with its rollback step
        file.write(json.dumps({"step": 250, "rule": "auto_remedy", "severity": "info", "message": "attempt 1"}) + "\n")
    writer(Finding(600, "d_weak", "error", "m"))
    writer.truncate_after(0)  # attempt 2 changes the nets: a fresh start
    assert [json.loads(line)["message"] for line in path.read_text().splitlines()] == ["attempt 1"]


def image_history(flushes, probe):
    """A digits-sized DCGAN run whose D wins throughout (accuracy 0.999, D(G(z)) 0.11: the quickstart's from step ~500)."""
    from ganforge.doctor.signals import SignalHistory

    history = SignalHistory()
    for flush in range(1, flushes + 1):
        means = {"d/accuracy": 0.999, "d/real": 0.88, "d/fake": 0.11, "loss/d": 0.3, "loss/g": 2.4, "grad/g": 20.0}
        if flush % 5 == 0:
            means.update(probe)
        history.append(flush * 10, means)
    return history


# the quickstart's probes while D wins (nn_ratio 1.32-1.38, diversity 0.91-0.93, offset 0.52-0.53), against
# a starved G's: the same D with samples twice as far from their nearest real image as real images are apart
LIKE_DATA = {"samples/nn_ratio": 1.34, "samples/diversity": 0.92, "samples/offset": 0.53}
STARVED = {"samples/nn_ratio": 2.6, "samples/diversity": 0.92, "samples/offset": 0.53}
BLOBS = {"samples/nn_ratio": 1.07, "samples/diversity": 0.17, "samples/offset": 0.49}  # a DCGAN's collapsed opening


@pytest.mark.parametrize("probe, fires", [(LIKE_DATA, False), (STARVED, True), (BLOBS, True)])
def test_a_winning_d_over_images_as_good_as_a_healthy_runs_is_not_d_overpowering(probe, fires):
    from ganforge.doctor.rules import d_overpowering
    from ganforge.doctor.rules.context import RuleContext

    digits = RuleContext(dataset_size=1797, batch_size=64, is_image=True)
    assert (d_overpowering.check(image_history(60, probe), digits) is not None) is fires


def test_one_flush_of_an_astronomical_loss_is_divergence_at_once_but_a_large_one_is_not():
    blown = {"loss/g": 1.5e5}  # ring_divergence on seed 1: its first flush, then a dominant D
    doctor = run_doctor(trace(30, lambda f: blown if f == 1 else {}))
    assert [(f.rule, f.step) for f in doctor.findings][:1] == [("divergence", 10)]
    large = {"loss/g": 5e3}  # past the two-flush limit of 10³, below ten times it: one flush is not enough
    assert rules_fired(run_doctor(trace(30, lambda f: large if f == 5 else {}))) == []


# ring_d_weak on seed 3: a 4-unit D fooled outright (accuracy 0, D(G(z)) ≈ 1, D(x) 0.38) while G's samples fly off
FOOLED = {"d/real": 0.38, "d/fake": 0.99, "d/accuracy": 0.0, "loss/d": 8.0, "loss/g": 0.01}
FAR_OFF = {"samples/high_quality": 0.0, "samples/modes": 0.0, "samples/diversity": 12.0, "samples/offset": 30.0}


def test_a_d_fooled_throughout_while_the_samples_stay_off_the_data_is_a_weak_d():
    fired = rules_fired(run_doctor(trace(60, lambda f: FOOLED, lambda f: FAR_OFF)))
    assert fired[:1] == ["d_weak"]
    # the same D over a G collapsed to one point that it chases round the plane: mode collapse, not a weak D
    one_point = {**FAR_OFF, "samples/diversity": 1e-3, "samples/near_duplicates": 1.0}
    assert "d_weak" not in rules_fired(run_doctor(trace(60, lambda f: FOOLED, lambda f: one_point)))
    # fooled on alternate stretches of three flushes, winning in between: D and G take turns, not a weak D
    turns = lambda f: FOOLED if (f // 3) % 2 else {"d/real": 0.9, "d/fake": 0.1, "d/accuracy": 0.95}  # noqa: E731
    assert "d_weak" not in rules_fired(run_doctor(trace(60, turns, lambda f: FAR_OFF)))


@pytest.mark.parametrize("diversity, fires", [(0.1, True), (0.9, False)])
def test_a_tight_blob_between_the_modes_is_collapse_but_a_wide_blur_is_not(diversity, fires):
    # grid_mode_collapse on seed 2: diversity 0.05-0.3 and no point on a mode from step 100; healthy ring and grid
    # runs open as a blur with diversity 0.4-1.4 and hardly a point on a mode either
    blob = lambda f: {"samples/diversity": diversity, "samples/near_duplicates": 0.05, "samples/modes": 0.0,  # noqa: E731
                      "samples/high_quality": 0.0, "samples/offset": 0.15}
    assert ("mode_collapse" in rules_fired(run_doctor(trace(60, probe_change=blob)))) is fires


def test_samples_swinging_off_the_data_and_back_are_not_divergence():
    # grid_oscillation on seed 3: offsets 0.005, 9.3, 0.22, 6.4, 0.008 probe by probe; only samples that stay
    # off the data on every probe of the window count
    swinging = lambda f: {"samples/offset": 8.0 * (f // 5 % 2) + 0.01, "samples/high_quality": 0.3,  # noqa: E731
                          "samples/modes": 8.0}
    assert "divergence" not in rules_fired(run_doctor(trace(80, probe_change=swinging)))


def test_an_unbounded_critics_gradients_swinging_up_are_not_a_blow_up_unless_astronomical():
    wasserstein = ring_config(loss={"name": "wasserstein"})
    swing = lambda f: {"grad/g": 2.5e4} if f in (20, 21) else {}  # noqa: E731 (grid_oscillation, seed 2: 1e4-2.5e4)
    assert "divergence" not in rules_fired(run_doctor(trace(40, swing), wasserstein))
    assert rules_fired(run_doctor(trace(40, swing)))[:1] == ["divergence"]  # a classifier's D at 2.5e4 has blown up
    astronomical = lambda f: {"grad/g": 2.0e5} if f == 20 else {}  # noqa: E731
    assert rules_fired(run_doctor(trace(40, astronomical), wasserstein))[:1] == ["divergence"]


def test_a_blob_squeezed_by_a_loss_spike_for_a_few_probes_is_not_collapse():
    # grid_healthy_spike on seed 0: diversity 0.45, 0.23, 0.17, 0.08, 0.15 on five probes (steps 550-750), then 0.55
    squeezed = {11: 0.45, 12: 0.23, 13: 0.17, 14: 0.08, 15: 0.15}
    probe = lambda f: {"samples/diversity": squeezed.get(f // 5, 0.9), "samples/near_duplicates": 0.01,  # noqa: E731
                       "samples/modes": 1.0, "samples/high_quality": 0.03, "samples/offset": 0.2}
    assert "mode_collapse" not in rules_fired(run_doctor(trace(100, probe_change=probe)))
    # a spread of a twentieth of the data's is one point, and on three probes running that is a collapse
    point = lambda f: {**probe(f), "samples/diversity": 0.02} if 11 <= f // 5 <= 13 else probe(f)  # noqa: E731
    assert "mode_collapse" in rules_fired(run_doctor(trace(100, probe_change=point)))


def cycling_lead(flush):
    return {"d/accuracy": 0.95, "d/fake": 0.1} if (flush // 3) % 2 else {"d/accuracy": 0.3, "d/fake": 0.8}


def test_d_and_g_trading_the_lead_over_a_collapsed_g_is_mode_collapse_not_oscillation():
    # ring_mode_collapse_hinge: G hops from mode to mode as one point (diversity 0.03-0.13) while D chases it
    hopping = lambda f: {"samples/diversity": 0.04, "samples/near_duplicates": 0.8, "samples/modes": 1.0,  # noqa: E731
                         "samples/high_quality": 0.3, "samples/offset": 0.1}
    fired = rules_fired(run_doctor(trace(80, cycling_lead, hopping)))
    assert fired[:1] == ["mode_collapse"] and "oscillation" not in fired
    spread = lambda f: {**hopping(f), "samples/diversity": 0.9, "samples/near_duplicates": 0.01,  # noqa: E731
                        "samples/modes": 8.0}  # the same cycle over a G spread over every mode
    assert rules_fired(run_doctor(trace(80, cycling_lead, spread)))[:1] == ["oscillation"]


def test_oscillation_is_seen_within_three_windows():
    first = next(f for f in run_doctor(trace(80, cycling_lead, lambda f: STALLED_QUALITY)).findings)
    assert (first.rule, first.step) == ("oscillation", 300)  # 3 windows of 10 flushes at log_every 10


def test_an_unbounded_critics_gradients_growing_as_it_cycles_are_not_exploding():
    # ring_oscillation on seed 2: grad/d from ~5 in the first window to 90-200 from step 400
    growing = lambda f: {"grad/d": 150.0} if f > 30 else {"grad/d": 4.0}  # noqa: E731
    assert "divergence" not in rules_fired(run_doctor(trace(60, growing), ring_config(loss={"name": "wasserstein"})))
    assert "divergence" in rules_fired(run_doctor(trace(60, growing)))  # a classifier D's gradient 37× up has exploded


def test_a_d_that_calls_everything_real_is_fooled_outright():
    # ring_d_weak on seed 4: D(x) 0.64, D(G(z)) 1.00, accuracy 0.5 (right on the real half, wrong on the fakes)
    everything_real = {"d/real": 0.64, "d/fake": 1.0, "d/accuracy": 0.5, "loss/d": 5.0, "loss/g": 0.01}
    assert rules_fired(run_doctor(trace(60, lambda f: everything_real, lambda f: FAR_OFF)))[:1] == ["d_weak"]
    # the same accuracy with the fakes rated below the data (0.6 < 0.9) is a D that still ranks them apart
    ranking = {**everything_real, "d/real": 0.9, "d/fake": 0.6}
    assert "d_weak" not in rules_fired(run_doctor(trace(60, lambda f: ranking, lambda f: FAR_OFF)))


def test_a_d_winning_against_a_collapsed_g_is_mode_collapse_not_d_overpowering():
    # grid_mode_collapse on seed 4: D at accuracy 1 over a G whose every sample sits on one mode
    one_mode = lambda f: {"samples/diversity": 0.02, "samples/near_duplicates": 0.9, "samples/modes": 1.0,  # noqa: E731
                          "samples/high_quality": 0.9, "samples/offset": 0.02} if f >= 10 else {}
    fired = rules_fired(run_doctor(trace(60, d_overpowering_trace, one_mode)))
    assert fired[:1] == ["mode_collapse"] and "d_overpowering" not in fired
    # the same D over a G spread over every mode but no longer improving: D overpowers it
    assert rules_fired(run_doctor(trace(60, d_overpowering_trace, lambda f: STALLED_QUALITY)))[:1] == ["d_overpowering"]


def test_findings_at_one_step_come_errors_first(monkeypatch):
    from ganforge.doctor import doctor as doctor_module
    from ganforge.doctor.finding import Finding

    class Fixed:  # a rule that always reports the same severity
        def __init__(self, name, severity):
            self.name, self.severity = name, severity

        def check(self, history, context):
            return Finding(history.step, self.name, self.severity, "m", {})

    # two real rule names (advice exists for them), the warning checked first
    monkeypatch.setattr(doctor_module, "RULES", {"d_weak": Fixed("d_weak", "warn"),
                                                 "divergence": Fixed("divergence", "error")})
    doctor = doctor_module.Doctor(ring_config())
    new = doctor.observe(10, {"loss/d": 1.0})
    assert [(f.rule, f.severity) for f in new] == [("divergence", "error"), ("d_weak", "warn")]
