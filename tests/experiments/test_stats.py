"""The experiment's statistics and design, without a database, checked against scipy
and against hand enumeration."""

import collections
import datetime as dt
import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from scipy.optimize import brentq

from tests.experiments.diary_sim import random_blocks, simulate
from tracker.experiments import analysis, design, stats

START = dt.date(2026, 10, 19)
VERDICTS = {
    stats.BENEFIT,
    stats.POSSIBLE_BENEFIT,
    stats.NO_DIFFERENCE,
    stats.POSSIBLY_WORSE,
    stats.NO_CRAMPS,
    stats.INSUFFICIENT,
}  # the first blocks cross the DST change of 25 Oct / 1 Nov


def _analyse(blocks, logged, *, today=None, stopped_on=None, adherence=None):
    return analysis.experiment_analyse(
        blocks=blocks,
        logged=logged,
        adherence=adherence or {},
        today=today or blocks[-1].ends_on + dt.timedelta(days=1),
        stopped_on=stopped_on,
        label="magnesium",
        partial_pct=25,
        full_pct=50,
    )


# Randomisation test ------------------------------------------------------------


def test_the_randomisation_p_matches_a_hand_enumeration_of_the_8_orders():
    # Rates (on, off) per pair: differences -2, -1, +0.5; observed mean -2.5/3.
    pairs = [(1.0, 3.0), (2.0, 3.0), (2.5, 2.0)]
    # By hand, flipping each pair's arms: sums of (±2, ±1, ±0.5) —
    # -3.5, -2.5, -1.5, -0.5, +0.5, +1.5, +2.5, +3.5. At most -2.5: two of eight.
    p, orders = stats.randomisation_p(pairs)
    assert (p, orders) == (0.25, 8)


def test_with_3_pairs_p_cannot_go_below_one_eighth():
    p, orders = stats.randomisation_p([(0.0, 9.0), (0.0, 8.0), (0.0, 7.0)])
    assert (p, orders) == (0.125, 8)
    assert stats.smallest_p(3) == 0.125


@pytest.mark.parametrize("seed", range(5))
def test_the_randomisation_p_agrees_with_scipys_exact_paired_permutation_test(seed):
    rng = np.random.default_rng(seed)
    on, off = rng.poisson(2, 5) * 1.75, rng.poisson(3, 5) * 1.75
    ours, orders = stats.randomisation_p(list(zip(on, off, strict=True)))
    theirs = scipy_stats.permutation_test(
        (on, off),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        alternative="less",
        n_resamples=np.inf,
        vectorized=True,
    )
    assert orders == 32
    assert ours == pytest.approx(theirs.pvalue)


# Exact Poisson rate ratio -------------------------------------------------------


@pytest.mark.parametrize(
    ("x1", "t1", "x0", "t0"), [(7, 33, 15, 31), (0, 12, 6, 12), (3, 12, 3, 10), (12, 30, 2, 28), (1, 5, 9, 40)]
)
def test_the_rate_ratio_interval_is_scipys_clopper_pearson_interval_mapped_to_rates(x1, t1, x0, t0):
    rr, low, high = stats.poisson_rate_ratio(x1, t1, x0, t0)
    ci = scipy_stats.binomtest(x1, x1 + x0).proportion_ci(confidence_level=0.95, method="exact")
    assert rr == pytest.approx((x1 / t1) / (x0 / t0))
    assert low == pytest.approx(ci.low / (1 - ci.low) * t0 / t1, abs=1e-12)
    assert high == pytest.approx(ci.high / (1 - ci.high) * t0 / t1)


def test_the_rate_ratio_has_no_infinite_or_undefined_figures():
    assert stats.poisson_rate_ratio(0, 10, 0, 10) == (None, None, None)
    rr, low, high = stats.poisson_rate_ratio(4, 10, 0, 10)
    assert rr is None and high is None and low > 0
    assert stats.poisson_rate_ratio(1, 0, 1, 10) == (None, None, None)


