"""A developer note in a template must never reach the page. Under Django's engine a
{# #} comment ended at the line's end, so one spread over lines was printed as text (it
once showed a developer note on the cramp logger). The site's templates are Jinja2 now,
where {# #} may span lines and an unclosed one is a syntax error; what can still leak is
comment or tag syntax Jinja does not read as such (a DTL {% comment %} is an unknown tag,
a stray "#}" is text), so every template must parse and print no comment marks."""

from pathlib import Path

from django.template import engines
from django.urls import reverse
from jinja2 import nodes

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_has_a_short_comment_over_several_lines():
    """(The name is from the Django-template days; the rule is now: every template parses
    and no comment mark is left as text.)"""
    env = engines["jinja2"].env
    leaks = []
    for path in sorted(TEMPLATES.rglob("*.*")):
        name = str(path.relative_to(TEMPLATES))
        tree = env.parse(path.read_text(), name=name)  # an unclosed {# is a TemplateSyntaxError
        for data in tree.find_all(nodes.TemplateData):
            if "{#" in data.data or "#}" in data.data:
                leaks.append(name)
    assert leaks == []


def test_the_cramp_logger_shows_no_template_comment(client, alice):
    client.force_login(alice)
    body = client.get(reverse("cramp")).content.decode()
    assert "{#" not in body and "#}" not in body
