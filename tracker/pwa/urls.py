from django.urls import path

from tracker.pwa import setup, views

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="web-manifest"),
    # At the site root, so the worker's scope covers every page.
    path("sw.js", views.service_worker, name="service-worker"),
    path("offline/", views.offline, name="offline"),
    path("welcome/", setup.welcome, name="welcome"),
    path("welcome/<str:step>/", setup.welcome, name="welcome-step"),
]
