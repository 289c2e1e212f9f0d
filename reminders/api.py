from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from reminders import channel_setup, events, inbox, plans
from reminders.models import CHANNEL_NAMES, Delivery, Notification, Plan, PushSubscription
from tracker.api import AwareDateTimeField, HourMinuteField, StrictModelSerializer, StrictSerializerMixin


class PlanSerializer(StrictModelSerializer):
    window_start = HourMinuteField()
    window_end = HourMinuteField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=CHANNEL_NAMES), required=False)
    quiet_days = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), required=False)
    # With its offset; how far ahead is the service's rule (plans.plan_update).
    snoozed_until = AwareDateTimeField(required=False, allow_null=True)

    class Meta:
        model = Plan
        fields = [*plans.PLAN_FIELDS, "next_due_at"]
        read_only_fields = ["next_due_at"]

    def update(self, instance, validated_data):
        return plans.plan_update(plan=instance, **validated_data)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "kind", "prompt", "slot", "channel", "status", "attempts", "sent_at", "error"]
        read_only_fields = fields


class NotificationSerializer(StrictModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "created_at", "title", "body", "read", "actions"]
        read_only_fields = ["id", "created_at", "title", "body", "actions"]


class PlanView(generics.RetrieveUpdateAPIView):
    serializer_class = PlanSerializer
    queryset = Plan.objects.none()  # names the model for the schema; the object is the user's own plan

    def get_object(self):
        return plans.plan_get(user=self.request.user)


class DeliveryList(generics.ListAPIView):
    serializer_class = DeliverySerializer
    queryset = Delivery.objects.none()  # names the model for the schema; rows come from get_queryset

    def get_queryset(self):
        return Delivery.objects.for_user(self.request.user)


class TestReminderView(APIView):
    @extend_schema(request=None, responses={202: DeliverySerializer(many=True)})
    def post(self, request):
        try:
            with transaction.atomic():
                rows = events.delivery_test_send(user=request.user)
        except events.SendTooSoon as too_soon:
            raise exceptions.Throttled(wait=too_soon.retry_after, detail="One test reminder a minute.") from too_soon
        return Response(DeliverySerializer(rows, many=True).data, status=status.HTTP_202_ACCEPTED)


class NotificationViewSet(mixins.ListModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # names the model for the schema; rows come from get_queryset
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        qs = Notification.objects.for_user(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.unread()
        return qs


def _model_max_length(name: str) -> int:
    return PushSubscription._meta.get_field(name).max_length


BASE64URL = r"^[A-Za-z0-9_-]+={0,2}$"


class PushKeysSerializer(StrictSerializerMixin, serializers.Serializer):
    # As long as the columns that store them: a longer key is a 400, not a database error.
    p256dh = serializers.RegexField(BASE64URL, max_length=_model_max_length("p256dh"))
    auth = serializers.RegexField(BASE64URL, max_length=_model_max_length("auth"))


class PushSubscriptionSerializer(StrictSerializerMixin, serializers.Serializer):
    endpoint = serializers.URLField(max_length=_model_max_length("endpoint"))
    keys = PushKeysSerializer(required=False)


class PushSubscriptionView(APIView):
    @extend_schema(request=PushSubscriptionSerializer, responses={201: None})
    def post(self, request):
        serializer = PushSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keys = serializer.validated_data.get("keys") or {}
        if not keys:
            raise serializers.ValidationError({"keys": ["Give both p256dh and auth."]})
        # Subscribing is the user's whole answer: push joins the plan's channels too.
        channel_setup.push_enable(
            user=request.user, endpoint=serializer.validated_data["endpoint"], p256dh=keys["p256dh"], auth=keys["auth"]
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=PushSubscriptionSerializer, responses={204: None})
    def delete(self, request):
        serializer = PushSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inbox.push_unsubscribe(user=request.user, endpoint=serializer.validated_data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretSerializer(serializers.Serializer):
    webhook_secret = serializers.CharField(read_only=True, help_text="Shown this once: store it now.")


class WebhookSecretView(APIView):
    """Replace the webhook signing secret (HMAC-SHA256 of the body, header X-Signature-256).
    The new secret is in this answer only; the old one stops working at once."""

    @extend_schema(request=None, responses={201: WebhookSecretSerializer})
    def post(self, request):
        secret = channel_setup.webhook_secret_rotate(plan=plans.plan_get(user=request.user))
        return Response({"webhook_secret": secret}, status=status.HTTP_201_CREATED)
