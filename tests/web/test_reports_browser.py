"""The report pages in Chromium with the demo data (seed_demo): at 390 × 844 nothing is
wider than the screen, every chart's smallest text is at least 12 CSS px measured in
the rendered SVG, axe passes; the 4-week doctor's summary prints on at most 2 A4
pages. Screenshots of each page at 390 px go to var/screenshots/."""

import io
import unicodedata

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from accounts.models import User
from tests.web.conftest import log_in, screenshot
from tests.web.test_layout import _check

pytestmark = pytest.mark.browser

# A first visit builds the week's snapshot and the 84-day analysis: allow for a busy CI box.
PAGE_TIMEOUT = 30_000
REPORT_PAGES = {"weekly": "/reports/weekly/", "factors": "/reports/factors/", "print": "/reports/print/"}

CHART_TEXT_JS = """
() => {
  const sizes = [];
  for (const t of document.querySelectorAll('svg.chart-svg text')) {
    if (!t.getBoundingClientRect().width) continue;
    // Its font size in user units times the SVG's scale on screen: CSS px as drawn.
    sizes.push(parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  }
  return sizes;
}
"""

TOO_WIDE_JS = """
() => {
  const wide = [];
  for (const el of document.querySelectorAll('main table, main svg, main figure')) {
    const r = el.getBoundingClientRect();
    if (!r.width) continue;
    if (r.left < -0.5 || r.right > window.innerWidth + 0.5 || el.scrollWidth > el.clientWidth + 1) {
      const where = `${Math.round(r.left)}..${Math.round(r.right)}`;
      wide.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class')} ${where}`);
    }
  }
  return wide;
}
"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")
    return User.objects.get(email="demo@example.com")


def test_report_pages_fit_the_screen_with_legible_charts_and_pass_axe(
    web_page, browser_context, live_server, demo, viewport
):
    log_in(browser_context, live_server, demo)
    failures = {}
    for name, url in REPORT_PAGES.items():
        web_page.goto(url, timeout=PAGE_TIMEOUT)
        screenshot(web_page, viewport, f"reports-{name}")
        for details in web_page.locator("main details").all():
            details.evaluate("el => el.open = true")
        problems = _check(web_page, viewport)
        wide = web_page.evaluate(TOO_WIDE_JS)
        if wide:
            problems.append(f"wider than the screen: {wide}")
        sizes = web_page.evaluate(CHART_TEXT_JS)
        if name != "factors" and (not sizes or min(sizes) < 12):
            problems.append(f"chart text under 12 px: {min(sizes, default=None)} ({len(sizes)} texts)")
        if problems:
            failures[name] = problems
    assert failures == {}


@pytest.mark.parametrize("viewport", ["phone"])
def test_the_four_week_summary_of_the_demo_data_prints_on_two_pages_with_the_typed_name(
    web_page, browser_context, live_server, demo, viewport
):
    log_in(browser_context, live_server, demo)
    web_page.goto(REPORT_PAGES["print"], timeout=PAGE_TIMEOUT)
    blank = unicodedata.normalize("NFKC", PdfReader(io.BytesIO(web_page.pdf(format="A4"))).pages[0].extract_text())
    assert "e.g." not in blank  # an empty field prints as a line to write on, not its hint
    web_page.get_by_label("Name", exact=True).fill("Jane Example")
    web_page.get_by_label("Date of birth").fill("3 May 1961")
    pdf = PdfReader(io.BytesIO(web_page.pdf(format="A4")))
    assert len(pdf.pages) <= 2
    # NFKC: the PDF's text has ligatures ("ﬂ" in "Red flags").
    first, *rest = [unicodedata.normalize("NFKC", page.extract_text()) for page in pdf.pages]
    assert "Jane Example" in first and "3 May 1961" in first and "Outcome measures" in first
    assert "Medicines and supplements" in first and "Red flags" in first
    assert rest and "Factors linked with cramp days" in rest[0] and "Cramps per week" in rest[0]
    assert "Print / Save as PDF" not in first + rest[0]
    # The full table only when the reader opens the appendix.
    web_page.locator("details.appendix").evaluate("el => el.open = true")
    with_appendix = PdfReader(io.BytesIO(web_page.pdf(format="A4")))
    assert len(with_appendix.pages) > len(pdf.pages)
    assert "Every comparison" in with_appendix.pages[len(pdf.pages)].extract_text()


@pytest.mark.parametrize("viewport", ["phone"])
def test_the_print_button_prints_and_the_name_stays_on_the_device_only_when_asked(
    web_page, browser_context, live_server, demo, viewport
):
    log_in(browser_context, live_server, demo)
    web_page.goto(REPORT_PAGES["print"], timeout=PAGE_TIMEOUT)
    web_page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    web_page.get_by_role("button", name="Print / Save as PDF").click()
    assert web_page.evaluate("window.printed") == 1
    name = web_page.get_by_label("Name", exact=True)
    name.fill("Jane Example")
    web_page.reload(timeout=PAGE_TIMEOUT)
    assert web_page.get_by_label("Name", exact=True).input_value() == ""  # not kept unless asked
    web_page.get_by_label("Name", exact=True).fill("Jane Example")
    web_page.get_by_label("Remember them on this device").check()
    web_page.reload(timeout=PAGE_TIMEOUT)
    assert web_page.get_by_label("Name", exact=True).input_value() == "Jane Example"
    web_page.get_by_label("Remember them on this device").uncheck()
    web_page.reload(timeout=PAGE_TIMEOUT)
    assert web_page.get_by_label("Name", exact=True).input_value() == ""
    assert web_page.console_errors == []
