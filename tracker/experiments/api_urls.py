from rest_framework.routers import SimpleRouter

from tracker.experiments import api

router = SimpleRouter()
router.register("experiments", api.ExperimentViewSet, basename="experiment-api")

urlpatterns = router.urls
