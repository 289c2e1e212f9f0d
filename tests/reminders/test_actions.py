import datetime as dt
import threading

import pytest
import time_machine
from django.core import signing
from django.db import connections
from django.test import Client
from django.utils import timezone

from reminders import dispatch, links
from reminders.models import Plan
from tests.reminders.conftest import make_plan
from tracker.logbook.models import Intake


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(dispatch, "deliveries_enqueue", lambda **kw: 0)


def drink_path(user, slot=None, ml=250):
    url = links.action_url(user_id=user.id, slot=slot or timezone.now(), action="drink", ml=ml)
    return url.replace("http://testserver", "")


def test_opening_a_one_tap_link_shows_a_button_and_logs_nothing(alice):
    response = Client().get(drink_path(alice))
    assert response.status_code == 200
    assert b"I drank 250 ml" in response.content and b'method="post"' in response.content
    assert Intake.objects.count() == 0


def test_the_confirm_page_speaks_the_users_units_and_beverage(alice):
    alice.units = "us"
    alice.save(update_fields=["units"])
    url = links.action_url(user_id=alice.id, slot=timezone.now(), action="drink", ml=355, beverage="tea")
    response = Client().get(url.replace("http://testserver", ""))
    text = response.content.decode()
    # 355 ml is 12 US fl oz; a US user never sees millilitres, and tea is not called water.
    assert "Log 12 fl oz of tea?" in text and "I drank 12 fl oz" in text
    assert " ml" not in text and "water" not in text


def test_posting_twice_logs_one_intake_without_a_session(alice):
    path = drink_path(alice, ml=300)
    first = Client(enforce_csrf_checks=True).post(path)
    second = Client(enforce_csrf_checks=True).post(path)
    assert first.status_code == 200 and b"Logged 300 ml" in first.content
    assert second.status_code == 200 and b"Already done" in second.content
    assert list(Intake.objects.for_user(alice).values_list("volume_ml", flat=True)) == [300]


def test_the_same_reminder_on_two_channels_logs_once(alice):
    slot = timezone.now().replace(microsecond=0)
    # Two links (say email and push) for one slot: different signatures, one action.
    a, b = drink_path(alice, slot=slot), drink_path(alice, slot=slot)
    Client().post(a)
    Client().post(b)
    assert Intake.objects.for_user(alice).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_log_exactly_one_intake(needs_postgres, alice):
    path = drink_path(alice)
    barrier = threading.Barrier(4)
    codes = []

    def tap():
        try:
            barrier.wait()
            codes.append(Client().post(path).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 4
    assert Intake.objects.for_user(alice).count() == 1


def test_an_altered_link_is_refused_with_a_clear_page(alice):
    path = drink_path(alice)
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = signing.dumps({"u": alice.id, "s": timezone.now().isoformat(), "ml": 5000}, salt="something else")
    for bad in (path.replace(token, token[:-3] + "abc"), path.replace(token, forged)):
        response = Client().post(bad)
        assert response.status_code == 400 and b"not valid" in response.content
    assert Intake.objects.count() == 0


def test_a_drink_token_cannot_be_used_as_a_snooze(alice):
    path = drink_path(alice).replace("/r/drink/", "/r/snooze/")
    assert Client().post(path).status_code == 400


def test_an_expired_link_is_refused(alice):
    with time_machine.travel(timezone.now() - dt.timedelta(hours=13)):
        path = drink_path(alice)
    response = Client().post(path)
    assert response.status_code == 400 and b"expired" in response.content
    assert Intake.objects.count() == 0


def test_the_snooze_link_snoozes_for_an_hour(alice):
    make_plan(alice)
    path = links.action_url(user_id=alice.id, slot=timezone.now(), action="snooze").replace("http://testserver", "")
    Client().post(path)
    plan = Plan.objects.get(user=alice)
    assert dt.timedelta(minutes=59) < plan.snoozed_until - timezone.now() <= dt.timedelta(hours=1)
