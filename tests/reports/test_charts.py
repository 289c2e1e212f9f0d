"""Charts: one question each, drawn at the size shown, text at least 12 px, "not
logged" as a pattern, a summary in words that matches the data, the same primitives
as SVG for pages and PNG for email; and the summary's rate-ratio interval against an
independent computation."""

import datetime as dt
import io
import re

import pytest
from PIL import Image
from scipy import stats as sps

from tracker.reports import charts, summary


def _day(i, *, observed=True, episodes=0, night=0, severity=None, fluid=2000):
    return {
        "day": (dt.date(2026, 11, 16) + dt.timedelta(days=i)).isoformat(),
        "observed": observed,
        "episodes": episodes,
        "night_cramps": night,
        "worst_severity": severity,
        "fluid_ml": fluid,
        "effective_ml": fluid,
        "goal_pct": None,
        "factors": {},
    }


WEEK = [
    _day(0, episodes=1, night=1, severity=7, fluid=900),
    _day(1, fluid=2300),
    _day(2, observed=False, fluid=0),
    _day(3, episodes=2, night=0, severity=4, fluid=1500),
    _day(4, fluid=2200),
    _day(5, episodes=2, night=1, severity=9, fluid=2500),
    _day(6, fluid=2100),
]
WEEKS = [
    {
        "start": (dt.date(2026, 9, 7) + dt.timedelta(weeks=i)).isoformat(),
        "cramps": i % 5,
        "logged_days": 0 if i < 2 else 7,
        "complete": i < 11,
    }
    for i in range(12)
]


def _all_charts(days=WEEK):
    return [
        charts.fluid_chart(days=days, goal_ml=2000),
        charts.weeks_chart(weeks=WEEKS),
        charts.severity_chart(days=days),
    ]


@pytest.mark.parametrize("n_days", [7, 28, 84])
def test_every_chart_is_drawn_340_px_wide_with_no_text_under_12_px_and_no_style(n_days):
    days = [
        _day(i % 7, episodes=i % 3, night=i % 2, severity=5 if i % 3 else None)
        | {"day": (dt.date(2026, 9, 7) + dt.timedelta(days=i)).isoformat()}
        for i in range(n_days)
    ]
    for chart in _all_charts(days):
        svg = charts.svg(chart)
        assert svg.startswith("<svg") and 'width="340"' in svg and 'viewBox="0 0 340 ' in svg
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
        assert sizes and min(sizes) >= 12
        # Inline styles would be blocked by the CSP on an inlined SVG.
        assert "style=" not in svg and "<script" not in svg and "<style" not in svg
        xs = [float(x) for x in re.findall(r'<text x="([\d.]+)"', svg)]
        assert max(xs) <= 340


def test_not_logged_days_are_hatched_and_named_in_the_legend():
    svg = charts.svg(charts.severity_chart(days=WEEK))
    assert svg.count('fill="url(#chart-severity-hatch)"') == 2  # the unlogged day and the legend swatch
    assert ">not logged</text>" in svg and ">at night</text>" in svg and ">by day</text>" in svg


def test_each_chart_says_what_it_shows_in_words():
    fluid, weeks, severity = _all_charts()
    assert fluid.summary == (
        "Goal of 2 L met on 4 of 7 days; drinks logged on 6. "
        "Cramps on 3 days (Mon 16 Nov, Thu 19 Nov, Sat 21 Nov), 2 of them below your goal."
    )
    assert severity.summary == "Worst: 9 of 10 on Sat 21 Nov. 2 of 5 cramps came at night. 1 day not logged."
    assert weeks.summary.startswith(
        "Logged in 10 of the 12 weeks; 2.1 cramps a week on average over 9 full weeks,"
        " most (4) in the weeks of 5 Oct 2026 and 9 Nov 2026"
    )
    assert weeks.summary.endswith("This week so far: 1 cramp.")
    assert fluid.summary in charts.svg(fluid)  # the <desc> screen readers get


def test_ids_stay_unique_when_a_page_shows_the_same_chart_twice():
    chart = charts.fluid_chart(days=WEEK, goal_ml=2000)
    assert 'id="chart-fluid-a-hatch"' in charts.svg(chart, uid="-a")
    assert 'id="chart-fluid-b-title"' in charts.svg(chart, uid="-b")


