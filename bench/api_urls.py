"""The project's URLs plus /bench/bare-intakes/: a bare authenticated ModelViewSet
POST (no services, no diary-day rule, no idempotency) as the baseline of design §11."""

import datetime as dt

from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from tracker.logbook.models import Intake
from tracker.urls import urlpatterns as project_urlpatterns


class BareIntakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Intake
        fields = ["id", "taken_at", "volume_ml", "beverage"]


class BareIntakeViewSet(viewsets.ModelViewSet):
    serializer_class = BareIntakeSerializer

    def get_queryset(self):
        return Intake.objects.filter(user=self.request.user)

    def perform_create(self, serializer):
        serializer.save(
            user=self.request.user, day=dt.date.today(), effective_ml=serializer.validated_data["volume_ml"]
        )


router = SimpleRouter()
router.register("bare-intakes", BareIntakeViewSet, basename="bare-intake")
urlpatterns = [path("bench/", include(router.urls)), *project_urlpatterns]
