"""A smaller run of `python -m bench stats_null` inside the suite: persistent null
diaries (exposure 0.8, cramps 0.5, slow trend) through the real analysis rarely show a
moderate or strong factor, and a true effect is still seen."""

import datetime as dt
import random

from bench import stats_null
from tracker.reports.analysis import factors_analyse


def test_persistent_null_diaries_rarely_show_a_moderate_or_strong_factor():
    hits, _ = stats_null.run(150, effect=1.0, seed=11)
    # The bar is 5% over 1,000 diaries (README); 150 leave room for chance: ≤ 8%.
    assert hits <= 12


def test_the_simulated_diaries_have_the_persistence_they_claim():
    from tracker.reports import stats

    rng = random.Random(4)
    rs = []
    for _ in range(40):
        series = stats_null.simulate(rng)
        values = [d.factors["hot_environment"] for d in series.days]
        rs.append(stats.lag1_autocorrelation([None if v is None else float(v) for v in values]))
    assert 0.65 < sum(rs) / len(rs) < 0.85


def test_a_true_effect_is_seen_before_correction_in_many_diaries():
    rng = random.Random(9)
    start = stats_null.END - dt.timedelta(days=stats_null.DAYS - 1)
    seen = 0
    for _ in range(60):
        report = factors_analyse(series=stats_null.simulate(rng, effect=2.5), start=start, end=stats_null.END)
        row = next(r for r in report["results"] if r["factor"] == stats_null.EFFECT_FACTOR and r["lag"] == 0)
        seen += row["p_value"] is not None and row["p_value"] < 0.05 and row["risk_ratio"] > 1
    assert seen >= 15
