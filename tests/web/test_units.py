"""Units: stored in ml, never re-saved through rounded display units."""

from decimal import Decimal
from html.parser import HTMLParser

from django.urls import reverse

from tracker.logbook.views import DEFAULT_PRESETS


class _Boxes(HTMLParser):
    """What the page shows in each form box: {name: value} (a select's selected option)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio", "submit"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.values):
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _boxes(page) -> dict[str, str]:
    parser = _Boxes()
    parser.feed(page.content.decode())
    return parser.values


def _settings_post(client, units: str, goal: str) -> None:
    shown = _boxes(client.get(reverse("settings")))
    data = {
        "profile-timezone": "America/New_York",
        "profile-day_starts_at": "04:00",
        "profile-units": units,
        "profile-week_starts_on": "monday",
        "profile-body_weight": shown["profile-body_weight"],
        "profile-daily_goal": goal,
    }
    # Exactly what the page shows in each preset box, and the formset's management form.
    data.update({name: value for name, value in shown.items() if name.startswith("presets-")})
    response = client.post(reverse("settings"), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_switching_to_us_units_and_back_keeps_the_250_ml_glass_exactly(client, bob):
    """Defect: switching units and back turned the 250 ml glass into 251 ml."""
    bob.daily_goal_ml = 2000
    bob.body_weight_kg = Decimal("70.0")
    bob.save()
    client.force_login(bob)
    _settings_post(client, "us", goal="2000")  # shown in ml, saved, now in US units
    bob.refresh_from_db()
    assert bob.units == "us"
    assert "8.5" in client.get(reverse("settings")).content.decode()
    for _ in range(3):
        _settings_post(client, "us", goal="67.6")  # saved again as shown in fl oz
    _settings_post(client, "metric", goal="67.6")
    bob.refresh_from_db()
    assert [p["volume_ml"] for p in bob.drink_presets] == [p["volume_ml"] for p in DEFAULT_PRESETS] == [250, 500, 300]
    assert bob.daily_goal_ml == 2000
    assert bob.body_weight_kg == Decimal("70.0")


def test_a_changed_amount_in_fl_oz_is_converted(client, bob):
    bob.units = "us"
    bob.save()
    client.force_login(bob)
    _settings_post(client, "us", goal="")
    assert _boxes(client.get(reverse("settings")))["presets-0-amount"] == "8.5"
    bob.refresh_from_db()
    assert bob.drink_presets[0]["volume_ml"] == 250


def test_today_speaks_fl_oz_for_a_us_user(client, bob):
    bob.units = "us"
    bob.save()
    client.force_login(bob)
    client.post(reverse("drink-log"), {"preset": "0"})
    body = client.get(reverse("today")).content.decode()
    assert "Logged 8.5 fl oz of water." in body and "250 ml" not in body


def test_the_activity_form_says_an_activity_and_starts_from_sensible_defaults(client, bob):
    """Defect: "Log a activity" and an empty form."""
    from tests.factories import ActivityFactory

    client.force_login(bob)
    body = client.get(reverse("entry-new", args=["activity"])).content.decode()
    assert "Log an activity" in body and "Log a activity" not in body
    assert 'name="duration_minutes" value="30"' in body
    assert '<option value="moderate" selected>' in body
    ActivityFactory(user=bob, kind="cycling")
    body = client.get(reverse("entry-new", args=["activity"])).content.decode()
    assert '<option value="cycling" selected>' in body


def test_plurals_in_the_weekly_outcomes_and_factors_read_right(client, bob):
    """Defect: "(on 1 nights)" and "1 more days needed"."""
    from django.template.loader import render_to_string

    outcomes = render_to_string("reports/_outcomes.html", {"episodes": {"night_count": 1, "nights_with_cramps": 1}})
    assert "(on 1 night)" in outcomes
    assert "(on 2 nights)" in render_to_string(
        "reports/_outcomes.html", {"episodes": {"night_count": 2, "nights_with_cramps": 2}}
    )
    row = {"evidence": "insufficient", "days_needed": 1}
    factors = render_to_string("reports/_factors_table.html", {"rows": [row]})
    assert "1 more day needed" in factors and "1 more days needed" not in factors
