"""The doctor reads least squares' raw outputs as D's verdicts (doctor/verdicts.py)."""
from ganforge.config import load_config
from ganforge.doctor.doctor import Doctor
from ganforge.doctor.verdicts import as_verdicts

LOGGED = {"d/real": 0.7311, "d/fake": 0.5, "d/real_logit": 1.0, "d/fake_logit": 0.0, "d/accuracy": 1.0}


def test_least_squares_verdicts_are_its_raw_outputs_clipped_to_0_1():
    verdicts = as_verdicts({**LOGGED, "d/real_logit": 1.3, "d/fake_logit": -0.2}, "lsgan")
    assert (verdicts["d/real"], verdicts["d/fake"]) == (1.0, 0.0)
    assert as_verdicts(LOGGED, "lsgan")["d/real"] == 1.0 and as_verdicts(LOGGED, "lsgan")["d/fake"] == 0.0
    assert as_verdicts({**LOGGED, "d/real_logit": 0.51}, "lsgan")["d/real"] == 0.51


def test_other_losses_and_missing_raw_outputs_are_left_alone():
    assert as_verdicts(LOGGED, "nonsaturating") is LOGGED
    assert as_verdicts({"d/real": 0.7}, "lsgan") == {"d/real": 0.7}


def test_the_doctor_keeps_least_squares_verdicts_in_its_history():
    for loss, expected in (("lsgan", 1.0), ("nonsaturating", 0.7311)):
        doctor = Doctor(load_config("ring", [f"loss.name={loss}"]))
        doctor.observe(10, dict(LOGGED))
        assert doctor.history.latest("d/real") == expected
