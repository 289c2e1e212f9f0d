"""The statistics module against known answers and independent computations."""

import itertools
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


def test_all_days_exposed_has_no_ratio_and_is_not_comparable():
    table = stats.table_count([True] * 20, [True] * 8 + [False] * 12)
    assert (table.exposed, table.unexposed) == (20, 0)
    assert stats.risk_ratio_katz(table) == (None, None, None)
    assert stats.mantel_haenszel([table]) == stats.UNDEFINED
    assert stats.fisher_p(table) == 1.0
    assert stats.not_comparable_reason(table) == stats.ALWAYS_EXPOSED
    assert stats.evidence_label(table=table, p=None, q=None) == "not_comparable"


def test_no_day_exposed_has_no_ratio_and_is_not_comparable():
    table = stats.table_count([False] * 30, [True] * 10 + [False] * 20)
    assert stats.risk_ratio_katz(table) == (None, None, None)
    assert stats.not_comparable_reason(table) == stats.NEVER_EXPOSED
    assert stats.evidence_label(table=table, p=None, q=None) == "not_comparable"


def test_cramps_every_day_or_none_are_not_comparable():
    every = stats.table_count([True] * 10 + [False] * 10, [True] * 20)
    none = stats.table_count([True] * 10 + [False] * 10, [False] * 20)
    assert stats.not_comparable_reason(every) == stats.ALL_CRAMP_DAYS
    assert stats.not_comparable_reason(none) == stats.NO_CRAMP_DAYS
    assert stats.mantel_haenszel([every]) == stats.UNDEFINED == stats.mantel_haenszel([none])


def test_two_cramp_days_are_insufficient_and_need_one_more():
    table = stats.table_count([True] * 10 + [False] * 20, [True, False] * 1 + [False] * 18 + [True] + [False] * 9)
    assert table.cramp_days == 2
    assert stats.is_insufficient(table)
    assert stats.days_needed(table) == 1
    assert stats.evidence_label(table=table, p=0.5, q=None) == "insufficient"


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


def test_evidence_labels_follow_the_design_thresholds_in_either_direction():
    table = Table(10, 5, 5, 30)
    assert stats.evidence_label(table=table, p=0.001, q=0.005) == "strong"
    assert stats.evidence_label(table=table, p=0.001, q=0.02) == "moderate"
    assert stats.evidence_label(table=table, p=0.03, q=0.2) == "weak"
    assert stats.evidence_label(table=table, p=0.3, q=0.5) == "none"
    # A protective link (RR 0.25, q 0.012) that survives correction is moderate, not weak.
    protective = Table(2, 28, 16, 14)
    assert stats.evidence_label(table=protective, p=0.001, q=0.012) == "moderate"


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


# --- Inference v2: Mantel–Haenszel with the persistence widening, exact Poisson ratio ---


