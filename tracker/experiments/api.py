"""REST API for self-experiments: start one (the server draws the order), list, read
with the result so far, stop. Thin: validation in the strict serializer, rules in
services, reads in selectors."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tracker.api import IdempotentCreateMixin, StrictDateField, StrictSerializer, cursor_pagination
from tracker.experiments import analysis, design, selectors, services
from tracker.experiments.models import Experiment


@extend_schema_field({"type": "integer", "enum": list(design.BLOCK_DAYS_CHOICES)})
class BlockDaysField(serializers.IntegerField):
    pass


class ExperimentCreateSerializer(StrictSerializer):
    intervention = serializers.ChoiceField(
        choices=design.INTERVENTION_CHOICES,
        help_text="A change you control. Prescription medicines are not offered: plan those with your doctor.",
    )
    label = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text="Your own name for it (required for custom)."
    )
    block_days = BlockDaysField(help_text="Length of each on or off block: 7 or 14 days.")
    pairs = serializers.IntegerField(
        min_value=design.MIN_PAIRS, max_value=design.MAX_PAIRS, required=False, default=design.DEFAULT_PAIRS
    )
    run_in_days = serializers.IntegerField(
        min_value=design.MIN_RUN_IN_DAYS,
        max_value=design.MAX_RUN_IN_DAYS,
        required=False,
        default=design.DEFAULT_RUN_IN_DAYS,
    )
    washout_days = serializers.IntegerField(
        min_value=0,
        max_value=max(design.BLOCK_DAYS_CHOICES) - design.MIN_ANALYSED_DAYS,
        required=False,
        default=design.DEFAULT_WASHOUT_DAYS,
        help_text="Days at the start of each block left out of the analysis (at most block_days - 4).",
    )
    starts_on = StrictDateField(required=False, help_text="Default: today (your diary day).")

    def validate_block_days(self, value):
        if value not in design.BLOCK_DAYS_CHOICES:
            raise serializers.ValidationError("Blocks last 7 or 14 days.")
        return value


class AdherenceSerializer(StrictSerializer):
    day = StrictDateField(required=False, help_text="A diary day of an on/off block; default today.")
    followed = serializers.BooleanField(help_text="Whether the block's plan was followed that day.")


class BlockSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    pair = serializers.IntegerField(allow_null=True, help_text="1-based; null for the run-in.")
    arm = serializers.ChoiceField(choices=[design.RUN_IN, design.ON, design.OFF])
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    analysed_from = serializers.DateField(help_text="The first day after the washout.")


class ExperimentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    seed = serializers.CharField(read_only=True, help_text="The random seed the order was drawn from (as text).")
    order = serializers.SerializerMethodField(help_text='Per pair, "on-off" or "off-on", as drawn.')
    status = serializers.SerializerMethodField()
    blocks = serializers.SerializerMethodField()

    class Meta:
        model = Experiment
        fields = [
            "id",
            "intervention",
            "label",
            "name",
            "starts_on",
            "ends_on",
            "run_in_days",
            "block_days",
            "pairs",
            "washout_days",
            "seed",
            "order",
            "responder_partial_pct",
            "responder_full_pct",
            "status",
            "stopped_on",
            "created_at",
            "blocks",
        ]
        read_only_fields = fields

    def get_order(self, experiment) -> list[str]:
        return ["on-off" if first else "off-on" for first in experiment.on_first]

    @extend_schema_field(serializers.ChoiceField(choices=analysis.STATUSES))
    def get_status(self, experiment) -> str:
        return selectors.experiment_status(experiment, self.context["today"])

    @extend_schema_field(BlockSerializer(many=True))
    def get_blocks(self, experiment) -> list[dict]:
        return [block.as_json() for block in experiment.blocks]


class ExperimentDetailSerializer(ExperimentSerializer):
    result = serializers.SerializerMethodField(
        help_text="The analysis so far (null before anything was logged): outcomes per arm and pair, "
        "the randomisation p, the rate ratio with its exact Poisson interval, the responder rule, "
        "adherence and a verdict in words."
    )

    class Meta(ExperimentSerializer.Meta):
        fields = [*ExperimentSerializer.Meta.fields, "result"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
    def get_result(self, experiment) -> dict | None:
        return selectors.experiment_result(experiment=experiment, today=self.context["today"])


class _CreateAnswersWithDetail:
    # Below IdempotentCreateMixin in the MRO, so a replayed key answers as this did.
    def create(self, request, *args, **kwargs):
        serializer = ExperimentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        experiment = services.experiment_start(user=request.user, **serializer.validated_data)
        return self._detail(experiment, status.HTTP_201_CREATED)


class ExperimentViewSet(
    IdempotentCreateMixin,
    _CreateAnswersWithDetail,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Experiment.objects.none()  # for the schema; requests use get_queryset
    pagination_class = cursor_pagination("-starts_on", "-id")

    def get_queryset(self):
        return Experiment.objects.for_user(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return ExperimentCreateSerializer
        if self.action == "list":
            return ExperimentSerializer
        return ExperimentDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.user.is_authenticated:
            context["today"] = services.user_today(self.request.user)
        return context

    @extend_schema(
        request=ExperimentCreateSerializer,
        responses={201: ExperimentDetailSerializer},
        examples=[
            OpenApiExample("Magnesium, 7-day blocks", value={"intervention": "magnesium", "block_days": 7}),
        ],
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def _detail(self, experiment, code=status.HTTP_200_OK) -> Response:
        return Response(ExperimentDetailSerializer(experiment, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=AdherenceSerializer, responses={200: AdherenceSerializer})
    @action(detail=True, methods=["post"])
    def adherence(self, request, pk=None):
        """The daily "did you follow the plan?" answer; a second answer for a day replaces the first."""
        experiment = self.get_object()
        serializer = AdherenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.adherence_record(user=request.user, experiment=experiment, **serializer.validated_data)
        return Response({"day": row.day.isoformat(), "followed": row.followed})

    @extend_schema(request=None, responses={200: ExperimentDetailSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        experiment = services.experiment_stop(experiment=self.get_object())
        return self._detail(experiment)
