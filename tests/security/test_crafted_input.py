"""No 500 from crafted input: each case a request a probe sent, and the 4xx it gets."""

import base64
import json

import pytest
from django.test import Client
from django.urls import reverse

from reminders.outbound import address_is_public

EPISODE = {"started_at": "2026-11-20T10:00:00Z", "duration_seconds": 30, "muscle": "calf", "severity": 3}


def _post_raw(api, path, body: str):
    return api.generic("POST", path, body, content_type="application/json")


@pytest.mark.django_db
def test_deeply_nested_json_is_a_400(alice_api):
    assert _post_raw(alice_api, "/api/v1/intakes/", "[" * 100_000).status_code == 400
    deep = json.dumps({**EPISODE, "symptoms": json.loads("[" * 500 + "]" * 500)})
    assert _post_raw(alice_api, "/api/v1/episodes/", deep).status_code == 400
    # An ordinary body, list fields included, still goes through.
    assert (
        _post_raw(alice_api, "/api/v1/episodes/", json.dumps({**EPISODE, "symptoms": ["swelling"]})).status_code == 201
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/episodes/",
            '{"started_at": "2026-11-20T10:00:00Z", "duration_seconds": 30, "muscle": "calf", '
            '"severity": 3, "notes": "cramp \\ud800"}',
        ),
        ("/api/v1/medications/", '{"name": "tablet \\udfff", "drug_class": "statin"}'),
        ("/api/v1/intakes/", '{"\\ud800": 1}'),
        ("/api/v1/tokens/", '{"name": "\\udbff"}'),
    ],
)
@pytest.mark.django_db
def test_a_lone_surrogate_in_any_string_is_a_400(alice_api, path, body):
    response = _post_raw(alice_api, path, body)
    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize("position", ["abc", "1" + "0" * 30, "-1.5", "2026-13-45"])
@pytest.mark.parametrize("path", ["/api/v1/medications/", "/api/v1/tokens/", "/api/v1/intakes/", "/api/v1/episodes/"])
@pytest.mark.django_db
def test_a_tampered_cursor_is_never_a_500(alice_api, path, position):
    response = alice_api.get(path, {"cursor": _cursor(f"o=0&p={position}")})
    # A position of the wrong type is a bad cursor (404); a number past every row, an empty page.
    assert response.status_code in (200, 400, 404), response.content
    if position == "abc":
        assert response.status_code in (400, 404)


@pytest.mark.django_db
def test_years_1_and_9999_on_history_and_check_in_pages_are_clamped(alice):
    browser = Client()
    browser.force_login(alice)
    for query in ("from=0001-01-01&to=0001-01-07", "from=9999-12-25&to=9999-12-31", "to=0001-01-01"):
        assert browser.get(reverse("history") + "?" + query).status_code == 200, query
    assert browser.get(reverse("checkin") + "?day=0001-01-01").status_code == 200
    assert browser.get(reverse("checkin") + "?day=9999-12-31").status_code == 200  # today's


@pytest.mark.django_db
def test_years_1_and_9999_in_the_api_are_400(alice_api):
    assert (
        alice_api.post("/api/v1/checkins/", {"day": "0001-01-01", "no_cramps": True}, format="json").status_code == 400
    )
    assert (
        alice_api.post("/api/v1/checkins/", {"day": "9999-12-31", "no_cramps": True}, format="json").status_code == 400
    )
    for started_at in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        assert (
            alice_api.post("/api/v1/episodes/", {**EPISODE, "started_at": started_at}, format="json").status_code == 400
        )
    for field in ("started_on", "stopped_on"):
        for day in ("0001-01-01", "9999-12-31"):
            body = {"name": "Tablet", "drug_class": "statin", field: day}
            assert alice_api.post("/api/v1/medications/", body, format="json").status_code == 400


@pytest.mark.django_db
def test_the_login_page_with_next_login_sends_a_signed_in_user_home(alice):
    browser = Client()
    browser.force_login(alice)
    response = browser.get(reverse("login") + "?next=/login/")
    assert response.status_code == 302 and response["Location"] == reverse("today")
    assert browser.get(reverse("login") + "?next=/history/")["Location"] == "/history/"


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible
        "::10.0.0.1",
        "::ffff:192.168.1.1",  # IPv4-mapped
        "64:ff9b::127.0.0.1",  # NAT64
        "64:ff9b::10.1.2.3",
        "64:ff9b:1::1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_ipv6_transition_forms_of_private_addresses_are_refused(address):
    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1", "2606:4700:4700::1111"])
def test_public_addresses_in_the_same_forms_are_allowed(address):
    assert address_is_public(address)
