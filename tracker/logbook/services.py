"""Every write to the logbook goes through these functions; the web pages and the
API both call them, so each rule lives here once."""

import datetime as dt
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Case, DateField, F, JSONField, QuerySet, When
from django.utils import timezone

from accounts.models import Medication
from accounts.services import medication_create
from tracker.diary import diary_day
from tracker.logbook import beverages, night
from tracker.logbook.models import Activity, CheckIn, DeletedEntry, DiaryRow, Dose, Episode, Intake
from tracker.logbook.signals import entry_logged, entry_written, statement_name
from tracker.prepared import Prepared, insert_statement, inserted, prepared_cursor

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
    _validate(row)
    row.save()
    return row


def _validate(row: DiaryRow) -> None:
    """Validate a diary row and compute its day and derived values, without saving it."""
    instant_field = INSTANT_FIELD[type(row)]
    instant = getattr(row, instant_field)
    _check_instant(instant_field, instant)
    row.day = diary_day(instant, row.user.zone, row.user.day_starts_at) if instant else None
    if isinstance(row, Episode) and instant:
        row.at_night = episode_at_night(user=row.user, started_at=instant, context=row.context)
    # An unknown beverage is left for full_clean to report.
    if isinstance(row, Intake) and row.volume_ml and row.beverage in beverages.BEVERAGES:
        row.effective_ml = beverages.effective_ml(volume_ml=row.volume_ml, beverage=row.beverage)
        row.alcohol_units = beverages.alcohol_units(volume_ml=row.volume_ml, beverage=row.beverage)
    if isinstance(row, Dose) and row.medication_id and row.medication.user_id != row.user_id:
        raise ValidationError({"medication": "Choose one of your own medications."})
    # The field validators cover the same ranges as the check constraints, which the
    # database enforces anyway; validating constraints here would cost a query per write.
    row.full_clean(exclude=["user", "day", "effective_ml", "alcohol_units", "at_night"], validate_constraints=False)


def _log(model: type[DiaryRow], user, fields: dict) -> DiaryRow:
    """A new entry: validated, then inserted in one statement together with the
    statements that must commit with it (the logbook's own and those of the apps above,
    see signals.entry_logged); a transaction only when a receiver needs more."""
    row = model(user=user, **fields)
    _validate(row)
    using = router.db_for_write(model, instance=row)
    # Data-modifying CTEs are PostgreSQL's; elsewhere receivers answer with callables.
    statements = _own_statements(row) if connections[using].vendor == "postgresql" else None
    answers = entry_logged.send(sender=model, user=user, days=[row.day], entry=row, statements=statements)
    after = [answer for _receiver, answer in answers if callable(answer)]
    if statements is not None and not after:
        _insert(row, statements, using)
        return row
    with transaction.atomic(using=using):
        if statements is None:
            row.save(using=using)
            _cramp_overrides_no_cramps(row)
        else:
            _insert(row, statements, using)
        for action in after:
            action()
    return row


def _insert(row: DiaryRow, statements: list[tuple[str, list]], using: str) -> None:
    """INSERT the row with `statements` as data-modifying CTEs of the same statement: all
    commit together, or none does, without a BEGIN and COMMIT of their own."""
    if not statements:
        row.save(using=using)
        return
    insert_sql, insert_params = insert_statement(row, using, returning=True)
    ctes = ", ".join(f"{statement_name(n)} AS ({sql})" for n, (sql, _params, *_then) in enumerate(statements))
    params = [param for _sql, statement_params, *_then in statements for param in statement_params]
    # What a statement returned, for its `then`: its rows as JSON, after the row's own values.
    read_back = [(statement_name(n), then) for n, (_sql, _params, *then) in enumerate(statements) if then]
    returning = "".join(f", (SELECT json_agg({name})::text FROM {name})" for name, _then in read_back)  # noqa: S608
    with prepared_cursor(using) as cursor:
        cursor.execute(f"WITH {ctes} {insert_sql}{returning}", [*params, *insert_params])
        values = cursor.fetchone()
    own = len(values) - len(read_back)
    inserted(row, values[:own], using)
    for (_name, [then]), rows in zip(read_back, values[own:], strict=True):
        then(json.loads(rows) if rows else [])


def _own_statements(row: DiaryRow) -> list[tuple[str, list]]:
    """The logbook's own statements that go with writing `row`: a logged cramp is a
    fact, so a "no cramps" answer for its day was a mistake."""
    if isinstance(row, Episode):
        return [_NO_CRAMPS_UNDONE.statement(user_id=row.user_id, day=row.day)]
    return []


def _cramp_overrides_no_cramps(row: DiaryRow) -> None:
    with connections[router.db_for_write(type(row), instance=row)].cursor() as cursor:
        for statement in _own_statements(row):
            cursor.execute(*statement)


# On every cramp logged (in its INSERT) or edited: compiled once per process (tracker.prepared).
_NO_CRAMPS_UNDONE = Prepared(
    lambda user_id, day: CheckIn.objects.filter(user_id=user_id, day=day, no_cramps=True),
    changes={"no_cramps": False},
    user_id=int,
    day=dt.date,
)


def episode_log(*, user, **fields) -> Episode:
    return _log(Episode, user, fields)


def intake_log(*, user, **fields) -> Intake:
    return _log(Intake, user, fields)


def activity_log(*, user, **fields) -> Activity:
    return _log(Activity, user, fields)


def dose_log(*, user, new_medication: dict | None = None, **fields) -> Dose:
    """Log a dose; `new_medication` ({"name", "drug_class"}) adds the medicine first."""
    with transaction.atomic():
        if new_medication:
            fields["medication"] = medication_create(user=user, **new_medication)
        return _log(Dose, user, fields)


