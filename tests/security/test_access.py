"""Every URL pattern, every method, as an anonymous visitor, as another user and as the
owner: nobody but the owner sees or changes the owner's data.

Routes come from walking the URL resolver (DRF router routes included), so a page or
endpoint added later is checked without a change here; one whose kwargs the registry in
routes.py cannot fill fails with a message saying what to add.
"""

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, IdempotencyKey, Medication, User
from accounts.services import api_token_create, user_export, user_owned_models
from reminders.models import ActionUse, Delivery, Notification, Plan, PushSubscription
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    DoseFactory,
    EpisodeFactory,
    IntakeFactory,
    MedicationFactory,
)
from tests.security.routes import (
    API_BODIES,
    CAPABILITY_ROUTES,
    FOREIGN_WRITES,
    NOT_REPLAYED,
    OBJECT_KWARGS,
    PUBLIC_PATTERNS,
    PUBLIC_ROUTES,
    ROUTE_KWARGS,
    WEB_FIELDS,
    RegistryMissing,
    Route,
    all_routes,
    login_url,
    page_form,
    url_for,
)
from tracker.experiments.models import Adherence, Experiment
from tracker.experiments.services import experiment_start
from tracker.logbook import services as logbook_services
from tracker.logbook.models import Activity, CheckIn, DeletedEntry, Dose, Episode, Intake
from tracker.reports.models import ReportSchedule, WeeklySnapshot

METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]

# Planted in the owner's rows; none may ever appear in anyone else's response.
MARK = "qzx-alice-private-7f3a"
TEXT_MARKS = [MARK, "alice@example.com"]
# Values with no text field to carry a string: matched as whole numbers.
NUMBER_MARKS = [r"(?<![\w.])1873(?![\w])", r"(?<![\w.])737(?![\w])", r"(?<![\w.])87\.3(?![\w])"]

# One factory per model that belongs to a user: model -> (owner, objects so far) -> row.
# tests below fail when a model with a foreign key to the user has no entry here.
OWNED_FACTORIES: dict[type, Callable] = {
    Medication: lambda owner, objs: MedicationFactory(user=owner, name=f"{MARK} tablet"),
    Episode: lambda owner, objs: EpisodeFactory(user=owner, notes=f"{MARK} episode"),
    Intake: lambda owner, objs: IntakeFactory(user=owner, volume_ml=1873),
    Activity: lambda owner, objs: ActivityFactory(user=owner, duration_minutes=737),
    Dose: lambda owner, objs: DoseFactory(user=owner, medication=objs[Medication]),
    CheckIn: lambda owner, objs: CheckInFactory(user=owner, sitting_hours="13.7"),
    DeletedEntry: lambda owner, objs: logbook_services.entry_delete(
        entry=EpisodeFactory(user=owner, notes=f"{MARK} deleted episode")
    ),
    ApiToken: lambda owner, objs: api_token_create(user=owner, name=f"{MARK} token")[0],
    Plan: lambda owner, objs: Plan.objects.update_or_create(
        user=owner, defaults={"webhook_url": f"https://hooks.example.com/{MARK}"}
    )[0],
    Delivery: lambda owner, objs: Delivery.objects.create(
        user=owner, slot=timezone.now() - dt.timedelta(days=2), channel="in_app", status="sent", payload={"m": MARK}
    ),
    Notification: lambda owner, objs: Notification.objects.create(user=owner, title=MARK, body=f"{MARK} body"),
    PushSubscription: lambda owner, objs: PushSubscription.objects.create(
        user=owner, endpoint=f"https://push.example.com/{MARK}", p256dh=MARK, auth=MARK
    ),
    ActionUse: lambda owner, objs: ActionUse.objects.create(
        user=owner, slot=timezone.now() - dt.timedelta(days=3), action="drink"
    ),
    WeeklySnapshot: lambda owner, objs: WeeklySnapshot.objects.create(
        user=owner, week_start=dt.date(2026, 1, 5), data={"note": MARK}, generated_at=timezone.now()
    ),
    ReportSchedule: lambda owner, objs: ReportSchedule.objects.create(
        user=owner, next_report_at=timezone.now(), last_error=MARK
    ),
    # Started 20 days back: past its 14-day run-in, in its first on/off block.
    Experiment: lambda owner, objs: experiment_start(
        user=owner,
        intervention="custom",
        label=MARK,
        block_days=7,
        starts_on=dt.date.today() - dt.timedelta(days=20),
        today=dt.date.today() - dt.timedelta(days=20),
    ),
    Adherence: lambda owner, objs: Adherence.objects.create(
        user=owner, experiment=objs[Experiment], day=objs[Experiment].starts_on, followed=True
    ),
    LogEntry: lambda owner, objs: LogEntry.objects.create(user=owner, object_repr=MARK, action_flag=ADDITION),
    IdempotencyKey: lambda owner, objs: IdempotencyKey.objects.create(
        user=owner, key=f"{MARK}-key", method="POST", path="/api/v1/", status_code=201, response_body={"n": MARK}
    ),
}

