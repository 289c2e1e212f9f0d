"""Every change to experiments: start (drawing the block order), stop, the daily
adherence answer, and the block-start notices."""

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from reminders.models import Notification
from tracker.diary import diary_day
from tracker.experiments import design
from tracker.experiments.models import Adherence, Experiment
from tracker.prepared import Prepared

log = logging.getLogger(__name__)

# How far ahead an experiment may be planned.
MAX_START_AHEAD_DAYS = 28
_MAX_LENGTH = dt.timedelta(days=design.MAX_LENGTH_DAYS)


def user_today(user, now: dt.datetime | None = None) -> dt.date:
    return diary_day(now or timezone.now(), user.zone, user.day_starts_at)


def experiment_running(*, user, today: dt.date, recent: list[Experiment] | None = None) -> Experiment | None:
    """The user's experiment not stopped and not yet over (running or about to start).
    `recent`: the rows of `running_read()` if they were read already (Today)."""
    if recent is None:
        read, values = running_read(user, today)
        recent = read.all(**values)
    return next((e for e in recent if e.ends_on >= today), None)


def running_read(user, today: dt.date) -> tuple[Prepared, dict]:
    return _NOT_STOPPED_SINCE, {"user_id": user.pk, "since": today - _MAX_LENGTH}


# Read on every Today page and check-in: compiled once per process (tracker.prepared).
_NOT_STOPPED_SINCE = Prepared(
    lambda user_id, since: Experiment.objects.for_user(user_id).not_stopped().filter(starts_on__gte=since),
    user_id=int,
    since=dt.date,
)


def _validate(*, intervention, label, block_days, pairs, run_in_days, washout_days, starts_on, today) -> None:
    errors: dict[str, str] = {}
    if intervention not in dict(design.INTERVENTION_CHOICES):
        errors["intervention"] = "Choose one of the listed changes, or 'custom' with a label."
    elif intervention == design.CUSTOM and not label.strip():
        errors["label"] = "Name the change you want to test."
    if len(label) > 60:
        errors["label"] = "Use at most 60 characters."
    if block_days not in design.BLOCK_DAYS_CHOICES:
        errors["block_days"] = "Blocks last 7 or 14 days."
    if not design.MIN_PAIRS <= pairs <= design.MAX_PAIRS:
        errors["pairs"] = f"Choose {design.MIN_PAIRS} to {design.MAX_PAIRS} pairs of blocks."
    if not design.MIN_RUN_IN_DAYS <= run_in_days <= design.MAX_RUN_IN_DAYS:
        errors["run_in_days"] = (
            f"The run-in lasts {design.MIN_RUN_IN_DAYS} to {design.MAX_RUN_IN_DAYS} days "
            "(it is your baseline before the first block)."
        )
    if block_days in design.BLOCK_DAYS_CHOICES and not 0 <= washout_days <= block_days - design.MIN_ANALYSED_DAYS:
        errors["washout_days"] = (
            f"Leave out 0 to {block_days - design.MIN_ANALYSED_DAYS} days at the start of each {block_days}-day block."
        )
    if not today <= starts_on <= today + dt.timedelta(days=MAX_START_AHEAD_DAYS):
        errors["starts_on"] = f"Start today or within the next {MAX_START_AHEAD_DAYS} days."
    if errors:
        raise ValidationError(errors)