def test_a_known_rate_ratio_interval_solves_the_binomial_tail_equations():
    # 2 vs 10 events in equal time. The exact bounds for p = 2/12 solve
    # P(X >= 2 | p) = 0.025 and P(X <= 2 | p) = 0.025; the rate ratio is p/(1-p).
    low_p = brentq(lambda p: scipy_stats.binom.sf(1, 12, p) - 0.025, 1e-9, 1 - 1e-9)
    high_p = brentq(lambda p: scipy_stats.binom.cdf(2, 12, p) - 0.025, 1e-9, 1 - 1e-9)
    rr, low, high = stats.poisson_rate_ratio(2, 20, 10, 20)
    assert rr == 0.2
    assert low == pytest.approx(low_p / (1 - low_p), rel=1e-6) and round(low, 4) == 0.0213
    assert high == pytest.approx(high_p / (1 - high_p), rel=1e-6) and round(high, 4) == 0.9385


# Responder rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("reduction", "expected"), [(0.6, "full"), (0.5, "full"), (0.3, "partial"), (0.25, "partial"), (0.1, "none")]
)
def test_the_responder_rule(reduction, expected):
    assert stats.responder(reduction, 25, 50) == expected


# Design -------------------------------------------------------------------------


def test_the_order_is_reproducible_from_the_seed_and_each_pair_holds_one_on_and_one_off():
    for seed in (0, 1, 2**61 + 12345):
        assert design.draw_order(seed, 3) == design.draw_order(seed, 3)
        blocks = design.schedule(
            starts_on=START, run_in_days=14, block_days=7, on_first=design.draw_order(seed, 3), washout_days=3
        )
        for pair in range(3):
            assert sorted(b.arm for b in blocks if b.pair == pair) == ["off", "on"]


def test_orders_are_a_fair_draw_over_seeds():
    firsts = collections.Counter(tuple(design.draw_order(seed, 3)) for seed in range(4000))
    assert len(firsts) == 8  # every one of the 2^3 orders occurs
    assert all(400 <= n <= 600 for n in firsts.values()), firsts  # about 500 each


def test_the_schedule_runs_day_after_day_with_the_washout_at_each_block_start():
    blocks = design.schedule(
        starts_on=START, run_in_days=14, block_days=14, on_first=[True, False, True], washout_days=3
    )
    assert [b.arm for b in blocks] == ["run_in", "on", "off", "off", "on", "on", "off"]
    assert blocks[0].ends_on == dt.date(2026, 11, 1)
    for before, after in itertools.pairwise(blocks):
        assert after.starts_on == before.ends_on + dt.timedelta(days=1)
    assert all(b.days == 14 for b in blocks)
    assert blocks[1].analysed_from == dt.date(2026, 11, 5)
    assert blocks[-1].ends_on == START + dt.timedelta(days=14 + 6 * 14 - 1)


# Simulated diaries --------------------------------------------------------------


def test_a_true_50_percent_reduction_is_found_in_a_full_experiment():
    blocks = random_blocks(0, starts_on=START, block_days=14)
    result = _analyse(blocks, simulate(blocks, seed=0, per_week=4, effect=0.5))
    assert result["status"] == "finished" and result["pairs_analysed"] == 3
    assert result["verdict"] == stats.BENEFIT, result["summary"]
    assert result["summary"].startswith("Consistent benefit in all 3 pairs: on magnesium you had")
    assert all(p["difference"] < 0 for p in result["pairs"])
    assert result["ci_high"] < 1 and result["ci_low"] <= 0.5
    assert result["randomisation"] == {
        "p_value": 0.125,
        "orders": 8,
        "smallest_possible_p": 0.125,
        "smallest_possible_p_all_pairs": 0.125,
    }
    assert result["responder"]["result"] in ("full", "partial")


