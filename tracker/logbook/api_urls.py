from rest_framework.routers import SimpleRouter

from tracker.logbook import api

router = SimpleRouter()
router.register("episodes", api.EpisodeViewSet, basename="episode")
router.register("intakes", api.IntakeViewSet, basename="intake")
router.register("activities", api.ActivityViewSet, basename="activity")
router.register("doses", api.DoseViewSet, basename="dose")
router.register("checkins", api.CheckInViewSet, basename="checkin")
router.register("deleted", api.DeletedEntryViewSet, basename="deleted-entry")

urlpatterns = router.urls
