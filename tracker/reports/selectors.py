"""Reads for the reports: the daily series, the factor analysis, red flags, the
medication before/after view and the reminders block. Each is a fixed number of
queries whatever the amount of data."""

import datetime as dt

from django.db.models import Count, Q

from accounts.models import DrugClass, Medication
from tracker.diary import day_bounds
from tracker.logbook import advice
from tracker.logbook.models import CheckIn, Episode
from tracker.reports import analysis, outcomes
from tracker.reports.series import Series, series_build
from tracker.reports.weeks import user_today

MAX_RANGE_DAYS = 731
MED_WINDOW_DAYS = 28
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


def red_flags(*, user, start: dt.date, end: dt.date, nights_with_cramps: int) -> list[dict]:
    """Red flags logged in the range, most urgent message per episode, with the
    frequent-cramps warning first when cramps came on 5 or more nights."""
    flags = []
    if nights_with_cramps >= advice.NIGHTS_FOR_FREQUENT_CRAMPS:
        flags.append(
            {
                "day": None,
                "kind": "frequent_cramps",
                "symptoms": [],
                "message": advice.FREQUENT_CRAMPS_MESSAGE.format(nights=nights_with_cramps),
            }
        )
    rows = (
        Episode.objects.for_user(user)
        .filter(day__gte=start, day__lte=end)
        .exclude(symptoms=[])
        .order_by("started_at")
        .values_list("day", "symptoms")
    )
    pregnant = user.is_pregnant
    for day, symptoms in rows:
        message = advice.red_flag_message(symptoms, pregnant=pregnant)
        if message:
            flags.append({"day": day.isoformat(), "kind": "symptoms", "symptoms": symptoms, "message": message})
    return flags


def medication_changes(*, user, today: dt.date) -> list[dict]:
    """Cramps per week in the 4 weeks before and after each start or stop of a
    medicine. One query for the medicines, and two aggregates (episodes, check-ins)
    for every event at once."""
    meds = list(
        Medication.objects.for_user(user)
        .filter(Q(started_on__isnull=False) | Q(stopped_on__isnull=False))
        .values("id", "name", "drug_class", "started_on", "stopped_on")
    )
    events = []
    for med in meds:
        for change, on in (("started", med["started_on"]), ("stopped", med["stopped_on"])):
            # A date before 1900 (stored before the services refused it) would overflow
            # the window arithmetic below; it is no change anyone can compare around.
            if on is not None and EARLIEST <= on <= today:
                events.append({"med": med, "change": change, "on": on})
    events.sort(key=lambda e: e["on"], reverse=True)
    events = events[:MED_EVENTS_SHOWN]
    if not events:
        return []
    window = dt.timedelta(days=MED_WINDOW_DAYS)
    spans = {}
    for i, event in enumerate(events):
        on = event["on"]
        spans[f"b{i}"] = (on - window, on - dt.timedelta(days=1))
        spans[f"a{i}"] = (on, min(on + window - dt.timedelta(days=1), today))
    span_q = {key: Q(day__gte=lo, day__lte=hi) for key, (lo, hi) in spans.items()}
    cramps = Episode.objects.for_user(user).aggregate(**{k: Count("id", filter=q) for k, q in span_q.items()})
    logged = CheckIn.objects.for_user(user).aggregate(**{k: Count("id", filter=q) for k, q in span_q.items()})
    result = []
    for i, event in enumerate(events):
        med = event["med"]
        before_days = MED_WINDOW_DAYS
        after_days = (spans[f"a{i}"][1] - spans[f"a{i}"][0]).days + 1
        before = round(cramps[f"b{i}"] * 7 / before_days, 1)
        after = round(cramps[f"a{i}"] * 7 / after_days, 1) if after_days > 0 else None
        result.append(
            {
                "medication": med["name"],
                "drug_class": med["drug_class"],
                "change": event["change"],
                "on": event["on"].isoformat(),
                "before_per_week": before,
                "after_per_week": after,
                "before_checkins": logged[f"b{i}"],
                "after_checkins": logged[f"a{i}"],
                "after_days": after_days,
                "summary": _medication_summary(med, event, before, after, after_days),
            }
        )
    return result


def _medication_summary(med: dict, event: dict, before: float, after: float | None, after_days: int) -> str:
    verb = "started" if event["change"] == "started" else "stopped"
    drug = f"{med['name']} ({DrugClass(med['drug_class']).label})"
    text = f"You {verb} {drug} on {event['on']:%d %b %Y}. In the 4 weeks before: {before:g} cramps a week"
    if after is None:
        text += "; there are no days after it yet."
    else:
        so_far = "" if after_days >= MED_WINDOW_DAYS else f" (only {after_days} days so far)"
        text += f"; in the 4 weeks after{so_far}: {after:g} a week."
    text += (
        " A change like this can have many causes and does not show that the medicine caused it."
        " Do not stop or change a medicine on your own: talk to your doctor or pharmacist about it."
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


def week_outcomes(series: Series, start: dt.date) -> tuple[dict, dict]:
    week = series.between(start, start + dt.timedelta(days=6))
    previous = series.between(start - dt.timedelta(days=7), start - dt.timedelta(days=1))
    baseline = series.between(start - dt.timedelta(days=7 * outcomes.BASELINE_WEEKS), start - dt.timedelta(days=1))
    return outcomes.episodes_summary(week), outcomes.change_summary(week=week, previous=previous, baseline=baseline)


def print_report(*, user, start: dt.date, end: dt.date) -> dict:
    """A doctor's summary over any range: outcome measures, fluid, the daily table,
    red flags, medication changes and the factor analysis over the 84 days ending
    `end`. One series covers both the range and the factor window."""
    window_start = end - dt.timedelta(days=analysis.WINDOW_DAYS - 1)
    series = series_build(user=user, start=min(start, window_start - dt.timedelta(days=1)), end=end)
    days = series.between(start, end)
    episodes = outcomes.episodes_summary(days)
    weeks = max(len(days) / 7, 1)
    total_ml = sum(d.fluid_ml for d in days)
    effective = sum(d.effective_ml for d in days)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "goal_ml": series.goal_ml,
        "timezone": user.timezone,
        "episodes": episodes,
        "per_week": {
            "count": round(episodes["count"] / weeks, 1),
            "cramp_days": round(episodes["cramp_days"] / weeks, 1),
        },
        "hydration": {
            "total_ml": total_ml,
            "effective_ml": effective,
            "daily_mean_ml": round(total_ml / len(days)),
            "daily_mean_effective_ml": round(effective / len(days)),
            "goal_ml": series.goal_ml,
            "days_goal_met": sum(d.effective_ml >= series.goal_ml for d in days),
        },
        "days": [d.as_json() for d in days],
        "factor_keys": [f.key for f in series.factors],
        "factors": analysis.factors_analyse(series=series, start=window_start, end=end),
        "red_flags": red_flags(user=user, start=start, end=end, nights_with_cramps=0),
        "medication_changes": medication_changes(user=user, today=end),
    }
