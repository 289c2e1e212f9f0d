"""The daily series: one row per diary day of a range, from one grouped query per
source table, grouped by the stored `day` column (no timezone maths in SQL, the same
on SQLite and PostgreSQL, and no loop over logged rows). The queries read a chunk of
users at once (series_rows_fetch); series_assemble turns one user's rows into the
series without a query."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, F, Max, Min, Q, Sum, When

from accounts.models import Medication
from reminders.models import Plan
from reminders.slots import Schedule, window_share
from tracker.diary import local_to_utc
from tracker.logbook import models as logbook_models
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
from tracker.reports.fetch import spans_q, spans_sql
from tracker.reports.registry import FACTORS, MEDICATION_PREFIX, NAMED_PREFIX, Factor, named_medicine_factor

# Check-in answers that are red flags (e.g. fainting outside a cramp), when the logbook
# declares them: each a boolean field whose true value reaches the reports' red flags.
CHECKIN_RED_FLAG_FIELDS = tuple(getattr(logbook_models, "CHECKIN_RED_FLAG_FIELDS", ()))
CHECKIN_COLUMNS = tuple(dict.fromkeys((*CHECKIN_FACTOR_FIELDS, *CHECKIN_RED_FLAG_FIELDS)))
ELECTROLYTE_BEVERAGES = (Beverage.ELECTROLYTE_DRINK, Beverage.ORAL_REHYDRATION_SOLUTION)


@dataclass
class DayRow:
    day: dt.date
    observed: bool = False
    episodes: int = 0
    # The check-in's answer to "any cramps?": True (had cramps), False (no cramps) or
    # None (no check-in, or not answered).
    checkin_cramps: bool | None = None
    night_cramps: int = 0
    sleep_disturbed: int = 0
    minutes: float = 0.0
    worst_severity: int | None = None
    severity_sum: int = 0
    fluid_ml: int = 0
    effective_ml: int = 0
    drinks: int = 0
    # Exact effective fluid as % of goal (None: no drink logged); rounded only in JSON.
    goal_pct: float | None = None
    checkin: bool = False
    first_cramp: dt.datetime | None = None
    by_muscle: dict[str, int] = field(default_factory=dict)
    # Every factor's value over the whole day (lag 1, and lag 0 on a cramp-free day).
    factors: dict[str, float | bool | None] = field(default_factory=dict)
    # Lag 0 on a cramp day: timed exposures before the first cramp only (None: same as
    # `factors`, e.g. a cramp-free day or a series built by hand).
    factors_before: dict[str, float | bool | None] | None = None
    # Taken after the day's first cramp: relief, not exposure ("what helped").
    after_cramp: dict[str, int] = field(default_factory=dict)
    # Red flags answered in the day's check-in (field names).
    checkin_flags: list[str] = field(default_factory=list)

    @property
    def cramp_day(self) -> bool:
        # A logged cramp overrides a check-in's "no cramps"; a check-in saying there
        # were cramps makes a cramp day even when none was logged in detail.
        return self.episodes > 0 or bool(self.checkin_cramps)

    def lag0(self, key: str):
        source = self.factors_before if self.factors_before is not None else self.factors
        return source.get(key)

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
            "drinks": self.drinks,
            "goal_pct": None if self.goal_pct is None else round(self.goal_pct),
            "factors": {k: _json_value(v) for k, v in self.factors.items()},
            "factors_before_first_cramp": None
            if self.factors_before is None
            else {k: _json_value(v) for k, v in self.factors_before.items()},
            "after_first_cramp": dict(self.after_cramp),
        }


@dataclass
class Series:
    start: dt.date
    end: dt.date
    goal_ml: int
    days: list[DayRow]
    factors: list[Factor]
    # Each logged cramp with symptoms, in the order logged: (diary day, symptoms).
    flagged: list[tuple[dt.date, list[str]]] = field(default_factory=list)

    def between(self, start: dt.date, end: dt.date) -> list[DayRow]:
        return [d for d in self.days if start <= d.day <= end]


def _json_value(value):
    if isinstance(value, float):
        return round(value, 1)
    return value


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass
class SeriesRows:
    """One user's grouped rows over a series span, as series_rows_fetch reads them."""

    episodes: list[dict] = field(default_factory=list)
    intakes: list[dict] = field(default_factory=list)
    activities: list[dict] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    checkins: list[dict] = field(default_factory=list)
    # The reminder plan's waking window; None without a plan (its defaults apply).
    window: dict | None = None


