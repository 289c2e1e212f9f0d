"""Report endpoints: thin views that validate the query string with a strict
serializer (unknown parameters are a 400), call one selector or service, and answer
JSON (or CSV). Every read is scoped to request.user."""

import datetime as dt
import re

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.api import StrictDateField, StrictSerializerMixin
from tracker.reports import exports, selectors, services
from tracker.reports.registry import context_items
from tracker.reports.stats import EVIDENCE_ORDER
from tracker.reports.weeks import user_today, week_resolve

MAX_DAILY_DAYS = 366


class QueryParams(StrictSerializerMixin, serializers.Serializer):
    # A query string is all text: an integer parameter gets its number before the strict
    # JSON-type checks, which were written for bodies; anything else stays as sent.
    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {
                key: int(value)
                if isinstance(self.fields.get(key), serializers.IntegerField)
                and isinstance(value, str)
                and re.fullmatch(r"-?[0-9]{1,9}", value)
                else value
                for key, value in data.items()
            }
        return super().to_internal_value(data)


class WeekQuery(QueryParams):
    week = serializers.CharField(
        required=False,
        max_length=8,
        help_text="ISO week, e.g. 2026-W44; the last complete week when omitted.",
    )

    def validate(self, attrs):
        try:
            attrs["week_start"] = week_resolve(user=self.context["user"], label=attrs.get("week"))
        except ValueError as error:
            raise serializers.ValidationError({"week": [str(error)]}) from error
        if not attrs.get("week"):
            # Without a week: the last complete one, as the page (a week under way is asked for by name).
            attrs["week_start"] -= dt.timedelta(days=7)
        return attrs


class FactorsQuery(QueryParams):
    weeks = serializers.IntegerField(required=False, default=12, min_value=2, max_value=52)


class DailyQuery(QueryParams):
    to = StrictDateField(help_text="Last diary day (inclusive).")

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword, so it is added here rather than declared.
        fields["from"] = StrictDateField(help_text="First diary day (inclusive).")
        return fields

    def validate(self, attrs):
        start, end = attrs["from"], attrs["to"]
        if end < start:
            raise serializers.ValidationError({"to": ["`to` must be on or after `from`."]})
        if (end - start).days + 1 > MAX_DAILY_DAYS:
            raise serializers.ValidationError({"to": [f"Ask for at most {MAX_DAILY_DAYS} days at a time."]})
        if start < dt.date(1900, 1, 1):
            raise serializers.ValidationError({"from": ["Give a date from 1900 onwards."]})
        return attrs


class OutcomesQuery(QueryParams):
    start = StrictDateField(help_text="The chosen start (a medicine, supplement or experiment), a diary day.")

    def validate(self, attrs):
        if attrs["start"] < dt.date(1900, 1, 1):
            raise serializers.ValidationError({"start": ["Give a date from 1900 onwards."]})
        if attrs["start"] > user_today(self.context["user"]):
            raise serializers.ValidationError({"start": ["The start cannot be in the future."]})
        return attrs


# Response shapes, for the OpenAPI schema (design §9; fields may be added, not renamed).
class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    observed = serializers.BooleanField()
    episodes = serializers.IntegerField()
    cramp_day = serializers.BooleanField()
    night_cramps = serializers.IntegerField()
    minutes = serializers.FloatField()
    worst_severity = serializers.IntegerField(allow_null=True)
    fluid_ml = serializers.IntegerField()
    effective_ml = serializers.IntegerField()
    drinks = serializers.IntegerField()
    goal_pct = serializers.IntegerField(
        allow_null=True, help_text="Effective fluid as % of goal (rounded); null: no drinks logged."
    )
    factors = serializers.DictField(
        child=serializers.JSONField(allow_null=True), help_text="Factor key → value over the whole day; null: unknown."
    )
    factors_before_first_cramp = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        allow_null=True,
        help_text="On a cramp day: each factor from what came before the first cramp (the lag-0 exposure).",
    )
    after_first_cramp = serializers.DictField(
        child=serializers.IntegerField(), help_text="Drinks and doses after the first cramp: relief, not exposure."
    )


