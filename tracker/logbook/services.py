"""Every write to the logbook goes through these functions; the web pages and the
API both call them, so each rule lives here once."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DateField, F, When
from django.utils import timezone

from tracker.diary import diary_day
from tracker.logbook import beverages
from tracker.logbook.models import Activity, CheckIn, DiaryRow, Dose, Episode, Intake

MAX_FUTURE = dt.timedelta(minutes=10)
# No diary goes back further; far-off years also overflow in zone arithmetic.
EARLIEST = dt.datetime(1900, 1, 2, tzinfo=dt.UTC)

# The instant each kind of row is logged at; its diary day is computed from it.
INSTANT_FIELD: dict[type[DiaryRow], str] = {
    Episode: "started_at",
    Intake: "taken_at",
    Activity: "started_at",
    Dose: "taken_at",
}
DIARY_MODELS = tuple(INSTANT_FIELD)


def _check_instant(field: str, value: dt.datetime) -> None:
    if value is None:
        return
    if timezone.is_naive(value):
        raise ValidationError({field: "Include a UTC offset (for example 2026-10-26T07:30:00+01:00)."})
    if value > timezone.now() + MAX_FUTURE:
        raise ValidationError({field: "This time is in the future; entries can be at most 10 minutes ahead."})
    if value < EARLIEST:
        raise ValidationError({field: "Give a time after the year 1900."})


def _save(row: DiaryRow) -> DiaryRow:
    """Validate and save a diary row, computing its day and derived values."""
    instant_field = INSTANT_FIELD[type(row)]
    instant = getattr(row, instant_field)
    _check_instant(instant_field, instant)
    row.day = diary_day(instant, row.user.zone, row.user.day_starts_at) if instant else None
    # An unknown beverage is left for full_clean to report.
    if isinstance(row, Intake) and row.volume_ml and row.beverage in beverages.BEVERAGES:
        row.effective_ml = beverages.effective_ml(volume_ml=row.volume_ml, beverage=row.beverage)
        row.alcohol_units = beverages.alcohol_units(volume_ml=row.volume_ml, beverage=row.beverage)
    if isinstance(row, Dose) and row.medication_id and row.medication.user_id != row.user_id:
        raise ValidationError({"medication": "Choose one of your own medications."})
    # The field validators cover the same ranges as the check constraints, which the
    # database enforces anyway; validating constraints here would cost a query per write.
    row.full_clean(exclude=["user", "day", "effective_ml", "alcohol_units"], validate_constraints=False)
    row.save()
    return row


def _log(model: type[DiaryRow], user, fields: dict) -> DiaryRow:
    row = model(user=user, **fields)
    with transaction.atomic():
        _save(row)
        _after_write(user=user, days=[row.day], entry=row, created=True)
    return row


def episode_log(*, user, **fields) -> Episode:
    return _log(Episode, user, fields)


def intake_log(*, user, **fields) -> Intake:
    return _log(Intake, user, fields)


def activity_log(*, user, **fields) -> Activity:
    return _log(Activity, user, fields)


def dose_log(*, user, **fields) -> Dose:
    return _log(Dose, user, fields)


def entry_update(*, entry: DiaryRow, **fields) -> DiaryRow:
    old_day = entry.day
    for name, value in fields.items():
        setattr(entry, name, value)
    with transaction.atomic():
        _save(entry)
        _after_write(user=entry.user, days={old_day, entry.day}, entry=entry, created=False)
    return entry


def entry_delete(*, entry: DiaryRow | CheckIn) -> None:
    with transaction.atomic():
        entry.delete()
        _after_write(user=entry.user, days=[entry.day], entry=None, created=False)


def checkin_save(*, user, checkin: CheckIn | None = None, **fields) -> CheckIn:
    """Create the day's check-in, or update `checkin`. A second check-in for the same
    day is refused with a message saying to update the existing one."""
    creating = checkin is None
    row = checkin or CheckIn(user=user)
    old_day = row.day
    for name, value in fields.items():
        setattr(row, name, value)
    if row.day and CheckIn.objects.for_user(user).filter(day=row.day).exclude(pk=row.pk).exists():
        raise _duplicate_checkin(row.day)
    if row.day and row.day > diary_day(timezone.now(), user.zone, user.day_starts_at):
        raise ValidationError({"day": "A check-in can be for today or an earlier day, not a future one."})
    if row.day and row.day < EARLIEST.date():
        raise ValidationError({"day": "Give a day after the year 1900."})
    row.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
            _after_write(user=user, days={old_day, row.day} - {None}, entry=row, created=creating)
    except IntegrityError as error:
        # Two requests for the same day at once: the unique constraint decides.
        raise _duplicate_checkin(row.day) from error
    return row


def _duplicate_checkin(day: dt.date) -> ValidationError:
    return ValidationError(
        {"day": f"There is already a check-in for {day:%Y-%m-%d}; update it (PATCH) instead of adding another."}
    )


def diary_days_recompute(*, user) -> int:
    """Recompute the stored diary day of every row of `user` after a change of
    timezone or day start. One UPDATE per model; returns the number of rows changed."""
    changed = 0
    touched_days: set[dt.date] = set()
    with transaction.atomic():
        for model, instant_field in INSTANT_FIELD.items():
            rows = list(model.objects.for_user(user).values_list("id", instant_field, "day"))
            new_days = {pk: diary_day(instant, user.zone, user.day_starts_at) for pk, instant, _old in rows}
            moved = {pk: (instant, day) for pk, instant, old in rows if (day := new_days[pk]) != old}
            for _pk, _instant, old in rows:
                if _pk in moved:
                    touched_days.update((old, moved[_pk][1]))
            for chunk in _chunks(list(moved.items()), 500):
                # Conditional on the instant read: a row edited while this runs keeps the
                # day its edit computed (from the new settings) instead of one from the
                # old instant. Under READ COMMITTED the condition sees the committed edit.
                model.objects.filter(id__in=[pk for pk, _ in chunk]).update(
                    day=Case(
                        *[When(id=pk, **{instant_field: instant}, then=day) for pk, (instant, day) in chunk],
                        default=F("day"),
                        output_field=DateField(),
                    )
                )
            changed += len(moved)
        if touched_days:
            _after_write(user=user, days=touched_days, entry=None, created=False)
    return changed


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _after_write(*, user, days: Iterable[dt.date], entry, created: bool) -> None:
    """What follows any logbook write: weekly snapshots of the touched days go stale,
    and a new entry may call for an event reminder (both after commit)."""
    from reminders.services import event_reminders_for_entry
    from tracker.reports.services import snapshots_mark_stale

    snapshots_mark_stale(user=user, days=[d for d in days if d is not None])
    if created and entry is not None:
        event_reminders_for_entry(entry=entry)
