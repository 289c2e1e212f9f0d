from django.db.models import Count

from reminders.models import Notification
from reminders.plans import plan_get
from tracker.prepared import Prepared

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
    # The Today page reads the count in its one statement (unread_read, TODAY_READS).
    counted = getattr(request, "today_reads", {}).get("unread")
    if counted is None:
        read, values = unread_read(user)
        counted = read.all(**values)
    return {"unread_notifications": counted[0]["unread"] if counted else 0}


def unread_read(user, day=None) -> tuple[Prepared, dict]:
    return _UNREAD, {"user_id": user.pk}


# On every page: compiled once per process (tracker.prepared); no row when none is unread.
_UNREAD = Prepared(
    lambda user_id: (
        Notification.objects.for_user(user_id).unread().values("user_id").annotate(unread=Count("id")).order_by()
    ),
    user_id=int,
)
