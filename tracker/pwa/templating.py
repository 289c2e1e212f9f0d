"""The installable app's template helper (tracker/templating.py)."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from tracker.logbook.forms import DURATION_CHIPS
from tracker.logbook.views import presets_of


def pwa_config(user):
    """What the offline queue needs to turn a form into an API call with no
    connection: the user's drink presets, units, zone, day start and sleep window."""
    if user is None or not user.is_authenticated:
        return ""
    data = {
        # Entries queued offline belong to who made them: another login on the same
        # phone must not send them.
        "user": user.pk,
        "presets": [
            {"volume_ml": p.get("volume_ml"), "beverage": p.get("beverage") or "water"} for p in presets_of(user)
        ],
        "units": user.units,
        "timezone": user.timezone,
        "day_starts_at": user.day_starts_at.strftime("%H:%M"),
        # The quick cramp logger's "earlier tonight" / "last night" and duration chips.
        "sleep_starts_at": user.sleep_starts_at.strftime("%H:%M"),
        "sleep_ends_at": user.sleep_ends_at.strftime("%H:%M"),
        "cramp_durations": {chip: seconds for chip, (_label, seconds) in DURATION_CHIPS.items()},
    }
    # A data attribute rather than a <script type="application/json">: pages carry no
    # inline <script> element at all (tests/reports check that for the strict CSP).
    return json.dumps(data, cls=DjangoJSONEncoder)


GLOBALS = {"pwa_config": pwa_config}
