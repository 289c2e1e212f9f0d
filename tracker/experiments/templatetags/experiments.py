"""Small panels other pages include with one line, so the experiment shows on Today,
the check-in, the weekly report, its email and the doctor's summary without those
pages knowing how experiments work."""

from django import template
from django.conf import settings

from tracker.experiments import selectors
from tracker.human import as_date

register = template.Library()


@register.inclusion_tag("experiments/_today_panel.html", takes_context=True)
def experiment_today(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current": None}
    return {
        "current": selectors.experiment_today(user=user),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }


def _report_context(user, start, end, absolute) -> dict:
    start, end = as_date(start), as_date(end)
    if user is None or not getattr(user, "is_authenticated", False) or start is None or end is None:
        return {"rows": []}
    return {
        "rows": selectors.experiments_for_report(user=user, start=start, end=end),
        # Links in email need the site's address.
        "absolute": settings.SITE_URL if absolute else "",
    }


@register.inclusion_tag("experiments/_report_panel.html")
def experiment_report(user, start, end, absolute=False):
    """Experiments overlapping [start, end] (dates or ISO strings), each with its
    result as of `end`: for the weekly page and email (HTML) and the print view."""
    return _report_context(user, start, end, absolute)


@register.inclusion_tag("experiments/_report_panel.txt")
def experiment_report_text(user, start, end):
    return _report_context(user, start, end, True)
