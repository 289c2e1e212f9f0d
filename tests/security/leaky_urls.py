"""A deliberately broken API for the access test to catch: its queryset forgets the
owner. Only tests/security/test_access.py mounts it."""

from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from tracker.logbook.models import Episode


class LeakySerializer(serializers.ModelSerializer):
    class Meta:
        model = Episode
        fields = ["id", "notes", "severity"]


class LeakyViewSet(viewsets.ModelViewSet):
    serializer_class = LeakySerializer
    queryset = Episode.objects.all()  # the bug: not Episode.objects.for_user(...)


router = routers.SimpleRouter()
router.register("leaky", LeakyViewSet, basename="leaky")

urlpatterns = [path("api/v1/", include(router.urls))]
