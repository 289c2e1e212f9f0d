"""What a reminder says: smart pacing (how much so far against the goal × the elapsed
share of the waking window) and the message text, title and action links, worded in
the user's units. Text lives in templates under templates/reminders/."""

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db.models import Sum
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from reminders import push, slots
from reminders.links import DRINK_ML, action_url, unsubscribe_url
from reminders.models import Delivery, Kind, Plan, Prompt
from reminders.plans import schedule_of
from tracker.logbook.models import Intake

ML_PER_FL_OZ = 29.5735


@dataclass
class Message:
    title: str
    text: str
    actions: list[dict] = field(default_factory=list)
    unsubscribe_url: str = ""
    html_context: dict = field(default_factory=dict)
    # Buttons on a push notification: {"action", "title", "url"} (reminders/push.py).
    push_actions: list[dict] = field(default_factory=list)

    @property
    def html(self) -> str:
        return render_to_string("reminders/email/reminder.html", self.html_context)


def format_volume(ml: float, units: str) -> str:
    if units == "us":
        return f"{round(ml / ML_PER_FL_OZ):,} fl oz"
    return f"{round(ml):,} ml"


@dataclass(frozen=True)
class Pace:
    so_far_ml: int
    goal_ml: int
    target_ml: int  # goal × elapsed share of the window at the slot
    suggest_ml: int  # what to drink now to stay on pace until the next slot

    @property
    def on_pace(self) -> bool:
        # At the very start of the window nothing is expected yet, and the first
        # reminder of the day is still wanted.
        return self.target_ml > 0 and self.so_far_ml >= self.target_ml

    @property
    def goal_reached(self) -> bool:
        return self.so_far_ml >= self.goal_ml


def pace_at(*, plan: Plan, at: dt.datetime, so_far_ml: int) -> Pace:
    schedule = schedule_of(plan)
    goal = plan.user.goal_ml
    share = slots.window_share(at, schedule)
    next_share = min(1.0, share + (plan.interval_minutes * 60) / _window_seconds(schedule))
    target = round(goal * share)
    want = goal * next_share - so_far_ml
    # In glass-sized steps of 50 ml, never less than a few sips or more than a big glass.
    suggest = int(min(500, max(150, math.ceil(want / 50) * 50)))
    return Pace(so_far_ml=so_far_ml, goal_ml=goal, target_ml=target, suggest_ml=suggest)


def _window_seconds(schedule: slots.Schedule) -> float:
    start = dt.datetime.combine(dt.date(2001, 1, 1), schedule.window_start)
    end = dt.datetime.combine(dt.date(2001, 1, 1), schedule.window_end)
    if end <= start:
        end += dt.timedelta(days=1)
    return (end - start).total_seconds()


def fluid_so_far(*, user, day: dt.date) -> int:
    return Intake.objects.for_user(user).filter(day=day).aggregate(total=Sum("effective_ml"))["total"] or 0


def fluid_for(pairs: set[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], int]:
    """Effective fluid per (user, diary day) for a chunk of deliveries, in one query."""
    if not pairs:
        return {}
    rows = (
        Intake.objects.filter(user_id__in={u for u, _ in pairs}, day__in={d for _, d in pairs})
        .values("user_id", "day")
        .annotate(total=Sum("effective_ml"))
    )
    return {(r["user_id"], r["day"]): r["total"] or 0 for r in rows}


@lru_cache(maxsize=16)
def _template(name: str):
    return get_template(name)


def event_wording(payload: dict) -> tuple[str, str]:
    """The title and text of an event reminder: it carries its own (events.event_payload)."""
    return payload.get("title", "Reminder"), payload.get("text", "")


def message_for(delivery: Delivery, *, pace: Pace | None) -> Message:
    user = delivery.user
    push_actions = []
    if delivery.kind == Kind.EVENT:
        context = {"payload": delivery.payload}
        title, text = event_wording(delivery.payload)
        actions = []
    elif delivery.prompt == Prompt.CHECKIN:
        title = "How was your day?"
        link = settings.SITE_URL + reverse("today")
        text = _template("reminders/messages/checkin.txt").render({"link": link}).strip()
        actions = [{"label": "Add today's check-in", "url": link}]
        context = {"link": link}
    else:
        ml = pace.suggest_ml if pace else DRINK_ML
        amount = format_volume(ml, user.units)
        context = {
            "so_far": format_volume(pace.so_far_ml, user.units) if pace else None,
            "goal": format_volume(pace.goal_ml, user.units) if pace else None,
            "amount": amount,
            "test": delivery.kind == Kind.TEST,
        }
        title = "Test reminder: time for a drink" if delivery.kind == Kind.TEST else "Time for a drink"
        text = _template("reminders/messages/drink.txt").render(context).strip()
        actions = [
            {
                "label": f"I drank {amount}",
                "url": action_url(user_id=user.id, slot=delivery.slot, action="drink", ml=ml),
            },
            {"label": "Snooze 1 h", "url": action_url(user_id=user.id, slot=delivery.slot, action="snooze")},
        ]
        if delivery.channel == "push":  # signing a link is a good share of a reminder's cost
            preset_ml, beverage = push.first_preset(user)
            push_actions = [
                {
                    "action": "drink",
                    "title": push.drank_title(format_volume(preset_ml, user.units), beverage),
                    "url": action_url(
                        user_id=user.id, slot=delivery.slot, action="drink", ml=preset_ml, beverage=beverage
                    ),
                },
                {"action": "snooze", "title": push.SNOOZE_TITLE, "url": actions[1]["url"]},
            ]
    unsubscribe = unsubscribe_url(user_id=user.id) if delivery.channel == "email" else ""
    html_context = {"title": title, "text": text, "actions": actions, "unsubscribe_url": unsubscribe, **context}
    return Message(
        title=title,
        text=text,
        actions=actions,
        unsubscribe_url=unsubscribe,
        html_context=html_context,
        push_actions=push_actions,
    )
