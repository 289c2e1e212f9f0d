"""What a Web Push reminder carries: the text and, on a drink reminder, two actions the
notification shows as buttons — "Drank 250 ml" (the user's first drink preset, in
their units) and "Snooze 1 h". The service worker posts an action's signed one-tap
link without opening the app. Pure: the links are signed by the caller."""

from django.conf import settings
from django.urls import reverse

FALLBACK_PRESET = {"volume_ml": 250, "beverage": "water"}
SNOOZE_TITLE = "Snooze 1 h"


def first_preset(user) -> tuple[int, str]:
    """(ml, beverage) of the first drink preset on the user's Today page."""
    presets = user.drink_presets or [FALLBACK_PRESET]
    first = presets[0] if isinstance(presets[0], dict) else FALLBACK_PRESET
    return int(first.get("volume_ml") or FALLBACK_PRESET["volume_ml"]), first.get("beverage") or "water"


def drank_title(amount: str, beverage: str) -> str:
    # Short: a phone shows an action button's first 20-odd characters.
    return f"Drank {amount}" if beverage == "water" else f"Drank {amount} {beverage.replace('_', ' ')}"


def payload(delivery, message) -> dict:
    """The JSON the service worker's push handler reads (templates/pwa/sw.js)."""
    # One drink or check-in reminder on the lock screen at a time: a new one replaces the
    # last; event reminders (after a cramp, after exercise) stand on their own.
    tag = "reminder" if delivery.kind != "event" else f"event-{delivery.id}"
    return {
        "title": message.title,
        "body": message.text,
        "tag": tag,
        # A tap on the notification itself (not a button) opens Today.
        "url": settings.SITE_URL + reverse("today"),
        "actions": message.push_actions,
    }
