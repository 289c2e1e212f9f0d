"""The statistics module against known answers and independent computations."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from tracker.reports import stats
from tracker.reports.stats import Table


def test_the_design_test_vector_gives_rr_6_67_ci_2_36_to_18_83_and_fisher_p_0_00098():
    table = Table(a=6, b=3, c=4, d=36)  # 6 of 9 exposed vs 4 of 40 unexposed
    rr, low, high = stats.risk_ratio_katz(table)
    assert round(rr, 2) == 6.67
    assert round(low, 2) == 2.36
    assert round(high, 2) == 18.83
    assert stats.significant(stats.fisher_p(table), 2) == 0.00098


def test_a_zero_cell_adds_a_half_to_every_cell():
    # 5 of 5 exposed vs 0 of 10: by hand, a=5.5 b=0.5 c=0.5 d=10.5,
    # RR = (5.5/6)/(0.5/11) = 20.1667, SE = sqrt(1/5.5 - 1/6 + 1/0.5 - 1/11) = 1.38716.
    rr, low, high = stats.risk_ratio_katz(Table(5, 0, 0, 10))
    se = math.sqrt(1 / 5.5 - 1 / 6 + 1 / 0.5 - 1 / 11)
    assert rr == pytest.approx(20.1667, abs=1e-4)
    assert low == pytest.approx(20.1667 * math.exp(-1.959964 * se), rel=1e-5)
    assert high == pytest.approx(20.1667 * math.exp(1.959964 * se), rel=1e-5)
    assert round(low, 2) == 1.33 and round(high, 1) == 305.8


def test_all_days_exposed_has_no_ratio_and_is_insufficient():
    table = stats.table_count([True] * 20, [True] * 8 + [False] * 12)
    assert (table.exposed, table.unexposed) == (20, 0)
    assert stats.risk_ratio_katz(table) == (None, None, None)
    assert stats.fisher_p(table) == 1.0
    assert stats.evidence_label(table=table, p=1.0, q=None, ci_low=None) == "insufficient"
    assert stats.days_needed(table) == 3


def test_no_day_exposed_has_no_ratio_and_is_insufficient():
    table = stats.table_count([False] * 30, [True] * 10 + [False] * 20)
    assert stats.risk_ratio_katz(table) == (None, None, None)
    assert stats.evidence_label(table=table, p=1.0, q=None, ci_low=None) == "insufficient"


def test_zero_cramps_has_no_ratio_and_needs_three_cramp_days():
    table = stats.table_count([True] * 10 + [False] * 20, [False] * 30)
    assert stats.risk_ratio_katz(table) == (None, None, None)
    assert stats.fisher_p(table) == 1.0
    assert stats.is_insufficient(table)
    assert stats.days_needed(table) == 3


def test_fewer_than_14_observed_days_says_how_many_more_are_needed():
    table = Table(3, 1, 3, 3)
    assert stats.is_insufficient(table)
    assert stats.days_needed(table) == 4


def test_benjamini_hochberg_matches_scipy_false_discovery_control():
    p_values = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    expected = sps.false_discovery_control(p_values, method="bh")
    assert stats.benjamini_hochberg(p_values) == pytest.approx(list(expected))


def test_benjamini_hochberg_by_hand():
    # m=4, sorted 0.01 0.03 0.04 0.2: raw 0.04 0.06 0.0533 0.2 -> step-up min 0.04 0.0533 0.0533 0.2
    assert stats.benjamini_hochberg([0.04, 0.01, 0.2, 0.03]) == pytest.approx([0.05333, 0.04, 0.2, 0.05333], abs=1e-4)


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=40))
def test_benjamini_hochberg_agrees_with_scipy_on_any_p_values(p_values):
    assert stats.benjamini_hochberg(p_values) == pytest.approx(list(sps.false_discovery_control(p_values)))


def test_spearman_matches_scipy_on_known_data():
    x = [1, 2, 3, 4, 5, 6, 7, 8]
    y = [2, 1, 4, 3, 7, 8, 6, 5]
    # By hand: d^2 = 1+1+1+1+4+4+1+9 = 22, rho = 1 - 6*22/(8*63) = 0.738095
    assert stats.spearman_rho(x, y) == pytest.approx(0.738095, abs=1e-6)
    assert stats.spearman_rho(x, y) == pytest.approx(sps.spearmanr(x, y).statistic)


@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=3, max_size=90))
def test_spearman_matches_scipy_with_ties_and_a_binary_outcome(pairs):
    x, y = [float(p[0]) for p in pairs], [float(p[1]) for p in pairs]
    expected = sps.spearmanr(x, y).statistic
    got = stats.spearman_rho(x, y)
    if math.isnan(expected):
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def test_spearman_of_a_constant_is_none_not_nan():
    assert stats.spearman_rho([1, 1, 1, 1], [0, 1, 0, 1]) is None
    assert stats.spearman_rho([1, 2], [0, 1]) is None


def test_evidence_labels_follow_the_design_thresholds():
    table = Table(10, 5, 5, 30)
    assert stats.evidence_label(table=table, p=0.001, q=0.005, ci_low=1.5) == "strong"
    assert stats.evidence_label(table=table, p=0.001, q=0.02, ci_low=1.5) == "moderate"
    assert stats.evidence_label(table=table, p=0.03, q=0.2, ci_low=1.1) == "weak"
    # A significant q with the interval below 1 is not "linked with more cramps".
    assert stats.evidence_label(table=table, p=0.001, q=0.005, ci_low=0.2) == "weak"
    assert stats.evidence_label(table=table, p=0.3, q=0.5, ci_low=0.7) == "none"


@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_fisher_p_matches_scipy_fisher_exact_on_any_table(a, b, c, d):
    expected = sps.fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue
    assert stats.fisher_p(Table(a, b, c, d)) == pytest.approx(min(expected, 1.0), rel=1e-9, abs=1e-15)


@given(
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_no_figure_is_ever_nan_or_infinite(a, b, c, d):
    table = Table(a, b, c, d)
    for value in (*stats.risk_ratio_katz(table), stats.fisher_p(table)):
        assert value is None or math.isfinite(value)