class FactorResultSerializer(serializers.Serializer):
    factor = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["binary", "continuous"])
    unit = serializers.CharField(allow_blank=True)
    rule = serializers.CharField()
    timed = serializers.BooleanField(help_text="Timed entries count toward a cramp day only before its first cramp.")
    lag = serializers.IntegerField()
    exposed_days = serializers.IntegerField()
    exposed_cramp_days = serializers.IntegerField()
    unexposed_days = serializers.IntegerField()
    unexposed_cramp_days = serializers.IntegerField()
    risk_ratio = serializers.FloatField(
        allow_null=True, help_text="Mantel–Haenszel risk ratio of a cramp day, over 4-week strata."
    )
    rate_ratio = serializers.FloatField(allow_null=True, help_text="The same as risk_ratio (its first name).")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    q_value = serializers.FloatField(allow_null=True)
    persistence_inflation = serializers.FloatField(
        allow_null=True, help_text="The variance widening for day-to-day persistence, (1 + r_x·r_y)/(1 − r_x·r_y)."
    )
    rho = serializers.FloatField(allow_null=True)
    rho_note = serializers.CharField(allow_null=True)
    reverse_p_value = serializers.FloatField(allow_null=True)
    follows_cramps = serializers.BooleanField()
    evidence = serializers.ChoiceField(choices=EVIDENCE_ORDER)
    direction = serializers.ChoiceField(choices=["more", "fewer"], allow_null=True)
    not_comparable_reason = serializers.ChoiceField(
        choices=["all_cramp_days", "no_cramp_days", "always", "never", "daily"], allow_null=True
    )
    days_needed = serializers.IntegerField()
    summary = serializers.CharField()
    verdict = serializers.CharField()


class WindowSerializer(serializers.Serializer):
    to = serializers.DateField()
    days = serializers.IntegerField()
    observed_days = serializers.IntegerField()
    cramp_days = serializers.IntegerField()
    tests = serializers.IntegerField()
    method = serializers.CharField()
    not_comparable = serializers.CharField(allow_null=True)

    def get_fields(self):
        return {"from": serializers.DateField(), **super().get_fields()}


class ContextSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    tested = serializers.BooleanField()


class FactorsResponseSerializer(serializers.Serializer):
    window = WindowSerializer()
    results = FactorResultSerializer(many=True)
    context = ContextSerializer(many=True)


class FactorInfoSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    rule = serializers.CharField()
    cause = serializers.CharField()
    source = serializers.CharField()


class DailyResponseSerializer(serializers.Serializer):
    to = serializers.DateField()
    goal_ml = serializers.IntegerField()
    factors = FactorInfoSerializer(many=True)
    days = DaySerializer(many=True)

    def get_fields(self):
        return {"from": serializers.DateField(), **super().get_fields()}


class EpisodesSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    cramp_days = serializers.IntegerField()
    night_count = serializers.IntegerField()
    nights_with_cramps = serializers.IntegerField()
    mean_severity = serializers.FloatField(allow_null=True)
    worst_severity = serializers.IntegerField(allow_null=True)
    total_minutes = serializers.FloatField()
    mean_duration_seconds = serializers.IntegerField(allow_null=True)
    sleep_disturbed_nights = serializers.IntegerField()
    observed_days = serializers.IntegerField()
    logged_days = serializers.IntegerField()
    per_7_logged_days = serializers.FloatField(allow_null=True)
    cramp_days_per_7_logged_days = serializers.FloatField(allow_null=True)
    by_muscle = serializers.DictField(child=serializers.IntegerField())


class HydrationSerializer(serializers.Serializer):
    total_ml = serializers.IntegerField()
    effective_ml = serializers.IntegerField()
    daily_mean_ml = serializers.IntegerField(allow_null=True, help_text="Per day with a drink logged.")
    daily_mean_effective_ml = serializers.IntegerField(allow_null=True)
    goal_ml = serializers.IntegerField()
    days_goal_met = serializers.IntegerField()
    days_under_60_pct = serializers.IntegerField()
    days_counted = serializers.IntegerField(help_text="Days with a drink logged: the means divide by these.")
    days_with_drinks = serializers.IntegerField()
    days = serializers.IntegerField()


