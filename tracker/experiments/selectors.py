"""Reads for experiment pages, the API, Today and the reports: a fixed number of
queries (grouped by the logbook's stored diary day), then the pure analysis."""

import datetime as dt

from django.db.models import Count, Q, Sum

from tracker.experiments import analysis, design
from tracker.experiments.models import Adherence, Experiment
from tracker.experiments.services import experiment_running, user_today
from tracker.logbook.models import CheckIn, Context, Episode


def logged_days(*, user, start: dt.date, end: dt.date) -> dict[dt.date, analysis.LoggedDay]:
    """Diary days in [start, end] with a check-in or a logged cramp: two queries. A night
    cramp is one logged as while asleep or that disturbed sleep (as the reports count it)."""
    span = {"day__gte": start, "day__lte": end}
    episodes = (
        Episode.objects.for_user(user)
        .filter(**span)
        .values("day")
        .annotate(
            n=Count("id"),
            night=Count("id", filter=Q(context=Context.ASLEEP) | Q(sleep_disturbed=True)),
            severity=Sum("severity"),
        )
        .order_by()
    )
    days = {
        day: analysis.LoggedDay() for day in CheckIn.objects.for_user(user).filter(**span).values_list("day", flat=True)
    }
    for row in episodes:
        days[row["day"]] = analysis.LoggedDay(row["n"], row["night"] > 0, row["severity"] or 0)
    return days


def experiment_result(*, experiment: Experiment, today: dt.date | None = None) -> dict | None:
    """The analysis so far; None before anything was logged within the experiment."""
    today = today or user_today(experiment.user)
    end = min(today, experiment.ends_on, experiment.stopped_on or experiment.ends_on)
    if end < experiment.starts_on:
        return None
    logged = logged_days(user=experiment.user, start=experiment.starts_on, end=end)
    if not logged:
        return None
    adherence = dict(
        Adherence.objects.for_user(experiment.user)
        .filter(experiment=experiment, day__lte=end)
        .values_list("day", "followed")
    )
    return analysis.experiment_analyse(
        blocks=experiment.blocks,
        logged=logged,
        adherence=adherence,
        today=today,
        stopped_on=experiment.stopped_on,
        label=experiment.name,
        partial_pct=experiment.responder_partial_pct,
        full_pct=experiment.responder_full_pct,
    )


def experiment_status(experiment: Experiment, today: dt.date) -> str:
    return analysis.status_of(experiment.blocks, today=today, stopped_on=experiment.stopped_on)


def block_phrase(block: design.Block) -> str:
    """ "ON this week", "OFF for these two weeks", "run-in"."""
    if block.arm == design.RUN_IN:
        return "run-in"
    span = "this week" if block.days == 7 else "these two weeks" if block.days == 14 else f"these {block.days} days"
    return f"{block.arm.upper()} {span}"


def experiment_today(*, user, today: dt.date | None = None, recent: list | None = None) -> dict | None:
    """What Today and the check-in show: the running block, its day, its instruction,
    the adherence answer already given, and yesterday if it is still unanswered (three
    queries at most; two when Today read the experiments already, `recent`)."""
    today = today or user_today(user)
    experiment = experiment_running(user=user, today=today, recent=recent)
    if experiment is None:
        return None
    block = experiment.block_on(today)
    # Yesterday is asked too while it has no answer: a plan followed at night (or a day
    # the app was not opened) is answered the next morning.
    yesterday = today - dt.timedelta(days=1)
    before = experiment.block_on(yesterday) if yesterday >= experiment.starts_on else None
    asked = [day for day, b in ((today, block), (yesterday, before)) if b is not None and b.arm != design.RUN_IN]
    answers = {}
    if asked:
        answers = dict(
            Adherence.objects.for_user(user).filter(experiment=experiment, day__in=asked).values_list("day", "followed")
        )
    return {
        "experiment": experiment,
        "block": block,
        "phrase": block_phrase(block) if block else None,
        "day_number": block.day_number(today) if block else None,
        "instruction": experiment.instruction(block) if block else None,
        "in_washout": bool(block and block.arm != design.RUN_IN and today < block.analysed_from),
        "asks_adherence": bool(block and block.arm != design.RUN_IN),
        "followed": answers.get(today),
        "yesterday": yesterday if yesterday in asked and yesterday not in answers else None,
        "yesterday_arm": before.arm.upper() if before is not None else None,
        "today": today,
    }


def experiments_for_report(*, user, start: dt.date, end: dt.date) -> list[dict]:
    """Experiments that overlap [start, end], each with its result as of the end of the
    range (or today): for the weekly report, its email and the doctor's summary."""
    today = user_today(user)
    rows = []
    overlapping = Experiment.objects.for_user(user).filter(
        starts_on__lte=end, starts_on__gte=start - dt.timedelta(days=design.MAX_LENGTH_DAYS)
    )
    for experiment in overlapping:
        if experiment.ends_on < start:
            continue
        # As it stood when the range was over: the day after its end (a block ending on
        # the last day of the range is complete), or today for a range still running.
        as_of = min(end + dt.timedelta(days=1), today)
        rows.append({"experiment": experiment, "result": experiment_result(experiment=experiment, today=as_of)})
    return rows
