"""off_data: samples that stay off the data, named whatever D's statistics say, and yielding to the rules naming a cause.

Each mechanism is a synthetic trace through the whole doctor (test_doctor_rules.trace: healthy values, then the
mechanism's D statistics and probes): both learning rates at zero (D frozen with its verdicts), D at chance over a
spread between a grid's modes, an over-penalised critic whose samples lie on a line drifting off the ring, a blob
beside a mode, and images of noise.
"""
import pytest

from ganforge.data import DATA
from ganforge.doctor.rules import RULES, d_weak, off_data
from ganforge.doctor.rules.context import RuleContext
from ganforge.doctor.signals import SignalHistory
from test_doctor_rules import FAILURES, ring_config, run_doctor, trace

FLUSHES = 100  # 1,000 steps at 10 a flush: 8 windows of samples spread between the modes, and more


def fired(doctor) -> list[str]:
    return [f.rule for f in doctor.findings if f.severity in ("warn", "error")]


def constant(values: dict):
    return lambda flush: values


FROZEN_D = {"d/real": 0.80, "d/fake": 0.35, "d/accuracy": 0.75, "loss/d": 0.75, "loss/g": 1.05}  # neither 0.5 nor won
D_AT_CHANCE = {"d/real": 0.51, "d/fake": 0.50, "d/accuracy": 0.55, "loss/d": 1.386}
STRONG_GP_CRITIC = {"d/real": 0.62, "d/fake": 0.40, "d/accuracy": 0.70, "loss/d": -0.4, "loss/g": 0.3}  # not flat


def test_both_rates_at_zero_leave_samples_frozen_off_the_ring():
    probe = {"samples/high_quality": 0.0, "samples/modes": 0.0, "samples/diversity": 0.8, "samples/offset": 0.7}
    doctor = run_doctor(trace(FLUSHES, constant(FROZEN_D), constant(probe)))
    assert fired(doctor)[:1] == ["off_data"]
    assert doctor.findings[0].step == 300  # three windows of probes off the modes, from the first flush on
    assert "d_weak" not in fired(doctor) and "d_overpowering" not in fired(doctor)


def test_d_at_chance_over_a_spread_between_the_grids_modes():
    # the grid preset with r1 γ 0.1 and ema: 16% of the points on a mode, nn_ratio ≈ 31, yet offset 0.15 (< 0.3):
    # too near the data for d_weak's "far from the data", too far from every mode to be any good; named after 8
    # windows (a healthy grid run's blur looks like this for up to ~800 steps)
    probe = {"samples/high_quality": 0.16, "samples/modes": 25.0, "samples/diversity": 1.0, "samples/offset": 0.15,
             "samples/nn_ratio": 31.0}
    grid = DATA.build({"name": "grid"})
    doctor = run_doctor(trace(FLUSHES, constant(D_AT_CHANCE), constant(probe)), data=grid)
    assert fired(doctor)[:1] == ["off_data"] and "d_weak" not in fired(doctor)
    assert doctor.findings[0].step == 800


def test_an_over_penalised_critic_whose_samples_lie_on_a_line_drifting_off_the_ring():
    probe = lambda flush: {"samples/high_quality": 0.0, "samples/modes": 0.0, "samples/diversity": 0.7,  # noqa: E731
                           "samples/offset": 2.0 + 0.02 * flush}
    doctor = run_doctor(trace(FLUSHES, constant(STRONG_GP_CRITIC), probe), ring_config(loss={"name": "wasserstein"}))
    assert fired(doctor)[:1] == ["off_data"]


def test_a_blob_beside_a_mode_while_d_sits_near_chance():
    # mixture_best on the ring ending as one blob next to a mode: too wide for mode_collapse (diversity 0.6 ≥ 0.5),
    # near enough to the data (offset 0.2) for d_weak to see nothing wrong
    probe = {"samples/high_quality": 0.02, "samples/modes": 0.0, "samples/diversity": 0.6, "samples/offset": 0.2,
             "samples/near_duplicates": 0.05}
    doctor = run_doctor(trace(FLUSHES, constant(D_AT_CHANCE), constant(probe)))
    assert fired(doctor)[:1] == ["off_data"]


def test_images_of_noise_under_a_d_at_chance_far_off_are_d_weaks_cause_first():
    images = RuleContext(window=10, log_every=10, sample_every=50, is_image=True, dataset_size=60000)
    probe = {"samples/nn_ratio": 4.0, "samples/offset": 0.8, "samples/diversity": 1.1}
    history = SignalHistory()
    for step, means in trace(FLUSHES, constant(D_AT_CHANCE), constant(probe)):
        history.append(step, {k: v for k, v in means.items() if k not in ("samples/high_quality", "samples/modes")})
    assert off_data.check(history, images) is not None  # the samples say it...
    assert d_weak.check(history, images) is not None  # ...and D's statistics name the cause


