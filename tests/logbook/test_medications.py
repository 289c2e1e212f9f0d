"""Medications and supplements: classes for what people take against cramps, an
amount on a dose, a new medicine added from the dose form, one tap on Today."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import DrugClass, Medication
from tests.factories import MedicationFactory
from tracker.logbook.models import Dose


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_supplements_have_their_own_classes():
    """Defect: magnesium fell under "Other"."""
    for value in ("magnesium", "potassium", "electrolytes", "quinine", "vitamin_b", "vitamin_d", "calcium"):
        assert value in DrugClass.values
    assert "other_supplement" in DrugClass.values


def test_quinine_carries_the_safety_wording_on_page_and_api(alice_client, alice, alice_api):
    response = alice_client.post(
        reverse("medications"), {"name": "Quinine tablet", "drug_class": "quinine"}, follow=True
    )
    body = response.content.decode()
    assert "Quinine is not recommended for ordinary leg cramps" in body and "see a doctor" in body
    (med,) = (
        alice_api.get("/api/v1/medications/").json()["results"]
        if isinstance(alice_api.get("/api/v1/medications/").json(), dict)
        else alice_api.get("/api/v1/medications/").json()
    )
    assert med["safety_note"].startswith("Quinine is not recommended")


def test_a_new_user_adds_a_medicine_from_the_dose_form(alice_client, alice):
    """Defect: with no medication listed, "Medication dose" was a dead end."""
    page = alice_client.get(reverse("entry-new", args=["dose"])).content.decode()
    assert "None listed yet: add it just below" in page
    response = alice_client.post(
        reverse("entry-new", args=["dose"]),
        {
            "new_medication_name": "Magnesium citrate",
            "new_medication_class": "magnesium",
            "amount": "300",
            "amount_unit": "mg",
        },
    )
    assert response.status_code == 302
    dose = Dose.objects.get(user=alice)
    assert (dose.medication.name, dose.medication.drug_class) == ("Magnesium citrate", "magnesium")
    assert (dose.amount, dose.amount_unit) == (Decimal("300"), "mg")
    today = alice_client.get(reverse("today")).content.decode()
    assert "Took Magnesium citrate, 300 mg" in today


def test_a_dose_form_without_a_medicine_or_an_amount_without_unit_is_a_400(alice_client, alice):
    assert alice_client.post(reverse("entry-new", args=["dose"]), {"taken_at": ""}).status_code == 400
    med = MedicationFactory(user=alice)
    response = alice_client.post(reverse("entry-new", args=["dose"]), {"medication": med.pk, "amount": "2"})
    assert response.status_code == 400 and "Give the unit" in response.content.decode()
    assert not Dose.objects.exists()


def test_the_api_takes_a_dose_amount_and_unit(alice, alice_api):
    med = MedicationFactory(user=alice, drug_class="vitamin_d")
    payload = {
        "taken_at": dt.datetime.now(dt.UTC).isoformat(),
        "medication": med.pk,
        "amount": 1000,
        "amount_unit": "iu",
    }
    response = alice_api.post("/api/v1/doses/", payload, format="json")
    assert response.status_code == 201, response.content
    assert (Decimal(str(response.json()["amount"])), response.json()["amount_unit"]) == (1000, "iu")
    bad = alice_api.post("/api/v1/doses/", {**payload, "amount_unit": ""}, format="json")
    assert bad.status_code == 400


def test_an_every_day_medicine_is_one_tap_on_today(alice_client, alice, bob):
    med = MedicationFactory(user=alice, name="Magnesium", drug_class="magnesium", regular=True)
    MedicationFactory(user=alice, name="Old", regular=True, stopped_on=dt.date(2020, 1, 1))
    page = alice_client.get(reverse("today")).content.decode()
    assert "Took Magnesium" in page and "Took Old" not in page
    alice_client.post(reverse("medication-took", args=[med.pk]))
    assert Dose.objects.filter(user=alice, medication=med).count() == 1
    page = alice_client.get(reverse("today")).content.decode()
    assert "Magnesium: taken at" in page
    other = MedicationFactory(user=bob, regular=True)
    assert alice_client.post(reverse("medication-took", args=[other.pk])).status_code == 404
    assert not Medication.objects.filter(user=alice, name="x").exists()
