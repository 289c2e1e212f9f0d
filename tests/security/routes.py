"""Every URL pattern of the project, found by walking the resolver, and the registry
that says how to fill each one's kwargs with the owner's objects.

A route whose kwargs the registry cannot fill makes the access test fail with a message
naming the entry to add, so a new page or endpoint cannot slip past the checks.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC_ROUTES = {
    # Pages anyone may open: signing in or up and recovering an account.
    "login",
    "logout",
    "signup",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "verify-email",
    # The API's own sign-up and token endpoints, and its public description.
    "api-register",
    "api-token",
    "api-password-reset",
    "api-schema",
    "api-docs",
    # Served to browsers before login: the installable app's manifest, service worker
    # and offline page (none shows any user's data).
    "service-worker",
    # The load balancer's health check (no data).
    "healthz",
    "web-manifest",
    "offline",
    # The admin's own login and logout.
    "admin:login",
    "admin:logout",
}

# Nameless catch-alls, by pattern: the API's JSON 404 for unknown paths.
PUBLIC_PATTERNS = {"^api/"}

# Routes whose URL itself is the credential (a signed one-tap link): whoever holds it
# acts for the owner, so "nobody else changes anything" does not apply to them; the
# tests of those links check that a tampered or expired link is refused.
CAPABILITY_ROUTES = {"verify-email", "reminders-action", "reminders-unsubscribe"}


@dataclasses.dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "episode-detail" or "admin:index"
    pattern: str  # the full pattern text, for messages and test ids
    kwargs: tuple[str, ...]
    callback: Callable

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)


def _walk(patterns, prefix: str, namespace: str, outer_kwargs: tuple[str, ...]) -> Iterator[Route]:
    for entry in patterns:
        kwargs = outer_kwargs + tuple(k for k in entry.pattern.regex.groupindex if k not in outer_kwargs)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), child_ns, kwargs)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(name=name, pattern=prefix + str(entry.pattern), kwargs=kwargs, callback=entry.callback)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", "", ()))


def model_of(route: Route):
    """The model a view serves, read from the view class (DRF viewsets and Django
    generic views say it); None when the view does not say."""
    if route.name in ROUTE_MODELS:
        return apps.get_model(ROUTE_MODELS[route.name])
    cls = route.view_class
    if cls is None:
        return None
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    model = getattr(cls, "model", None)
    if model is not None:
        return model
    serializer = getattr(cls, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    if meta is not None and getattr(meta, "model", None) is not None:
        return meta.model
    return None


# For views that do not name their model (function views): URL name -> model path.
ROUTE_MODELS: dict[str, str] = {
    "medication-edit": "accounts.Medication",
    "medication-stop": "accounts.Medication",
    "token-revoke": "accounts.ApiToken",
    "experiment-detail": "experiments.Experiment",
    "experiment-stop": "experiments.Experiment",
    "medication-took": "accounts.Medication",
    "entry-restore": "logbook.DeletedEntry",
}

# For kwargs that are not an object's id: URL name -> builder(owner, objects) -> kwargs.
# `objects` maps each owned model to the owner's planted row.
ROUTE_KWARGS: dict[str, Callable] = {}


def _verify_token(owner, objects):
    from accounts.services import email_verification_token

    return {"token": email_verification_token(user=owner)}


def _week(owner, objects):
    from tracker.diary import diary_day

    year, week, _ = diary_day(dt.datetime.now(dt.UTC), owner.zone, owner.day_starts_at).isocalendar()
    return {"week": f"{year}-W{week:02d}"}


def _action(owner, objects):
    from reminders.links import action_token

    slot = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return {"action": "drink", "token": action_token(user_id=owner.pk, slot=slot, action="drink")}


def _unsubscribe(owner, objects):
    from reminders.links import unsubscribe_url

    return {"token": unsubscribe_url(user_id=owner.pk).rstrip("/").rsplit("/", 1)[-1]}


def _entry(owner, objects):
    from tracker.logbook.models import Episode

    return {"kind": "episode", "pk": objects[Episode].pk}


ROUTE_KWARGS["verify-email"] = _verify_token
ROUTE_KWARGS["reminders-action"] = _action
ROUTE_KWARGS["reminders-unsubscribe"] = _unsubscribe
ROUTE_KWARGS["entry-new"] = lambda owner, objects: {"kind": "episode"}
ROUTE_KWARGS["welcome-step"] = lambda owner, objects: {"step": "reminders"}
ROUTE_KWARGS["entry-edit"] = _entry
ROUTE_KWARGS["entry-delete"] = _entry
ROUTE_KWARGS["password_reset_confirm"] = lambda owner, objects: {"uidb64": "MQ", "token": "set-password"}
for _name in ("weekly-report", "weekly-report-csv", "weekly-report-print", "report-weekly", "report-week"):
    ROUTE_KWARGS[_name] = _week

OBJECT_KWARGS = {"pk", "id", "object_id"}


class RegistryMissing(Exception):
    pass


def url_for(route: Route, owner, objects: dict) -> str:
    """The route's URL filled with the owner's objects."""
    if route.is_admin:
        return _admin_url(route)
    kwargs = {}
    if route.name in ROUTE_KWARGS:
        kwargs = dict(ROUTE_KWARGS[route.name](owner, objects))
    missing = [k for k in route.kwargs if k not in kwargs and k != "format"]
    if missing:
        model = model_of(route)
        if model is None or not set(missing) <= OBJECT_KWARGS:
            raise RegistryMissing(
                f"{route.pattern} (name {route.name!r}) has kwargs {missing} that tests/security/routes.py "
                "cannot fill: add its model to ROUTE_MODELS or a builder to ROUTE_KWARGS."
            )
        if model not in objects:
            raise RegistryMissing(
                f"{route.pattern} serves {model.__name__}, which has no factory: add one to "
                "OWNED_FACTORIES in tests/security/test_access.py."
            )
        for k in missing:
            kwargs[k] = objects[model].pk
    if "format" in route.kwargs:
        kwargs["format"] = "json"
    if not route.name and route.pattern in PUBLIC_PATTERNS:
        return "/" + route.pattern.lstrip("^") + "no-such-thing/"
    if not route.name:
        raise RegistryMissing(f"{route.pattern} has no URL name: name it so the access test can reach it.")
    return reverse(route.name, kwargs=kwargs)


def _admin_url(route: Route) -> str:
    """Admin routes need no real object: anyone but staff is sent to the admin login
    before the view runs. Nameless ones (the catch-all, the object redirect) are
    filled in from their pattern text."""
    app_label = next(iter(sorted({m._meta.app_label for m in admin.site._registry})), "auth")
    if route.name:
        kwargs = {k: app_label if k == "app_label" else "1" for k in route.kwargs}
        return reverse(route.name, kwargs=kwargs)
    text = re.sub(r"<[^>]+>", "1", route.pattern)
    text = text.replace("(?P<url>.*)$", "nothing/")
    return "/" + text.replace("^", "").replace("$", "")


def login_url() -> str:
    return reverse(settings.LOGIN_URL)


# Writes with real bodies -------------------------------------------------------------
#
# An empty body is refused before a view gets to the object (400, or an unbound form
# shown again), so a cross-user write sent as `{}` would look safe even with the owner
# check gone. The walk sends these bodies, valid for the owner, as the other user too:
# with broken scoping they would change the owner's data. The owner then sends them
# herself, and each must be accepted, so the body is known to be a real write.


def _ago(minutes: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


def _model(path: str):
    return apps.get_model(path)


def _plan(owner, objects):
    return {
        "enabled": True,
        "window_start": "07:30",
        "window_end": "21:30",
        "interval_minutes": 90,
        "channels": ["in_app"],
        "webhook_url": "",
        "quiet_days": [6],
        "snoozed_until": None,
    }


def _push(owner, objects):
    endpoint = objects[_model("reminders.PushSubscription")].endpoint
    return {"endpoint": endpoint, "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}


# URL name -> builder(owner, objects) -> JSON body, sent with POST, PUT, PATCH (and DELETE
# where the endpoint reads a body).
API_BODIES: dict[str, Callable] = {
    "api-me": lambda o, objs: {"week_starts_on": "sunday", "day_starts_at": "05:00"},
    "api-password-change": lambda o, objs: {
        "current_password": "correct horse battery staple",
        "new_password": "another long passphrase 9",
    },
    "medication-list": lambda o, objs: {"name": "Magnesium citrate", "drug_class": "diuretic"},
    "medication-detail": lambda o, objs: {"name": "Renamed by the walk", "drug_class": "statin"},
    "token-list": lambda o, objs: {"name": "walk token"},
    "episode-list": lambda o, objs: {"started_at": _ago(90), "duration_seconds": 60, "muscle": "calf", "severity": 4},
    "episode-detail": lambda o, objs: {
        "started_at": _ago(95),
        "duration_seconds": 120,
        "muscle": "foot",
        "severity": 2,
        "notes": "changed by the walk",
    },
    "intake-list": lambda o, objs: {"taken_at": _ago(30), "volume_ml": 330},
    "intake-detail": lambda o, objs: {"taken_at": _ago(35), "volume_ml": 444, "beverage": "tea"},
    "activity-list": lambda o, objs: {
        "started_at": _ago(200),
        "duration_minutes": 45,
        "kind": "walking",
        "intensity": "moderate",
    },
    "activity-detail": lambda o, objs: {
        "started_at": _ago(210),
        "duration_minutes": 50,
        "kind": "cycling",
        "intensity": "light",
    },
    # The medication named is alice's: bob's dose naming it must be refused (below).
    "dose-list": lambda o, objs: {"taken_at": _ago(20), "medication": objs[_model("accounts.Medication")].pk},
    "dose-detail": lambda o, objs: {"taken_at": _ago(25), "medication": objs[_model("accounts.Medication")].pk},
    "checkin-list": lambda o, objs: {"day": str(dt.date.today() - dt.timedelta(days=4)), "sitting_hours": 6.5},
    "checkin-detail": lambda o, objs: {"day": str(dt.date.today() - dt.timedelta(days=5)), "sitting_hours": 2.5},
    "api-reminder-plan": _plan,
    "api-push-subscription": _push,
    "notification-detail": lambda o, objs: {"read": True},
    "experiment-api-list": lambda o, objs: {"intervention": "custom", "label": "walk experiment", "block_days": 7},
    # A day of the first on/off block, after the 14-day run-in (test_access plants the
    # experiment 20 days back).
    "experiment-api-adherence": lambda o, objs: {
        "day": str(objs[_model("experiments.Experiment")].starts_on + dt.timedelta(days=15)),
        "followed": False,
    },
    # The deliberately broken API of leaky_urls.py.
    "leaky-detail": lambda o, objs: {"notes": "changed by bob", "severity": 1},
}

# URL name -> builder(owner, objects) -> form fields, laid over the fields of the page's
# own form as the owner sees it (edit forms come filled in; these add what a person would
# type or pick in a new one).
WEB_FIELDS: dict[str, Callable] = {
    "medications": lambda o, objs: {"name": "Magnesium citrate", "drug_class": "diuretic"},
    "medication-edit": lambda o, objs: {"name": "Renamed by the walk"},
    "tokens": lambda o, objs: {"name": "walk token"},
    "password-change": lambda o, objs: {
        "old_password": "correct horse battery staple",
        "new_password1": "another long passphrase 9",
        "new_password2": "another long passphrase 9",
    },
    "account-delete": lambda o, objs: {"password": "correct horse battery staple"},
    "timezone-update": lambda o, objs: {"timezone": "Asia/Tokyo"},
    # "Again" on one of alice's drinks: bob naming it must get a 404 (below).
    "drink-log": lambda o, objs: {"repeat": objs[_model("logbook.Intake")].pk},
    "cramp": lambda o, objs: {"when": "now", "muscle": "calf", "duration": "short", "severity": "4", "side": "none"},
    "entry-new": lambda o, objs: {"muscle": "calf", "severity": "4", "duration_seconds": "60", "side": "none"},
    "entry-edit": lambda o, objs: {"notes": "changed by the walk", "severity": "2"},
    "checkin": lambda o, objs: {"cramps": "yes", "sitting_hours": "6"},
    "reminders-snooze": lambda o, objs: {"for": "hour"},
    "experiment-adherence": lambda o, objs: {"followed": "no"},
    "experiments": lambda o, objs: {
        "intervention": "custom",
        "label": "walk experiment",
        "block_days": "7",
        "pairs": "3",
        "run_in_days": "14",
        "washout_days": "2",
        "starts_on": str(dt.date.today() + dt.timedelta(days=1)),
    },
}

# Writes naming the owner's object in the body rather than the URL: the other user's
# must be refused with this status (and change nothing, as every write).
FOREIGN_WRITES = {"dose-list": 400, "drink-log": 404}

# Writes the owner does not replay: the first would end her account; she already runs an
# experiment (one at a time), so bob's own new experiment shows those bodies are valid.
NOT_REPLAYED = {"account-delete", "experiments", "experiment-api-list"}


class _FormParser(HTMLParser):
    """The fields of each `<form method="post">` on a page, as a browser would send them
    unchanged: text and hidden inputs, checked boxes and radios, selected options."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self._fields: dict | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
        elif self._fields is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"), many=kind == "checkbox")
                return
            self._add(a["name"], a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._add(self._select, value, many=True)
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea and self._fields is not None:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select:
            if self._select not in self._fields and self._first_option is not None:
                self._fields[self._select] = self._first_option
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _add(self, name, value, many=False):
        if many and name in self._fields:
            old = self._fields[name]
            self._fields[name] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            self._fields[name] = value


def page_form(html: str, path: str) -> dict:
    """The fields of the page's post form that submits to `path` (or to itself)."""
    parser = _FormParser()
    parser.feed(html)
    for action, fields in parser.forms:
        if action in ("", path):
            fields.pop("csrfmiddlewaretoken", None)
            return fields
    return {}