def experiment_start(
    *,
    user,
    intervention: str,
    block_days: int,
    label: str = "",
    pairs: int = design.DEFAULT_PAIRS,
    run_in_days: int = design.DEFAULT_RUN_IN_DAYS,
    washout_days: int = design.DEFAULT_WASHOUT_DAYS,
    starts_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Experiment:
    """Plan an experiment and draw its block order. The seed comes from the server's
    secure random source, never from the request, and is stored with the order."""
    today = today or user_today(user)
    starts_on = starts_on or today
    label = label.strip()
    _validate(
        intervention=intervention,
        label=label,
        block_days=block_days,
        pairs=pairs,
        run_in_days=run_in_days,
        washout_days=washout_days,
        starts_on=starts_on,
        today=today,
    )
    with transaction.atomic():
        # One at a time per person: the user's row lock serialises two starts made at
        # once (two devices), so the second sees the first. A unique constraint cannot
        # say "not yet over".
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        running = experiment_running(user=user, today=today)
        if running is not None:
            raise ValidationError(
                {"intervention": f"Your experiment with {running.name} runs until {running.ends_on}: stop it first."}
            )
        seed = design.new_seed()
        return Experiment.objects.create(
            user=user,
            intervention=intervention,
            label=label,
            starts_on=starts_on,
            run_in_days=run_in_days,
            block_days=block_days,
            pairs=pairs,
            washout_days=washout_days,
            seed=seed,
            on_first=design.draw_order(seed, pairs),
        )


def experiment_stop(*, experiment: Experiment, today: dt.date | None = None) -> Experiment:
    """Stop at any time; what was logged so far is still analysed. Stopping twice keeps
    the first stop."""
    if experiment.stopped_at is not None:
        return experiment
    today = today or user_today(experiment.user)
    experiment.stopped_at = timezone.now()
    # A stop before the start keeps the planned start as the stop day.
    experiment.stopped_on = max(today, experiment.starts_on)
    experiment.save(update_fields=["stopped_at", "stopped_on"])
    return experiment


def adherence_record(
    *, user, followed: bool, day: dt.date | None = None, experiment: Experiment | None = None
) -> Adherence:
    """Record whether the plan was followed on a diary day of an on/off block (of the
    given experiment, or of whichever of the user's experiments ran that day)."""
    today = user_today(user)
    day = day or today
    if day > today:
        raise ValidationError({"day": "Answer for today or an earlier day."})
    candidates = (
        [experiment] if experiment is not None else Experiment.objects.for_user(user).filter(starts_on__lte=day)
    )
    experiment = next(
        (e for e in candidates if (block := e.block_on(day)) is not None and block.arm != design.RUN_IN), None
    )
    if experiment is None:
        raise ValidationError({"day": "No on/off block of an experiment runs on this day."})
    row, _ = Adherence.objects.update_or_create(
        experiment=experiment, day=day, defaults={"user": user, "followed": followed}
    )
    return row


def block_notices_send(*, now: dt.datetime | None = None) -> int:
    """Create an in-app notification with the block's instruction on the first day of
    each block. Each notice is claimed by moving `notified_block` forward with a
    conditional update, so two sweeps at once, or a sweep run again, send it once; a
    sweep missed during an outage sends the current block's notice late."""
    now = now or timezone.now()
    sent = 0
    open_experiments = Experiment.objects.not_stopped().filter(
        starts_on__lte=now.date() + dt.timedelta(days=1), starts_on__gte=now.date() - _MAX_LENGTH
    )
    for experiment in open_experiments.select_related("user").iterator():
        today = user_today(experiment.user, now)
        block = experiment.block_on(today)
        if block is None or block.index <= experiment.notified_block:
            continue
        with transaction.atomic():
            claimed = Experiment.objects.filter(pk=experiment.pk, notified_block=experiment.notified_block).update(
                notified_block=block.index
            )
            if claimed != 1:
                continue
            Notification.objects.create(
                user=experiment.user,
                title=block_title(experiment, block),
                body=experiment.instruction(block),
                actions=[{"label": "See the schedule", "url": reverse("experiment-detail", args=[experiment.pk])}],
            )
        sent += 1
    return sent


def block_title(experiment: Experiment, block: design.Block) -> str:
    if block.arm == design.RUN_IN:
        return f"Experiment: {experiment.name} — the run-in starts today ({block.days} days)"
    return f"Experiment: {experiment.name} — {block.arm.upper()} from today, for {block.days} days"
