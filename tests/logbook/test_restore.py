"""Undo you can trust: Undo only for the entry just made, for a short while; a deleted
entry can be restored from the page and the API for a week."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.services import medication_delete
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    DoseFactory,
    EpisodeFactory,
    IntakeFactory,
)
from tracker.logbook import services
from tracker.logbook.models import CheckIn, DeletedEntry, Dose, Episode, Intake


def _fields(row) -> dict:
    skip = {"created_at", "updated_at"}
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if f.attname not in skip}


@pytest.mark.parametrize(
    "make",
    [
        lambda u: EpisodeFactory(user=u, side="left", relief=["stretching"], symptoms=["swelling"], notes="calf"),
        lambda u: IntakeFactory(user=u, volume_ml=333, beverage="beer", sodium_mg=None, potassium_mg=12),
        lambda u: ActivityFactory(user=u, heavy_sweating=True),
        lambda u: DoseFactory(user=u),
        lambda u: CheckInFactory(user=u, sleep_hours="6.5", illness=["fever"], stress=3),
    ],
    ids=["episode", "intake", "activity", "dose", "checkin"],
)
def test_a_deleted_entry_comes_back_exactly_under_its_old_id(alice, make):
    row = make(alice)
    before = _fields(type(row).objects.get(pk=row.pk))
    kept = services.entry_delete(entry=row)
    assert not type(row).objects.filter(pk=row.pk).exists()
    restored = services.entry_restore(deleted=kept)
    assert _fields(type(row).objects.get(pk=restored.pk)) == {**before, "id": restored.pk}
    if type(row) is not CheckIn:
        assert restored.pk == before["id"]
    assert not DeletedEntry.objects.filter(pk=kept.pk).exists()


def test_a_dose_of_a_deleted_medication_cannot_come_back(alice):
    dose = DoseFactory(user=alice)
    kept = services.entry_delete(entry=dose)
    medication_delete(medication=dose.medication)
    with pytest.raises(services.ValidationError):
        services.entry_restore(deleted=kept)
    assert not Dose.objects.exists()


def test_the_api_lists_and_restores_a_deleted_episode(alice, alice_api, bob_api):
    episode = EpisodeFactory(user=alice, severity=8)
    assert alice_api.delete(f"/api/v1/episodes/{episode.pk}/").status_code == 204
    (listed,) = alice_api.get("/api/v1/deleted/").json()["results"]
    assert (listed["kind"], listed["entry_id"], listed["data"]["severity"]) == ("episode", episode.pk, 8)
    # Someone else can neither see nor restore it.
    assert bob_api.get("/api/v1/deleted/").json()["results"] == []
    assert bob_api.post(f"/api/v1/deleted/{listed['id']}/restore/").status_code == 404
    response = alice_api.post(f"/api/v1/deleted/{listed['id']}/restore/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == episode.pk
    assert alice_api.get(f"/api/v1/episodes/{episode.pk}/").json()["severity"] == 8
    assert alice_api.get("/api/v1/deleted/").json()["results"] == []


def test_a_deleted_entry_can_be_restored_for_a_week_and_not_after(alice, alice_api):
    start = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        kept = services.entry_delete(entry=IntakeFactory(user=alice))
    with time_machine.travel(start + dt.timedelta(days=6, hours=23), tick=False):
        assert [d["id"] for d in alice_api.get("/api/v1/deleted/").json()["results"]] == [kept.pk]
    with time_machine.travel(start + dt.timedelta(days=7, minutes=1), tick=False):
        assert alice_api.get("/api/v1/deleted/").json()["results"] == []
        assert alice_api.post(f"/api/v1/deleted/{kept.pk}/restore/").status_code == 404


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_undo_takes_back_only_the_entry_just_made_and_then_offers_restore(alice_client, alice):
    """Defect: after an Undo, Today offered Undo on the next older entry, and the undone
    entry was gone for good."""
    alice_client.post(reverse("drink-log"), {"preset": "0"})
    alice_client.post(reverse("drink-log"), {"preset": "1"})
    newest = Intake.objects.for_user(alice).order_by("-id").first()
    page = alice_client.get(reverse("today")).content.decode()
    assert page.count("data-undo") == 1 and f"/entries/intake/{newest.pk}/delete/" in page

    alice_client.post(reverse("entry-delete", args=["intake", newest.pk]), {"from": "today"})
    page = alice_client.get(reverse("today")).content.decode()
    assert "data-undo" not in page
    assert "Restore" in page
    kept = DeletedEntry.objects.get(user=alice)
    alice_client.post(reverse("entry-restore", args=[kept.pk]), {"next": "/"})
    assert Intake.objects.filter(pk=newest.pk, volume_ml=500).exists()


def test_undo_is_offered_for_five_minutes_only(alice_client, alice):
    start = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        alice_client.post(reverse("cramp"), {"muscle": "calf", "severity": "5"})
    with time_machine.travel(start + dt.timedelta(minutes=4), tick=False):
        assert "data-undo" in alice_client.get(reverse("today")).content.decode()
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        assert "data-undo" not in alice_client.get(reverse("today")).content.decode()
    assert Episode.objects.filter(user=alice).count() == 1


def test_an_entry_from_another_device_gets_no_undo(alice_client, alice):
    EpisodeFactory(user=alice)  # logged by the API, say: not "just made" here
    assert "data-undo" not in alice_client.get(reverse("today")).content.decode()


def test_history_lists_recently_deleted_entries_with_restore(alice_client, alice, bob):
    services.entry_delete(entry=EpisodeFactory(user=alice))
    services.entry_delete(entry=EpisodeFactory(user=bob))
    page = alice_client.get(reverse("history")).content.decode()
    assert "Recently deleted" in page and page.count('action="/deleted/') == 1
    other = DeletedEntry.objects.get(user=bob)
    assert alice_client.post(reverse("entry-restore", args=[other.pk])).status_code == 404
