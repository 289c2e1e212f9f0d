"""What the weekly charts show, in words, for the email (its text part has no image,
and the HTML part's image needs a description). The same sentences as the page's."""

from django import template

from tracker.reports import charts

register = template.Library()


@register.simple_tag
def week_chart_words(report: dict, user=None) -> list[str]:
    days = report.get("days") or []
    if not days:
        return []
    return [
        charts.fluid_chart(
            days=days, goal_ml=report["hydration"]["goal_ml"], us=getattr(user, "units", "metric") == "us"
        ).summary,
        charts.severity_chart(days=days).summary,
    ]
