"""The doctor suite's rescue rule: better than the unremedied run and within 1.5× the healthy run's fid."""
from pathlib import Path

import pytest

from tests.test_doctor_suite import load_runner


@pytest.fixture(scope="module")
def runner():
    return load_runner()


@pytest.mark.parametrize("remedied, unremedied, healthy, verdict", [
    (151.0, 134.0, 103.0, False),  # within 1.5 × 103 = 154.5 but worse than the unremedied 134
    (120.0, 134.0, 103.0, True),  # better than 134 and within 154.5
    (155.0, 400.0, 103.0, False),  # far better than unremedied, but beyond 154.5
    (154.5, 400.0, 103.0, True),  # exactly 1.5×: within
    (134.0, 134.0, 103.0, False),  # a tie is not better
    (0.3, None, 0.2, True),  # the unremedied run has no fid (stopped on NaN): any fid is better; 0.3 ≤ 0.3
    (None, 134.0, 103.0, False),  # the remedied run has no fid
    (120.0, 134.0, None, None),  # no healthy run to compare with
])
def test_rescue_verdict_by_hand(runner, remedied, unremedied, healthy, verdict):
    assert runner.rescue_verdict(remedied, unremedied, healthy) is verdict


def test_a_suite_run_is_judged_against_its_own_unremedied_fid(runner):
    run = runner.SuiteRun("fashion_dcgan_d_overfitting", "d_overfitting", Path("c"), "fashion", 1000,
                          fid=134.0, remedy={"fid": 151.0})
    assert runner.rescued(run, {"fashion": 103.0}) is False
    run.remedy["fid"] = 120.0
    assert runner.rescued(run, {"fashion": 103.0}) is True
    assert runner.rescued(runner.SuiteRun("x", "d_weak", Path("c"), "fashion", 10, fid=134.0), {"fashion": 103.0}) is None


def test_the_remedy_column_names_the_budget_and_a_restore_and_skips_the_bookkeeping(runner):
    line = {"action": {"gave_up": True, "budget_reached": True}}
    assert runner.action_text(line) == "step budget reached"
    assert runner.action_text({"action": {"restored": {"kept_step": 400}}}) == "restored step 400"
    assert runner.action_text({"action": {"kept": {"step": 400}}}) is None
    assert runner.action_text({"action": {"compared": {}}}) is None
    assert runner.action_text({"action": {"gave_up": True}}) == "gave up"
    advice = {"action": {"advice": {"override": "optim.d.lr=5.0e-05"}}, "evidence": {"steps_given_back": 220}}
    assert runner.action_text(advice) == "optim.d.lr=5.0e-05 (+220 steps)"
