"""The daily series: one row per diary day of a range, from one grouped query per
source table, grouped by the stored `day` column (no timezone maths in SQL, the same
on SQLite and PostgreSQL, and no loop over logged rows)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, Sum

from tracker.logbook.models import (
    CHECKIN_FACTOR_FIELDS,
    Activity,
    Beverage,
    CheckIn,
    Dose,
    Episode,
    Intake,
    Intensity,
)
from tracker.reports.registry import FACTORS, MEDICATION_PREFIX, Factor

CHECKIN_COLUMNS = CHECKIN_FACTOR_FIELDS
ELECTROLYTE_BEVERAGES = (Beverage.ELECTROLYTE_DRINK, Beverage.ORAL_REHYDRATION_SOLUTION)


@dataclass
class DayRow:
    day: dt.date
    observed: bool = False
    episodes: int = 0
    night_cramps: int = 0
    sleep_disturbed: int = 0
    minutes: float = 0.0
    worst_severity: int | None = None
    severity_sum: int = 0
    fluid_ml: int = 0
    effective_ml: int = 0
    goal_pct: int | None = None
    checkin: bool = False
    by_muscle: dict[str, int] = field(default_factory=dict)
    factors: dict[str, float | bool | None] = field(default_factory=dict)

    @property
    def cramp_day(self) -> bool:
        # A logged cramp overrides a check-in's "no cramps".
        return self.episodes > 0

    def as_json(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "observed": self.observed,
            "episodes": self.episodes,
            "cramp_day": self.cramp_day,
            "night_cramps": self.night_cramps,
            "minutes": round(self.minutes, 1),
            "worst_severity": self.worst_severity,
            "fluid_ml": self.fluid_ml,
            "effective_ml": self.effective_ml,
            "goal_pct": self.goal_pct,
            "factors": {k: _json_value(v) for k, v in self.factors.items()},
        }


@dataclass
class Series:
    start: dt.date
    end: dt.date
    goal_ml: int
    days: list[DayRow]
    factors: list[Factor]

    def between(self, start: dt.date, end: dt.date) -> list[DayRow]:
        return [d for d in self.days if start <= d.day <= end]


def _json_value(value):
    if isinstance(value, float):
        return round(value, 1)
    return value


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def series_build(*, user, start: dt.date, end: dt.date) -> Series:
    """Five queries whatever the range: episodes, intakes, activities, doses, check-ins."""
    span = {"day__gte": start, "day__lte": end}
    episodes = (
        Episode.objects.for_user(user)
        .filter(**span)
        .values("day", "muscle")
        .annotate(
            n=Count("id"),
            seconds=Sum("duration_seconds"),
            worst=Max("severity"),
            severity_sum=Sum("severity"),
            # The night rule is stored on the row (tracker.logbook.night).
            night=Count("id", filter=Q(at_night=True)),
            disturbed=Count("id", filter=Q(sleep_disturbed=True)),
        )
        .order_by()
    )
    intakes = (
        Intake.objects.for_user(user)
        .filter(**span)
        .values("day")
        .annotate(
            fluid_ml=Sum("volume_ml"),
            effective_ml=Sum("effective_ml"),
            alcohol_units=Sum("alcohol_units"),
            electrolyte_drinks=Count("id", filter=Q(beverage__in=ELECTROLYTE_BEVERAGES)),
        )
        .order_by()
    )
    activities = (
        Activity.objects.for_user(user)
        .filter(**span)
        .values("day")
        .annotate(
            minutes=Sum("duration_minutes"),
            vigorous=Count("id", filter=Q(intensity=Intensity.VIGOROUS) | Q(heavy_sweating=True)),
        )
        .order_by()
    )
    doses = (
        Dose.objects.for_user(user)
        .filter(**span)
        .values("day", "medication__drug_class")
        .annotate(n=Count("id"))
        .order_by()
    )
    checkins = CheckIn.objects.for_user(user).filter(**span).values("day", *CHECKIN_COLUMNS).order_by()

    goal_ml = user.goal_ml
    rows = {day: DayRow(day=day) for day in _days(start, end)}
    for e in episodes:
        row = rows[e["day"]]
        row.episodes += e["n"]
        row.night_cramps += e["night"]
        row.sleep_disturbed += e["disturbed"]
        row.minutes += (e["seconds"] or 0) / 60
        row.severity_sum += e["severity_sum"] or 0
        row.worst_severity = max(row.worst_severity or 0, e["worst"] or 0)
        row.by_muscle[e["muscle"]] = row.by_muscle.get(e["muscle"], 0) + e["n"]
    by_table: dict[str, dict[dt.date, dict]] = {
        "intake": {i["day"]: i for i in intakes},
        "activity": {a["day"]: a for a in activities},
        "checkin": {c["day"]: c for c in checkins},
        "dose": {},
    }
    for d in doses:
        by_table["dose"].setdefault(d["day"], {})[d["medication__drug_class"]] = d["n"]

    # Medication classes appear only when taken in the range: a class never taken has
    # nothing to compare.
    taken = {cls for per_day in by_table["dose"].values() for cls in per_day}
    factors = [
        f for f in FACTORS if not f.key.startswith(MEDICATION_PREFIX) or f.key.removeprefix(MEDICATION_PREFIX) in taken
    ]

    for day, row in rows.items():
        intake = by_table["intake"].get(day)
        if intake:
            row.fluid_ml = intake["fluid_ml"] or 0
            row.effective_ml = intake["effective_ml"] or 0
            row.goal_pct = round(100 * row.effective_ml / goal_ml) if goal_ml else None
        row.checkin = day in by_table["checkin"]
        row.observed = row.checkin or row.episodes > 0
        logged = row.observed or any(day in by_table[t] for t in ("intake", "activity", "dose"))
        agg = {table: by_table[table].get(day) for table in by_table}
        agg["goal_ml"] = goal_ml
        agg["logged"] = logged
        row.factors = {f.key: f.value(agg) for f in factors}
    return Series(start=start, end=end, goal_ml=goal_ml, days=list(rows.values()), factors=factors)
