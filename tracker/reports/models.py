from django.conf import settings
from django.db import models


class WeeklySnapshotQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class WeeklySnapshot(models.Model):
    """The weekly report of one user and week, as built (JSON-ready). A logbook write in
    a day the report reads marks it stale; the next read rebuilds it. `version` moves
    with every stale mark, so a build that raced a write does not mark itself fresh."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The first diary day of the week (a Monday, or a Sunday for a Sunday week start).
    week_start = models.DateField()
    data = models.JSONField(default=dict)
    stale = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = WeeklySnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            # Also the index of the read (user, week_start) and of the stale-marking UPDATE.
            models.UniqueConstraint(fields=["user", "week_start"], name="weekly_snapshot_one_per_user_week"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.week_start}"


class ReportSchedule(models.Model):
    """When a user's next weekly report is due, and which week's email is still owed.

    The sweep claims a due row by moving `next_report_at` from the value it read
    (healthchecks' sendreports: a conditional UPDATE, go on only with the rows it moved)
    and records the owed week in the same UPDATE, so a report missed during an outage
    is built late, once. `owed_week` is cleared only after the email went out (or the
    week had nothing to send); a failure leaves it owed with a later `retry_at`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="report_schedule"
    )
    # The user's local week start at 07:00, in UTC.
    next_report_at = models.DateTimeField()
    # The first diary day of the week whose report is owed; null when nothing is owed.
    owed_week = models.DateField(null=True, blank=True)
    # When the owed report may be (re)published: a lease while a worker has it, a
    # backoff after a failure.
    retry_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    last_sent_week = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            # The claim: "due rows, oldest first".
            models.Index(fields=["next_report_at"], name="report_schedule_due"),
            # The publish: "owed rows whose lease or backoff has lapsed".
            models.Index(fields=["retry_at"], name="report_schedule_owed", condition=models.Q(owed_week__isnull=False)),
        ]

    def __str__(self):
        return f"{self.user_id} next {self.next_report_at:%Y-%m-%d %H:%M}"
