"""Middleware that every response passes through: no caching of health data, a clear
503 when the database is away, and a log line for each refused request."""

import functools
import logging
import sys

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, empty
from django.views import defaults

log = logging.getLogger("tracker.security")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# Public, identical for everyone, never health data: caches may keep them.
CACHEABLE_URL_NAMES = {"api-schema", "api-docs"}


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response that reaches Django.

    Static files never get here (WhiteNoise answers them first, with long cache
    lifetimes); everything else is a page or an API answer that may carry health
    data, and a shared or back-button cache must not keep it. Listing the few
    cacheable routes rather than the sensitive ones means a new page is safe by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name not in CACHEABLE_URL_NAMES:
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After. Renders without the request context, as the context
    processors would query the database that has just failed."""
    message = "The service is briefly unavailable. Nothing was saved; please try again in a moment."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that finds the database refusing connections answers 503, not 500.

    The services write inside transactions, so an error part-way leaves nothing half
    written; the connection is discarded at the end of the request and the next one
    reconnects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            log.error("database unavailable method=%s path=%s error=%s", request.method, request.path, type(exception))
            return database_unavailable(request)
        return None


def server_error(request):
    """handler500: the same 503 for a database error raised outside a view (in a
    middleware loading the session, say); Django's 500 page otherwise."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request)


def page_not_found(request, exception):
    """handler404: a URL under /api/ that matches no route (a malformed id, say) answers
    JSON like every other API error, not an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


class EmptyQueryParameterMiddleware:
    """An API query parameter given with no value (`?to=`) is a 400, not "no filter":
    a client that sends one has a bug it should hear about, and every documented
    parameter (a date, a week, a count, a cursor) has a non-empty form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Reads only: on other methods the view's own answer (a 405, say) comes first.
        if request.method in ("GET", "HEAD") and request.path.startswith("/api/v1/"):
            empty = sorted({name for name, value in request.GET.items() if value == ""})
            if empty:
                return JsonResponse({name: ["Give a value or leave the parameter out."] for name in empty}, status=400)
        return self.get_response(request)


class RefusalLogMiddleware:
    """Log each refused request (401, 403, 404 and axes' 429) with ids only: the user's
    id and the path without its query string. Request bodies and query strings may hold
    health data and are never logged."""

    REFUSALS = {401, 403, 404, 429}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in self.REFUSALS:
            user = getattr(request, "user", None)
            # request.user is lazy; read its id only if something already loaded it.
            if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
                user_id = None
            else:
                user_id = getattr(user, "pk", None)
            level = logging.INFO if response.status_code == 404 and user_id is None else logging.WARNING
            log.log(
                level,
                "refused status=%s method=%s path=%s user=%s",
                response.status_code,
                request.method,
                request.path,
                user_id if user_id is not None else "-",
            )
        return response


class UserTimezoneMiddleware:
    """Activate the signed-in user's zone for the whole request, so every page, htmx
    partial and message shows local times, not only what sits inside base.html's
    {% timezone %} block. API clients authenticated by token get ISO times with an
    offset, which need no active zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        try:
            zone = getattr(user, "zone", None) if user is not None and user.is_authenticated else None
        except DATABASE_ERRORS:
            # Loading the session or the user needs the database: answer as the views would.
            log.error("database unavailable method=%s path=%s (loading the user)", request.method, request.path)
            return database_unavailable(request)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# What a response may carry to change its policy (django-csp's decorators).
_CSP_CHANGES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


@functools.cache
def _fixed_policies() -> tuple[str, str]:
    # The policy and the report-only policy from the settings alone, with no nonce.
    return build_policy(), build_policy(report_only=True)


@receiver(setting_changed)
def _policy_setting_changed(*, setting, **_kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _fixed_policies.cache_clear()


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware; a response that no decorator changed and no nonce was
    drawn for gets the settings' policy built once per process, not twice per response.
    Anything else goes through django-csp's own path unchanged."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in _CSP_CHANGES):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # django-csp leaves the debug pages alone
        policy, report_only = _fixed_policies()
        for header, value, exempt, setting in (
            (HEADER, policy, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, report_only, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            excluded = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            applies = not getattr(response, exempt, False) and not request.path_info.startswith(excluded)
            if value and applies and header not in response:
                response[header] = value
        # As django-csp does: a nonce asked for after the header went out is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
