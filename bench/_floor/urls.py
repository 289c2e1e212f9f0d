from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from bench._floor.models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "text", "created_at"]


class NoteViewSet(viewsets.ModelViewSet):
    serializer_class = NoteSerializer

    def get_queryset(self):
        return Note.objects.filter(user=self.request.user)

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)


router = routers.SimpleRouter()
router.register("notes", NoteViewSet, basename="note")
urlpatterns = [path("api/", include(router.urls))]
