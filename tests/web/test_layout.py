"""Every page at 390 px and at desktop width: nothing scrolls sideways on a phone,
every tap target is at least 44 px, no serious or critical axe violation, and no
CSP or script error in the console."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from accounts.models import ApiToken
from tests.factories import CheckInFactory, DoseFactory, EpisodeFactory, IntakeFactory, MedicationFactory
from tests.web.conftest import log_in

pytestmark = pytest.mark.browser

AXE = Axe()  # bundles axe.min.js: runs offline

SMALL_TARGETS_JS = """
() => {
  const small = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(selector)) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      // The tap target of a box is its label (wrapping it or pointing at it).
      target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    }
    const r = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (r.width <= 1 || r.height <= 1 || style.visibility === 'hidden') continue;  // not shown
    if (r.right <= 0 || r.bottom <= 0) continue;  // off-screen until focused (skip link)
    if (r.width < 44 || r.height < 44) {
      const text = (target.innerText || target.name || '').trim().slice(0, 40);
      small.push(`${target.tagName.toLowerCase()} "${text}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return small;
}
"""


@pytest.fixture
def alice_with_data(alice):
    med = MedicationFactory(user=alice, name="Example tablet")
    episode = EpisodeFactory(user=alice, symptoms=["swelling"], notes="woke me")
    IntakeFactory(user=alice, beverage="milk")
    DoseFactory(user=alice, medication=med)
    CheckInFactory(user=alice, sleep_hours=7)
    ApiToken.objects.create(user=alice, name="phone", digest="d" * 64, prefix="abcdefgh")
    return alice, episode


ANONYMOUS_PAGES = ["login", "signup", "password_reset"]
PAGES = [
    "today",
    "cramp",
    "checkin",
    "history",
    "settings",
    "medications",
    "tokens",
    "export",
    "account-delete",
    ("entry-new", "episode"),
    ("entry-new", "intake"),
    ("entry-new", "activity"),
    ("entry-new", "dose"),
    "entry-edit",
    "entry-delete",
    "medication-edit",
]


def _url(page_name, episode, alice):
    if page_name in ("entry-edit", "entry-delete"):
        return reverse(page_name, args=["episode", episode.pk])
    if page_name == "medication-edit":
        return reverse(page_name, args=[alice.medications.first().pk])
    if isinstance(page_name, tuple):
        return reverse(page_name[0], args=page_name[1:])
    return reverse(page_name)


def _check(page, viewport):
    problems = []
    if viewport == "phone":
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"scrolls sideways by {overflow}px")
        small = page.evaluate(SMALL_TARGETS_JS)
        if small:
            problems.append(f"tap targets under 44px: {small}")
    results = AXE.run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    if bad:
        problems.append(
            "axe: " + "; ".join(f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad)
        )
    if page.console_errors:
        problems.append(f"console: {page.console_errors}")
    return problems


def test_every_signed_in_page_fits_a_phone_and_passes_axe(
    web_page, browser_context, live_server, alice_with_data, viewport
):
    alice, episode = alice_with_data
    log_in(browser_context, live_server, alice)
    failures = {}
    for name in PAGES:
        web_page.goto(_url(name, episode, alice))
        # Open the disclosure widgets too, so what they hide is checked.
        for details in web_page.locator("details").all():
            details.evaluate("el => el.open = true")
        problems = _check(web_page, viewport)
        if problems:
            failures[str(name)] = problems
    assert failures == {}


def test_every_anonymous_page_fits_a_phone_and_passes_axe(web_page, viewport, db):
    failures = {}
    for name in ANONYMOUS_PAGES:
        web_page.goto(reverse(name))
        problems = _check(web_page, viewport)
        if problems:
            failures[name] = problems
    assert failures == {}


def test_form_errors_are_shown_next_to_fields_and_pass_axe(web_page, browser_context, live_server, alice, viewport):
    log_in(browser_context, live_server, alice)
    web_page.goto(reverse("entry-new", args=["episode"]))
    web_page.get_by_label("Severity").fill("12")
    web_page.get_by_role("button", name="Save").click()
    field = web_page.get_by_label("Severity")
    assert field.get_attribute("aria-invalid") == "true"
    assert "less than or equal to 10" in web_page.locator(".field", has=field).inner_text()
    # The page answers 400 (the form was refused); Chromium logs that status, nothing else.
    web_page.console_errors[:] = [e for e in web_page.console_errors if "status of 400" not in e]
    assert _check(web_page, viewport) == []


def test_the_main_nav_is_one_row_on_a_phone_with_the_rest_and_the_unread_count_behind_menu(
    web_page, browser_context, live_server, alice, viewport
):
    from reminders.models import Notification

    Notification.objects.create(user=alice, title="Time for a drink", body="Your glass is waiting.")
    log_in(browser_context, live_server, alice)
    web_page.goto(reverse("today"))
    nav = web_page.get_by_role("navigation", name="Main")
    main_links = [nav.get_by_role("link", name=name, exact=True) for name in ("Today", "Cramp", "Check-in")]
    history = nav.get_by_role("link", name="History")
    log_out = nav.get_by_role("button", name="Log out")
    assert all(link.is_visible() for link in main_links)
    web_page.locator("details").first.evaluate("el => el.open = true")
    assert _check(web_page, viewport) == []  # with the unread count shown
    web_page.locator("details").first.evaluate("el => el.open = false")
    if viewport == "phone":
        menu = nav.locator("summary")
        assert menu.locator(".badge").is_visible() and menu.locator(".badge").inner_text() == "1"
        assert "1 unread notifications" in menu.text_content()
        tops = {round(box["y"]) for box in (el.bounding_box() for el in [*main_links, menu])}
        assert len(tops) == 1  # one row under the brand
        assert not history.is_visible() and not log_out.is_visible()
        menu.click()
        assert history.is_visible() and log_out.is_visible()
        assert nav.get_by_role("link", name="Notifications").inner_text().split() == ["Notifications", "1"]
        web_page.keyboard.press("Escape")
        assert not history.is_visible()
        # The reminders script refreshes the link's badge; the count on "Menu" follows it.
        web_page.evaluate("document.querySelector('.notifications-link .badge').textContent = '4'")
        web_page.wait_for_function("document.querySelector('[data-menu-badge]').textContent === '4'")
        assert "4 unread notifications" in menu.text_content()
        menu.click()
        history.click()
        web_page.wait_for_url("**" + reverse("history"))
    else:
        assert not nav.locator("summary").is_visible()
        assert history.is_visible() and log_out.is_visible()
        assert nav.get_by_role("link", name="Settings").is_visible()
    assert web_page.console_errors == []
