import datetime as dt
from functools import cached_property

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from tracker.experiments import design


class UserScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class ExperimentQuerySet(UserScopedQuerySet):
    def not_stopped(self):
        return self.filter(stopped_at__isnull=True)


class Experiment(models.Model):
    """A randomised self-experiment (an n-of-1 trial): a run-in, then pairs of on/off
    blocks in an order drawn by the server from `seed` and stored with it, so anyone
    can recompute the order (design.draw_order) and see it was not chosen."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    intervention = models.CharField(max_length=32, choices=design.INTERVENTION_CHOICES)
    label = models.CharField(max_length=60, blank=True, validators=[MaxLengthValidator(60)])
    starts_on = models.DateField()
    run_in_days = models.PositiveSmallIntegerField(default=design.DEFAULT_RUN_IN_DAYS)
    block_days = models.PositiveSmallIntegerField()
    pairs = models.PositiveSmallIntegerField(default=design.DEFAULT_PAIRS)
    washout_days = models.PositiveSmallIntegerField(default=design.DEFAULT_WASHOUT_DAYS)
    seed = models.BigIntegerField()
    # Per pair, whether its "on" block comes first: draw_order(seed, pairs), stored as drawn.
    on_first = models.JSONField()
    # The responder rule, fixed before the start.
    responder_partial_pct = models.PositiveSmallIntegerField(default=design.RESPONDER_PARTIAL_PCT)
    responder_full_pct = models.PositiveSmallIntegerField(default=design.RESPONDER_FULL_PCT)
    created_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    # The index of the last block whose start notice went out; claimed with a conditional
    # update so a notice is created once, however often the sweep runs.
    notified_block = models.SmallIntegerField(default=-1)

    objects = ExperimentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [
            # The user's list, newest first, and "the running experiment" on Today.
            models.Index(fields=["user", "-starts_on"], name="experiment_user_starts"),
            # The hourly block-start sweep reads only experiments not stopped.
            models.Index(fields=["starts_on"], condition=models.Q(stopped_at__isnull=True), name="experiment_open"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(block_days__in=design.BLOCK_DAYS_CHOICES), name="exp_block_days"),
            models.CheckConstraint(
                condition=models.Q(pairs__gte=design.MIN_PAIRS, pairs__lte=design.MAX_PAIRS), name="exp_pairs_range"
            ),
            models.CheckConstraint(
                condition=models.Q(washout_days__lte=models.F("block_days") - design.MIN_ANALYSED_DAYS),
                name="exp_washout_leaves_days",
            ),
        ]

    def __str__(self):
        return f"{self.name} from {self.starts_on}"

    @cached_property
    def about(self) -> design.Intervention:
        return design.intervention_for(self.intervention, self.label)

    @property
    def name(self) -> str:
        return self.about.label

    @cached_property
    def blocks(self) -> list[design.Block]:
        return design.schedule(
            starts_on=self.starts_on,
            run_in_days=self.run_in_days,
            block_days=self.block_days,
            on_first=self.on_first,
            washout_days=self.washout_days,
        )

    @property
    def ends_on(self) -> dt.date:
        return self.blocks[-1].ends_on

    def block_on(self, day: dt.date) -> design.Block | None:
        if self.stopped_on is not None and day > self.stopped_on:
            return None
        return design.block_on(self.blocks, day)

    def instruction(self, block: design.Block) -> str:
        if block.arm == design.ON:
            return self.about.on_text
        if block.arm == design.OFF:
            return self.about.off_text
        return "Live as usual and log every day: this is your baseline."


class Adherence(models.Model):
    """The daily "did you follow the plan today?" answer, one per experiment and day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="adherence")
    day = models.DateField()
    followed = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserScopedQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["experiment", "day"], name="adherence_one_per_day")]
        indexes = [models.Index(fields=["user", "day"], name="adherence_user_day")]
