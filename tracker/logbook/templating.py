"""The logbook's template helpers (tracker/templating.py): volumes in the user's units.
An entry's words are a macro, templates/logbook/_entry.html."""

from django.urls import NoReverseMatch

from tracker.logbook import units
from tracker.templating import url


def volume(ml, user):
    """`{{ intake.volume_ml|volume(user) }}` -> "250 ml" or "8.5 fl oz"."""
    return units.format_volume(ml, user)


def volume_number(ml, user):
    value = units.ml_to_display(ml, user)
    return "" if value is None else value


def volume_unit(user):
    return units.volume_unit(user)


def url_if_exists(name):
    """The URL of a route another app may not have added yet, or ""."""
    try:
        return url(name)
    except NoReverseMatch:
        return ""


FILTERS = {"volume": volume, "volume_number": volume_number}
GLOBALS = {
    "volume_unit": volume_unit,
    "url_if_exists": url_if_exists,
}