def test_while_a_cause_stands_the_symptom_is_not_reported():
    change, probe_change = FAILURES["d_weak"]  # D at chance, 10% on a mode, offset 0.6: d_weak from step 200
    doctor = run_doctor(trace(150, change, probe_change))
    assert off_data.check(doctor.history, doctor.context) is not None  # its own test holds...
    assert "off_data" not in fired(doctor) and fired(doctor)[0] == "d_weak"  # ...but d_weak's finding explains it


def test_off_data_comes_after_every_rule_it_yields_to():
    order = list(RULES)
    assert set(off_data.YIELDS_TO) <= set(order[:order.index("off_data")])


@pytest.mark.parametrize("gain_per_window", [0.05, 0.02])
def test_a_healthy_grid_filling_in_its_modes_slowly_is_not_off_the_data(gain_per_window):
    # healthy grid runs sit under half their points on a mode for their first ~800 steps while the modes fill in
    probe = lambda flush: {"samples/high_quality": 0.02 + gain_per_window * flush / 10,  # noqa: E731
                           "samples/modes": 9.0, "samples/diversity": 1.0, "samples/offset": 0.15}
    grid = DATA.build({"name": "grid", "modes_per_side": 3})
    doctor = run_doctor(trace(FLUSHES, constant(D_AT_CHANCE), probe), data=grid)
    assert "off_data" not in fired(doctor)


def test_the_same_grid_standing_still_is():
    probe = {"samples/high_quality": 0.12, "samples/modes": 9.0, "samples/diversity": 1.0, "samples/offset": 0.15}
    grid = DATA.build({"name": "grid", "modes_per_side": 3})
    assert "off_data" in fired(run_doctor(trace(FLUSHES, constant(D_AT_CHANCE), constant(probe)), data=grid))


def served(offset_of_flush):
    """Probes of a healthy G whose served samples (EMA's average) sit at `offset_of_flush(flush)` from the data."""
    return lambda flush: {"samples/served_offset": offset_of_flush(flush), "samples/served_nn_ratio": 20.0}


def test_samples_served_by_an_ema_that_never_leaves_the_untrained_g_are_off_the_data():
    # held_out_6/deca_ema_frozen: EMA β 0.9999 in a 1,500-step run, D and G healthy, the served clump far off
    doctor = run_doctor(trace(FLUSHES, probe_change=served(lambda flush: 0.9)))
    assert fired(doctor)[:1] == ["off_data"] and doctor.findings[0].step == 300
    assert "served" in doctor.findings[0].message


def test_served_samples_closing_in_on_the_data_are_an_ema_catching_up():
    # β 0.999 over a short run: the average trails G but keeps closing in, 10% and more within each window
    doctor = run_doctor(trace(FLUSHES, probe_change=served(lambda flush: 3.0 * 0.985 ** flush)))
    assert "off_data" not in fired(doctor)


def test_served_samples_are_judged_by_the_off_data_threshold():
    near = run_doctor(trace(FLUSHES, probe_change=served(lambda flush: 0.29)))  # the ring's threshold is 0.3
    assert "off_data" not in fired(near)
    assert fired(run_doctor(trace(FLUSHES, probe_change=served(lambda flush: 0.31))))[:1] == ["off_data"]


def test_the_first_advice_for_an_ema_longer_than_a_tenth_of_the_run_shortens_it():
    from ganforge.doctor.advice import advice_for

    long_average = ring_config(plugins=[{"name": "ema", "beta": 0.9999}])  # 10,000 steps in a 2,000-step run
    first = advice_for("off_data", long_average)[0]
    assert first.override == "plugins=[{name: ema, beta: 0.995, start_step: 0}]"  # 1 − 10/2000: 200 steps, a tenth of the run
    within = ring_config(plugins=[{"name": "ema", "beta": 0.995}])  # exactly a tenth: nothing to shorten
    assert all("ema" not in (item.override or "") for item in advice_for("off_data", within))


def test_served_samples_standing_still_off_the_data_are_off_it_wherever_the_threshold_sits():
    # an untrained G's clump at the data's centre: no farther than a blur by samples/offset (0.2 < 0.3), poor by
    # nn_ratio, and not moving while G's own samples do
    def probe(served_nn_ratio, served_drift):
        return lambda flush: {"samples/served_offset": 0.2 * (1 + served_drift * flush),
                              "samples/served_nn_ratio": served_nn_ratio,
                              "samples/offset": 0.05 * (1.2 if flush % 10 else 1.0)}  # G moving
    assert fired(run_doctor(trace(FLUSHES, probe_change=probe(6.0, 0.0))))[:1] == ["off_data"]
    assert "off_data" not in fired(run_doctor(trace(FLUSHES, probe_change=probe(2.4, 0.0))))  # on the data
    assert "off_data" not in fired(run_doctor(trace(FLUSHES, probe_change=probe(6.0, 0.002))))  # 6% a window: moving
