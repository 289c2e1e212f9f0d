from django.urls import path

from tracker.logbook import views

urlpatterns = [
    path("", views.today, name="today"),
    path("drink/", views.drink_log, name="drink-log"),
    path("cramp/", views.cramp, name="cramp"),
    path("took/<int:pk>/", views.medication_took, name="medication-took"),
    path("log/<str:kind>/", views.entry_new, name="entry-new"),
    path("entries/<str:kind>/<int:pk>/", views.entry_edit, name="entry-edit"),
    path("entries/<str:kind>/<int:pk>/delete/", views.entry_delete, name="entry-delete"),
    path("deleted/<int:pk>/restore/", views.entry_restore, name="entry-restore"),
    path("checkin/", views.checkin, name="checkin"),
    path("history/", views.history, name="history"),
]
