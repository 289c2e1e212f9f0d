import datetime as dt

import pytest
from django.core.management import call_command

from accounts.models import User
from tracker.reports import selectors


@pytest.mark.django_db
def test_the_analysis_finds_the_demo_datas_planted_low_fluid_link():
    call_command("seed_demo")
    demo = User.objects.get(email="demo@example.com")
    report = selectors.factors_report(user=demo, weeks=12)
    low_fluid = {r["lag"]: r for r in report["results"] if r["factor"] == "low_fluid"}
    assert {low_fluid[0]["evidence"], low_fluid[1]["evidence"]} & {"strong", "moderate"}, low_fluid
    assert report["window"]["observed_days"] >= 14
    assert dt.date.fromisoformat(report["window"]["to"]) >= dt.date.fromisoformat(report["window"]["from"])
