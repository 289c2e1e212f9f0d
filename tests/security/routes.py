"""Every URL pattern of the project, found by walking the resolver, and the registry
that says how to fill each one's kwargs with the owner's objects.

A route whose kwargs the registry cannot fill makes the access test fail with a message
naming the entry to add, so a new page or endpoint cannot slip past the checks.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator

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
