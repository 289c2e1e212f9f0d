"""Report pages: the weekly report, the factor analysis and the doctor's summary.
Charts are inlined as SVG (drawn at the size shown, see charts.py); the standalone
chart.svg routes serve the same charts stacked, for saving or embedding."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from tracker import human
from tracker.reports import charts, selectors, services, summary
from tracker.reports.forms import SummaryRangeForm, WeeksForm
from tracker.reports.registry import context_items
from tracker.reports.weeks import user_today, week_label, week_resolve

PRINT_DEFAULT_DAYS = 28


def _bad_request(request, message: str):
    return render(request, "reports/error.html", {"error": message}, status=400)


def _svg(image: str) -> HttpResponse:
    response = HttpResponse(image, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _figures(chart_list: list[charts.Chart], uid: str = "") -> list[dict]:
    # charts.svg escapes every text it writes; the rest is our own markup.
    return [{"chart": c, "svg": mark_safe(charts.svg(c, uid=uid))} for c in chart_list]


def _week_link(start: dt.date, starts_on: str) -> dict:
    return {
        "week": week_label(start, starts_on),
        "label": human.date_range(start, start + dt.timedelta(days=6)),
    }


@login_required
@require_GET
def weekly(request):
    label = request.GET.get("week")
    try:
        week_start = week_resolve(user=request.user, label=label)
    except ValueError as error:
        return _bad_request(request, str(error))
    if not label:
        # The page opens on the last complete week; the one under way is a tap away.
        week_start -= dt.timedelta(days=7)
    snapshot = services.weekly_snapshot_get(user=request.user, week_start=week_start)
    report = services.weekly_report_json(snapshot=snapshot)
    starts_on = request.user.week_starts_on
    next_start = week_start + dt.timedelta(days=7)
    week_end = week_start + dt.timedelta(days=6)
    context = {
        "report": report,
        "week_range": human.date_range(week_start, week_end),
        "updated": human.ago(snapshot.generated_at, timezone.now(), request.user.zone),
        "figures": _figures(summary.weekly_charts(user=request.user, report=report)),
        "csv_url": reverse("api-reports-weekly-csv") + f"?week={report['week']}",
        "json_url": reverse("api-reports-weekly") + f"?week={report['week']}",
        "print_url": reverse("reports-print") + f"?start={report['starts_on']}&end={report['ends_on']}",
        "previous_week": _week_link(week_start - dt.timedelta(days=7), starts_on),
        "next_week": _week_link(next_start, starts_on) if next_start <= user_today(request.user) else None,
        "linked": [r for r in report["factors"] if r["evidence"] in summary.LINKED],
    }
    return render(request, "reports/weekly.html", context)


@login_required
@require_GET
def weekly_chart(request):
    try:
        week_start = week_resolve(user=request.user, label=request.GET.get("week"))
    except ValueError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    snapshot = services.weekly_snapshot_get(user=request.user, week_start=week_start)
    report = services.weekly_report_json(snapshot=snapshot)
    return _svg(charts.svg(charts.stack(summary.weekly_charts(user=request.user, report=report))))


@login_required
@require_GET
def factors(request):
    form = WeeksForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, "Choose between 2 and 52 weeks.")
    weeks = form.cleaned_data["weeks"] or 12
    report = selectors.factors_report(user=request.user, weeks=weeks)
    window = report["window"]
    return render(
        request,
        "reports/factors.html",
        {
            "report": report,
            "weeks": weeks,
            "window_range": human.date_range(
                dt.date.fromisoformat(window["from"]), dt.date.fromisoformat(window["to"])
            ),
            "groups": summary.factor_groups(report["results"]),
            "context_items": context_items(user=request.user),
        },
    )


def _print_range(request) -> tuple[SummaryRangeForm, dt.date | None, dt.date | None]:
    today = user_today(request.user)
    data = request.GET.copy()
    data.setdefault("end", today.isoformat())
    data.setdefault("start", (today - dt.timedelta(days=PRINT_DEFAULT_DAYS - 1)).isoformat())
    form = SummaryRangeForm(data)
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["start"], form.cleaned_data["end"]


@login_required
@require_GET
def print_view(request):
    form, start, end = _print_range(request)
    if start is None:
        return render(request, "reports/print.html", {"form": form}, status=400)
    report = summary.doctor_summary(user=request.user, start=start, end=end)
    window = report["factors"]["window"]
    return render(
        request,
        "reports/print.html",
        {
            "form": form,
            "report": report,
            "range": human.date_range(start, end),
            "baseline_range": human.date_range(
                dt.date.fromisoformat(report["baseline"]["from"]), dt.date.fromisoformat(report["baseline"]["to"])
            ),
            "window_range": human.date_range(
                dt.date.fromisoformat(window["from"]), dt.date.fromisoformat(window["to"])
            ),
            "printed": human.moment(timezone.now(), request.user.zone),
            "figures": _figures(report["charts"], uid="-print"),
        },
    )


@login_required
@require_GET
def print_chart(request):
    _form, start, end = _print_range(request)
    if start is None:
        return HttpResponse("Choose a valid date range.", status=400, content_type="text/plain")
    report = summary.doctor_summary(user=request.user, start=start, end=end)
    return _svg(charts.svg(charts.stack(report["charts"])))
