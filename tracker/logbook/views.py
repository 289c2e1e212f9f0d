"""Logbook pages. Each view reads through selectors, writes through one service
call, and redirects (or, for htmx, returns the part of the page that changed)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracker.logbook import selectors, services, units
from tracker.logbook.advice import red_flag_message
from tracker.logbook.forms import (
    ENTRY_FORMS,
    CheckInForm,
    QuickCrampForm,
    QuickDrinkForm,
    add_service_errors,
)
from tracker.logbook.models import Beverage, Muscle

LOG = {
    "episode": services.episode_log,
    "intake": services.intake_log,
    "activity": services.activity_log,
    "dose": services.dose_log,
}
ENTRY_TITLES = {"episode": "cramp", "intake": "drink", "activity": "activity", "dose": "medication dose"}
DEFAULT_PRESETS = [
    {"label": "Glass", "volume_ml": 250, "beverage": "water"},
    {"label": "Bottle", "volume_ml": 500, "beverage": "water"},
    {"label": "Mug of tea", "volume_ml": 300, "beverage": "tea"},
]
HISTORY_DEFAULT_DAYS = 14
HISTORY_MAX_DAYS = 366


def presets_of(user) -> list[dict]:
    return user.drink_presets or DEFAULT_PRESETS


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _announce_red_flag(request, episode) -> None:
    message = red_flag_message(episode.symptoms, pregnant=request.user.is_pregnant)
    if message:
        messages.error(request, message, extra_tags="red-flag")


def _today_context(request, **extra) -> dict:
    summary = selectors.today_summary(user=request.user)
    beverage_labels = dict(Beverage.choices)
    presets = [
        {**p, "index": i, "beverage_label": beverage_labels.get(p.get("beverage"), "")}
        for i, p in enumerate(presets_of(request.user))
    ]
    covered = [(p["volume_ml"], p.get("beverage") or Beverage.WATER) for p in presets]
    recent = [
        {**r, "beverage_label": beverage_labels.get(r["beverage"], "")}
        for r in selectors.recent_drinks(user=request.user, exclude=covered)
    ]
    return {
        **summary,
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
    messages.success(
        request, f"Logged {units.format_volume(intake.volume_ml, user)} of {intake.get_beverage_display().lower()}."
    )
    return _today_response(request)


@login_required
def cramp(request):
    """Two taps: a muscle, then a severity button that submits (time now, 60 s)."""
    last = selectors.KINDS["episode"].objects.for_user(request.user).values_list("muscle", flat=True).first()
    if request.method == "POST":
        form = QuickCrampForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                episode = services.episode_log(
                    user=request.user, duration_seconds=60, started_at=timezone.now(), **form.service_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"Cramp logged: {episode.get_muscle_display().lower()}, severity {episode.severity}."
                )
                return redirect("today")
    else:
        form = QuickCrampForm(user=request.user, initial={"muscle": last or Muscle.CALF})
    return render(
        request,
        "logbook/cramp.html",
        {"form": form, "muscles": Muscle.choices, "severities": range(11), "selected": form["muscle"].value()},
        status=400 if form.errors else 200,
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
            else:
                services.entry_update(entry=entry, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error, rename=getattr(form, "rename", None))
        else:
            done, after = ("Logged", "today") if is_new else ("Saved", "history")
            messages.success(request, f"{done} the {ENTRY_TITLES[kind]}.")
            if kind == "episode":
                _announce_red_flag(request, entry)
            return redirect(_next_url(request, reverse(after)))
    title = f"Log a {ENTRY_TITLES[kind]}" if is_new else f"Edit the {ENTRY_TITLES[kind]}"
    context = {"form": form, "kind": kind, "title": title}
    context.update({"is_new": True} if is_new else {"entry": entry})
    return render(request, "logbook/entry_form.html", context, status=400 if form.errors else 200)


@login_required
def entry_delete(request, kind, pk):
    """GET asks for confirmation; POST deletes. Today's "undo" posts here directly."""
    entry = selectors.entry_get(user=request.user, kind=kind, pk=pk)
    if request.method == "POST":
        services.entry_delete(entry=entry)
        messages.success(request, f"Deleted the {ENTRY_TITLES[kind]}.")
        if request.htmx and request.POST.get("from") == "today":
            return _today_response(request)
        return redirect(_next_url(request, reverse("history")))
    return render(
        request,
        "logbook/entry_confirm_delete.html",
        {"entry": selectors.Entry(kind, entry), "title": ENTRY_TITLES[kind], "next": _next_url(request, "")},
    )


@login_required
def checkin(request):
    user = request.user
    today = selectors.today_of(user)
    day = _parse_day(request.GET.get("day")) or today
    if day > today:
        raise Http404
    existing = selectors.checkin_for(user=user, day=day)
    if existing is None:
        initial = CheckInForm.initial_from(selectors.checkin_for(user=user, day=day - dt.timedelta(days=1)))
    else:
        initial = {}
    form = CheckInForm(request.POST or None, instance=existing, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_save(user=user, checkin=existing, day=day, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Check-in for {day:%A %-d %B} saved.")
            return redirect("today")
    return render(
        request,
        "logbook/checkin.html",
        {"form": form, "day": day, "is_today": day == today, "existing": existing, "prefilled": bool(initial)},
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
        },
    )
