from django import template
from django.template.defaultfilters import floatformat
from django.template.defaulttags import CsrfTokenNode
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from tracker.logbook import units

register = template.Library()


@register.filter
def volume(ml, user):
    """`{{ intake.volume_ml|volume:user }}` -> "250 ml" or "8.5 fl oz"."""
    return units.format_volume(ml, user)


@register.filter
def volume_number(ml, user):
    value = units.ml_to_display(ml, user)
    return "" if value is None else value


@register.simple_tag
def volume_unit(user):
    return units.volume_unit(user)


@register.simple_tag
def url_if_exists(name):
    """The URL of a route another app may not have added yet, or ""."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def entry_words(entry, user) -> SafeString:
    """One line saying what an entry was: "250 ml water", "Cramp: calf (left), severity 4,
    60 s". Written in Python rather than as an included template: Today and History show
    it two or three times per entry (visibly, and for screen readers in the Edit, Undo and
    Delete links), and the template engine cost more than the rest of the page's work."""
    row = entry.row
    if entry.kind == "intake":
        text = format_html("{} {}", units.format_volume(row.volume_ml, user), row.get_beverage_display().lower())
        if row.effective_ml != row.volume_ml:
            text += format_html(" (counts as {})", units.format_volume(row.effective_ml, user))
        return text
    if entry.kind == "episode":
        text = format_html("Cramp: {}", row.get_muscle_display().lower())
        if row.side != "none":
            text += format_html(" ({})", row.get_side_display().lower())
        text += format_html(", severity {}, {} s", row.severity, row.duration_seconds)
        if row.red_flags:
            text += mark_safe(' — <span class="flag">see a doctor</span>')
        return text
    if entry.kind == "activity":
        text = format_html(
            "{}, {}, {} min", row.get_kind_display(), row.get_intensity_display().lower(), row.duration_minutes
        )
        return text + (", heavy sweating" if row.heavy_sweating else "")
    if entry.kind == "dose":
        text = format_html("Took {}", row.medication.name)
        if row.amount is not None:
            text += format_html(", {} {}", floatformat(row.amount, "-2"), row.get_amount_unit_display())
        return text
    return mark_safe("")


@register.simple_tag(takes_context=True)
def entry_text(context, entry):
    """`{% entry_text entry as text %}`: what the entry was, in the user's units."""
    return entry_words(entry, context["user"])


# A line of Today's "Logged today" list, built in Python (see entry_words): the same
# markup the template loop wrote, at a fraction of the cost per entry.
TODAY_LINE = """
      <li>
        <span class="when">{when}</span>
        <span class="what">{text}</span>
        <a href="{edit}?next={next}">Edit<span class="visually-hidden"> {text}</span></a>{undo}
      </li>"""
# Only on the entry logged last, for a minute or so.
TODAY_UNDO = """
        <form method="post" action="{delete}" hx-post="{delete}">{csrf}
          <input type="hidden" name="from" value="today"><input type="hidden" name="next" value="{next}">
          <button type="submit" class="secondary" data-undo>Undo<span class="visually-hidden"> {text}</span></button>
        </form>"""


@register.simple_tag(takes_context=True)
def today_entries(context, entries, undo_entry, next_url):
    """`{% today_entries entries undo_entry today_url %}`: the <li> of each entry."""
    user = context["user"]
    lines = []
    for entry in entries:
        text = entry_words(entry, user)
        args = (entry.kind, entry.row.pk)
        undo = ""
        if entry == undo_entry:
            undo = format_html(
                TODAY_UNDO,
                delete=reverse("entry-delete", args=args),
                csrf=CsrfTokenNode().render(context),
                next=next_url,
                text=text,
            )
        lines.append(
            format_html(
                TODAY_LINE,
                when=timezone.localtime(entry.at).strftime("%H:%M"),
                text=text,
                edit=reverse("entry-edit", args=args),
                next=next_url,
                undo=undo,
            )
        )
    return mark_safe("".join(lines))  # each line built by format_html