def series_rows_fetch(
    *, spans: dict[int, tuple[dt.date, dt.date]], factor_spans: dict[int, tuple[dt.date, dt.date]] | None = None
) -> dict[int, SeriesRows]:
    """Six queries whatever the number of users and days: episodes, intakes,
    activities, doses, check-ins (each grouped by user and diary day) and the waking
    windows. `spans`: each user's first and last diary day; `factor_spans`, when
    given, the part whose factors are needed: drinks and activities are read over it
    only (the days before tell outcomes, e.g. a fixed baseline months back)."""
    asked = {user_id: (span,) for user_id, span in spans.items()}
    result = {user_id: SeriesRows() for user_id in spans}
    where = spans_q(asked)
    if where is None:
        return result
    timed = {user_id: (span,) for user_id, span in (factor_spans or spans).items()}
    # By (day, muscle); an episode with symptoms keeps a group of its own (its instant
    # and symptoms are keys), so the red flags come from the same query.
    flagged = ~Q(symptoms=[])
    episodes = (
        Episode.objects.filter(where)
        .annotate(flagged_at=Case(When(flagged, then=F("started_at")), default=None))
        .values("user_id", "day", "muscle", "flagged_at", "symptoms")
        .annotate(
            n=Count("id"),
            seconds=Sum("duration_seconds"),
            worst=Max("severity"),
            severity_sum=Sum("severity"),
            first=Min("started_at"),
            # The night rule is stored on the row (tracker.logbook.night).
            night=Count("id", filter=Q(at_night=True)),
            disturbed=Count("id", filter=Q(sleep_disturbed=True)),
        )
        .order_by()
    )
    checkins = CheckIn.objects.filter(where).values("user_id", "day", *CHECKIN_COLUMNS).order_by()
    for name, rows in (
        ("episodes", episodes),
        ("intakes", _intake_groups(timed)),
        ("activities", _activity_groups(timed)),
        ("doses", _dose_groups(asked)),
        ("checkins", checkins),
    ):
        for row in rows:
            getattr(result[row["user_id"]], name).append(row)
    for window in Plan.objects.filter(user_id__in=list(spans)).values("user_id", "window_start", "window_end"):
        result[window["user_id"]].window = window
    return result


def waking_schedule(user, window: dict | None) -> Schedule:
    """The user's waking window (reminder plan; the plan's defaults without one), for
    pro-rating the daily goal to the moment of a cramp as reminder pacing does."""
    window = window or {f: Plan._meta.get_field(f).get_default() for f in ("window_start", "window_end")}
    return Schedule(
        zone=user.zone, window_start=window["window_start"], window_end=window["window_end"], interval_minutes=60
    )


def goal_share_at(at: dt.datetime, day: dt.date, schedule) -> float:
    """The share of the daily goal due by `at` on diary day `day`: the reminders' pacing
    rule (elapsed share of the waking window; 1 after the window, so a night cramp
    sees the whole goal), and 0 before the day's window has opened."""
    opens = local_to_utc(dt.datetime.combine(day, schedule.window_start), schedule.zone)
    if at < opens:
        return 0.0
    return window_share(at, schedule)


def series_build(*, user, start: dt.date, end: dt.date) -> Series:
    """Six queries whatever the range (series_rows_fetch)."""
    data = series_rows_fetch(spans={user.pk: (start, end)})[user.pk]
    return series_assemble(user=user, start=start, end=end, data=data)


