"""Every named threshold of the doctor's rules, pinned from both sides.

Each test builds a history of constant signals just inside a threshold and one just outside it, and
asserts the rule's own test flips between them. The values are written out (not derived from the
constants), so moving any threshold past the pair fails a test.
"""
from dataclasses import replace

import pytest

from ganforge.doctor.rules import (d_overfitting, d_overpowering, d_weak, divergence, mode_collapse, off_data as off_data_rule,
                                   oscillation, progress)
from ganforge.doctor.rules.context import RuleContext, collapsed_samples, off_data
from ganforge.doctor.signals import SignalHistory

WINDOW, LOG_EVERY, PROBE_EVERY = 10, 10, 5  # flushes per window, steps per flush, flushes per sample probe
POINTS = RuleContext(window=WINDOW, log_every=LOG_EVERY, sample_every=PROBE_EVERY * LOG_EVERY)
MIXTURE = RuleContext(window=WINDOW, log_every=LOG_EVERY, sample_every=PROBE_EVERY * LOG_EVERY, modes=8)
IMAGES = RuleContext(window=WINDOW, log_every=LOG_EVERY, sample_every=PROBE_EVERY * LOG_EVERY, is_image=True,
                     dataset_size=60000)


def history(flushes, signals=None, probes=None, probe_every=PROBE_EVERY):
    """A history of `flushes` flushes: `signals` on every flush, `probes` on every `probe_every`-th; a value may be
    a number or a function of the flush's index (1-based)."""
    built = SignalHistory()
    for flush in range(1, flushes + 1):
        means = {name: value(flush) if callable(value) else value for name, value in (signals or {}).items()}
        if flush % probe_every == 0:
            means.update({name: value(flush // probe_every) if callable(value) else value
                          for name, value in (probes or {}).items()})
        built.append(flush * LOG_EVERY, means)
    return built


def from_list(values):
    """A per-index function over a list (1-based), its last value after the end."""
    return lambda index: values[min(index, len(values)) - 1]


# --- context.py -----------------------------------------------------------------------------

@pytest.mark.parametrize("context, inside, outside", [(POINTS, 0.31, 0.29), (IMAGES, 1.01, 0.99)])
def test_off_data_thresholds_for_points_and_images(context, inside, outside):
    assert off_data(history(15, probes={"samples/offset": inside}), context, 3)
    assert not off_data(history(15, probes={"samples/offset": outside}), context, 3)


def test_collapsed_diversity_is_half_the_datas_spread():
    assert collapsed_samples(history(15, probes={"samples/diversity": 0.49}), 3)
    assert not collapsed_samples(history(15, probes={"samples/diversity": 0.51}), 3)


# --- d_overfitting ----------------------------------------------------------------------------

def overfit_context(size):
    return RuleContext(window=WINDOW, log_every=LOG_EVERY, batch_size=64, dataset_size=size)


def overfit(flushes=20, size=500, sign_real=0.7, **probes):
    return d_overfitting.check(history(flushes, {"d/sign_real": sign_real, **probes}), overfit_context(size))


def test_r_t_above_ada_target():
    assert overfit(sign_real=0.61) is not None and overfit(sign_real=0.59) is None


def test_held_share_is_eight_flushes_in_ten():
    assert overfit(sign_real=lambda f: 0.7 if f > 12 else 0.5) is not None  # 8 of the last 10
    assert overfit(sign_real=lambda f: 0.7 if f > 13 else 0.5) is None  # 7 of the last 10


def test_severe_r_t():
    assert overfit(sign_real=0.81).severity == "error" and overfit(sign_real=0.79).severity == "warn"


def test_min_epochs():  # 10 flushes of 10 steps of 64 samples: 6,400 samples
    assert overfit(flushes=10, size=633) is not None  # 10.1 epochs
    assert overfit(flushes=10, size=647) is None  # 9.9 epochs


def test_small_data_without_held_out_images():
    assert overfit(size=1000) is not None and overfit(size=1001) is None


def test_held_out_gap_and_its_severe_level():
    gap = lambda heldout: overfit(flushes=80, size=5000, **{"d/train_real": 0.7, "d/heldout_real": heldout})  # noqa: E731
    assert gap(0.495) is not None and gap(0.505) is None  # gaps 0.205 and 0.195
    assert gap(0.19).severity == "error" and gap(0.21).severity == "warn"  # gaps 0.51 and 0.49


# --- d_overpowering ---------------------------------------------------------------------------

def test_dominant_accuracy_and_fake_probability():
    dominant = lambda accuracy, fake: d_overpowering.dominant(  # noqa: E731
        history(10, {"d/accuracy": accuracy, "d/fake": fake}), WINDOW)
    assert dominant(0.905, 0.05) and not dominant(0.895, 0.05)
    assert dominant(0.95, 0.145) and not dominant(0.95, 0.155)


def test_a_frozen_2d_sampler_off_the_modes_under_a_winning_d_is_d_overpowering():
    point = lambda drift, quality=0.0: d_overpowering.check(history(  # noqa: E731
        20, {"d/accuracy": 1.0, "d/fake": 0.01},
        {"samples/diversity": 0.04, "samples/near_duplicates": 0.07, "samples/high_quality": quality, "samples/modes": 0.0,
         "samples/offset": lambda probe: 0.27 * (1 + drift * probe)}), MIXTURE)
    assert point(0.004) is not None  # the last 3 probes' offsets 0.8% apart: frozen, D's doing
    assert point(0.006) is None  # 1.2%: a collapsed sampler that moves is mode_collapse's
    assert point(0.004, quality=0.29) is not None and point(0.004, quality=0.31) is None  # on a mode: collapsed there


def test_severe_accuracy():
    dominant = lambda accuracy: d_overpowering.dominant(  # noqa: E731
        history(10, {"d/accuracy": accuracy, "d/fake": 0.05}), WINDOW, d_overpowering.SEVERE_ACCURACY)
    assert dominant(0.985) and not dominant(0.975)


def test_samples_like_the_data_nn_ratio_and_diversity():
    like = lambda nn_ratio, diversity: d_overpowering.samples_like_the_data(  # noqa: E731
        history(20, probes={"samples/nn_ratio": nn_ratio, "samples/diversity": diversity, "samples/offset": 0.5}),
        WINDOW, IMAGES)
    assert like(1.49, 0.9) and not like(1.51, 0.9)
    assert like(1.3, 0.81) and not like(1.3, 0.79)


def overpowering(flushes, size=60000, loss="nonsaturating", fake=0.05):
    """D wins throughout over stalled, poor images, probed at every flush."""
    context = RuleContext(window=WINDOW, log_every=LOG_EVERY, sample_every=LOG_EVERY, is_image=True, dataset_size=size,
                          loss=loss)
    probes = {"samples/nn_ratio": 3.0, "samples/diversity": 0.5, "samples/offset": 0.5}
    return d_overpowering.check(history(flushes, {"d/accuracy": 0.95, "d/fake": fake}, probes, probe_every=1), context)


def test_least_squares_d_overpowers_only_with_its_fake_verdict_within_005_of_the_target():
    assert overpowering(20, loss="lsgan", fake=0.049) is not None
    assert overpowering(20, loss="lsgan", fake=0.051) is None
    assert overpowering(20, fake=0.1) is not None  # the logistic losses' limit is 0.15
    assert overpowering(20, loss="wasserstein", fake=0.0) is None  # a critic's scores are no verdicts


def test_least_squares_is_at_chance_midway_on_both_or_alike_on_both():
    chance = lambda real, fake, accuracy: bool(d_weak.chance_flags(  # noqa: E731
        history(10, {"d/real": real, "d/fake": fake, "d/accuracy": accuracy}), WINDOW, least_squares=True).all())
    assert chance(0.51, 0.49, 0.85) and not chance(0.51, 0.39, 0.85)  # midway: the batch's accuracy is noise there
    assert chance(0.001, 0.001, 0.5) and not chance(0.001, 0.001, 0.66)  # one verdict for all, at 0.001 (clipped D)


def test_d_overpowering_warm_up_is_one_and_a_half_windows():
    assert overpowering(15) is not None and overpowering(14) is None


def test_d_overpowering_leaves_small_datasets_to_d_overfitting():
    assert overpowering(20, size=1001) is not None and overpowering(20, size=1000) is None


def test_held_share_over_a_two_window_look():
    chance_on = lambda count: {"d/real": lambda f: 0.5 if f > 20 - count else 0.9, "d/accuracy": 0.5}  # noqa: E731
    assert d_weak.no_signal(history(20, chance_on(16)), 2 * WINDOW, POINTS) == "chance"  # 80%
    assert d_weak.no_signal(history(20, chance_on(15)), 2 * WINDOW, POINTS) is None  # 75%


# --- d_weak -----------------------------------------------------------------------------------

def test_chance_band_and_chance_accuracy():
    chance = lambda real, accuracy: bool(d_weak.chance_flags(  # noqa: E731
        history(10, {"d/real": real, "d/accuracy": accuracy}), WINDOW).all())
    assert chance(0.596, 0.5) and not chance(0.604, 0.5)
    assert chance(0.404, 0.5) and not chance(0.396, 0.5)
    assert chance(0.5, 0.65) and not chance(0.5, 0.66)


def test_same_verdict_on_real_and_fake_is_chance_wherever_it_sits():
    chance = lambda real, fake, accuracy=0.5: bool(d_weak.chance_flags(  # noqa: E731
        history(10, {"d/real": real, "d/fake": fake, "d/accuracy": accuracy}), WINDOW).all())
    assert chance(0.005, 0.104) and not chance(0.005, 0.106)  # label smoothing to 0.01: D calls everything fake
    assert chance(0.95, 0.851) and not chance(0.95, 0.849)
    assert not chance(0.005, 0.006, accuracy=0.66)  # a D right on most of the batch is not at chance


def test_chance_band_for_a_critic_uses_d_fake_too():
    flat = lambda fake: bool(d_weak.chance_flags(  # noqa: E731
        history(10, {"d/real": 0.5, "d/fake": fake}), WINDOW, classifier=False).all())
    assert flat(0.596) and not flat(0.604)


def test_fooled_accuracy():
    fooled = lambda accuracy: bool(d_weak.fooled_flags(  # noqa: E731
        history(10, {"d/real": 0.7, "d/fake": 0.6, "d/accuracy": accuracy}), WINDOW).all())
    assert fooled(0.35) and not fooled(0.36)


def unseen_collapse(diversity, context=IMAGES, spread=0.0, verdict=0.5, fake=None, accuracy=0.5):
    """d_weak's finding over 20 flushes of a D at chance (D(x) = `verdict`, D(G(z)) = `fake`, by default the same)
    and samples of `diversity` (rising by `spread` a probe)."""
    probes = {"samples/diversity": lambda probe: diversity + spread * probe, "samples/nn_ratio": 1.0,
              "samples/offset": 0.1, "samples/near_duplicates": 0.0}
    signals = {"d/real": verdict, "d/fake": verdict if fake is None else fake, "d/accuracy": accuracy}
    return d_weak.check(history(20, signals, probes), context)


def test_a_collapse_d_cannot_see_is_d_weaks_on_images_only():
    assert unseen_collapse(0.49) is not None and unseen_collapse(0.51) is None  # median diversity vs half the data's
    assert unseen_collapse(0.3, context=POINTS, verdict=0.55, fake=0.45, accuracy=0.6) is None  # a 2-D sampler opens
    # as a small blob under a D near chance


def test_a_collapse_under_a_degenerate_verdict_is_d_weaks_on_points_too():
    assert unseen_collapse(0.3, context=POINTS, verdict=0.005) is not None  # label smoothing to 0.01
    assert unseen_collapse(0.3, context=POINTS, verdict=0.399) is not None  # one verdict outside CHANCE_BAND
    assert unseen_collapse(0.3, context=POINTS, verdict=0.401, fake=0.45, accuracy=0.6) is None  # a healthy D near chance


def test_a_collapse_under_a_d_flat_at_one_half_is_d_weaks_on_points_too():
    assert unseen_collapse(0.3, context=POINTS, verdict=0.5, fake=0.529, accuracy=0.5) is not None
    assert unseen_collapse(0.3, context=POINTS, verdict=0.5, fake=0.531, accuracy=0.5) is None
    assert unseen_collapse(0.3, context=POINTS, verdict=0.54, fake=0.54, accuracy=0.529) is not None
    assert unseen_collapse(0.3, context=POINTS, verdict=0.54, fake=0.54, accuracy=0.531) is None


def test_a_d_midway_on_both_is_flat_whatever_its_batch_accuracy():
    assert unseen_collapse(0.3, context=POINTS, verdict=0.51, fake=0.529, accuracy=0.6) is not None
    assert unseen_collapse(0.3, context=POINTS, verdict=0.51, fake=0.531, accuracy=0.6) is None
    assert unseen_collapse(0.3, context=POINTS, verdict=0.471, fake=0.49, accuracy=0.6) is not None
    assert unseen_collapse(0.3, context=POINTS, verdict=0.469, fake=0.49, accuracy=0.6) is None


def test_a_collapse_d_cannot_see_yields_to_samples_spreading_out_by_ten_percent():
    assert unseen_collapse(0.3, spread=0.0) is not None
    assert unseen_collapse(0.3, spread=0.02) is None  # 0.32, 0.34 → 0.36, 0.38: 12% up


def test_poor_samples_nn_ratio_and_high_quality():
    poor = lambda probes, context=IMAGES: d_weak.poor_samples(history(15, probes=probes), 3, context)  # noqa: E731
    assert poor({"samples/nn_ratio": 2.51}) and not poor({"samples/nn_ratio": 2.49})
    assert poor({"samples/high_quality": 0.49, "samples/offset": 0.5}, MIXTURE)
    assert not poor({"samples/high_quality": 0.51, "samples/offset": 0.5}, MIXTURE)


def test_points_of_an_unknown_mixture_are_far_by_offset_not_nn_ratio():
    poor = lambda offset: d_weak.poor_samples(  # noqa: E731
        history(15, probes={"samples/nn_ratio": 20.0, "samples/offset": offset}), 3, POINTS)
    assert poor(0.31) and not poor(0.29)  # tight clusters put a healthy G's nn_ratio at 10-27 for hundreds of steps


def g_without_gradient(late, flushes=30):
    """d_weak's finding: D at chance throughout, G's gradient norm 1.0 over the first window and `late` after it,
    images near the data and spread out (nothing else for d_weak to see)."""
    signals = {"d/real": 0.5, "d/fake": 0.5, "d/accuracy": 0.5, "grad/g": lambda flush: 1.0 if flush <= WINDOW else late}
    probes = {"samples/nn_ratio": 2.0, "samples/offset": 0.3, "samples/diversity": 0.65, "samples/near_duplicates": 0.0}
    return d_weak.check(history(flushes, signals, probes), IMAGES)


def test_no_gradient_is_one_percent_of_the_first_windows():
    assert g_without_gradient(0.0099) is not None and g_without_gradient(0.0101) is None


# --- divergence -------------------------------------------------------------------------------

def exploding(signals, flushes=20):
    return divergence.exploding(history(flushes, signals), POINTS, WINDOW)


def test_gradient_growth_over_the_first_window():
    grad = lambda late: {"grad/d": lambda f: 10.0 if f <= 10 else late, "grad/g": 1.0}  # noqa: E731
    assert "grad/d" in exploding(grad(301.0)) and "grad/d" not in exploding(grad(299.0))


def test_gradient_floor():
    grad = lambda late: {"grad/d": lambda f: 1.0 if f <= 10 else late, "grad/g": 1.0}  # noqa: E731
    assert "grad/d" in exploding(grad(101.0)) and "grad/d" not in exploding(grad(99.0))


def test_loss_ceiling():
    assert "loss/g" in exploding({"loss/g": 20.1}) and "loss/g" not in exploding({"loss/g": 19.9})


def test_repeated_blowups_are_three_flushes_in_three_windows():
    blowups = lambda count: divergence.repeated_blowups(  # noqa: E731
        history(30, {"loss/d": lambda f: 25.0 if f % 7 == 0 and f // 7 <= count else 1.0, "loss/g": 1.0}), POINTS)
    assert blowups(3) == {"loss_blowups": 3} and blowups(2) == {}


@pytest.mark.parametrize("name, inside, outside", [("loss/d", 1001.0, 999.0), ("grad/d", 10001.0, 9999.0)])
def test_extreme_values_on_two_flushes(name, inside, outside):
    extreme = lambda value: divergence.extreme_finding(  # noqa: E731
        history(5, {name: lambda f: value if f >= 4 else 1.0}), POINTS)
    assert extreme(inside) is not None and extreme(outside) is None


def test_one_flush_ten_times_past_the_extreme():
    extreme = lambda value: divergence.extreme_finding(  # noqa: E731
        history(5, {"loss/d": lambda f: value if f == 5 else 1.0}), POINTS)
    assert extreme(10001.0) is not None and extreme(9999.0) is None


def test_offset_growth():
    away = lambda late: divergence.moving_away(  # noqa: E731
        history(20, probes={"samples/offset": from_list([1.0, 1.0, late, late])}), 4)
    assert away(1.51) and not away(1.49)


def test_diverged_offset_after_being_on_the_data():
    left = lambda late: divergence.left_the_data(  # noqa: E731
        history(30, probes={"samples/offset": lambda probe: 0.05 if probe <= 3 else late}), POINTS, 3)
    assert left(1.01) and not left(0.99)


def test_off_data_patience_for_samples_never_on_the_data():
    rising = {"samples/offset": lambda probe: 1.2 * 1.25 ** probe}
    assert divergence.left_the_data(history(40, probes=rising), POINTS, 3)
    assert not divergence.left_the_data(history(39, probes=rising), POINTS, 3)


def bad_images(probes, flushes=30, context=IMAGES):
    base = {"samples/offset": 0.5, "samples/diversity": 0.9, "samples/saturation": 0.0}
    return divergence.bad_samples(history(flushes, probes={**base, **probes}), context, 3)


def test_noise_growth_and_floor():
    ratio = lambda best, late: {"samples/nn_ratio": lambda probe: best if probe <= 3 else late}  # noqa: E731
    assert "samples/nn_ratio" in bad_images(ratio(2.0, 6.01)) and "samples/nn_ratio" not in bad_images(ratio(2.0, 5.99))
    assert "samples/nn_ratio" in bad_images(ratio(0.5, 3.01)) and "samples/nn_ratio" not in bad_images(ratio(0.5, 2.99))


def test_saturation():
    assert "samples/saturation" in bad_images({"samples/saturation": 0.5, "samples/nn_ratio": 1.0})
    assert "samples/saturation" not in bad_images({"samples/saturation": 0.49, "samples/nn_ratio": 1.0})


def test_saturation_counts_beyond_the_datas_own_pinned_values():
    digits = replace(IMAGES, data_saturation=0.6)  # black backgrounds: 60% of the data's values at -1
    pinned = lambda share: bad_images({"samples/saturation": share, "samples/nn_ratio": 1.0}, context=digits)  # noqa: E731
    assert "samples/saturation" not in pinned(0.6)  # a G that draws the data's backgrounds is not diverging
    assert "samples/saturation" in pinned(0.81) and "samples/saturation" not in pinned(0.79)  # half of the other 40%


# --- mode_collapse ----------------------------------------------------------------------------

ON_DATA = {"samples/diversity": 0.9, "samples/near_duplicates": 0.01, "samples/offset": 0.05}


def flagged(context, probes, blobs=False, count=3):
    return bool(mode_collapse.collapsed_flags(history(15, probes={**ON_DATA, **probes}), context, count, blobs).all())


def test_low_diversity_and_duplicates():
    assert flagged(IMAGES, {"samples/diversity": 0.49}) and not flagged(IMAGES, {"samples/diversity": 0.51})
    assert flagged(IMAGES, {"samples/near_duplicates": 0.205}) and not flagged(IMAGES, {"samples/near_duplicates": 0.195})


def test_few_modes_with_the_points_on_them():
    forty = RuleContext(window=WINDOW, log_every=LOG_EVERY, sample_every=PROBE_EVERY * LOG_EVERY, modes=40)
    assert flagged(forty, {"samples/modes": 19.0, "samples/high_quality": 0.5})  # under half of 40
    assert not flagged(forty, {"samples/modes": 20.0, "samples/high_quality": 0.5})
    assert flagged(MIXTURE, {"samples/modes": 2.0, "samples/high_quality": 0.31})
    assert not flagged(MIXTURE, {"samples/modes": 2.0, "samples/high_quality": 0.29})


def test_a_mixture_sampler_off_the_modes_is_collapsed_only_as_a_point():
    low = {"samples/modes": 8.0, "samples/diversity": 0.3}
    assert flagged(MIXTURE, {**low, "samples/high_quality": 0.11})  # a tenth on the modes (ON_MODES / 3)
    assert not flagged(MIXTURE, {**low, "samples/high_quality": 0.09})
    assert flagged(MIXTURE, {**low, "samples/high_quality": 0.0, "samples/near_duplicates": 0.51})
    assert not flagged(MIXTURE, {**low, "samples/high_quality": 0.0, "samples/near_duplicates": 0.49})
    assert flagged(MIXTURE, {"samples/modes": 8.0, "samples/high_quality": 0.0, "samples/diversity": 0.049})
    assert not flagged(MIXTURE, {"samples/modes": 8.0, "samples/high_quality": 0.0, "samples/diversity": 0.051})


def test_points_of_an_unknown_mixture_collapse_at_once_only_on_a_few_points():
    points = lambda diversity, duplicates: bool(mode_collapse.collapsed_flags(history(  # noqa: E731
        15, probes={"samples/diversity": diversity, "samples/near_duplicates": duplicates, "samples/offset": 0.1}),
        POINTS, 3).all())
    assert points(0.3, 0.21) and not points(0.3, 0.19)  # near-duplicate pairs past DUPLICATES
    assert points(0.049, 0.0) and not points(0.051, 0.0)  # a point-like spread, under POINT_DIVERSITY
    assert bool(mode_collapse.collapsed_flags(history(15, probes={  # a low spread alone: only as a blob, held longer
        "samples/diversity": 0.3, "samples/near_duplicates": 0.0, "samples/offset": 0.1}), POINTS, 3, blobs=True).all())


def test_a_tight_blob_needs_twice_the_probes():
    blob = {**ON_DATA, "samples/modes": 8.0, "samples/high_quality": 0.0, "samples/diversity": 0.3,
            "samples/near_duplicates": 0.1}
    assert mode_collapse.collapsed(history(30, probes=blob), MIXTURE, 3)  # 6 probes
    assert not mode_collapse.collapsed(history(25, probes=blob), MIXTURE, 3)  # 5 probes


def collapse(flushes, diversity=0.3):
    return mode_collapse.check(history(flushes, probes={**ON_DATA, "samples/diversity": diversity}), IMAGES)


def test_mode_collapse_warm_up_is_two_windows():
    assert collapse(20) is not None and collapse(19) is None


def test_severe_diversity():
    assert collapse(20, 0.19).severity == "error" and collapse(20, 0.21).severity == "warn"
    throughout = lambda diversity: oscillation.collapsed_throughout(  # noqa: E731
        history(30, probes={"samples/diversity": diversity}), 30)
    assert throughout(0.19) and not throughout(0.21)


# --- off_data ---------------------------------------------------------------------------------

FAR = {"samples/high_quality": 0.1, "samples/offset": 0.5}  # a mixture's samples off its modes and off the data
BETWEEN = {"samples/high_quality": 0.1, "samples/offset": 0.1, "samples/diversity": 1.0}  # spread between its modes


def stuck(flushes=30, context=MIXTURE, **probes):
    """off_data's finding over `flushes` flushes of constant probes (by default FAR)."""
    return off_data_rule.check(history(flushes, probes={**FAR, **probes} if context is MIXTURE else probes), context)


def test_off_modes_share():
    assert stuck(**{"samples/high_quality": 0.24}) is not None and stuck(**{"samples/high_quality": 0.26}) is None


def test_off_data_patience_is_three_windows_far_from_the_data():  # 30 flushes of 10 steps hold 6 probes of 50 steps
    assert stuck(30) is not None and stuck(29) is None
    assert stuck(30, **{"samples/offset": 0.31}) is not None and stuck(30, **{"samples/offset": 0.29}) is None


def test_off_data_severe_is_twice_the_patience():
    assert stuck(60).severity == "error" and stuck(59).severity == "warn"
    assert stuck(160, **BETWEEN).severity == "error" and stuck(159, **BETWEEN).severity == "warn"


def test_between_the_modes_patience_is_eight_windows():
    assert stuck(80, **BETWEEN) is not None and stuck(79, **BETWEEN) is None


def test_between_the_modes_needs_the_samples_spread_on_every_probe():
    assert stuck(80, **{**BETWEEN, "samples/diversity": 0.51}) is not None
    assert stuck(80, **{**BETWEEN, "samples/diversity": lambda probe: 0.49 if probe == 16 else 1.0}) is None


def test_far_from_the_data_means_staying_within_a_swing_of_four():
    swinging = lambda low: stuck(**{"samples/offset": lambda probe: 2.0 if probe in (2, 5) else low})  # noqa: E731
    assert swinging(0.51) is not None and swinging(0.49) is None  # 3.9× and 4.1× between probes


def test_far_from_the_data_leaves_collapsed_samples_to_mode_collapse():
    moving = lambda probe: 0.6 if probe % 3 == 0 else 0.5  # noqa: E731  (a G still moving: not frozen)
    assert stuck(**{"samples/diversity": 0.51, "samples/offset": moving}) is not None
    assert stuck(**{"samples/diversity": 0.49, "samples/offset": moving}) is None


def test_collapsed_images_past_the_off_data_offset_are_off_the_data():
    moving = lambda far: lambda probe: far + (0.05 if probe % 3 == 0 else 0.0)  # noqa: E731  (still moving)
    # far by nn_ratio (past d_weak's 2.5) either way: only the offset decides whose the collapse is
    images = lambda far: stuck(context=IMAGES, **{"samples/diversity": 0.2, "samples/nn_ratio": 2.6,  # noqa: E731
                                                  "samples/offset": moving(far)})
    assert images(1.01) is not None and images(0.99) is None  # mode_collapse's below the offset, no mode's above it
    assert stuck(**{"samples/diversity": 0.2, "samples/offset": moving(1.01)}) is None  # a mixture's: mode_collapse's


def test_collapsed_samples_count_when_frozen_within_one_percent():
    still = lambda step: stuck(**{"samples/diversity": 0.4,  # noqa: E731
                                  "samples/offset": lambda probe: 0.5 + (step if probe in (2, 5) else 0.0)})
    assert still(0.0045) is not None and still(0.0055) is None  # 0.9% and 1.1% apart


def test_approach_is_ten_percent_closer():
    closing = lambda late: stuck(**{"samples/offset": lambda probe: 1.0 if probe <= 3 else late})  # noqa: E731
    assert closing(0.91) is not None and closing(0.89) is None  # later probes 9% and 11% closer to the data


def test_off_data_elsewhere_is_nn_ratio_past_d_weaks_or_offset_past_the_contexts():
    far = lambda nn_ratio, offset: stuck(context=IMAGES, **{"samples/nn_ratio": nn_ratio,  # noqa: E731
                                                           "samples/offset": offset})
    assert far(2.51, 0.5) is not None and far(2.49, 0.5) is None
    assert far(2.0, 1.01) is not None and far(2.0, 0.99) is None


# --- oscillation ------------------------------------------------------------------------------

def test_winning_and_fooled_accuracies():
    lead = lambda accuracy: int(oscillation.lead(history(1, {"d/accuracy": accuracy}), POINTS, 1)[0])  # noqa: E731
    assert (lead(0.85), lead(0.84), lead(0.5), lead(0.51)) == (1, 0, -1, 0)


def test_a_relativistic_gap_leads_only_past_half_a_logit():
    paired = RuleContext(window=WINDOW, log_every=LOG_EVERY, sample_every=PROBE_EVERY * LOG_EVERY, loss="relativistic")
    critic = RuleContext(window=WINDOW, log_every=LOG_EVERY, sample_every=PROBE_EVERY * LOG_EVERY, loss="wasserstein")
    gaps = [0.2, 0.2, 0.2, -0.49, -0.51]  # a small window scale (median |gap| 0.2): only the margin can hold it back
    lead = lambda context: oscillation.lead(  # noqa: E731
        history(5, {"d/real_logit": from_list(gaps), "d/fake_logit": 0.0}), context, 5).tolist()
    assert lead(paired) == [0, 0, 0, 0, -1] and lead(critic) == [1, 1, 1, -1, -1]


def blocks(*sides):
    """Per-flush accuracies from (side, length) blocks: W winning (0.95), F fooled (0.2)."""
    return [0.95 if side == "W" else 0.2 for side, length in sides for _ in range(length)]


def cycling(accuracies):
    return oscillation.cycling(history(len(accuracies), {"d/accuracy": from_list(accuracies)}), POINTS, len(accuracies))


def test_min_switches():
    assert cycling(blocks(("W", 6), ("F", 6), ("W", 6), ("F", 6), ("W", 6))) is not None  # 4 switches
    assert cycling(blocks(("W", 8), ("F", 8), ("W", 7), ("F", 7))) is None  # 3


def test_side_share():
    fooled_on = lambda count: [0.2 if f % 6 == 0 and f // 6 <= count else 0.95 for f in range(1, 201)]  # noqa: E731
    assert cycling(fooled_on(30)) is not None  # fooled on 30 of 200 flushes: 15%
    assert cycling(fooled_on(29)) is None  # 14.5%


def oscillating(accuracies):
    probes = {"samples/high_quality": 0.3, "samples/diversity": 0.9}
    return oscillation.check(history(len(accuracies), {"d/accuracy": from_list(accuracies)}, probes), POINTS)


def test_long_windows_are_three_and_four():
    cycle = blocks(*[("W", 5), ("F", 5)] * 3)
    assert oscillating(cycle) is not None and oscillating(cycle[:29]) is None  # 3 windows
    slow = blocks(("F", 5), ("W", 5), ("F", 5), ("W", 8), ("F", 8), ("W", 9))  # 3 switches in the last 30, 5 in 40
    assert oscillating(slow) is not None


def test_a_g_spreading_out_on_the_data_while_the_lead_switches_is_progress_not_oscillation():
    cycle = blocks(*[("W", 5), ("F", 5)] * 3)
    spreading = lambda late: {"samples/offset": 0.1, "samples/nn_ratio": 4.0,  # noqa: E731  (nn_ratio flat: no gain)
                              "samples/diversity": lambda probe: 0.3 if probe <= 3 else late}
    run = lambda probes, context: oscillation.check(  # noqa: E731
        history(len(cycle), {"d/accuracy": from_list(cycle)}, probes), context)
    assert run(spreading(0.34), POINTS) is None and run(spreading(0.32), POINTS) is not None  # rising 10% or not
    assert run({**spreading(0.6), "samples/offset": 0.31}, POINTS) is not None  # spreading off the data: no progress


# --- progress ---------------------------------------------------------------------------------

def improving(probes, flushes=20):
    return progress.improving(history(flushes, probes=probes), flushes)


def test_gain_for_higher_and_lower_is_better():
    assert improving({"samples/high_quality": from_list([0.5, 0.5, 0.552, 0.552])})
    assert not improving({"samples/high_quality": from_list([0.5, 0.5, 0.548, 0.548])})
    assert improving({"samples/nn_ratio": from_list([2.0, 2.0, 1.79, 1.79])})
    assert not improving({"samples/nn_ratio": from_list([2.0, 2.0, 1.81, 1.81])})


def test_still_improving_looks_at_twice_the_window_not_three_times():
    still = lambda flushes, early_probes: progress.still_improving(history(  # noqa: E731
        flushes, probes={"samples/nn_ratio": lambda probe: 3.0 if probe <= early_probes else 2.5}), 20)
    assert not progress.improving(history(40, probes={"samples/nn_ratio": lambda probe: 3.0 if probe <= 4 else 2.5}),
                                  20)  # the 20-flush look alone sees nothing
    assert still(40, 4)  # better over the last 40 flushes
    assert not still(60, 4)  # better only over the last 60


def test_still_rising_looks_at_twice_the_window():
    diversity = lambda flushes: history(flushes, probes={  # noqa: E731
        "samples/diversity": lambda probe: 0.3 if probe <= 4 else 0.6})
    assert progress.still_rising(diversity(40), "samples/diversity", 20)
    assert not progress.still_rising(diversity(60), "samples/diversity", 20)


def test_rising_gain():
    rising = lambda late: progress.rising(  # noqa: E731
        history(10, probes={"samples/diversity": from_list([1.0, late])}), "samples/diversity", 10)
    assert rising(1.11) and not rising(1.09)


def test_min_probes():
    assert improving({"samples/high_quality": from_list([0.1, 0.1, 0.9, 0.9])})  # 4 probes
    assert not improving({"samples/high_quality": from_list([0.1, 0.9, 0.9])}, flushes=15)  # 3


def test_spread_below():
    spreading = lambda early, late: progress.spreading_on_data(  # noqa: E731
        history(20, probes={"samples/diversity": from_list([early, early, late, late]), "samples/offset": 0.05}),
        20, 0.3)
    assert spreading(0.89, 1.0) and not spreading(0.91, 1.02)
