"""The experiment journey in a real browser at 390 × 844, as a New York user: start an
experiment, see its block on Today and tick the plan, read a result."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.experiments.conftest import plant_diary
from tests.experiments.diary_sim import simulate
from tests.web.conftest import log_in, screenshot
from tests.web.test_layout import _check
from tracker.experiments import design, selectors, services
from tracker.experiments.models import Adherence, Experiment

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_start_an_experiment_see_the_block_on_today_and_read_a_result(
    web_page, browser_context, live_server, bob, viewport
):
    page = web_page
    log_in(browser_context, live_server, bob)
    page.goto("/experiments/")
    expect(page.get_by_text("plan any change to a medicine with your doctor")).to_be_visible()
    page.get_by_label("Magnesium").check()
    page.get_by_label("1 week").check()
    assert _check(page, viewport) == []
    page.get_by_role("button", name="Start the experiment").click()
    expect(page.locator("h1")).to_have_text("Experiment: magnesium")
    expect(page.locator(".experiment-schedule tbody tr")).to_have_count(7)
    experiment = Experiment.objects.get(user=bob)
    assert _check(page, viewport) == []

    page.goto("/")
    expect(page.get_by_role("heading", name="Experiment: magnesium — run-in (day 1 of 14)")).to_be_visible()

    # Sixteen days on: the first block, its third day. (The dates move, not the clock,
    # so the live server and the browser agree on "today".)
    today = services.user_today(bob)
    Experiment.objects.filter(pk=experiment.pk).update(starts_on=today - dt.timedelta(days=16))
    experiment.refresh_from_db()
    arm = experiment.block_on(today).arm.upper()
    page.goto("/")
    expect(page.get_by_role("heading", name=f"Experiment: magnesium — {arm} this week (day 3 of 7)")).to_be_visible()
    page.get_by_role("button", name="Yes, I followed it").click()
    expect(page.get_by_text("Noted: thank you.")).to_be_visible()
    expect(page.get_by_text("You said yes")).to_be_visible()
    assert Adherence.objects.get(user=bob, day=today).followed is True
    screenshot(page, viewport, "experiment-today")
    assert _check(page, viewport) == []

    # The whole experiment in the past, with a diary in which magnesium halves the cramps.
    length = 14 + 6 * 7
    starts_on = today - dt.timedelta(days=length + 2)
    on_first = design.draw_order(2028, 3)
    Experiment.objects.filter(pk=experiment.pk).update(starts_on=starts_on, seed=2028, on_first=on_first)
    experiment = Experiment.objects.get(pk=experiment.pk)
    logged = simulate(experiment.blocks, seed=2, per_week=4, effect=0.5, logged_share=1.0)
    plant_diary(bob, {d: r for d, r in logged.items() if d < today})
    expected = selectors.experiment_result(experiment=experiment)

    page.goto(f"/experiments/{experiment.pk}/")
    expect(page.get_by_text(expected["summary"])).to_be_visible()
    k = expected["pairs_analysed"]
    floor = "With 3 pairs p cannot go below 0.125." if k == 3 else "(0.125 with all 3)"
    expect(page.get_by_text(floor)).to_be_visible()
    expect(page.get_by_text("Responder rule, fixed before the start")).to_be_visible()
    screenshot(page, viewport, "experiment-result")
    assert _check(page, viewport) == []