ROUTES = all_routes()


def _route_id(route: Route) -> str:
    return route.name or route.pattern


@pytest.fixture
def owner_objects(alice):
    alice.body_weight_kg = "87.3"
    alice.save(update_fields=["body_weight_kg"])
    objects: dict[type, object] = {}
    for model, factory in OWNED_FACTORIES.items():
        objects[model] = factory(alice, objects)
    return objects


def _snapshot(user) -> str:
    """All the owner's data, and the account row itself (password, active flag)."""
    user = User.objects.get(pk=user.pk)
    data = user_export(user=user)
    data.pop("exported_at")
    data["account"] = User.objects.filter(pk=user.pk).values().get()
    data["idempotency"] = list(IdempotencyKey.objects.filter(user=user).order_by("pk").values())
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, default=str)


def _client(user, route: Route):
    if user is not None and not User.objects.filter(pk=user.pk).exists():
        user = None  # bob deleted his own account (account-delete with his password)
    if route.is_api:
        client = APIClient(raise_request_exception=False)
        if user is not None:
            _token, raw = api_token_create(user=user, name="access test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    else:
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
    return client


WRITES = ("POST", "PUT", "PATCH")


def _send(user, route: Route, method: str, url: str, body: dict | None = None):
    cache.clear()  # throttles count in the cache; this test is not about them
    client = _client(user, route)
    call = getattr(client, method.lower())
    if route.is_api and (method in WRITES or (method == "DELETE" and body is not None)):
        return call(url, data={} if body is None else body, format="json")
    if not route.is_api and method == "POST" and body:
        return call(url, data=body)
    return call(url)


def _body(route: Route, url: str, owner, objects) -> dict | None:
    """A write the owner could make on this route (routes.py): an API body, or the fields
    of the page's own form as the owner sees it with WEB_FIELDS laid over."""
    if route.is_api:
        builder = API_BODIES.get(route.name)
        return None if builder is None else builder(owner, objects)
    fields = {}
    page = _client(owner, route).get(url)
    if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
        # Without alice's marked values: bob saving them into his own profile would
        # otherwise look like a leak when his page shows them back.
        fields = {k: v for k, v in page_form(page.content.decode(), url).items() if not _marked(str(v))}
    if route.name in WEB_FIELDS:
        fields.update(WEB_FIELDS[route.name](owner, objects))
    return fields


def _leaks(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace") + " " + response.get("Location", "")
    found = [m for m in TEXT_MARKS if m in text]
    # Numbers mean nothing in a picture's coordinates; its text is still checked.
    if not response.get("Content-Type", "").startswith("image/"):
        found += [p for p in NUMBER_MARKS if re.search(p, text)]
    return found


def _marked(text: str) -> bool:
    return any(m in text for m in TEXT_MARKS) or any(re.search(p, text) for p in NUMBER_MARKS)


def _has_object_kwargs(route: Route) -> bool:
    return bool(set(route.kwargs) & OBJECT_KWARGS) and not route.is_admin


def _anonymous_refused(route: Route, response) -> bool:
    if response.status_code == 405:
        return True
    if route.is_admin:
        return response.status_code == 302 and "/admin/login/" in response["Location"]
    if route.is_api:
        return response.status_code == 401 and response.has_header("WWW-Authenticate")
    return response.status_code == 302 and response["Location"].startswith(login_url())


def test_every_model_owned_by_a_user_has_a_factory_here():
    owned = {model for model, _field in user_owned_models()}
    missing = sorted(m.__name__ for m in owned - set(OWNED_FACTORIES))
    assert not missing, f"add a factory planting marked data to OWNED_FACTORIES for: {', '.join(missing)}"


def test_the_walk_reaches_pages_api_and_admin():
    names = {route.name for route in ROUTES}
    assert {"login", "today", "api-schema", "api-docs", "admin:index"} <= names


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.is_admin], ids=_route_id)
def test_only_the_owner_sees_or_changes_their_data(route, alice, bob, owner_objects):
    try:
        url = url_for(route, alice, owner_objects)
    except RegistryMissing as error:
        pytest.fail(str(error))
    problems = _problems(route, url, alice, bob, owner_objects)
    assert not problems, "\n".join(problems)


