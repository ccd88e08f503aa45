"""The data's own share of values pinned at ±1: the reference divergence's saturation test is measured against."""
from ganforge.data import DATA
from ganforge.doctor.sample_stats import data_saturation


def test_the_datas_own_saturation_is_measured_on_the_probes_real_batch():
    digits = DATA.build({"name": "digits"}, field="data")
    share = data_saturation(digits, seed=0)
    assert 0.4 < share < 0.8  # scikit-learn's digits: black backgrounds, most values at -1
    assert data_saturation(digits, seed=0) == share  # live doctor and replay agree
    assert data_saturation(DATA.build({"name": "ring"}, field="data"), seed=0) == 0.0
