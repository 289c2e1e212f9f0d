"""Signed links a reminder carries: the one-tap actions ("I drank 250 ml", "snooze
1 h"), one salt per action and expiring, and the email unsubscribe link. Reading a
link changes nothing; carrying an action out is reminders.actions."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

ACTIONS = ("drink", "snooze")
ACTION_MAX_AGE = dt.timedelta(hours=12)
DRINK_ML = 250  # the amount on a link when no pacing suggests another
UNSUBSCRIBE_SALT = "reminders.unsubscribe"


class ActionRefused(Exception):
    pass


@dataclass(frozen=True)
class ActionRequest:
    action: str
    user_id: int
    slot: dt.datetime
    ml: int
    beverage: str = "water"


@lru_cache(maxsize=8)
def _signer(action: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"reminders.action.{action}")


@lru_cache(maxsize=8)
def _action_prefix(action: str) -> str:
    # reverse() once per action rather than once per reminder (hot in a busy minute).
    return reverse("reminders-action", args=[action, "TOKEN"]).removesuffix("TOKEN/")


def action_token(*, user_id: int, slot: dt.datetime, action: str, ml: int = DRINK_ML, beverage: str = "water") -> str:
    data = {"u": user_id, "s": slot.isoformat(), "ml": ml}
    if beverage != "water":  # a drink preset's beverage; water links stay as they were
        data["b"] = beverage
    return _signer(action).sign_object(data)


def action_url(*, user_id: int, slot: dt.datetime, action: str, ml: int = DRINK_ML, beverage: str = "water") -> str:
    token = action_token(user_id=user_id, slot=slot, action=action, ml=ml, beverage=beverage)
    return f"{settings.SITE_URL}{_action_prefix(action)}{token}/"


def action_read(*, action: str, token: str) -> ActionRequest:
    if action not in ACTIONS:
        raise ActionRefused("This link is not valid.")
    try:
        data = _signer(action).unsign_object(token, max_age=ACTION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ActionRefused("This link has expired. Log your drink in the app instead.") from error
    except signing.BadSignature as error:
        raise ActionRefused("This link is not valid; it may have been changed or cut short.") from error
    return ActionRequest(
        action=action,
        user_id=data["u"],
        slot=dt.datetime.fromisoformat(data["s"]),
        ml=int(data["ml"]),
        beverage=str(data.get("b", "water")),
    )


def unsubscribe_url(*, user_id: int) -> str:
    token = signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("reminders-unsubscribe", args=[token])


def unsubscribe_read(*, token: str) -> int:
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"]
    except signing.BadSignature as error:
        raise ActionRefused("This link is not valid.") from error
