"""Logbook pages. Each view reads through selectors, writes through one service
call, and redirects (or, for htmx, returns the part of the page that changed)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import Medication
from tracker import human
from tracker.logbook import selectors, services, units
from tracker.logbook.advice import red_flag_message
from tracker.logbook.forms import (
    ENTRY_FORMS,
    CheckInForm,
    QuickCrampForm,
    QuickDrinkForm,
    add_service_errors,
    quick_cramp_presets,
)
from tracker.logbook.models import Beverage, Muscle, Side

LOG = {
    "episode": services.episode_log,
    "intake": services.intake_log,
    "activity": services.activity_log,
    "dose": services.dose_log,
}
ENTRY_TITLES = {"episode": "cramp", "intake": "drink", "activity": "activity", "dose": "medication dose"}
ENTRY_ARTICLES = {"episode": "a", "intake": "a", "activity": "an", "dose": "a"}
DEFAULT_PRESETS = [
    {"label": "Glass", "volume_ml": 250, "beverage": "water"},
    {"label": "Bottle", "volume_ml": 500, "beverage": "water"},
    {"label": "Mug of tea", "volume_ml": 300, "beverage": "tea"},
]
# Undo takes back only the entry this browser just made, and only for this long; after
# that (or for any older entry) deleting is a deliberate act with its own page.
UNDO_SESSION_KEY = "logbook_undo"
UNDO_WINDOW = dt.timedelta(minutes=5)
RESTORE_SESSION_KEY = "logbook_restore"
HISTORY_DEFAULT_DAYS = 14
HISTORY_MAX_DAYS = 366


def presets_of(user) -> list[dict]:
    return user.drink_presets or DEFAULT_PRESETS


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _remember_for_undo(request, kind: str, entry) -> None:
    request.session[UNDO_SESSION_KEY] = {
        "kind": kind,
        "pk": entry.pk,
        "until": (timezone.now() + UNDO_WINDOW).isoformat(),
    }


def undoable(request) -> tuple[str, int] | None:
    """(kind, pk) of the entry Undo may take back, or None once the window has passed."""
    mark = request.session.get(UNDO_SESSION_KEY)
    if not mark:
        return None
    try:
        until = dt.datetime.fromisoformat(mark["until"])
    except (KeyError, TypeError, ValueError):
        return None
    return (mark["kind"], mark["pk"]) if timezone.now() < until else None


def _announce_red_flag(request, values: list[str]) -> None:
    """The immediate advice for a cramp's symptoms or a check-in's red flags (advice.py)."""
    message = red_flag_message(values, pregnant=request.user.is_pregnant)
    if message:
        messages.error(request, message, extra_tags="red-flag")


def _today_context(request, **extra) -> dict:
    beverage_labels = dict(Beverage.choices)
    presets = [
        {**p, "index": i, "beverage_label": beverage_labels.get(p.get("beverage"), "")}
        for i, p in enumerate(presets_of(request.user))
    ]
    covered = [(p["volume_ml"], p.get("beverage") or Beverage.WATER) for p in presets]
    summary = selectors.today_summary(user=request.user, exclude_drinks=covered)
    request.today_reads = summary["today_reads"]  # for other apps' context processors
    recent = [{**r, "beverage_label": beverage_labels.get(r["beverage"], "")} for r in summary.pop("recent_drinks")]
    undo = undoable(request)
    restore_id = request.session.get(RESTORE_SESSION_KEY)
    restorable = services.deleted_entries(user=request.user).filter(pk=restore_id).first() if restore_id else None
    undo_entry = next((e for e in summary["entries"] if undo == (e.kind, e.row.pk)), None)
    return {
        **summary,
        "last_night": selectors.last_night(user=request.user),
        "undo_entry": undo_entry,
        "restorable": restorable,
        "presets": presets,
        "recent_drinks": recent,
        "drink_form": QuickDrinkForm(user=request.user),
        **extra,
    }


@login_required
def today(request):
    return render(request, "logbook/today.html", _today_context(request))


def _today_response(request, status=200, **extra):
    # htmx swaps only the panel; a plain form post gets the whole page by redirect.
    if request.htmx:
        return render(request, "logbook/_today_panel.html", _today_context(request, **extra), status=status)
    if status != 200:
        return render(request, "logbook/today.html", _today_context(request, **extra), status=status)
    return redirect("today")


@login_required
@require_POST
def drink_log(request):
    user = request.user
    if "preset" in request.POST:
        try:
            preset = presets_of(user)[int(request.POST["preset"])]
        except (ValueError, IndexError):
            raise Http404 from None
        fields = {
            "volume_ml": preset["volume_ml"],
            "beverage": preset.get("beverage") or Beverage.WATER,
            "taken_at": timezone.now(),
        }
        form = None
    elif "repeat" in request.POST:
        # "Again" on a recent drink: the same volume and beverage as one of the user's entries, now.
        try:
            pk = int(request.POST["repeat"])
        except ValueError:
            raise Http404 from None
        previous = selectors.entry_get(user=user, kind="intake", pk=pk)
        fields = {"volume_ml": previous.volume_ml, "beverage": previous.beverage, "taken_at": timezone.now()}
        form = None
    else:
        form = QuickDrinkForm(request.POST, user=user)
        if not form.is_valid():
            return _today_response(request, status=400, drink_form=form)
        fields = form.service_fields()
    try:
        intake = services.intake_log(user=user, **fields)
    except ValidationError as error:
        if form is None:  # a preset or old entry saved before the rules changed
            messages.error(request, " ".join(error.messages))
            return _today_response(request, status=400)
        add_service_errors(form, error, rename=QuickDrinkForm.rename)
        return _today_response(request, status=400, drink_form=form)
    _remember_for_undo(request, "intake", intake)
    messages.success(
        request, f"Logged {units.format_volume(intake.volume_ml, user)} of {intake.get_beverage_display().lower()}."
    )
    return _today_response(request)


@login_required
@require_POST
def medication_took(request, pk):
    """One tap on Today: a dose of an every-day medicine, now."""
    medication = get_object_or_404(Medication.objects.for_user(request.user), pk=pk)
    dose = services.dose_log(user=request.user, medication=medication, taken_at=timezone.now())
    _remember_for_undo(request, "dose", dose)
    messages.success(request, f"Logged: took {medication.name}.")
    if medication.safety_note:
        messages.warning(request, medication.safety_note)
    return _today_response(request)


@login_required
def cramp(request):
    """The quick logger: when, woke me, side, muscle, duration, and a severity button
    that saves. "Now, calf, 6" is two or three taps; last night's cramp four or five."""
    user = request.user
    now = timezone.now()
    presets = quick_cramp_presets(user=user, now=now)
    if request.method == "POST":
        form = QuickCrampForm(request.POST, user=user, now=now)
        if form.is_valid():
            try:
                episode = services.episode_log(user=user, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error, rename=QuickCrampForm.rename)
            else:
                _remember_for_undo(request, "episode", episode)
                messages.success(request, _cramp_logged_message(episode, user))
                return redirect("today")
    else:
        last = selectors.KINDS["episode"].objects.for_user(user).values_list("muscle", "side").first()
        muscle, side = last or (Muscle.CALF, Side.NONE)
        form = QuickCrampForm(
            user=user,
            now=now,
            initial={
                "muscle": muscle,
                "side": side,
                "when": "now",
                "at_time": presets["last_night"],
                "woke": presets["now_is_night"],
                "duration": "short",
            },
        )
    return render(
        request,
        "logbook/cramp.html",
        {"form": form, "severities": range(11), "presets": presets},
        status=400 if form.errors else 200,
    )