def test_over_many_simulated_diaries_a_50_percent_reduction_shows_and_no_effect_rarely_claims_benefit():
    verdicts = {1.0: collections.Counter(), 0.5: collections.Counter()}
    covers = 0
    n = 200
    for effect, counter in verdicts.items():
        for seed in range(n):
            blocks = random_blocks(seed, starts_on=START, block_days=14)
            result = _analyse(blocks, simulate(blocks, seed=seed, per_week=4, effect=effect))
            counter[result["verdict"]] += 1
            if effect == 0.5:
                covers += (result["ci_low"] or 0) <= 0.5 <= (result["ci_high"] or np.inf)
    found = verdicts[0.5][stats.BENEFIT] + verdicts[0.5][stats.POSSIBLE_BENEFIT]
    assert found >= 0.75 * n, verdicts[0.5]
    assert verdicts[0.5][stats.BENEFIT] >= 0.2 * n, verdicts[0.5]
    assert covers >= 0.9 * n  # the exact interval holds the true rate ratio
    assert verdicts[1.0][stats.BENEFIT] <= 0.03 * n, verdicts[1.0]


def test_no_effect_gives_no_benefit_verdict():
    for seed in range(30):
        blocks = random_blocks(seed, starts_on=START, block_days=7)
        result = _analyse(blocks, simulate(blocks, seed=seed, per_week=3, effect=1.0))
        assert result["verdict"] != stats.BENEFIT, (seed, result["summary"])
        if result["verdict"] == stats.POSSIBLE_BENEFIT:
            # A chance dip says what is missing, never that it works.
            assert "could be chance" in result["summary"] or "to be sure" in result["summary"]


def test_an_unfinished_experiment_reports_what_it_can_and_says_why():
    blocks = random_blocks(5, starts_on=START, block_days=7)
    logged = simulate(blocks, seed=5, per_week=4, effect=0.5)
    # During the second pair: one pair analysed, the run-in known.
    today = blocks[3].starts_on + dt.timedelta(days=2)
    result = _analyse(blocks, logged, today=today)
    assert result["status"] == "running"
    assert result["pairs_analysed"] == 1
    assert result["run_in"]["logged_days"] > 0
    assert result["verdict"] != stats.BENEFIT
    assert f"runs until {blocks[-1].ends_on.day} " in result["why_incomplete"]
    assert "1 of 3 pairs so far" in result["why_incomplete"]
    # One pair: two possible orders, so p is at least 0.5 for now.
    assert result["randomisation"]["orders"] == 2
    assert result["randomisation"]["smallest_possible_p"] == 0.5
    assert result["randomisation"]["smallest_possible_p_all_pairs"] == 0.125

    # In the run-in: nothing to compare, and the words say when there will be.
    early = _analyse(blocks, logged, today=blocks[0].starts_on + dt.timedelta(days=5))
    assert early["verdict"] == stats.INSUFFICIENT
    first_pair_end = blocks[2].ends_on
    assert (
        early["summary"]
        == f"Too early to tell: the first on/off pair ends on {first_pair_end.day} {first_pair_end:%B %Y}."
    )


def test_a_stopped_experiment_reports_what_it_can_and_says_why():
    blocks = random_blocks(5, starts_on=START, block_days=7)
    logged = simulate(blocks, seed=5, per_week=4, effect=0.5, logged_share=1.0)
    stopped_on = blocks[4].starts_on + dt.timedelta(days=5)  # inside pair 2's second block
    result = _analyse(blocks, logged, today=stopped_on + dt.timedelta(days=30), stopped_on=stopped_on)
    assert result["status"] == "stopped"
    # Pair 2 was cut short after its washout and still counts; pair 3 never began.
    assert result["pairs_analysed"] == 2
    assert result["as_of"] == stopped_on.isoformat()
    assert f"you stopped on {stopped_on.day} {stopped_on:%B %Y} with 2 of 3 pairs complete" in result["why_incomplete"]
    assert result["verdict"] != stats.BENEFIT
    assert not any(row["started"] for row in result["blocks"][5:])