class ReliefSerializer(serializers.Serializer):
    cramp_days = serializers.IntegerField()
    drinks_after = serializers.IntegerField()
    electrolyte_drinks_after = serializers.IntegerField()
    doses_after = serializers.IntegerField()
    summary = serializers.CharField(allow_null=True)


class PreviousWeekSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    cramp_days = serializers.IntegerField()
    logged_days = serializers.IntegerField()
    change_pct = serializers.FloatField(allow_null=True)
    change_low_pct = serializers.FloatField(allow_null=True)
    change_high_pct = serializers.FloatField(allow_null=True)


class BaselineSerializer(serializers.Serializer):
    per_week = serializers.FloatField(allow_null=True, help_text="Cramps per 7 logged days.")
    cramp_days_per_week = serializers.FloatField(allow_null=True)
    weeks_logged = serializers.IntegerField(help_text="Weeks with at least 4 logged days: only these count.")
    logged_days = serializers.IntegerField()
    change_pct = serializers.FloatField(allow_null=True)
    change_low_pct = serializers.FloatField(allow_null=True, help_text="95% exact Poisson interval of the change.")
    change_high_pct = serializers.FloatField(allow_null=True)
    responder_25 = serializers.BooleanField(allow_null=True)
    responder_50 = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why no change is given.")


class FixedBaselineSerializer(BaselineSerializer):
    label = serializers.CharField()
    start = serializers.DateField()


class ChangeSerializer(serializers.Serializer):
    week_complete = serializers.BooleanField()
    logged_days = serializers.IntegerField()
    previous_week = PreviousWeekSerializer()
    baseline_8_weeks = BaselineSerializer()
    fixed_baseline = FixedBaselineSerializer(allow_null=True)
    responder = serializers.BooleanField(
        allow_null=True,
        help_text="At least 25% fewer cramps per logged day than the fixed baseline (else the 8 weeks before); "
        "null for a week in progress or with fewer than 4 logged days.",
    )
    responder_50 = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


class RedFlagSerializer(serializers.Serializer):
    day = serializers.DateField(allow_null=True)
    kind = serializers.ChoiceField(choices=["symptoms", "frequent_cramps"])
    group = serializers.CharField(required=False)
    symptoms = serializers.ListField(child=serializers.CharField())
    source = serializers.ChoiceField(
        choices=["episode", "checkin"],
        required=False,
        help_text="Where it was logged: with a cramp, or in the day's check-in (outside a cramp).",
    )
    cramp_days = serializers.IntegerField(required=False)
    nights = serializers.IntegerField(required=False)
    message = serializers.CharField()


class MedicineSerializer(serializers.Serializer):
    name = serializers.CharField()
    drug_class = serializers.CharField()
    started_on = serializers.DateField(allow_null=True)
    stopped_on = serializers.DateField(allow_null=True, help_text="Null when not stopped by the end of the week.")
    taking = serializers.BooleanField(help_text="Still taken at the end of the week.")


class MedicationChangeSerializer(serializers.Serializer):
    medication = serializers.CharField()
    drug_class = serializers.CharField()
    change = serializers.ChoiceField(choices=["started", "stopped"])
    on = serializers.DateField()
    settle_in_days = serializers.IntegerField()
    before_cramps = serializers.IntegerField()
    before_logged_days = serializers.IntegerField()
    after_cramps = serializers.IntegerField()
    after_logged_days = serializers.IntegerField()
    before_per_week = serializers.FloatField(allow_null=True, help_text="Cramps per 7 logged days.")
    after_per_week = serializers.FloatField(allow_null=True)
    risk_ratio = serializers.FloatField(allow_null=True, help_text="Rate after / rate before.")
    rate_ratio = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True, help_text="Exact Poisson 95% interval.")
    ci_high = serializers.FloatField(allow_null=True)
    before_checkins = serializers.IntegerField()
    after_checkins = serializers.IntegerField()
    after_days = serializers.IntegerField()
    summary = serializers.CharField()


class RemindersSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    acted_on = serializers.IntegerField()


class TrialWeekSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    complete = serializers.BooleanField()
    episodes = EpisodesSerializer()
    change = BaselineSerializer()


