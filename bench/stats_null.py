"""Null-simulation bar of the factor analysis (design §6, inference v2): simulated
12-week diaries with no real effect, exposures that persist from day to day (lag-1
autocorrelation 0.8), cramp days that persist (0.5), and a slow trend in both, run
through the real analysis code (tracker.reports.analysis.factors_analyse). The share
of reports that call any factor moderate or strong must stay at or under 5%. Then the
power: the same diaries with one factor that multiplies the day's cramp probability by
2.5 (capped at 0.95).

    python -m bench stats_null          # BENCH_STATS_DIARIES=1000 by default

No database: the diaries are built as the daily series the analysis reads.
"""

import datetime as dt
import os
import random
import sys
import time

DIARIES = int(os.environ.get("BENCH_STATS_DIARIES", "1000"))
DAYS = 84
EXPOSURE_PERSISTENCE = 0.8
CRAMP_PERSISTENCE = 0.5
OBSERVED_SHARE = 0.9
EFFECT_RR = 2.5
EFFECT_FACTOR = "hot_environment"
END = dt.date(2026, 11, 8)
LINKED = ("strong", "moderate")


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


def _chain(rng: random.Random, probabilities: list[float], persistence: float) -> list[bool]:
    """A two-state Markov chain whose day-d share is probabilities[d] and whose lag-1
    autocorrelation is `persistence`: stay with probability persistence, else draw afresh."""
    state = rng.random() < probabilities[0]
    out = []
    for p in probabilities:
        if rng.random() >= persistence:
            state = rng.random() < p
        out.append(state)
    return out


def _trend(start: float, end: float, n: int) -> list[float]:
    return [start + (end - start) * i / (n - 1) for i in range(n)]


def simulate(rng: random.Random, *, effect: float = 1.0):
    """One diary as a Series: DAYS + 1 days (lag 1 needs the day before the window)."""
    from tracker.reports.registry import FACTORS
    from tracker.reports.series import DayRow, Series

    factors = [f for f in FACTORS if not f.key.startswith("medication_")]
    n = DAYS + 1
    rising = rng.random() < 0.5
    exposures = {}
    for f in factors:
        low, high = rng.uniform(0.15, 0.3), rng.uniform(0.3, 0.5)
        trend = _trend(low, high, n) if rng.random() < 0.5 else _trend(high, low, n)
        exposures[f.key] = _chain(rng, trend, EXPOSURE_PERSISTENCE)
    cramp_trend = _trend(0.15, 0.35, n) if rising else _trend(0.35, 0.15, n)
    # Each day's cramp probability follows the chain (persistence × yesterday + the rest
    # × today's trend) and is multiplied by `effect` on an exposed day (capped at 0.95).
    cramps, previous = [], rng.random() < cramp_trend[0]
    for i in range(n):
        p = CRAMP_PERSISTENCE * previous + (1 - CRAMP_PERSISTENCE) * cramp_trend[i]
        if exposures[EFFECT_FACTOR][i]:
            p = min(0.95, p * effect)
        previous = rng.random() < p
        cramps.append(previous)
    rows = []
    for i in range(n):
        row = DayRow(day=END - dt.timedelta(days=n - 1 - i))
        row.observed = rng.random() < OBSERVED_SHARE
        row.checkin = row.observed
        row.episodes = int(cramps[i] and row.observed)
        row.checkin_cramps = cramps[i] if row.observed else None
        values = {}
        for f in factors:
            exposed = exposures[f.key][i]
            if f.kind == "binary":
                values[f.key] = exposed
            else:
                # A value on the right side of the threshold, with some spread for rho.
                step = rng.uniform(0.5, 3)
                values[f.key] = f.threshold - step if exposed == f.below else f.threshold + step
                if not f.below and not exposed:
                    values[f.key] = max(0.0, f.threshold - step)
        row.factors = values if row.observed or rng.random() < 0.5 else {k: None for k in values}
        rows.append(row)
    return Series(start=rows[0].day, end=rows[-1].day, goal_ml=2000, days=rows, factors=factors)


def run(diaries: int, *, effect: float, seed: int) -> tuple[int, float]:
    """Reports with any moderate or strong factor (null) or with the planted factor
    found moderate or strong at lag 0 in the right direction (effect); seconds."""
    from tracker.reports.analysis import factors_analyse

    rng = random.Random(seed)
    start = END - dt.timedelta(days=DAYS - 1)
    hits = 0
    began = time.perf_counter()
    for _ in range(diaries):
        report = factors_analyse(series=simulate(rng, effect=effect), start=start, end=END)
        if effect == 1.0:
            hits += any(r["evidence"] in LINKED for r in report["results"])
        else:
            hits += any(
                r["factor"] == EFFECT_FACTOR and r["lag"] == 0 and r["evidence"] in LINKED and r["direction"] == "more"
                for r in report["results"]
            )
    return hits, time.perf_counter() - began


def main() -> int:
    _setup()
    effect_hits, effect_seconds = run(DIARIES, effect=EFFECT_RR, seed=2)
    null_hits, null_seconds = run(DIARIES, effect=1.0, seed=1)
    null_rate = 100 * null_hits / DIARIES
    print(f"({null_seconds + effect_seconds:.1f} s, {1000 * null_seconds / DIARIES:.1f} ms a report)")
    print(f"effect diaries: {DIARIES}, effect found moderate or strong: {100 * effect_hits / DIARIES:.1f}%")
    print(f"null diaries: {DIARIES}, reports with a moderate or strong factor: {null_rate:.1f}%")
    return 0 if null_rate <= 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
