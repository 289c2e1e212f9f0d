from reminders.models import Notification
from reminders.plans import plan_get

_PLAN_CHECKED = "reminders_plan_checked"


def notifications(request):
    """The unread badge for the nav. The first page a user opens also creates their
    reminder plan (in-app reminders on), remembered in the session so later pages
    pay one query: the unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    session = getattr(request, "session", None)
    if session is not None and not session.get(_PLAN_CHECKED):
        plan_get(user=user)
        session[_PLAN_CHECKED] = True
    return {"unread_notifications": Notification.objects.for_user(user).unread().count()}
