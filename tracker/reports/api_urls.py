from django.urls import path

from tracker.reports import api

urlpatterns = [
    path("reports/weekly/", api.WeeklyReportView.as_view(), name="api-reports-weekly"),
    path("reports/weekly/csv/", api.WeeklyCsvView.as_view(), name="api-reports-weekly-csv"),
    path("reports/factors/", api.FactorsView.as_view(), name="api-reports-factors"),
    path("reports/daily/", api.DailyView.as_view(), name="api-reports-daily"),
    path("reports/outcomes/", api.OutcomesView.as_view(), name="api-reports-outcomes"),
]
