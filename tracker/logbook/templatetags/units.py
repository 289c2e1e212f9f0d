from django import template
from django.urls import NoReverseMatch, reverse

from tracker.logbook import units

register = template.Library()


@register.filter
def volume(ml, user):
    """`{{ intake.volume_ml|volume:user }}` -> "250 ml" or "8.5 fl oz"."""
    return units.format_volume(ml, user)


@register.filter
def volume_number(ml, user):
    value = units.ml_to_display(ml, user)
    return "" if value is None else value


@register.simple_tag
def volume_unit(user):
    return units.volume_unit(user)


@register.simple_tag
def url_if_exists(name):
    """The URL of a route another app may not have added yet, or ""."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def entry_text(context, entry):
    """`{% entry_text entry as text %}`: logbook/_entry_text.html rendered once for an
    entry that a line shows two or three times (visibly, and for screen readers in its
    Edit and Undo links), instead of an include each time."""
    template = context.template.engine.get_template("logbook/_entry_text.html")
    with context.push(entry=entry):
        return template.render(context)