def _episode_groups(rows: list[dict]) -> tuple[list[dict], list[tuple[dt.date, list[str]]]]:
    """The episode groups merged back to one per (day, muscle), summing whole numbers
    first so minutes are divided as before; and the episodes with symptoms in the
    order logged, one (day, symptoms) each."""
    merged: dict[tuple[dt.date, str], dict] = {}
    flagged = []
    for e in rows:
        if e["flagged_at"] is not None:
            flagged.extend([(e["flagged_at"], e["day"], e["symptoms"])] * e["n"])
        group = merged.get((e["day"], e["muscle"]))
        if group is None:
            merged[(e["day"], e["muscle"])] = dict(e)
            continue
        for key in ("n", "seconds", "severity_sum", "night", "disturbed"):
            group[key] = (group[key] or 0) + (e[key] or 0)
        group["worst"] = max(group["worst"] or 0, e["worst"] or 0)
        group["first"] = min(group["first"], e["first"])
    flagged.sort(key=lambda f: f[0])
    return list(merged.values()), [(day, symptoms) for _, day, symptoms in flagged]


def series_assemble(
    *, user, start: dt.date, end: dt.date, data: SeriesRows, factors_from: dt.date | None = None
) -> Series:
    """One row per diary day from the user's grouped rows (no query). Days before
    `factors_from` get their outcomes only (no factor values, drinks or relief): the
    rows were read with series_rows_fetch's `factor_spans` starting there."""
    episodes, flagged = _episode_groups(data.episodes)
    intakes, activities, doses, checkins = data.intakes, data.activities, data.doses, data.checkins
    schedule = waking_schedule(user, data.window)

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
        row.first_cramp = min(filter(None, (row.first_cramp, e["first"])))
        row.by_muscle[e["muscle"]] = row.by_muscle.get(e["muscle"], 0) + e["n"]
    by_table: dict[str, dict[dt.date, dict]] = {
        "intake": _intake_days(intakes),
        "activity": {a["day"]: a for a in activities},
        "checkin": {c["day"]: c for c in checkins},
        "dose": {},
        "dose_before": {},
    }
    # Each day's doses by class and by named medicine ("med:<id>"), all and before the
    # first cramp.
    names: dict[int, tuple[str, str]] = {}
    for d in doses:
        cls, med = d["medication__drug_class"], f"{NAMED_PREFIX}{d['medication_id']}"
        names[d["medication_id"]] = (d["medication__name"], cls)
        for table, count in (("dose", d["n"]), ("dose_before", d["before"])):
            per_day = by_table[table].setdefault(d["day"], {})
            per_day[cls] = per_day.get(cls, 0) + count
            per_day[med] = per_day.get(med, 0) + count

    # Medication classes appear only when taken in the range: a class never taken has
    # nothing to compare. A named medicine is its own factor when its class holds more
    # than one taken medicine (otherwise it is the class factor under another name).
    taken = {cls for _, cls in names.values()}
    factors = [
        f for f in FACTORS if not f.key.startswith(MEDICATION_PREFIX) or f.key.removeprefix(MEDICATION_PREFIX) in taken
    ]
    per_class: dict[str, list[int]] = {}
    for med_id, (_, cls) in sorted(names.items()):
        per_class.setdefault(cls, []).append(med_id)
    factors += [
        named_medicine_factor(med_id, names[med_id][0]) for ids in per_class.values() if len(ids) > 1 for med_id in ids
    ]

    empty_day = {"intake": None, "activity": None, "checkin": None, "dose": None, "goal_ml": goal_ml, "goal_share": 1.0}
    empty_factors = {f.key: f.value(empty_day) for f in factors}
    for day, row in rows.items():
        intake = by_table["intake"].get(day)
        checkin = by_table["checkin"].get(day)
        if intake:
            row.fluid_ml = intake["fluid_ml"] or 0
            row.effective_ml = intake["effective_ml"] or 0
            row.drinks = intake["drinks"]
            row.goal_pct = 100 * row.effective_ml / goal_ml if goal_ml else None
        row.checkin = checkin is not None
        if checkin is not None:
            row.checkin_flags = [name for name in CHECKIN_RED_FLAG_FIELDS if checkin.get(name)]
        if checkin is not None and checkin.get("no_cramps") is not None:
            row.checkin_cramps = not checkin["no_cramps"]
        row.observed = row.episodes > 0 or row.checkin_cramps is not None
        if factors_from is not None and day < factors_from:
            continue
        agg = {table: by_table[table].get(day) for table in ("intake", "activity", "checkin", "dose")}
        if all(value is None for value in agg.values()):
            # Nothing logged that day but perhaps a cramp: the values of an empty day,
            # computed once (most days of a light diary).
            row.factors = dict(empty_factors)
        else:
            agg["goal_ml"] = goal_ml
            agg["goal_share"] = 1.0
            row.factors = {f.key: f.value(agg) for f in factors}
        if row.first_cramp is None:
            continue
        # Lag 0 on a cramp day: only what came before the first cramp, against the
        # goal pro-rated to that moment.
        agg_before = {
            "intake": _before_cramp(
                intake,
                {
                    "effective_ml": "effective_before",
                    "alcohol_units": "alcohol_before",
                    "electrolyte_drinks": "electrolyte_before",
                },
            ),
            "activity": _before_cramp(
                by_table["activity"].get(day), {"minutes": "minutes_before", "vigorous": "vigorous_before"}
            ),
            "checkin": checkin,
            "dose": by_table["dose"].get(day) and by_table["dose_before"][day],
            "goal_ml": goal_ml,
            "goal_share": goal_share_at(row.first_cramp, day, schedule),
        }
        row.factors_before = {f.key: f.value(agg_before) for f in factors}
        if intake:
            row.after_cramp["drinks"] = intake["drinks_after"]
            row.after_cramp["electrolyte_drinks"] = intake["electrolyte_after"]
        doses_after = sum(
            n - by_table["dose_before"][day][key]
            for key, n in by_table["dose"].get(day, {}).items()
            if not key.startswith(NAMED_PREFIX)
        )
        if doses_after:
            row.after_cramp["doses"] = doses_after
    return Series(start=start, end=end, goal_ml=goal_ml, days=list(rows.values()), factors=factors, flagged=flagged)


