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
