"""Pages through Django's test client: each page renders the owner's data in their
units and local time, keeps other users out, and runs a constant number of queries."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Medication, User
from tests.conftest import PASSWORD
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    DoseFactory,
    EpisodeFactory,
    IntakeFactory,
    MedicationFactory,
)
from tracker.logbook.advice import SEVERE_DEHYDRATION_MESSAGE
from tracker.logbook.models import CheckIn, Episode, Intake

CRAMP = {"muscle": "calf", "severity": "4", "duration_seconds": "60", "side": "none"}


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    # The first page of a session sets up the reminder plan (reminders' context
    # processor); done here so query counts measure the pages themselves.
    client.get(reverse("today"))
    return client


def test_signup_sends_a_verification_link_then_sign_in_and_the_link_verifies(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("signup"),
            {"email": "Carol@Example.com", "password": PASSWORD, "timezone": "Asia/Tokyo"},
        )
    # Not signed in yet: a taken address gets the same answer (tests/accounts/test_registration.py).
    assert response.status_code == 302 and response["Location"] == "/login/?next=/welcome/"
    assert "_auth_user_id" not in client.session
    carol = User.objects.get(email="carol@example.com")
    assert carol.timezone == "Asia/Tokyo"
    assert not carol.email_verified
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/verify/" in line)
    client.get(link.replace("http://testserver", ""))
    carol.refresh_from_db()
    assert carol.email_verified


def test_signup_shows_a_weak_password_error_next_to_the_field(client, db):
    response = client.post(reverse("signup"), {"email": "d@example.com", "password": "short", "timezone": "UTC"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="d@example.com").exists()


def test_login_with_email_and_logout_by_post(client, alice):
    response = client.post(reverse("login"), {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("today")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("today")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, alice):
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    response = client.get(link.replace("http://testserver", ""), follow=True)
    new = "a brand new passphrase 42"
    client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    alice.refresh_from_db()
    assert alice.check_password(new)


def test_today_shows_effective_fluid_against_the_goal_in_us_units(alice_client, alice):
    alice.units = "us"
    alice.daily_goal_ml = 2000
    alice.save()
    IntakeFactory(user=alice, volume_ml=500, beverage="milk")  # counts as 750 ml
    body = alice_client.get(reverse("today")).content.decode()
    assert "25.4 fl oz" in body  # 750 ml
    assert "67.6 fl oz" in body  # the 2,000 ml goal
    assert "(38%)" in body


def test_a_preset_logs_its_drink_and_undo_removes_it(alice_client, alice):
    alice_client.post(reverse("drink-log"), {"preset": "2"})  # mug of tea, 300 ml
    intake = Intake.objects.get(user=alice)
    assert (intake.volume_ml, intake.beverage) == (300, "tea")
    alice_client.post(reverse("entry-delete", args=["intake", intake.pk]), {"from": "today", "next": "/"})
    assert not Intake.objects.filter(user=alice).exists()


def test_a_custom_amount_is_read_in_the_users_units(alice_client, alice):
    alice.units = "us"
    alice.save()
    alice_client.post(reverse("drink-log"), {"amount": "8", "beverage": "water"})
    assert Intake.objects.get(user=alice).volume_ml == 237


def test_an_absurd_amount_is_refused_with_the_error_next_to_the_field(alice_client, alice):
    response = alice_client.post(reverse("drink-log"), {"amount": "6000", "beverage": "water"})
    assert response.status_code == 400
    assert "5000" in response.content.decode()
    assert not Intake.objects.exists()


def _repeat_buttons(body: str) -> list[str]:
    return re.findall(r'name="repeat" value="(\d+)"', body)


def test_a_recent_drink_is_offered_again_and_one_tap_logs_the_same_drink_now(alice_client, alice):
    older = IntakeFactory(user=alice, volume_ml=330, beverage="juice", taken_at=timezone.now() - dt.timedelta(days=2))
    IntakeFactory(user=alice, volume_ml=250, beverage="water")  # the "Glass" preset: not offered twice
    body = alice_client.get(reverse("today")).content.decode()
    assert _repeat_buttons(body) == [str(older.pk)]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1), tick=False):
        response = alice_client.post(reverse("drink-log"), {"repeat": str(older.pk)})
        now = timezone.now()
    assert response.status_code == 302
    new = Intake.objects.filter(user=alice).exclude(pk=older.pk).get(beverage="juice")
    assert (new.volume_ml, new.taken_at) == (330, now)
    assert "Logged 330 ml of juice." in alice_client.get(reverse("today")).content.decode()


def test_recent_drinks_are_the_three_latest_distinct_ones_not_covered_by_presets(alice_client, alice):
    base = timezone.now() - dt.timedelta(hours=1)
    for minutes, (volume, beverage) in enumerate(
        [(200, "coffee"), (500, "beer"), (200, "coffee"), (300, "tea"), (150, "milk"), (400, "soda")]
    ):
        IntakeFactory(user=alice, volume_ml=volume, beverage=beverage, taken_at=base - dt.timedelta(minutes=minutes))
    body = alice_client.get(reverse("today")).content.decode()
    shown = [Intake.objects.get(pk=pk) for pk in _repeat_buttons(body)]
    # 300 ml tea is the "Mug of tea" preset; coffee counts once.
    assert [(i.volume_ml, i.beverage) for i in shown] == [(200, "coffee"), (500, "beer"), (150, "milk")]


def test_repeating_another_users_drink_is_a_404_and_logs_nothing(bob_client, alice):
    intake = IntakeFactory(user=alice, volume_ml=330, beverage="juice")
    response = bob_client.post(reverse("drink-log"), {"repeat": str(intake.pk)})
    assert response.status_code == 404
    assert Intake.objects.count() == 1


def test_htmx_drink_returns_only_the_panel_with_the_new_total(alice_client, alice):
    response = alice_client.post(reverse("drink-log"), {"preset": "0"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="today-panel"')
    assert "250 ml" in body and "Logged 250 ml of water." in body


def test_the_cramp_logger_saves_muscle_and_severity_as_now_under_a_minute(alice_client, alice):
    response = alice_client.post(reverse("cramp"), {"muscle": "foot", "severity": "7"})
    assert response.status_code == 302
    episode = Episode.objects.get(user=alice)
    assert (episode.muscle, episode.severity, episode.duration_seconds) == ("foot", 7, 30)


def test_a_red_flag_symptom_shows_the_advice_after_saving(alice_client, alice):
    response = alice_client.post(
        reverse("entry-new", args=["episode"]),
        {"muscle": "calf", "severity": "6", "duration_seconds": "90", "side": "left", "symptoms": ["fainting"]},
        follow=True,
    )
    assert SEVERE_DEHYDRATION_MESSAGE in response.content.decode()
    assert Episode.objects.get(user=alice).symptoms == ["fainting"]


def test_the_full_cramp_form_takes_local_wall_clock_time(alice_client, alice):
    with time_machine.travel(dt.datetime(2026, 10, 27, 12, 0, tzinfo=dt.UTC), tick=False):
        alice_client.post(
            reverse("entry-new", args=["episode"]),
            {**CRAMP, "started_at": "2026-10-27T03:30"},
        )
    episode = Episode.objects.get(user=alice)
    # 03:30 in Berlin (CET, UTC+1) is 02:30 UTC, and before the 04:00 day start.
    assert episode.started_at == dt.datetime(2026, 10, 27, 2, 30, tzinfo=dt.UTC)
    assert episode.day == dt.date(2026, 10, 26)


def test_a_time_in_the_future_is_refused_next_to_the_field(alice_client, alice):
    with time_machine.travel(dt.datetime(2026, 10, 27, 12, 0, tzinfo=dt.UTC), tick=False):
        response = alice_client.post(
            reverse("entry-new", args=["episode"]),
            {**CRAMP, "started_at": "2026-10-27T18:00"},
        )
    assert response.status_code == 400
    assert "in the future" in response.content.decode()


def test_a_second_checkin_save_edits_the_first(alice_client, alice):
    with time_machine.travel(dt.datetime(2026, 10, 27, 14, 0, tzinfo=dt.UTC), tick=False):
        alice_client.post(reverse("checkin"), {"sleep_hours": "7", "sitting_hours": "8", "cramps": "no"})
        alice_client.post(reverse("checkin"), {"sleep_hours": "8", "sitting_hours": "8", "cramps": "yes"})
    today = CheckIn.objects.get(user=alice, day=dt.date(2026, 10, 27))
    assert today.sleep_hours == 8 and not today.no_cramps
    assert CheckIn.objects.filter(user=alice).count() == 1


def test_history_groups_by_diary_day_and_filters_by_type(alice_client, alice):
    with time_machine.travel(dt.datetime(2026, 10, 27, 12, 0, tzinfo=dt.UTC), tick=False):
        # 02:30 Berlin on the 27th belongs to the diary day of the 26th.
        EpisodeFactory(user=alice, started_at=dt.datetime(2026, 10, 27, 1, 30, tzinfo=dt.UTC), muscle="hamstring")
        IntakeFactory(user=alice, taken_at=dt.datetime(2026, 10, 27, 9, 0, tzinfo=dt.UTC), volume_ml=333)
        body = alice_client.get(reverse("history")).content.decode()
        day26 = body.index("Monday 26 October 2026")
        day27 = body.index("Tuesday 27 October 2026")
        assert day27 < body.index("333 ml") < day26 < body.index("hamstring")
        assert "02:30" in body  # local time
        only_cramps = alice_client.get(reverse("history"), {"type": "episode"}).content.decode()
        assert "hamstring" in only_cramps and "333 ml" not in only_cramps


def test_deleting_from_history_asks_first(alice_client, alice):
    intake = IntakeFactory(user=alice)
    url = reverse("entry-delete", args=["intake", intake.pk])
    assert "Delete this drink?" in alice_client.get(url).content.decode()
    assert Intake.objects.filter(pk=intake.pk).exists()
    alice_client.post(url)
    assert not Intake.objects.filter(pk=intake.pk).exists()


def test_settings_save_units_goal_and_presets(alice_client, alice):
    data = {
        "profile-timezone": "Europe/Berlin",
        "profile-day_starts_at": "05:00",
        "profile-units": "metric",
        "profile-week_starts_on": "sunday",
        "profile-body_weight": "70",
        "profile-daily_goal": "",
        "presets-TOTAL_FORMS": "2",
        "presets-INITIAL_FORMS": "0",
        "presets-0-label": "Big bottle",
        "presets-0-amount": "750",
        "presets-0-beverage": "water",
        "presets-1-label": "",
        "presets-1-amount": "",
        "presets-1-beverage": "water",
    }
    response = alice_client.post(reverse("settings"), data)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.day_starts_at == dt.time(5, 0) and alice.week_starts_on == "sunday"
    assert alice.goal_ml == 2100  # suggested: 30 ml x 70 kg
    assert alice.drink_presets == [{"label": "Big bottle", "volume_ml": 750, "beverage": "water"}]
    assert "Suggested for you: 2,100 ml" in alice_client.get(reverse("settings")).content.decode()


def test_medications_add_and_stop(alice_client, alice):
    alice_client.post(reverse("medications"), {"name": "Water tablet", "drug_class": "diuretic"})
    med = Medication.objects.get(user=alice)
    alice_client.post(reverse("medication-stop", args=[med.pk]))
    med.refresh_from_db()
    assert med.stopped_on is not None


def test_a_new_token_is_shown_once_and_can_be_revoked(alice_client, alice):
    response = alice_client.post(reverse("tokens"), {"name": "phone"}, follow=True)
    token = ApiToken.objects.get(user=alice, name="phone")
    body = response.content.decode()
    raw = body.split("data-new-token>")[1].split("<")[0]
    assert ApiToken.digest_of(raw) == token.digest
    assert raw not in alice_client.get(reverse("tokens")).content.decode()
    alice_client.post(reverse("token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_export_downloads_json_and_a_zip(alice_client, alice):
    IntakeFactory(user=alice, volume_ml=321)
    json_response = alice_client.get(reverse("export-json"))
    assert json_response["Content-Disposition"].startswith("attachment")
    assert b"321" in json_response.content
    zip_response = alice_client.get(reverse("export-csv"))
    assert zip_response.content[:2] == b"PK"


def test_deleting_the_account_needs_the_password(alice_client, alice):
    response = alice_client.post(reverse("account-delete"), {"password": "wrong one"})
    assert response.status_code == 400
    assert User.objects.filter(pk=alice.pk).exists()
    alice_client.post(reverse("account-delete"), {"password": PASSWORD})
    assert not User.objects.filter(pk=alice.pk).exists()


# Another user's objects ------------------------------------------------------------


def _alice_rows(alice):
    med = MedicationFactory(user=alice, name="Alice-only tablet")
    return {
        "intake": IntakeFactory(user=alice, volume_ml=777),
        "episode": EpisodeFactory(user=alice, notes="alice-secret-note"),
        "activity": ActivityFactory(user=alice),
        "dose": DoseFactory(user=alice, medication=med),
        "medication": med,
        "token": ApiToken.objects.create(user=alice, name="alice-token", digest="x" * 64, prefix="abcdefgh"),
    }


def test_another_user_gets_404_for_every_entry_page_and_change(bob_client, alice):
    rows = _alice_rows(alice)
    for kind in ("intake", "episode", "activity", "dose"):
        pk = rows[kind].pk
        for url in (reverse("entry-edit", args=[kind, pk]), reverse("entry-delete", args=[kind, pk])):
            assert bob_client.get(url).status_code == 404
            assert bob_client.post(url, {"severity": "1"}).status_code == 404
    med = rows["medication"]
    assert bob_client.get(reverse("medication-edit", args=[med.pk])).status_code == 404
    assert bob_client.post(reverse("medication-stop", args=[med.pk])).status_code == 404
    assert bob_client.post(reverse("token-revoke", args=[rows["token"].pk])).status_code == 404
    # Bob cannot log a dose of Alice's medicine either.
    response = bob_client.post(reverse("entry-new", args=["dose"]), {"medication": med.pk})
    assert response.status_code == 400
    med.refresh_from_db()
    assert med.stopped_on is None and Intake.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize(
    "name", ["today", "cramp", "checkin", "history", "settings", "medications", "tokens", "export-json", "export-csv"]
)
def test_another_users_pages_never_show_alices_data(bob_client, alice, name):
    _alice_rows(alice)
    CheckInFactory(user=alice, sleep_hours=3.5)
    response = bob_client.get(reverse(name), {"from": "2000-01-01"} if name == "history" else {})
    body = response.content
    for secret in (b"alice-secret-note", b"Alice-only tablet", b"alice-token", b"alice@example.com"):
        assert secret not in body
    # Alice's numbers as whole numbers: bob's own timestamps hold digits too ("...:43.512Z"
    # holds "3.5"; freezing only the request's clock left his date_joined to chance).
    for number in (rb"777", rb"3\.5"):
        assert not re.search(rb"(?<![\d.:])" + number + rb"(?![\d])", body), number


@pytest.mark.parametrize("name", ["today", "cramp", "checkin", "history", "settings", "medications", "tokens"])
def test_anonymous_visitors_are_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Query counts --------------------------------------------------------------------


def _fill(user, n, start=0):
    med = MedicationFactory(user=user)
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    for i in range(start, start + n):
        at = base - dt.timedelta(minutes=i)
        # Distinct drinks, so Today offers 1 to repeat with 1 row and 3 with 100.
        IntakeFactory(user=user, taken_at=at, volume_ml=100 + i)
        EpisodeFactory(user=user, started_at=at, symptoms=["fainting"] if i % 2 else [])
        ActivityFactory(user=user, started_at=at)
        DoseFactory(user=user, taken_at=at, medication=med)
        MedicationFactory(user=user, name=f"Medicine {i}")
        ApiToken.objects.create(user=user, name=f"t{i}", digest=ApiToken.digest_of(f"{user.pk}-{i}"), prefix="p")
    for i in range(start, start + n):
        CheckInFactory(user=user, day=dt.date.today() - dt.timedelta(days=i + 2), sleep_hours=7)


PAGES = [
    ("today", {}),
    ("cramp", {}),
    ("checkin", {}),
    ("history", {"from": "2000-01-01"}),
    ("settings", {}),
    ("medications", {}),
    ("tokens", {}),
    ("export", {}),
    ("account-delete", {}),
    ("export-json", {}),
    ("export-csv", {}),
]


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_each_page_runs_the_same_number_of_queries_for_1_and_100_rows(alice_client, alice, name, params):
    _fill(alice, 1)
    one = _count(alice_client, reverse(name), params)
    _fill(alice, 99, start=1)
    assert _count(alice_client, reverse(name), params) == one


def test_today_offers_recent_drinks_with_the_same_queries_for_1_and_100_rows(alice_client, alice):
    def today():
        with CaptureQueriesContext(connection) as ctx:
            body = alice_client.get(reverse("today")).content.decode()
        return len(ctx.captured_queries), len(_repeat_buttons(body))

    _fill(alice, 1)
    one, offered = today()
    assert offered == 1
    _fill(alice, 99, start=1)
    assert today() == (one, 3)


@pytest.mark.parametrize("kind", ["intake", "episode", "activity", "dose"])
def test_entry_pages_run_the_same_number_of_queries_for_1_and_100_rows(alice_client, alice, kind):
    _fill(alice, 1)
    model = {"intake": Intake, "episode": Episode}.get(kind)
    first = (model or __import__("tracker.logbook.models", fromlist=["x"]).__dict__[kind.capitalize()]).objects.first()
    urls = [reverse("entry-edit", args=[kind, first.pk]), reverse("entry-delete", args=[kind, first.pk])]
    one = [_count(alice_client, url, {}) for url in urls]
    _fill(alice, 99, start=1)
    assert [_count(alice_client, url, {}) for url in urls] == one


@pytest.mark.parametrize(
    "posted",
    [None, {"amount": "abc", "beverage": "milk"}, {"amount": "200", "beverage": "nope"}, {"amount": "6000"}],
    ids=["blank", "not-a-number", "unknown-beverage", "too-much"],
)
def test_todays_drink_fields_are_the_markup_the_form_itself_renders(alice_client, alice, posted):
    """Today writes the "another amount" fields out by hand (it is the hot page); they
    must stay what the form's widgets give, values, errors and aria attributes included.
    The form is the one the view builds (QuickDrinkForm, then the service's errors), made
    here again: Jinja2 renders leave no response.context."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.test import SimpleTestCase

    from tracker.logbook import services
    from tracker.logbook.forms import QuickDrinkForm, add_service_errors

    if posted is None:
        response = alice_client.get(reverse("today"))
        form = QuickDrinkForm(user=alice)
    else:
        data = {"beverage": "water", **posted}
        response = alice_client.post(reverse("drink-log"), data)
        assert response.status_code == 400
        form = QuickDrinkForm(data, user=alice)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.intake_log(user=alice, **form.service_fields())
                    raise AssertionError("the service took what the view refused")
            except ValidationError as error:
                add_service_errors(form, error, rename=QuickDrinkForm.rename)
    page = response.content.decode()
    for name in ("amount", "beverage"):
        SimpleTestCase().assertInHTML(str(form[name]), page, count=1)
        if form[name].errors:
            SimpleTestCase().assertInHTML(str(form[name].errors), page, count=1)
    assert bool(form.errors) == (posted is not None)


@pytest.mark.parametrize(
    "path, title",
    [
        ("/", "Today · Cramp tracker"),
        ("/reports/weekly/?week=2026-W48", "Week of 23–29 Nov 2026 · Cramp tracker"),
        ("/reports/factors/", "What goes with your cramps · Cramp tracker"),
        ("/reports/print/?start=2026-11-03&end=2026-11-30", "Cramp diary summary, 3–30 Nov 2026 · Cramp tracker"),
        ("/reports/weekly/?week=2026-W99", "Report · Cramp tracker"),
    ],
)
def test_a_page_title_says_what_the_page_is_and_names_the_app_once(alice_client, path, title):
    # The tab, the bookmark and a saved PDF show it: "… — Cramp & hydration tracker · Cramp tracker" read twice.
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)):
        html = alice_client.get(path).content.decode()
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip() == title


def test_a_failed_email_confirmation_has_a_title_of_its_own(client, db):
    html = client.get(reverse("verify-email", args=["not-a-token"])).content.decode()
    assert re.search(r"<title>(.*?)</title>", html).group(1) == "Email confirmation · Cramp tracker"
