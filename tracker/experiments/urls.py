from django.urls import path

from tracker.experiments import views

urlpatterns = [
    path("experiments/", views.experiments, name="experiments"),
    path("experiments/adherence/", views.adherence, name="experiment-adherence"),
    path("experiments/<int:pk>/", views.experiment_detail, name="experiment-detail"),
    path("experiments/<int:pk>/stop/", views.experiment_stop, name="experiment-stop"),
]
