"""Reads for the reports: the daily series, the factor analysis, red flags, the
medication before/after view and the reminders block. Each is a fixed number of
queries whatever the amount of data."""

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count

from accounts.models import DrugClass, Medication
from tracker.diary import day_bounds
from tracker.logbook.models import (
    DEHYDRATION_RED_FLAGS,
    PREGNANCY_RED_FLAGS,
    RED_FLAG_SYMPTOMS,
    SEIZURE_RED_FLAGS,
    CheckIn,
    Episode,
    Symptom,
)
from tracker.reports import analysis, outcomes, stats
from tracker.reports.series import DayRow, Series, series_build
from tracker.reports.weeks import user_today

MAX_RANGE_DAYS = 731
EARLIEST = dt.date(1900, 1, 1)
MED_EVENTS_SHOWN = 10


def daily_series(*, user, start: dt.date, end: dt.date) -> Series:
    return series_build(user=user, start=start, end=end)


def factors_report(*, user, weeks: int = 12, end: dt.date | None = None) -> dict:
    """The analysis over the trailing `weeks` weeks of diary days ending `end` (today)."""
    end = end or user_today(user)
    start = end - dt.timedelta(days=weeks * 7 - 1)
    series = series_build(user=user, start=start - dt.timedelta(days=1), end=end)
    return analysis.factors_analyse(series=series, start=start, end=end)


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _label(value: str) -> str:
    if value in Symptom.values:
        return Symptom(value).label.lower()
    try:  # a check-in field that is a red flag
        return str(CheckIn._meta.get_field(value).verbose_name).lower()
    except FieldDoesNotExist:
        return value.replace("_", " ")


