"""The logbook's template helpers (tracker/templating.py): volumes in the user's units.
An entry's words are a macro, templates/logbook/_entry.html."""

from django.urls import NoReverseMatch

from tracker.logbook import units
from tracker.templating import url


def volume(ml, user):
    """`{{ intake.volume_ml|volume(user) }}` -> "250 ml" or "8.5 fl oz"."""
    return units.format_volume(ml, user)


def url_if_exists(name):
    """The URL of a route another app may not have added yet, or ""."""
    try:
        return url(name)
    except NoReverseMatch:
        return ""


FILTERS = {"volume": volume}
GLOBALS = {
    "url_if_exists": url_if_exists,
}