def test_days_not_logged_are_unknown_not_cramp_free():
    blocks = random_blocks(1, starts_on=START, block_days=7)
    logged = {}
    for block in blocks[1:]:
        day = block.analysed_from
        # Three logged days per block after the washout: one cramp in each on block,
        # three in each off block; the other days are not logged.
        for i in range(3):
            cramps = (1 if i == 0 else 0) if block.arm == "on" else 1
            logged[day + dt.timedelta(days=i)] = analysis.LoggedDay(cramps, False, 5 * cramps)
    result = _analyse(blocks, logged)
    assert result["on"]["cramps_per_week"] == pytest.approx(7 / 3, abs=0.01)
    assert result["off"]["cramps_per_week"] == 7.0
    assert result["on"]["logged_days"] == 9


def test_too_few_logged_days_in_a_block_leave_the_pair_out_and_the_words_say_so():
    blocks = random_blocks(2, starts_on=START, block_days=7)
    logged = simulate(blocks, seed=2, per_week=3, logged_share=1.0)
    second_pair_first_block = blocks[3]
    for i in range(second_pair_first_block.days):
        logged.pop(second_pair_first_block.starts_on + dt.timedelta(days=i), None)
    result = _analyse(blocks, logged)
    assert result["pairs_analysed"] == 2
    assert "pair 2 had under 3 logged days" in result["why_incomplete"]
    assert result["pairs"][1]["analysed"] is False


def test_low_adherence_is_reported_in_the_verdict():
    blocks = random_blocks(7, starts_on=START, block_days=14)
    logged = simulate(blocks, seed=7, per_week=4, effect=0.5)
    adherence = {b.starts_on + dt.timedelta(days=i): i % 2 == 0 for b in blocks[1:] for i in range(b.days)}
    result = _analyse(blocks, logged, adherence=adherence)
    assert result["adherence"]["answered_days"] == 84
    assert result["adherence"]["followed_days"] == 42
    assert "you followed the plan on 50% of the days you answered" in result["summary"]


@given(
    block_days=st.sampled_from([7, 14]),
    pairs=st.integers(2, 4),
    order_seed=st.integers(0, 2**62),
    counts=st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=120, max_size=120),
    today_offset=st.integers(-3, 130),
    stop_offset=st.one_of(st.none(), st.integers(0, 130)),
    adherence=st.lists(st.booleans(), max_size=120),
)
@settings(max_examples=200, deadline=None)
def test_any_diary_gives_a_result_with_finite_figures_and_words(
    block_days, pairs, order_seed, counts, today_offset, stop_offset, adherence
):
    blocks = design.schedule(
        starts_on=START,
        run_in_days=14,
        block_days=block_days,
        on_first=design.draw_order(order_seed, pairs),
        washout_days=3,
    )
    logged = {
        START + dt.timedelta(days=i): analysis.LoggedDay(n, n > 1, 4 * n) for i, n in enumerate(counts) if n is not None
    }
    today = START + dt.timedelta(days=today_offset)
    stopped_on = None if stop_offset is None or stop_offset > today_offset else START + dt.timedelta(days=stop_offset)
    answers = {START + dt.timedelta(days=14 + i): a for i, a in enumerate(adherence)}
    result = _analyse(blocks, logged, today=today, stopped_on=stopped_on, adherence=answers)
    json.dumps(result, allow_nan=False)  # no NaN or infinity reaches JSON
    assert result["summary"] and result["verdict"] in VERDICTS
    p = result["randomisation"]["p_value"]
    assert p is None or result["randomisation"]["smallest_possible_p"] <= p <= 1
    if result["verdict"] == stats.BENEFIT:
        assert result["pairs_analysed"] == pairs and result["status"] in ("finished", "stopped")
    low, high = result["ci_low"], result["ci_high"]
    if low is not None and high is not None:
        assert low <= high