_INTAKE_SUMS = ("drinks", "fluid_ml", "effective_ml", "alcohol_units", "electrolyte_drinks")


# A timed entry counts as exposure only before the day's first logged cramp (design §6,
# timing): each timed table is joined once per day to the day's first cramp, a CTE over
# the episodes. Plain SQL because the ORM cannot join two tables without a relation; a
# correlated subquery per row was tried and, with table statistics, PostgreSQL walked a
# heavy user's years of cramps once per dose (126 ms). The same SQL runs on PostgreSQL
# and SQLite (MATERIALIZED: PostgreSQL 12+, SQLite 3.35+).
_BEFORE = "CASE WHEN f.at IS NULL OR {instant} < f.at THEN 1 ELSE 0 END"


def _first_cramp_cte(spans) -> tuple[str, list]:
    where, params = spans_sql(spans, "e")
    sql = f"""WITH first_cramp AS MATERIALIZED (
            SELECT e.user_id, e.day, MIN(e.started_at) AS at FROM {Episode._meta.db_table} e
            WHERE {where} GROUP BY e.user_id, e.day
        )"""  # noqa: S608 - the table name from the model; every value is a parameter
    return sql, params


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _date(day) -> dt.date:
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))


def _intake_groups(spans: dict[int, tuple[tuple[dt.date, dt.date], ...]]) -> list[dict]:
    """Intakes summed per (user, diary day, before the day's first cramp or not)."""
    cte, cte_params = _first_cramp_cte(spans)
    where, params = spans_sql(spans, "i")
    marks = ", ".join(["%s"] * len(ELECTROLYTE_BEVERAGES))
    before = _BEFORE.format(instant="i.taken_at")
    sql = f"""{cte}
        SELECT i.user_id, i.day, {before} AS before,
               COUNT(*), SUM(i.volume_ml), SUM(i.effective_ml), SUM(i.alcohol_units),
               SUM(CASE WHEN i.beverage IN ({marks}) THEN 1 ELSE 0 END)
        FROM {Intake._meta.db_table} i LEFT JOIN first_cramp f ON f.user_id = i.user_id AND f.day = i.day
        WHERE {where}
        GROUP BY i.user_id, i.day, {before}
    """  # noqa: S608 - table names from the models; every value is a parameter
    return [
        {
            "user_id": user_id,
            "day": _date(day),
            "before": bool(before),
            "drinks": drinks,
            "fluid_ml": fluid or 0,
            "effective_ml": effective or 0,
            "alcohol_units": alcohol or 0,
            "electrolyte_drinks": electrolyte or 0,
        }
        for user_id, day, before, drinks, fluid, effective, alcohol, electrolyte in _fetch(
            sql, [*cte_params, *ELECTROLYTE_BEVERAGES, *params]
        )
    ]