def test_the_email_png_paints_the_same_charts_stacked_at_twice_the_pixels():
    stacked = charts.stack(_all_charts())
    image = Image.open(io.BytesIO(charts.png(stacked)))
    assert image.format == "PNG" and image.size == (680, round(stacked.height * 2))
    # Blue bars, vermillion marks and the hatch grey all reach the image.
    colours = {rgb for _, rgb in image.convert("RGB").getcolors(1_000_000)}
    assert (0x00, 0x72, 0xB2) in colours and (0xD5, 0x5E, 0x00) in colours


def test_text_is_escaped():
    chart = charts.Chart("x", "<b>&", "a < b", 340, 100, (charts.Text(1, 20, "<script>"),))
    svg = charts.svg(chart)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;&amp;" in svg


def _rr_interval_from_beta(k1, t1, k0, t0):
    """The exact conditional interval written out from beta quantiles (Clopper–Pearson)."""
    n = k1 + k0
    lo = sps.beta.ppf(0.025, k1, n - k1 + 1) if k1 else 0.0
    hi = sps.beta.ppf(0.975, k1 + 1, n - k1) if k1 < n else 1.0
    return lo / (1 - lo) * t0 / t1, hi / (1 - hi) * t0 / t1


@pytest.mark.parametrize(
    ("k1", "t1", "k0", "t0"), [(14, 25, 12, 27), (3, 28, 20, 28), (0, 20, 9, 28), (10, 14, 10, 28)]
)
def test_the_rate_ratio_interval_matches_the_beta_form(k1, t1, k0, t0):
    ratio, low, high = summary.rate_ratio_exact(k1, t1, k0, t0)
    assert ratio == pytest.approx((k1 / t1) / (k0 / t0))
    exp_low, exp_high = _rr_interval_from_beta(k1, t1, k0, t0)
    assert low == pytest.approx(exp_low, rel=1e-6) and high == pytest.approx(exp_high, rel=1e-6)


def test_factor_rows_fold_into_four_plain_groups():
    def row(factor, lag, evidence, rr=2.0, label=None):
        return {
            "factor": factor,
            "label": label or factor,
            "lag": lag,
            "evidence": evidence,
            "rate_ratio": rr,
            "exposed_days": 10,
            "exposed_cramp_days": 6,
            "unexposed_days": 30,
            "unexposed_cramp_days": 6,
        }

    groups = summary.factor_groups(
        [
            row("low_fluid", 0, "strong"),
            row("low_fluid", 1, "weak"),
            row("electrolytes", 0, "none", 0.4),
            row("electrolytes", 1, "moderate", 0.3),
            row("sitting", 0, "weak"),
            row("sitting", 1, "none"),
            row("medication_statin", 0, "insufficient", None),
            row("medication_statin", 1, "insufficient", None),
        ]
    )
    assert [(r["factor"], r["when"]) for r in groups["more"]] == [("low_fluid", "the same day")]
    assert [(r["factor"], r["when"]) for r in groups["fewer"]] == [("electrolytes", "the day after")]
    assert [r["factor"] for r in groups["none"]] == ["sitting"]
    assert [r["factor"] for r in groups["insufficient"]] == ["medication_statin"]
    assert groups["insufficient"][0]["is_medicine"]
    assert groups["none"][0]["counts"] == "cramps on 6 of 10 days with it, 6 of 30 without"


def _full_weeks(cramps: list[int]) -> list[dict]:
    return [
        {
            "start": (dt.date(2026, 9, 7) + dt.timedelta(weeks=i)).isoformat(),
            "cramps": n,
            "logged_days": 7,
            "complete": True,
        }
        for i, n in enumerate(cramps)
    ]


def test_the_weeks_summary_names_every_week_that_shares_the_most_cramps():
    summary = charts.weeks_chart(weeks=_full_weeks([2, 5, 1, 5, 3, 0])).summary
    assert summary == (
        "Logged in 6 of the 6 weeks; 2.7 cramps a week on average over 6 full weeks,"
        " most (5) in the weeks of 14 Sep 2026 and 28 Sep 2026."
    )


def test_the_weeks_summary_claims_no_worst_week_when_no_full_week_had_a_cramp():
    summary = charts.weeks_chart(weeks=_full_weeks([0, 0, 0])).summary
    assert summary == "Logged in 3 of the 3 weeks; no cramps in 3 full weeks."
