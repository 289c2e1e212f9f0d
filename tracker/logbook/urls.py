from django.urls import path

from tracker.logbook import views

urlpatterns = [
    path("", views.today, name="today"),
]