def _problems(route: Route, url: str, alice, bob, objects) -> list[str]:
    public = route.name in PUBLIC_ROUTES or route.name in CAPABILITY_ROUTES or route.pattern in PUBLIC_PATTERNS
    capability = route.name in CAPABILITY_ROUTES
    # Public routes get no body: theirs are credentials or capabilities, not alice's data.
    body = None if public else _body(route, url, alice, objects)
    before = _snapshot(alice)
    problems: list[str] = []

    for who, user in (("anonymous", None), ("bob", bob)):
        for method in METHODS:
            response = _send(user, route, method, url, body)
            where = f"{who} {method} {url}"
            if response.status_code >= 500:
                problems.append(f"{where}: server error {response.status_code}")
            if leaked := _leaks(response):
                problems.append(f"{where}: alice's data in the response ({leaked})")
            if who == "anonymous" and not public and not _anonymous_refused(route, response):
                problems.append(
                    f"{where}: {response.status_code} {response.get('Location', '')}; expected a login redirect or "
                    "401 (add the URL name to PUBLIC_ROUTES in tests/security/routes.py only if it is meant public)"
                )
            object_route = _has_object_kwargs(route) and method != "OPTIONS"
            if who == "bob" and object_route and response.status_code not in (404, 405):
                problems.append(f"{where}: {response.status_code}; another user's object must answer 404")
            foreign = FOREIGN_WRITES.get(route.name)
            if who == "bob" and foreign and method in WRITES and response.status_code not in (foreign, 405):
                problems.append(f"{where}: {response.status_code}; naming alice's object must answer {foreign}")
        # Compared once per visitor (not per request) to keep the walk fast.
        if not capability and _snapshot(alice) != before:
            problems.append(f"{who}'s requests to {url} changed alice's data")
            before = _snapshot(alice)

    if _has_object_kwargs(route) or route.name in ROUTE_KWARGS:
        # The owner reaches the same URL, so the 404s above are about ownership, not a bad URL.
        response = _send(alice, route, "GET", url)
        if response.status_code >= 400 and response.status_code != 405:
            problems.append(f"alice GET {url}: {response.status_code}; the owner should reach her own object")
    if not public and route.name not in NOT_REPLAYED:
        problems += _owner_writes(route, url, alice, body)
    return problems


def _owner_writes(route: Route, url: str, alice, body) -> list[str]:
    """The owner makes the writes bob was refused: each must be accepted, so bob's
    refusals were about ownership, not a body no one could send. An API write that
    refuses an empty body needs an entry in routes.API_BODIES."""
    problems = []
    if route.is_api:
        for method in WRITES:
            response = _send(alice, route, method, url, body)
            if response.status_code == 405 or response.status_code < 400:
                continue
            detail = response.content[:300].decode(errors="replace")
            if body is None:
                problems.append(
                    f"alice {method} {url} with {{}}: {response.status_code} {detail}; add a valid body for "
                    f"{route.name!r} to API_BODIES in tests/security/routes.py"
                )
            else:
                problems.append(f"alice {method} {url} with the body in API_BODIES: {response.status_code} {detail}")
    elif body or route.name in WEB_FIELDS:
        response = _send(alice, route, "POST", url, body)
        if response.status_code >= 400 and response.status_code != 405:
            problems.append(
                f"alice POST {url} with {body}: {response.status_code}; fix its WEB_FIELDS in tests/security/routes.py"
            )
    return problems


@pytest.mark.urls("tests.security.leaky_urls")
def test_the_walk_catches_a_view_that_forgets_the_owner(alice, bob, owner_objects):
    # The checks above would pass a broken app if they could not fail: here is one.
    leaky = {route.name: route for route in all_routes() if route.name.startswith("leaky-")}
    assert set(leaky) == {"leaky-list", "leaky-detail"}
    # The list first: the detail walk ends with bob deleting alice's episode.
    listing = _problems(
        leaky["leaky-list"], url_for(leaky["leaky-list"], alice, owner_objects), alice, bob, owner_objects
    )
    assert any("bob GET" in p and "alice's data" in p for p in listing), listing
    detail = _problems(
        leaky["leaky-detail"], url_for(leaky["leaky-detail"], alice, owner_objects), alice, bob, owner_objects
    )
    assert any("bob GET" in p and "alice's data" in p for p in detail), detail
    assert any("bob DELETE" in p and "must answer 404" in p for p in detail), detail
    assert any("changed alice's data" in p for p in detail), detail


def test_the_admin_sends_everyone_but_staff_to_its_login(alice, bob, owner_objects):
    # The admin refuses non-staff in one decorator before any view runs; GET and POST
    # on every admin route show it, in one test to keep the walk fast.
    problems = []
    for route in (r for r in ROUTES if r.is_admin):
        url = url_for(route, alice, owner_objects)
        for who, user in (("anonymous", None), ("bob", bob)):
            for method in ("GET", "POST"):
                response = _send(user, route, method, url)
                where = f"{who} {method} {url}"
                if _leaks(response):
                    problems.append(f"{where}: alice's data in the response")
                if route.name not in PUBLIC_ROUTES and not _anonymous_refused(route, response):
                    problems.append(f"{where}: {response.status_code}; the admin must send non-staff to its login")
    assert not problems, "\n".join(problems)
