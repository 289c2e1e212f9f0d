"""Small panels other pages include with one line, so the experiment shows on Today,
the check-in, the weekly report, its email and the doctor's summary without those
pages knowing how experiments work."""

from django import template

from tracker.experiments import selectors

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


@register.inclusion_tag("experiments/_report_panel.html")
def experiment_report(user, start, end, absolute=""):
    """Experiments overlapping [start, end] with their result as of `end`. `absolute`
    is a site URL prefix for links in email."""
    if user is None or not getattr(user, "is_authenticated", False) or start is None or end is None:
        return {"rows": []}
    return {"rows": selectors.experiments_for_report(user=user, start=start, end=end), "absolute": absolute}
