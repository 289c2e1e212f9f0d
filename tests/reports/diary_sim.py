"""A generated diary with planted effects, as plain values (no database).

Exposures are shuffled at random (a third of days each); cramp days are then allotted
exactly at the planted rates within each stratum, so the effect in the diary is the
planted one, not a lucky or unlucky draw: hot_environment triples the cramp-day rate
on the same day, uncomfortable_shoes on the next day, and low_blood_sugar is spread
evenly over cramp and cramp-free days (no effect)."""

import datetime as dt
import random

from tracker.reports.registry import FACTORS
from tracker.reports.series import DayRow, Series

END = dt.date(2026, 11, 8)
BASE_RATE = 0.15


def _third(rng: random.Random, n: int) -> list[bool]:
    flags = [i < n // 3 for i in range(n)]
    rng.shuffle(flags)
    return flags


def planted_days(seed: int = 7, days: int = 85, end: dt.date = END) -> list[dict]:
    rng = random.Random(seed)
    hot, shoes = _third(rng, days), _third(rng, days)
    strata: dict[tuple[bool, bool], list[int]] = {}
    for i in range(days):
        strata.setdefault((hot[i], i > 0 and shoes[i - 1]), []).append(i)
    cramp = [False] * days
    sugar = [False] * days
    for (h, s), members in strata.items():
        rate = min(BASE_RATE * (3 if h else 1) * (3 if s else 1), 0.9)
        chosen = set(rng.sample(members, round(len(members) * rate)))
        for i in chosen:
            cramp[i] = True
        for group in ([i for i in members if i in chosen], [i for i in members if i not in chosen]):
            rng.shuffle(group)
            for i in group[: round(len(group) / 3)]:
                sugar[i] = True
    return [
        {
            "day": end - dt.timedelta(days=days - 1 - i),
            "hot": hot[i],
            "shoes": shoes[i],
            "sugar": sugar[i],
            "cramp": cramp[i],
        }
        for i in range(days)
    ]


def as_series(days: list[dict]) -> Series:
    factors = [f for f in FACTORS if not f.key.startswith("medication_")]
    rows = []
    for d in days:
        row = DayRow(day=d["day"], observed=True, checkin=True, episodes=int(d["cramp"]))
        row.factors = {f.key: None for f in factors}
        row.factors.update(hot_environment=d["hot"], uncomfortable_shoes=d["shoes"], low_blood_sugar=d["sugar"])
        rows.append(row)
    return Series(start=days[0]["day"], end=days[-1]["day"], goal_ml=2000, days=rows, factors=factors)
