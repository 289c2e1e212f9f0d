"""The Jinja2 environment of the site's own templates (templates/, Django's Jinja2
backend; the admin's and the API browser's templates stay on Django's engine).

Jinja2 compiles a template to Python once; Django's engine walks a node tree on every
render, and on the Today page that walk was most of the request (issue 14). What the
templates need from Django is here: `url()`, `static()`, the filters the pages use, and
each app's own helpers (its `templating` module: `FILTERS` and `GLOBALS`).

Kept from Django's engine: autoescaping (SafeString passes through, it has `__html__`);
a missing variable or attribute renders as nothing (ChainableUndefined); `date` and
`clock` show an aware datetime in the current timezone, which UserTimezoneMiddleware
sets to the user's."""

import datetime as dt
import functools
from decimal import Decimal
from importlib import import_module

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.template import defaultfilters
from django.template.backends.utils import csrf_input
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import formats, timezone
from django.utils.functional import SimpleLazyObject
from jinja2 import ChainableUndefined, Environment

APP_HELPERS = (
    "tracker.logbook.templating",
    "tracker.experiments.templating",
    "tracker.pwa.templating",
    "tracker.reports.templating",
)


def site_url() -> str:
    """The site's address, for links in email."""
    return settings.SITE_URL


@functools.lru_cache(maxsize=4096)
def _reverse(prefix: str, name: str, args: tuple) -> str:
    return reverse(name, args=args)


def url(name: str, *args) -> str:
    """{{ url('entry-edit', 'intake', 3) }}. Remembered per script prefix: a page links the
    same few routes many times, and Django works each out anew. (The project sets no
    per-request URLconf; a test that swaps ROOT_URLCONF empties the memory, below.)"""
    return _reverse(get_script_prefix(), name, args)


@functools.lru_cache(maxsize=1024)
def static_url(path: str) -> str:
    """{{ static('css/app.css') }}: Django's `static`, remembered (the manifest does not
    change while the process runs; a page asks for a dozen)."""
    return static(path)


@receiver(setting_changed)
def _forget_urls(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
    if setting in ("STATIC_URL", "STORAGES", "DEBUG"):
        static_url.cache_clear()


@functools.cache
def _labels(model, field_name: str) -> dict:
    return dict(model._meta.get_field(field_name).flatchoices)


def label(row, field_name: str):
    """{{ label(intake, "beverage") }}: what `intake.get_beverage_display()` gives, without
    rebuilding the field's choices on every call (Today shows a dozen entries)."""
    value = getattr(row, field_name)
    return _labels(type(row), field_name).get(value, value)


def csrf(request) -> dict:
    """A context processor. Django's Jinja2 backend gives `csrf_input` as a lazy string
    that draws a new mask of the token at every use (six forms on Today: six draws);
    here it is drawn once per page, as Django's own engine does."""
    return {
        "csrf_input": SimpleLazyObject(lambda: csrf_input(request)),
        "csrf_token": SimpleLazyObject(lambda: get_token(request)),
    }


def date(value, arg=None):
    """{{ cramp.started_at|date("l j F") }}: Django's date formats, in the current zone."""
    return defaultfilters.date(timezone.template_localtime(value), arg)


def clock(value) -> str:
    """{{ entry.at|clock }}: "07:04" in the current zone (a time of day as it is): what
    Django's `time:"H:i"` gives, at a quarter of the cost (Today shows a dozen)."""
    return timezone.localtime(value).strftime("%H:%M") if isinstance(value, dt.datetime) else value.strftime("%H:%M")


def default_if_none(value, arg):
    return arg if value is None else value


def linebreaksbr(value):
    return defaultfilters.linebreaksbr(value, autoescape=True)


FILTERS = {
    "date": date,
    "clock": clock,
    "default_if_none": default_if_none,
    "pluralize": defaultfilters.pluralize,
    "yesno": defaultfilters.yesno,
    "capfirst": defaultfilters.capfirst,
    "linebreaksbr": linebreaksbr,
    "cut": defaultfilters.cut,
    "floatformat": defaultfilters.floatformat,
}


def printed(value):
    """Every `{{ }}` goes through this (Jinja's finalize): a number prints as Django's engine
    printed it, localised — a p value of 0.0000811, not Python's 8.11e-05."""
    return formats.localize(value) if isinstance(value, float | Decimal) else value


def environment(**options) -> Environment:
    options["undefined"] = ChainableUndefined
    options["finalize"] = printed
    options.pop("autoescape", None)  # always on, whatever OPTIONS say
    env = Environment(autoescape=True, **options)
    env.globals.update(url=url, static=static_url, site_url=site_url, label=label)
    env.filters.update(FILTERS)
    for path in APP_HELPERS:
        helpers = import_module(path)
        env.filters.update(getattr(helpers, "FILTERS", {}))
        env.globals.update(getattr(helpers, "GLOBALS", {}))
    return env