def _cramp_logged_message(episode, user) -> str:
    local = timezone.localtime(episode.started_at, user.zone)
    what = f"{episode.get_side_display().lower()} " if episode.side in (Side.LEFT, Side.RIGHT) else ""
    night = " (a night cramp)" if episode.at_night else ""
    # A time alone means today: an earlier day is named ("at 03:00 on Monday 9 November").
    today = timezone.localtime(timezone.now(), user.zone).date()
    on_day = "" if local.date() == today else f" on {human.day_name(local.date())}"
    return (
        f"Cramp logged: {what}{episode.get_muscle_display().lower()}, severity {episode.severity}, "
        f"at {local:%H:%M}{on_day}{night}."
    )


@login_required
def entry_new(request, kind):
    if kind not in ENTRY_FORMS:
        raise Http404
    # A link may preselect fields, e.g. "log a dose" of one medication.
    initial = {k: v for k, v in request.GET.items() if k in ENTRY_FORMS[kind].base_fields}
    return _entry_form_page(request, kind, initial=initial)


@login_required
def entry_edit(request, kind, pk):
    entry = selectors.entry_get(user=request.user, kind=kind, pk=pk)
    return _entry_form_page(request, kind, entry=entry)


def _entry_form_page(request, kind, *, entry=None, initial=None):
    """The full form for a new entry (`entry` None) or an existing one: validate, save
    through the logbook service, and show service errors next to their fields."""
    is_new = entry is None
    form = ENTRY_FORMS[kind](request.POST or None, instance=entry, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if is_new:
                entry = LOG[kind](user=request.user, **form.service_fields())
                _remember_for_undo(request, kind, entry)
            else:
                services.entry_update(entry=entry, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error, rename=getattr(form, "rename", None))
        else:
            done, after = ("Logged", "today") if is_new else ("Saved", "history")
            messages.success(request, f"{done} the {ENTRY_TITLES[kind]}.")
            if kind == "episode":
                _announce_red_flag(request, entry.symptoms)
            if kind == "dose" and entry.medication.safety_note:
                messages.warning(request, entry.medication.safety_note)
            return redirect(_next_url(request, reverse(after)))
    title = f"Log {ENTRY_ARTICLES[kind]} {ENTRY_TITLES[kind]}" if is_new else f"Edit the {ENTRY_TITLES[kind]}"
    context = {"form": form, "kind": kind, "title": title}
    context.update({"is_new": True} if is_new else {"entry": entry})
    return render(request, "logbook/entry_form.html", context, status=400 if form.errors else 200)


@login_required
def entry_delete(request, kind, pk):
    """GET asks for confirmation; POST deletes. Today's "undo" posts here directly."""
    entry = selectors.entry_get(user=request.user, kind=kind, pk=pk)
    if request.method == "POST":
        kept = services.entry_delete(entry=entry)
        # Undo is spent; the entry can still be restored from Today or History.
        request.session.pop(UNDO_SESSION_KEY, None)
        request.session[RESTORE_SESSION_KEY] = kept.pk
        messages.success(request, f"Deleted the {ENTRY_TITLES[kind]}. You can restore it for {_days(kept)}.")
        if request.htmx and request.POST.get("from") == "today":
            return _today_response(request)
        return redirect(_next_url(request, reverse("history")))
    return render(
        request,
        "logbook/entry_confirm_delete.html",
        {"entry": selectors.Entry(kind, entry), "title": ENTRY_TITLES[kind], "next": _next_url(request, "")},
    )


def _days(kept) -> str:
    n = kept.KEEP_FOR_DAYS
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


@login_required
@require_POST
def entry_restore(request, pk):
    deleted = get_object_or_404(services.deleted_entries(user=request.user), pk=pk)
    title = deleted.title
    try:
        services.entry_restore(deleted=deleted)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        request.session.pop(RESTORE_SESSION_KEY, None)
        messages.success(request, f"Restored the {title}.")
    if request.htmx and request.POST.get("from") == "today":
        return _today_response(request)
    return redirect(_next_url(request, reverse("history")))


@login_required
def checkin(request):
    user = request.user
    today = selectors.today_of(user)
    day = _parse_day(request.GET.get("day")) or selectors.checkin_due_day(user=user)
    if day > today:
        raise Http404
    existing = selectors.checkin_for(user=user, day=day)
    previous = selectors.checkin_for(user=user, day=day - dt.timedelta(days=1))
    # Only on request: a silent copy would manufacture day-to-day persistence in the statistics.
    copied = request.method == "GET" and request.GET.get("same") == "1" and previous is not None
    initial = CheckInForm.initial_from(previous) if copied else {}
    cramps_logged = selectors.cramps_on(user=user, day=day)
    if cramps_logged and (existing is None or existing.no_cramps is None):
        initial["cramps"] = "yes"  # the diary answers it: one tap fewer in the morning
    form = CheckInForm(request.POST or None, instance=existing, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.checkin_save(user=user, checkin=existing, day=day, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error, rename=CheckInForm.rename)
        else:
            messages.success(request, f"Check-in for {day:%A %-d %B} saved.")
            _announce_red_flag(request, saved.red_flags)
            return redirect("today")
    return render(
        request,
        "logbook/checkin.html",
        {
            "form": form,
            "day": day,
            "today": today,
            "is_today": day == today,
            "is_yesterday": day == today - dt.timedelta(days=1),
            "existing": existing,
            "previous": previous,
            "copied": copied,
            "cramps_logged": cramps_logged,
        },
        status=400 if form.errors else 200,
    )


# Days outside these years are typing mistakes; year 1 overflowed the day-before arithmetic.
EARLIEST_DAY, LATEST_DAY = dt.date(1900, 1, 1), dt.date(9999, 12, 1)


def _parse_day(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or EARLIEST_DAY <= day <= LATEST_DAY else None


@login_required
def history(request):
    user = request.user
    today = selectors.today_of(user)
    end = _parse_day(request.GET.get("to")) or today
    start = _parse_day(request.GET.get("from")) or end - dt.timedelta(days=HISTORY_DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    # A bounded range keeps the page one screenful of queries and rows.
    start = max(start, end - dt.timedelta(days=HISTORY_MAX_DAYS - 1))
    types = [t for t in request.GET.getlist("type") if t in selectors.KINDS or t == "checkin"]
    days = selectors.history_days(user=user, start=start, end=end, kinds=types or None)
    earlier = start - dt.timedelta(days=1)
    return render(
        request,
        "logbook/history.html",
        {
            "days": days,
            "start": start,
            "end": end,
            "types": types,
            "type_choices": [*selectors.KIND_LABELS.items(), ("checkin", "Check-ins")],
            "earlier": {"from": earlier - (end - start), "to": earlier},
            "deleted": services.deleted_entries(user=user)[:20],
            "missing_checkins": selectors.days_without_checkin(user=user),
        },
    )
