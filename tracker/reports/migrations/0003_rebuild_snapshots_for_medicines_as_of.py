from django.db import migrations
from django.db.models import F


def mark_stale(apps, schema_editor):
    # Snapshots built before this read medicines as of the day they were built, not as
    # of their week, and lack the week's medicine list and check-in red flags: the next
    # read rebuilds each one (the emails already sent stay as sent).
    WeeklySnapshot = apps.get_model("reports", "WeeklySnapshot")
    WeeklySnapshot.objects.update(stale=True, version=F("version") + 1)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_report_schedule"), ("logbook", "0007_checkin_red_flags")]

    operations = [migrations.RunPython(mark_stale, migrations.RunPython.noop)]
