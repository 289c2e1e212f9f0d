"""Report pages: the weekly report, the factor analysis, the print view for a doctor,
and their charts (SVG images, so the pages carry no inline script or style)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tracker.reports import charts, selectors, services
from tracker.reports.forms import DateRangeForm, WeeksForm
from tracker.reports.registry import context_items
from tracker.reports.weeks import user_today, week_label, week_resolve

PRINT_DEFAULT_DAYS = 28


def _bad_request(request, message: str):
    return render(request, "reports/error.html", {"error": message}, status=400)


def _svg(image: bytes) -> HttpResponse:
    response = HttpResponse(image, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def weekly(request):
    try:
        week_start = week_resolve(user=request.user, label=request.GET.get("week"))
    except ValueError as error:
        return _bad_request(request, str(error))
    snapshot = services.weekly_snapshot_get(user=request.user, week_start=week_start)
    report = services.weekly_report_json(snapshot=snapshot)
    starts_on = request.user.week_starts_on
    next_start = week_start + dt.timedelta(days=7)
    context = {
        "report": report,
        "chart_url": reverse("reports-weekly-chart") + f"?week={report['week']}",
        "csv_url": reverse("api-reports-weekly-csv") + f"?week={report['week']}",
        "json_url": reverse("api-reports-weekly") + f"?week={report['week']}",
        "print_url": reverse("reports-print") + f"?start={report['starts_on']}&end={report['ends_on']}",
        "previous_week": week_label(week_start - dt.timedelta(days=7), starts_on),
        "next_week": week_label(next_start, starts_on) if next_start <= user_today(request.user) else None,
        "linked": [r for r in report["factors"] if r["evidence"] in ("strong", "moderate", "weak")],
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
    return _svg(charts.weekly_chart(snapshot.data, fmt="svg"))


@login_required
@require_GET
def factors(request):
    form = WeeksForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, "Choose between 2 and 52 weeks.")
    weeks = form.cleaned_data["weeks"] or 12
    report = selectors.factors_report(user=request.user, weeks=weeks)
    return render(
        request,
        "reports/factors.html",
        {"report": report, "weeks": weeks, "context_items": context_items(user=request.user)},
    )


def _print_range(request) -> tuple[DateRangeForm, dt.date | None, dt.date | None]:
    today = user_today(request.user)
    data = request.GET.copy()
    data.setdefault("end", today.isoformat())
    data.setdefault("start", (today - dt.timedelta(days=PRINT_DEFAULT_DAYS - 1)).isoformat())
    form = DateRangeForm(data)
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["start"], form.cleaned_data["end"]


@login_required
@require_GET
def print_view(request):
    form, start, end = _print_range(request)
    if start is None:
        return render(request, "reports/print.html", {"form": form}, status=400)
    report = selectors.print_report(user=request.user, start=start, end=end)
    chart_url = reverse("reports-print-chart") + f"?start={start.isoformat()}&end={end.isoformat()}"
    return render(
        request,
        "reports/print.html",
        {
            "form": form,
            "report": report,
            "chart_url": chart_url,
            "context_items": context_items(user=request.user),
            "linked": [r for r in report["factors"]["results"] if r["evidence"] != "insufficient"],
        },
    )


@login_required
@require_GET
def print_chart(request):
    _form, start, end = _print_range(request)
    if start is None:
        return HttpResponse("Choose a valid date range.", status=400, content_type="text/plain")
    series = selectors.daily_series(user=request.user, start=start, end=end)
    data = {"goal_ml": series.goal_ml, "days": [d.as_json() for d in series.days]}
    return _svg(charts.weekly_chart(data, fmt="svg"))
