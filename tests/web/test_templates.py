"""Django's {# #} comment ends at the line's end: one spread over lines is printed on the
page as text (it once showed a developer note on the cramp logger)."""

import re
from pathlib import Path

from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_has_a_short_comment_over_several_lines():
    spread = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.*"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\{#(?!.*#\})", line)
    ]
    assert spread == []


def test_the_cramp_logger_shows_no_template_comment(client, alice):
    client.force_login(alice)
    body = client.get(reverse("cramp")).content.decode()
    assert "{#" not in body and "#}" not in body