def entry_update(*, entry: DiaryRow, **fields) -> DiaryRow:
    old_day = entry.day
    for name, value in fields.items():
        setattr(entry, name, value)
    with transaction.atomic():
        _save(entry)
        _cramp_overrides_no_cramps(entry)
        _after_write(user=entry.user, days={old_day, entry.day}, entry=entry, created=False)
    return entry


# Filled from the model, recomputed on restore, or bookkeeping: not kept in the trash.
_NOT_KEPT = {"id", "user", "day", "created_at", "updated_at", "effective_ml", "alcohol_units", "at_night"}
KIND_OF: dict[type, str] = {
    Episode: "episode",
    Intake: "intake",
    Activity: "activity",
    Dose: "dose",
    CheckIn: "checkin",
}
MODEL_OF = {kind: model for model, kind in KIND_OF.items()}


class _ExactEncoder(DjangoJSONEncoder):
    # DjangoJSONEncoder cuts datetimes to milliseconds; a restored row must be exact.
    def default(self, o):
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return super().default(o)


def entry_delete(*, entry: DiaryRow | CheckIn) -> DeletedEntry:
    """Delete a row, keeping a copy that entry_restore can bring back for
    DeletedEntry.KEEP_FOR_DAYS days. Copies past that age are dropped here."""
    values = {f.attname: getattr(entry, f.attname) for f in entry._meta.concrete_fields if f.name not in _NOT_KEPT}
    data = json.loads(json.dumps(values, cls=_ExactEncoder))
    if isinstance(entry, CheckIn):
        data["day"] = entry.day.isoformat()
    with transaction.atomic():
        kept = DeletedEntry.objects.create(
            user=entry.user, kind=KIND_OF[type(entry)], entry_id=entry.pk, data=data, day=entry.day
        )
        entry.delete()
        _after_write(user=entry.user, days=[entry.day], entry=None, created=False)
        cutoff = timezone.now() - dt.timedelta(days=DeletedEntry.KEEP_FOR_DAYS)
        DeletedEntry.objects.for_user(entry.user).filter(deleted_at__lt=cutoff).delete()
    return kept


def deleted_entries(*, user) -> QuerySet:
    """What the user can still restore, newest first."""
    cutoff = timezone.now() - dt.timedelta(days=DeletedEntry.KEEP_FOR_DAYS)
    return DeletedEntry.objects.for_user(user).filter(deleted_at__gte=cutoff)


def entry_restore(*, deleted: DeletedEntry) -> DiaryRow | CheckIn:
    """Write a deleted row back under its old id, through the same rules as a new one
    (diary day and night flag from today's profile)."""
    model = MODEL_OF[deleted.kind]
    fields = {}
    for attname, value in deleted.data.items():
        field = next(f for f in model._meta.concrete_fields if f.attname == attname)
        fields[attname] = value if isinstance(field, JSONField) or value is None else field.to_python(value)
    if model is Dose and not Medication.objects.for_user(deleted.user).filter(pk=fields["medication_id"]).exists():
        raise ValidationError({"medication": "The medication of this dose has been deleted, so it cannot come back."})
    with transaction.atomic():
        if model is CheckIn:
            day = fields.pop("day")
            row = checkin_save(user=deleted.user, day=day, **fields)
        else:
            row = model(user=deleted.user, pk=deleted.entry_id, **fields)
            _save(row)
            _after_write(user=deleted.user, days=[row.day], entry=row, created=False)
        deleted.delete()
    return row


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
    if row.no_cramps and row.day:
        logged = Episode.objects.for_user(user).filter(day=row.day).order_by("started_at").first()
        if logged is not None:
            raise ValidationError(
                {
                    "no_cramps": f"You logged a cramp on {row.day:%A %-d %B} ({logged.get_muscle_display().lower()}, "
                    f"severity {logged.severity}), so this day cannot be “no cramps”. Answer yes, or delete "
                    "that cramp first if it was a mistake."
                }
            )
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


def episode_at_night(*, user, started_at: dt.datetime, context: str) -> bool:
    return night.is_night(
        started_at, user.zone, context=context, sleep_start=user.sleep_starts_at, sleep_end=user.sleep_ends_at
    )


def diary_days_recompute(*, user) -> int:
    """Recompute the stored diary day of every row of `user`, and the night flag of
    every episode, after a change of timezone, day start or sleep window. One UPDATE
    per model and flag value; returns the number of rows changed."""
    changed = 0
    touched_days: set[dt.date] = set()
    with transaction.atomic():
        episodes = list(Episode.objects.for_user(user).values_list("id", "started_at", "context", "at_night", "day"))
        flips = {
            pk: flag
            for pk, started_at, context, old, _day in episodes
            if (flag := episode_at_night(user=user, started_at=started_at, context=context)) != old
        }
        for flag in (True, False):
            ids = [pk for pk, value in flips.items() if value is flag]
            for chunk in _chunks(ids, 500):
                Episode.objects.filter(id__in=chunk).update(at_night=flag)
        touched_days.update(day for pk, _s, _c, _o, day in episodes if pk in flips)
        changed += len(flips)
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
    """Announce the write to the apps above the logbook (reports stale the touched
    weeks, reminders may send an event reminder); see signals.entry_written."""
    entry_written.send(
        sender=type(entry) if entry is not None else None,
        user=user,
        days=[d for d in days if d is not None],
        entry=entry,
        created=created,
    )
