from django.urls import path

from tracker.reports import views

urlpatterns = [
    path("reports/weekly/", views.weekly, name="reports-weekly"),
    path("reports/weekly/chart.svg", views.weekly_chart, name="reports-weekly-chart"),
    path("reports/factors/", views.factors, name="reports-factors"),
    path("reports/print/", views.print_view, name="reports-print"),
    path("reports/print/chart.svg", views.print_chart, name="reports-print-chart"),
]