def _activity_groups(spans) -> list[dict]:
    """Activities per (user, diary day): minutes and vigorous ones (vigorous intensity
    or heavy sweating), in all and before the day's first cramp."""
    cte, cte_params = _first_cramp_cte(spans)
    where, params = spans_sql(spans, "a")
    before = _BEFORE.format(instant="a.started_at")
    vigorous = "(a.intensity = %s OR a.heavy_sweating = %s)"
    sql = f"""{cte}
        SELECT a.user_id, a.day,
               SUM(CASE WHEN {before} = 1 THEN a.duration_minutes END),
               COUNT(CASE WHEN {vigorous} AND {before} = 1 THEN 1 END),
               SUM(a.duration_minutes),
               COUNT(CASE WHEN {vigorous} THEN 1 END)
        FROM {Activity._meta.db_table} a LEFT JOIN first_cramp f ON f.user_id = a.user_id AND f.day = a.day
        WHERE {where}
        GROUP BY a.user_id, a.day
    """  # noqa: S608 - table names from the models; every value is a parameter
    flags = [Intensity.VIGOROUS, True]
    rows = _fetch(sql, [*cte_params, *flags, *flags, *params])
    return [
        {
            "user_id": user_id,
            "day": _date(day),
            "minutes_before": minutes_before,
            "vigorous_before": vigorous_before,
            "minutes": minutes,
            "vigorous": vigorous_count,
        }
        for user_id, day, minutes_before, vigorous_before, minutes, vigorous_count in rows
    ]


def _dose_groups(spans) -> list[dict]:
    """Doses per (user, diary day, medicine) with the medicine's name and class: all,
    and those before the day's first cramp."""
    cte, cte_params = _first_cramp_cte(spans)
    where, params = spans_sql(spans, "d")
    before = _BEFORE.format(instant="d.taken_at")
    sql = f"""{cte}
        SELECT d.user_id, d.day, d.medication_id, m.name, m.drug_class, COUNT(*), SUM({before})
        FROM {Dose._meta.db_table} d
        JOIN {Medication._meta.db_table} m ON m.id = d.medication_id
        LEFT JOIN first_cramp f ON f.user_id = d.user_id AND f.day = d.day
        WHERE {where}
        GROUP BY d.user_id, d.day, d.medication_id, m.name, m.drug_class
    """  # noqa: S608 - table names from the models; every value is a parameter
    return [
        {
            "user_id": user_id,
            "day": _date(day),
            "medication_id": medication_id,
            "medication__name": name,
            "medication__drug_class": drug_class,
            "n": n,
            "before": before_n or 0,
        }
        for user_id, day, medication_id, name, drug_class, n, before_n in _fetch(sql, [*cte_params, *params])
    ]


def _intake_days(rows) -> dict[dt.date, dict]:
    """One dict per day from the (day, before the first cramp) groups: whole-day sums,
    the sums before the first cramp and the drinks after it."""
    days: dict[dt.date, dict] = {}
    for row in rows:
        day = days.setdefault(
            row["day"],
            {
                **{k: 0 for k in _INTAKE_SUMS},
                "effective_before": 0,
                "alcohol_before": 0,
                "electrolyte_before": 0,
                "drinks_after": 0,
                "electrolyte_after": 0,
            },
        )
        for key in _INTAKE_SUMS:
            day[key] += row[key] or 0
        if row["before"]:
            day["effective_before"] += row["effective_ml"] or 0
            day["alcohol_before"] += row["alcohol_units"] or 0
            day["electrolyte_before"] += row["electrolyte_drinks"]
        else:
            day["drinks_after"] += row["drinks"]
            day["electrolyte_after"] += row["electrolyte_drinks"]
    return days


def _before_cramp(row: dict | None, columns: dict[str, str]) -> dict | None:
    """The table's day aggregate with its "before the first cramp" columns in place of
    the whole-day ones; still present (known) when every entry came after the cramp."""
    if row is None:
        return None
    return {**row, **{whole: row[part] or 0 for whole, part in columns.items()}}