def test_one_stratum_without_persistence_is_the_katz_interval_of_the_design_vector():
    table = Table(a=6, b=3, c=4, d=36)
    estimate = stats.mantel_haenszel([table])
    expected = sps.contingency.relative_risk(6, 9, 4, 40)
    ci = expected.confidence_interval(0.95)
    assert estimate.ratio == pytest.approx(expected.relative_risk)
    assert (estimate.low, estimate.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert (round(estimate.ratio, 2), round(estimate.low, 2), round(estimate.high, 2)) == (6.67, 2.36, 18.83)


def test_two_strata_by_hand_mantel_haenszel_and_greenland_robins_variance():
    # S1: 6/10 vs 3/10; S2: 8/20 vs 4/20. By hand: R = 6·10/20 + 8·20/40 = 7,
    # S = 3·10/20 + 4·20/40 = 3.5, RR = 2; V = (9·100/20 − 18)/20 + (12·400/40 − 32)/40
    # = 1.35 + 2.2 = 3.55; var(log RR) = 3.55/(7·3.5) = 0.144898.
    strata = [Table(6, 4, 3, 7), Table(8, 12, 4, 16)]
    variance = 3.55 / 24.5
    for inflation in (1.0, 2.0):
        estimate = stats.mantel_haenszel(strata, inflation=inflation)
        se = math.sqrt(variance * inflation)
        assert estimate.ratio == pytest.approx(2.0)
        assert estimate.low == pytest.approx(2 * math.exp(-1.959964 * se), rel=1e-6)
        assert estimate.high == pytest.approx(2 * math.exp(1.959964 * se), rel=1e-6)
        assert estimate.p == pytest.approx(2 * sps.norm.sf(math.log(2) / se), rel=1e-9)
    assert stats.mantel_haenszel(strata).p == pytest.approx(0.0686, abs=1e-4)


@given(st.lists(st.tuples(*[st.integers(0, 15)] * 4), min_size=1, max_size=4), st.floats(1, 10))
def test_the_interval_excludes_one_exactly_when_p_is_below_005(cells, inflation):
    estimate = stats.mantel_haenszel([Table(*c) for c in cells], inflation=inflation)
    if estimate.p is None:
        return
    # CI and p come from one variance: they never disagree (boundary cases aside).
    if abs(estimate.p - 0.05) > 1e-9:
        assert (estimate.p < 0.05) == (estimate.low > 1 or estimate.high < 1)


def test_persistence_widens_by_bartletts_factor():
    assert stats.persistence_factor(0.8, 0.5) == pytest.approx(1.4 / 0.6)
    assert stats.persistence_factor(-0.3, 0.9) == 1.0  # a negative r is floored at 0
    assert stats.persistence_factor(1.0, 1.0) == pytest.approx(1.95 / 0.05)


def test_lag1_autocorrelation_by_hand_and_with_gaps():
    x = [1, 0, 1, 1, 0, 0, 1, 1, 1, 0]
    mean = sum(x) / len(x)
    dev = [v - mean for v in x]
    expected = (sum(a * b for a, b in itertools.pairwise(dev)) / 9) / (sum(d * d for d in dev) / 10)
    assert stats.lag1_autocorrelation(x) == pytest.approx(max(expected, 0))
    runs = [1.0] * 10 + [0.0] * 10
    # Gaps: only consecutive days both present pair up; mean 0.5 over the 16 present.
    gappy = [*runs[:4], None, *runs[5:12], None, None, *runs[14:17], None, *runs[18:]]
    present = [v for v in gappy if v is not None]
    m = sum(present) / len(present)
    pairs = [(a - m) * (b - m) for a, b in itertools.pairwise(gappy) if a is not None and b is not None]
    want = (sum(pairs) / len(pairs)) / (sum((v - m) ** 2 for v in present) / len(present))
    assert stats.lag1_autocorrelation(gappy) == pytest.approx(want)
    assert stats.lag1_autocorrelation([1, 0, 1, 0, 1, 0]) == 0.0  # alternating: floored
    assert stats.lag1_autocorrelation([None, 1, None]) == 0.0


@pytest.mark.parametrize(("x1", "t1", "x0", "t0"), [(2, 21, 10, 28), (0, 14, 6, 28), (7, 28, 0, 20), (15, 28, 14, 27)])
def test_the_exact_poisson_rate_ratio_matches_the_conditional_binomial_in_scipy(x1, t1, x0, t0):
    rr, low, high = stats.poisson_rate_ratio(x1, t1, x0, t0)
    ci = sps.binomtest(x1, x1 + x0).proportion_ci(0.95, method="exact")
    to_ratio = lambda p: p / (1 - p) * t0 / t1  # noqa: E731
    assert low == pytest.approx(to_ratio(ci.low), rel=1e-9, abs=1e-12)
    if ci.high < 1:
        assert high == pytest.approx(to_ratio(ci.high), rel=1e-9)
    else:
        assert high is None  # no cramps before: no upper limit
    assert rr == (None if x0 == 0 else pytest.approx((x1 / t1) / (x0 / t0)))


def test_the_exact_poisson_interval_by_hand_for_one_against_one():
    # x1 = x0 = 1, equal time: 1 of 2 events; the Clopper–Pearson lower limit solves
    # P(X ≥ 1) = 1 − (1 − p)² = 0.025, so p = 1 − √0.975 = 0.01258 and RR ≥ p/(1 − p).
    rr, low, high = stats.poisson_rate_ratio(1, 10, 1, 10)
    assert rr == 1.0
    lower_p = 1 - math.sqrt(0.975)
    assert low == pytest.approx(lower_p / (1 - lower_p))
    assert high == pytest.approx((1 - lower_p) / lower_p)
    assert stats.poisson_rate_ratio(0, 10, 0, 10) == (None, None, None)
    assert stats.poisson_rate_ratio(3, 0, 1, 10) == (None, None, None)