class OutcomesResponseSerializer(serializers.Serializer):
    start = serializers.DateField()
    baseline = EpisodesSerializer(help_text="The fixed baseline: the 4 weeks before the start.")
    weeks = TrialWeekSerializer(many=True)


class WeeklyResponseSerializer(serializers.Serializer):
    week = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    timezone = serializers.CharField()
    day_starts_at = serializers.CharField()
    week_starts_on = serializers.CharField()
    complete = serializers.BooleanField()
    in_progress = serializers.BooleanField()
    built_for_day = serializers.DateField()
    generated_at = serializers.DateTimeField()
    stale = serializers.BooleanField()
    episodes = EpisodesSerializer()
    hydration = HydrationSerializer()
    relief = ReliefSerializer()
    days = DaySerializer(many=True)
    factor_keys = serializers.ListField(child=serializers.CharField())
    change = ChangeSerializer()
    factors = FactorResultSerializer(many=True)
    factors_window = WindowSerializer()
    context = ContextSerializer(many=True)
    red_flags = RedFlagSerializer(many=True)
    medication_changes = MedicationChangeSerializer(many=True)
    medicines = MedicineSerializer(
        many=True, help_text="Your medicines as they stood at the end of the week (a later start or stop is left out)."
    )
    reminders = RemindersSerializer()


ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid query parameters, with a message per field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
}


def _query(serializer_class, request, **context):
    serializer = serializer_class(data=request.query_params, context={"user": request.user, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class WeeklyReportView(APIView):
    @extend_schema(
        operation_id="reports_weekly",
        parameters=[WeekQuery],
        responses={200: WeeklyResponseSerializer, **ERRORS},
        summary="The weekly report (built on demand; rebuilt when stale).",
    )
    def get(self, request):
        week_start = _query(WeekQuery, request)["week_start"]
        snapshot = services.weekly_snapshot_get(user=request.user, week_start=week_start)
        return Response(services.weekly_report_json(snapshot=snapshot))


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return exports.errors_csv(data) if isinstance(data, dict) else data


class WeeklyCsvView(APIView):
    # JSON first, so errors read as JSON for a client that accepts anything.
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="reports_weekly_csv",
        parameters=[WeekQuery],
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
        summary="The weekly report's days as CSV.",
    )
    def get(self, request):
        week_start = _query(WeekQuery, request)["week_start"]
        snapshot = services.weekly_snapshot_get(user=request.user, week_start=week_start)
        response = HttpResponse(exports.weekly_csv(snapshot.data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cramps-{snapshot.data["week"]}.csv"'
        return response


class FactorsView(APIView):
    @extend_schema(
        operation_id="reports_factors",
        parameters=[FactorsQuery],
        responses={200: FactorsResponseSerializer, **ERRORS},
        summary="Which factors go with cramp days, over the trailing weeks (observed days only).",
    )
    def get(self, request):
        weeks = _query(FactorsQuery, request)["weeks"]
        report = selectors.factors_report(user=request.user, weeks=weeks)
        return Response({**report, "context": context_items(user=request.user)})


class DailyView(APIView):
    @extend_schema(
        operation_id="reports_daily",
        parameters=[DailyQuery],
        responses={200: DailyResponseSerializer, **ERRORS},
        summary="The daily series: one row per diary day with every factor's value.",
    )
    def get(self, request):
        query = _query(DailyQuery, request)
        series = selectors.daily_series(user=request.user, start=query["from"], end=query["to"])
        return Response(
            {
                "from": series.start.isoformat(),
                "to": series.end.isoformat(),
                "goal_ml": series.goal_ml,
                "factors": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "kind": f.kind,
                        "unit": f.unit,
                        "rule": f.rule,
                        "cause": f.cause,
                        "source": f.source,
                    }
                    for f in series.factors
                ],
                "days": [d.as_json() for d in series.days],
            }
        )


class OutcomesView(APIView):
    @extend_schema(
        operation_id="reports_outcomes",
        parameters=[OutcomesQuery],
        responses={200: OutcomesResponseSerializer, **ERRORS},
        summary="Outcome measures as trials report them around a chosen start, against the 4 weeks before it.",
    )
    def get(self, request):
        start = _query(OutcomesQuery, request)["start"]
        return Response(selectors.outcomes_report(user=request.user, start=start))