def _labels(values: list[str]) -> str:
    words = [_label(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# Why each group of red flags needs a doctor, in calm words: the urgent "call emergency
# services now" is said once, at the moment of logging (tracker.logbook.advice).
RED_FLAG_GROUPS = [
    (
        "seizure",
        SEIZURE_RED_FLAGS,
        "Loss of consciousness or whole-body convulsions can be a seizure, not a cramp — see a doctor.",
    ),
    (
        "dehydration",
        DEHYDRATION_RED_FLAGS,
        "Fainting, confusion or sunken eyes can mean severe dehydration — see a doctor.",
    ),
    (
        "pregnancy",
        PREGNANCY_RED_FLAGS,
        "In pregnancy, high blood pressure or swelling needs checking promptly — see a doctor or your maternity care.",
    ),
    (
        "circulation",
        {"swelling", "redness", "numbness"},
        "These can point to a circulation or nerve problem — see a doctor.",
    ),
]
PREGNANCY_REASON = "In pregnancy, swelling with cramps needs checking — see a doctor or midwife."


def _red_flag_entries(day: dt.date, symptoms: list[str], *, pregnant: bool, checkin: bool = False) -> list[dict]:
    """Every flag an episode (or a check-in's red-flag answers) earned, one entry per
    kind: "You logged X on <date>: that needs a doctor." A symptom outside the known
    groups that the logbook marks as a red flag is still reported."""
    entries, seen = [], set()
    present = list(dict.fromkeys(symptoms))
    for kind, members, reason in RED_FLAG_GROUPS:
        hit = [s for s in present if s in members]
        if kind == "circulation" and pregnant and "swelling" in hit:
            kind, reason = "pregnancy", PREGNANCY_REASON
        if hit:
            seen.update(hit)
            entries.append((kind, hit, reason))
    other = [s for s in present if (checkin or s in RED_FLAG_SYMPTOMS) and s not in seen]
    if other:
        entries.append(("other", other, "See a doctor."))
    return [
        {
            "day": day.isoformat(),
            "kind": "symptoms",
            "group": kind,
            "symptoms": hit,
            # A check-in's flags happened on the day, outside any logged cramp.
            "source": "checkin" if checkin else "episode",
            "message": f"You logged {_labels(hit)} on {_date(day)}: that needs a doctor. {reason}",
        }
        for kind, hit, reason in entries
    ]


def red_flags(
    *, user, start: dt.date, end: dt.date, days: list[DayRow] | None = None, recent: list[DayRow] | None = None
) -> list[dict]:
    """Red flags logged in the range, by diary day (a day's cramps in the order logged,
    then its check-in), every flag each episode or check-in (from `days`) earned;
    "cramps often or every night" first when `recent` (the days ending with the last
    day to judge) show it. One query."""
    flags = []
    rows = (
        Episode.objects.for_user(user)
        .filter(day__gte=start, day__lte=end)
        .exclude(symptoms=[])
        .order_by("started_at")
        .values_list("day", "symptoms")
    )
    pregnant = user.is_pregnant
    for day, symptoms in rows:
        flags.extend(_red_flag_entries(day, symptoms, pregnant=pregnant))
    for row in days or []:
        if start <= row.day <= end and row.checkin_flags:
            flags.extend(_red_flag_entries(row.day, row.checkin_flags, pregnant=pregnant, checkin=True))
    flags.sort(key=lambda flag: flag["day"])  # stable: within a day, the order above
    frequent = outcomes.frequent_cramps(recent) if recent else None
    return [frequent, *flags] if frequent else flags


SETTLE_IN_DAYS = 7
MED_LOGGED_DAYS = 28
MED_LOOK_DAYS = 84  # calendar days searched on each side for the logged days


def medication_picture(*, user, end: dt.date, today: dt.date | None = None) -> dict:
    """The medicines and their starts and stops as they stood at the end of the period a
    report covers (`end`, or today for a period under way): a start after it is not
    there yet, a stop after it has not happened, and nothing logged after it counts.
    The one rule every report (weekly JSON, page, email, print) reads medicines by."""
    as_of = min(end, today or user_today(user))
    meds = []
    for med in (
        Medication.objects.for_user(user)
        .order_by("name", "id")
        .values("id", "name", "drug_class", "started_on", "stopped_on")
    ):
        if med["started_on"] is not None and med["started_on"] > as_of:
            continue
        if med["stopped_on"] is not None and med["stopped_on"] > as_of:
            med["stopped_on"] = None
        meds.append(med)
    return {
        "as_of": as_of,
        "medicines": [
            {
                "name": med["name"],
                "drug_class": med["drug_class"],
                "started_on": _iso(med["started_on"]),
                "stopped_on": _iso(med["stopped_on"]),
                "taking": med["stopped_on"] is None,
            }
            for med in meds
        ],
        "changes": _medication_changes(user=user, meds=meds, as_of=as_of),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def medication_changes(*, user, end: dt.date, today: dt.date | None = None) -> list[dict]:
    return medication_picture(user=user, end=end, today=today)["changes"]


def _medication_changes(*, user, meds: list[dict], as_of: dt.date) -> list[dict]:
    """Before/after each start or stop of a medicine or supplement (design §6): cramps
    per logged day over up to 28 logged days before the change and up to 28 logged days
    after a 7-day settle-in, up to `as_of`, the exact Poisson rate ratio, and the
    caveats in words. Two queries whatever the number of changes: cramps per day and
    check-in days over the span of all of them."""
    events = []
    for med in meds:
        for change, on in (("started", med["started_on"]), ("stopped", med["stopped_on"])):
            # A date before 1900 (stored before the services refused it) would overflow
            # the window arithmetic below; it is no change anyone can compare around.
            if on is not None and EARLIEST <= on <= as_of:
                events.append({"med": med, "change": change, "on": on})
    events.sort(key=lambda e: e["on"], reverse=True)
    events = events[:MED_EVENTS_SHOWN]
    if not events:
        return []
    lo = min(e["on"] for e in events) - dt.timedelta(days=MED_LOOK_DAYS)
    hi = min(max(e["on"] for e in events) + dt.timedelta(days=SETTLE_IN_DAYS + MED_LOOK_DAYS), as_of)
    cramps = dict(
        Episode.objects.for_user(user)
        .filter(day__gte=lo, day__lte=hi)
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("day", "n")
    )
    answered = set(
        CheckIn.objects.for_user(user)
        .filter(day__gte=lo, day__lte=hi, no_cramps__isnull=False)
        .values_list("day", flat=True)
    )
    logged = set(cramps) | answered
    result = []
    for event in events:
        on = event["on"]
        before = [on - dt.timedelta(days=k) for k in range(1, MED_LOOK_DAYS + 1)]
        before = [d for d in before if d in logged][:MED_LOGGED_DAYS]
        first_after = on + dt.timedelta(days=SETTLE_IN_DAYS)
        after = [first_after + dt.timedelta(days=k) for k in range(MED_LOOK_DAYS)]
        after = [d for d in after if d <= as_of and d in logged][:MED_LOGGED_DAYS]
        x0, x1 = sum(cramps.get(d, 0) for d in before), sum(cramps.get(d, 0) for d in after)
        rr, low, high = stats.poisson_rate_ratio(x1, len(after), x0, len(before))
        per_week = lambda x, days: round(7 * x / len(days), 1) if days else None  # noqa: E731
        row = {
            "medication": event["med"]["name"],
            "drug_class": event["med"]["drug_class"],
            "change": event["change"],
            "on": on.isoformat(),
            "settle_in_days": SETTLE_IN_DAYS,
            "before_cramps": x0,
            "before_logged_days": len(before),
            "after_cramps": x1,
            "after_logged_days": len(after),
            "before_per_week": per_week(x0, before),
            "after_per_week": per_week(x1, after),
            "risk_ratio": stats.finite(rr, 2),
            "rate_ratio": stats.finite(rr, 2),
            "ci_low": stats.finite(low, 2),
            "ci_high": stats.finite(high, 2),
            # The fields of the first version, kept: check-ins and calendar days after.
            "before_checkins": sum(d in answered for d in before),
            "after_checkins": sum(d in answered for d in after),
            "after_days": max((as_of - on).days + 1, 0),
        }
        row["summary"] = _medication_summary(event, row, as_of)
        result.append(row)
    return result


def _medication_summary(event: dict, row: dict, as_of: dt.date) -> str:
    med = event["med"]
    verb = "started" if event["change"] == "started" else "stopped"
    drug = f"{med['name']} ({DrugClass(med['drug_class']).label})"
    text = f"You {verb} {drug} on {_date(event['on'])}. "
    if not row["before_logged_days"]:
        text += "There are no logged days before it to compare with."
    elif not row["after_logged_days"]:
        text += (
            f"Before: {row['before_per_week']:g} cramps per 7 logged days ({row['before_logged_days']} days logged). "
            f"After it, up to {_date(as_of)}, there are no logged days beyond the first {SETTLE_IN_DAYS}, "
            "which are left out while a change settles in."
        )
    else:
        text += (
            f"Before: {row['before_per_week']:g} cramps per 7 logged days ({row['before_logged_days']} days logged); "
            f"after, leaving out the first {SETTLE_IN_DAYS} days: {row['after_per_week']:g} "
            f"({row['after_logged_days']} days logged)."
        )
        if row["ci_low"] is not None and row["ci_high"] is not None:
            text += (
                f" The rate after is {row['risk_ratio']:g} times the rate before "
                f"(95% interval {row['ci_low']:g}–{row['ci_high']:g})."
            )
        elif row["ci_low"] is not None:
            text += " There were no cramps before, so the change has no upper limit."
    text += (
        " A change like this can have many causes and does not show that the medicine caused it:"
        " cramps often ease on their own after a bad spell (when people tend to start something new),"
        " and other things may have changed in the same weeks (season, activity, other medicines)."
        " Do not stop or change a medicine without your doctor."
    )
    return text


def reminders_summary(*, user, start: dt.date, end: dt.date) -> dict:
    """Reminders sent in the week (distinct slots, whatever the number of channels) and
    one-tap actions used. Deliveries are kept 90 days, so older weeks count fewer."""
    from reminders.models import ActionUse, Delivery, Status

    since, _ = day_bounds(start, user.zone, user.day_starts_at)
    _, until = day_bounds(end, user.zone, user.day_starts_at)
    sent = (
        Delivery.objects.for_user(user)
        .filter(status=Status.SENT, sent_at__gte=since, sent_at__lt=until)
        .aggregate(n=Count("slot", distinct=True))["n"]
    )
    acted_on = ActionUse.objects.filter(user=user, used_at__gte=since, used_at__lt=until).count()
    return {"sent": sent, "acted_on": acted_on}


def week_outcomes(
    series: Series, start: dt.date, *, complete: bool, fixed_start: tuple[str, dt.date] | None = None
) -> tuple[dict, dict]:
    """The week's outcome measures and its change against the previous week, the 8
    weeks before and, when given, the fixed baseline of the 4 weeks before
    `fixed_start` (label, day)."""
    week = series.between(start, start + dt.timedelta(days=6))
    previous = series.between(start - dt.timedelta(days=7), start - dt.timedelta(days=1))
    baseline = series.between(start - dt.timedelta(days=7 * outcomes.BASELINE_WEEKS), start - dt.timedelta(days=1))
    fixed = None
    if fixed_start is not None:
        label, on = fixed_start
        fixed = {
            "label": label,
            "on": on,
            "days": series.between(on - dt.timedelta(days=FIXED_BASELINE_DAYS), on - dt.timedelta(days=1)),
        }
    change = outcomes.change_summary(week=week, previous=previous, baseline=baseline, complete=complete, fixed=fixed)
    return outcomes.episodes_summary(week), change


FIXED_BASELINE_DAYS = 28


def fixed_baseline_start(changes: list[dict], week_start: dt.date) -> tuple[str, dt.date] | None:
    """The latest start of a medicine or supplement at or before the week: its 4 weeks
    before are the fixed baseline the week is compared with (design §6)."""
    starts = [c for c in changes if c["change"] == "started" and dt.date.fromisoformat(c["on"]) <= week_start]
    if not starts:
        return None
    latest = max(starts, key=lambda c: c["on"])
    return f"the 4 weeks before you started {latest['medication']}", dt.date.fromisoformat(latest["on"])


def hydration_summary(days: list[DayRow], goal_ml: int) -> dict:
    """Fluid per logged drinking day: a day with no drink logged is unknown, not 0 ml,
    so it is left out of the means (the count of days is given beside them)."""
    drank = [d for d in days if d.drinks or d.fluid_ml]
    n = len(drank)
    total, effective = sum(d.fluid_ml for d in drank), sum(d.effective_ml for d in drank)
    return {
        "total_ml": total,
        "effective_ml": effective,
        "daily_mean_ml": round(total / n) if n else None,
        "daily_mean_effective_ml": round(effective / n) if n else None,
        "goal_ml": goal_ml,
        "days_goal_met": sum(d.effective_ml >= goal_ml for d in drank),
        # Exact: 1195 of 2000 ml is under 60% even though it shows as 60%.
        "days_under_60_pct": sum(100 * d.effective_ml < 60 * goal_ml for d in drank),
        "days_counted": n,
        "days_with_drinks": n,
        "days": len(days),
    }


def relief_summary(days: list[DayRow]) -> dict:
    """What was taken after the day's first cramp: relief ("what helped"), not exposure."""
    cramp_days = [d for d in days if d.first_cramp is not None]
    counts = {
        key: sum(bool(d.after_cramp.get(key)) for d in cramp_days) for key in ("drinks", "electrolyte_drinks", "doses")
    }
    parts = []
    if counts["electrolyte_drinks"]:
        parts.append(f"an electrolyte drink on {counts['electrolyte_drinks']}")
    if counts["drinks"]:
        parts.append(f"a drink of any kind on {counts['drinks']}")
    if counts["doses"]:
        parts.append(f"a medicine on {counts['doses']}")
    summary = None
    if parts:
        summary = (
            f"After a cramp you had {', '.join(parts)} of {len(cramp_days)} cramp days. "
            "These count as what helped, not as a cause."
        )
    return {"cramp_days": len(cramp_days), **{f"{k}_after": v for k, v in counts.items()}, "summary": summary}


def print_report(*, user, start: dt.date, end: dt.date) -> dict:
    """A doctor's summary over any range: outcome measures, fluid, the daily table,
    red flags, medication changes and the factor analysis over the 84 days ending
    `end`. One series covers the range, the factor window and the last 14 days."""
    window_start = end - dt.timedelta(days=analysis.WINDOW_DAYS - 1)
    series = series_build(
        user=user, start=min(start, window_start - dt.timedelta(days=1), end - dt.timedelta(days=13)), end=end
    )
    days = series.between(start, end)
    episodes = outcomes.episodes_summary(days)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "goal_ml": series.goal_ml,
        "timezone": user.timezone,
        "episodes": episodes,
        "per_week": {
            # Per 7 logged days: days with nothing logged say nothing about cramps.
            "count": episodes["per_7_logged_days"],
            "cramp_days": episodes["cramp_days_per_7_logged_days"],
            "logged_days": episodes["logged_days"],
        },
        "hydration": hydration_summary(days, series.goal_ml),
        "relief": relief_summary(days),
        "days": [d.as_json() for d in days],
        "factor_keys": [f.key for f in series.factors],
        "factors": analysis.factors_analyse(series=series, start=window_start, end=end),
        "red_flags": red_flags(
            user=user, start=start, end=end, days=days, recent=series.between(end - dt.timedelta(days=13), end)
        ),
        "medication_changes": medication_changes(user=user, end=end),
    }


def outcomes_report(*, user, start: dt.date) -> dict:
    """Trial-style outcome measures around a chosen start (design §6): the 4 weeks
    before it as the fixed baseline and up to 12 weeks from it. Six queries."""
    today = user_today(user)
    last = min(today, start + dt.timedelta(days=7 * outcomes.MAX_TRIAL_WEEKS - 1))
    series = series_build(user=user, start=start - dt.timedelta(days=7 * outcomes.FIXED_WEEKS), end=last)
    return outcomes.trial_weeks(series.days, start=start, today=today)
