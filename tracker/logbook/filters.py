"""`from`/`to` filters for the logbook lists: a date filters on the stored diary day,
an instant (with its UTC offset) on the row's own time. Both ends are inclusive."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field

from tracker.api import RFC3339_DATE, RFC3339_DATETIME
from tracker.logbook.models import CheckIn

DAY_OR_INSTANT_HELP = (
    "A diary day (YYYY-MM-DD) or an instant with a UTC offset (e.g. 2026-10-26T07:30:00+01:00); inclusive."
)


class DayOrInstantFormField(forms.CharField):
    def __init__(self, *args, dates_only: bool = False, **kwargs):
        self.dates_only = dates_only
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value is None:
            return None  # not given
        try:
            if RFC3339_DATE.match(value):
                return parse_date(value)
            match = None if self.dates_only else RFC3339_DATETIME.match(value)
            if match is None:
                raise ValidationError(
                    "Give a date as YYYY-MM-DD." if self.dates_only else "Give a date (YYYY-MM-DD) or an instant."
                )
            if match["offset"] is None:
                raise ValidationError("Include a UTC offset (for example 2026-10-26T07:30:00+01:00).")
            instant = parse_datetime(value.upper())
        except ValueError as error:
            raise ValidationError("Not a valid date.") from error
        if not dt.date(1900, 1, 2) <= instant.date() <= dt.date(9000, 1, 1):
            raise ValidationError("Give a date between the years 1900 and 9000.")
        return instant


DAY_SCHEMA = {"type": "string", "format": "date"}
DAY_OR_INSTANT_SCHEMA = {"oneOf": [DAY_SCHEMA, {"type": "string", "format": "date-time"}]}


class DayOrInstantFilter(django_filters.Filter):
    field_class = DayOrInstantFormField

    def __init__(self, *, instant_field: str | None, lookup: str, **kwargs):
        self.instant_field = instant_field
        self.bound = lookup
        kwargs.setdefault("help_text", DAY_OR_INSTANT_HELP if instant_field else "A diary day (YYYY-MM-DD); inclusive.")
        super().__init__(field_name="day", dates_only=instant_field is None, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        if isinstance(value, dt.datetime):
            return qs.filter(**{f"{self.instant_field}__{self.bound}": value})
        return qs.filter(**{f"day__{self.bound}": value})


def diary_filterset(model, instant_field: str | None) -> type[django_filters.FilterSet]:
    """A FilterSet with `from` and `to` (names Python cannot use as attributes)."""
    schema = extend_schema_field(DAY_OR_INSTANT_SCHEMA if instant_field else DAY_SCHEMA)
    attrs = {
        "from": schema(DayOrInstantFilter(instant_field=instant_field, lookup="gte")),
        "to": schema(DayOrInstantFilter(instant_field=instant_field, lookup="lte")),
        "Meta": type("Meta", (), {"model": model, "fields": []}),
    }
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), attrs)


CheckInFilter = diary_filterset(CheckIn, None)
