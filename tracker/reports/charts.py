"""Report charts, one question each, drawn for a 390 px phone:

- fluid against the goal by day, with the cramp days marked;
- cramps per week over the last 12 weeks;
- worst severity by day, and whether the cramps came at night or by day.

Why hand-written SVG: the page inlines each chart at the size it is shown (340 user
units = 340 CSS px on a 390 px phone, whose content box is 358 px), so a 12-unit label
*is* 12 CSS px, and a test can measure it in the rendered page. matplotlib's SVG sets
fonts through `style` attributes, which the Content-Security-Policy (style-src 'self')
blocks on an inlined SVG; presentation attributes (`font-size="12"`) are not styles.

One code path: each chart is laid out here as a list of primitives (rectangles, lines,
marks, text) in CSS px; drawing.svg() writes them for the pages and the print view,
drawing.png() paints the very same primitives with matplotlib for the email.

Colours are the Okabe–Ito palette, told apart by colour-blind readers, and every
encoding has a second cue: cramps are shapes (circle at night, square by day), "not
logged" is a hatch pattern, never a paler shade of "no".
"""

import datetime as dt
import itertools
import math

from tracker import human
from tracker.reports.drawing import (  # noqa: F401  (svg, png, stack: the callers' API)
    GRID,
    HATCH,
    INK,
    MUTED,
    TICK,
    WIDTH,
    Chart,
    Line,
    Mark,
    Rect,
    Text,
    png,
    stack,
    svg,
    text_width,
)

BLUE = "#0072B2"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
ML_PER_FL_OZ = 29.5735295625


def _nice_step(top: float, ticks: int = 4) -> float:
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _litres(ml: float) -> str:
    return f"{ml / 1000:g} L" if ml else "0"


def _legend(entries: list[tuple[str, str]], y: float) -> tuple[list, float]:
    """Swatches with words, flowed across the width; returns the items and the height."""
    items, x, row_height = [], 0.0, 20
    for kind, label in entries:
        need = 18 + text_width(label) + 12
        if x and x + need > WIDTH:
            x, y = 0.0, y + row_height
        items.extend(_swatch(kind, x + 6, y - 4))
        items.append(Text(x + 16, y, label, TICK, fill=INK))
        x += need
    return items, y + row_height


def _outline(x: float, y: float, w: float, h: float) -> list:
    corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
    return [Line(*a, *b, INK, 1.5, dash=True) for a, b in itertools.pairwise(corners)]


def _swatch(kind: str, cx: float, cy: float) -> list:
    if kind == "partial":
        return [Rect(cx - 6, cy - 6, 12, 12, SKY), *_outline(cx - 6, cy - 6, 12, 12)]
    if kind == "hatch":
        return [Rect(cx - 6, cy - 6, 12, 12, "#ffffff", hatch=True)]
    if kind == "goal":
        return [Line(cx - 7, cy, cx + 7, cy, INK, 2, dash=True)]
    if kind == "none":
        return [Line(cx - 5, cy, cx + 5, cy, HATCH, 2)]
    shape, colour = kind.split(":")
    if shape == "bar":
        return [Rect(cx - 6, cy - 6, 12, 12, colour)]
    return [Mark(cx, cy, shape, 10, colour)]


def _axis_text(x: float, y: float, text: str) -> Text:
    """A label centred under `x`, kept inside the chart at either edge."""
    half = text_width(text) / 2
    if x - half < 0:
        return Text(0, y, text, TICK, "start")
    if x + half > WIDTH:
        return Text(WIDTH, y, text, TICK, "end")
    return Text(x, y, text, TICK, "middle")


def _day_labels(days: list[dt.date], x_of, y: float) -> tuple[list, float]:
    """Weekday and date under each day for a week; a date every few days beyond."""
    if len(days) <= 10:
        items = []
        for day in days:
            items.append(Text(x_of(day), y, f"{day:%a}", TICK, "middle"))
            items.append(Text(x_of(day), y + 15, str(day.day), TICK, "middle"))
        return items, 34
    step = 7 if len(days) <= 42 else 14
    items = []
    for i, day in enumerate(days):
        if i % step == 0:
            label = f"{day.day} {day:%b}"
            items.append(Line(x_of(day), y - 14, x_of(day), y - 10, MUTED))
            items.append(_axis_text(x_of(day), y, label))
    return items, 20


def _plot_frame(left: float, top: float, width: float, height: float, ymax: float, step: float, fmt) -> list:
    items, value = [], 0.0
    while value <= ymax + 1e-9:
        y = top + height - height * value / ymax
        items.append(Line(left, y, left + width, y, GRID))
        items.append(Text(left - 4, y + 4, fmt(value), TICK, "end"))
        value += step
    return items


def _volume(ml: float, us: bool) -> str:
    return f"{round(ml / ML_PER_FL_OZ)} fl oz" if us else _litres(ml)


def fluid_chart(*, days: list[dict], goal_ml: int, us: bool = False) -> Chart:
    """Effective fluid per day against the goal; a triangle over each day with cramps.
    The axis is in litres, or in fl oz for a user of US units."""
    dates = [dt.date.fromisoformat(d["day"]) for d in days]
    legend, top = _legend(
        [
            ("bar:" + BLUE, "fluid (effective)"),
            ("goal", "your goal"),
            ("triangle:" + VERMILLION, "cramps"),
            ("hatch", "no drinks logged"),
        ],
        16,
    )
    left, right = (48 if us else 40), 6
    plot_w = WIDTH - left - right
    lane = 18  # the cramp marks sit in a lane above the bars
    plot_top, plot_h = top + lane, 140
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.7, 1.5)
    per = ML_PER_FL_OZ if us else 1  # ml per display unit
    ymax_raw = max([goal_ml * 1.2] + [d["effective_ml"] for d in days]) / per
    step = _nice_step(ymax_raw)
    ymax = step * math.ceil(ymax_raw / step)

    def x_of(day):
        return left + slot * ((day - dates[0]).days + 0.5)

    def y_of(ml):
        return plot_top + plot_h - plot_h * ml / per / ymax

    items = _plot_frame(left, plot_top, plot_w, plot_h, ymax, step, (lambda v: f"{v:g} oz") if us else _litres)
    for d, day in zip(days, dates, strict=True):
        x = x_of(day)
        if d["fluid_ml"] == 0:
            items.append(Rect(x - bar_w / 2, plot_top, bar_w, plot_h, "#ffffff", hatch=True))
        else:
            top_y = y_of(d["effective_ml"])
            items.append(Rect(x - bar_w / 2, top_y, bar_w, plot_top + plot_h - top_y, BLUE))
        if d["episodes"]:
            items.append(Mark(x, plot_top - lane / 2, "triangle", min(12, max(slot * 0.9, 6)), VERMILLION))
            if d["episodes"] > 1 and slot >= 18:
                items.append(Text(x + 7, plot_top - lane / 2 + 4, str(d["episodes"]), TICK, fill=INK))
    items.append(Line(left, y_of(goal_ml), left + plot_w, y_of(goal_ml), INK, 2, dash=True))
    axis, axis_h = _day_labels(dates, x_of, plot_top + plot_h + 16)
    height = plot_top + plot_h + axis_h + 4
    return Chart(
        "fluid",
        "Fluid against your goal, by day",
        _fluid_summary(days, dates, goal_ml, us),
        WIDTH,
        height,
        tuple(legend + items + axis),
    )


def _fluid_summary(days: list[dict], dates: list[dt.date], goal_ml: int, us: bool) -> str:
    logged = [d for d in days if d["fluid_ml"]]
    met = sum(d["effective_ml"] >= goal_ml for d in logged)
    text = f"Goal of {_volume(goal_ml, us)} met on {met} of {human.count(len(days), 'day')}"
    text += "." if len(logged) == len(days) else f"; drinks logged on {len(logged)}."
    cramp_days = [(d, day) for d, day in zip(days, dates, strict=True) if d["episodes"]]
    if not cramp_days:
        return text + " No cramps logged."
    below = sum(d["fluid_ml"] and d["effective_ml"] < goal_ml for d, _ in cramp_days)
    if len(cramp_days) <= 3:
        when = ", ".join(human.day_short(day) for _, day in cramp_days)
        text += f" Cramps on {human.count(len(cramp_days), 'day')} ({when})"
    else:
        text += f" Cramps on {human.count(len(cramp_days), 'day')}"
    if below == len(cramp_days):
        return text + (", below your goal." if below == 1 else ", all below your goal.")
    if below == 0:
        return text + (", not below your goal." if len(cramp_days) == 1 else ", none below your goal.")
    return text + f", {below} of them below your goal."


def weeks_chart(*, weeks: list[dict]) -> Chart:
    """Cramps per week; `weeks` oldest first, each {start, cramps, logged_days, complete}."""
    legend, top = _legend(
        [
            ("bar:" + BLUE, "cramps in a week"),
            ("partial", "week under way or under 4 days logged"),
            ("hatch", "not logged"),
        ],
        16,
    )
    left, right = 28, 6
    plot_w = WIDTH - left - right
    plot_top, plot_h = top + 14, 120
    slot = plot_w / max(len(weeks), 1)
    ymax_raw = max([4] + [w["cramps"] for w in weeks])
    step = max(1, _nice_step(ymax_raw, 3))
    ymax = step * math.ceil(ymax_raw / step)
    items = _plot_frame(left, plot_top, plot_w, plot_h, ymax, step, lambda v: f"{v:g}")
    label_every = max(1, math.ceil((text_width("16 Nov") + 10) / slot))
    for i, w in enumerate(weeks):
        x = left + slot * (i + 0.5)
        bar_w = slot * 0.7
        if not w["logged_days"]:
            items.append(Rect(x - bar_w / 2, plot_top, bar_w, plot_h, "#ffffff", hatch=True))
        else:
            full = w["complete"] and w["logged_days"] >= 4
            h = plot_h * w["cramps"] / ymax
            items.append(Rect(x - bar_w / 2, plot_top + plot_h - h, bar_w, h, BLUE if full else SKY))
            if not full:
                # Not by colour alone: a dashed outline marks the weeks that are not comparable.
                items.extend(_outline(x - bar_w / 2, plot_top + plot_h - h, bar_w, h))
            items.append(Text(x, plot_top + plot_h - h - 3, str(w["cramps"]), TICK, "middle", INK))
        # Right-aligned on the latest week, so the labels that show are the recent ones.
        if (len(weeks) - 1 - i) % label_every == 0:
            start = dt.date.fromisoformat(w["start"])
            items.append(_axis_text(x, plot_top + plot_h + 16, f"{start.day} {start:%b}"))
    height = plot_top + plot_h + 24
    return Chart("weeks", "Cramps per week, last 12 weeks", _weeks_summary(weeks), WIDTH, height, tuple(legend + items))


def _weeks_summary(weeks: list[dict]) -> str:
    counted = [w for w in weeks if w["logged_days"]]
    if not counted:
        return "No weeks logged yet."
    full = [w for w in counted if w["complete"] and w["logged_days"] >= 4]
    text = f"Logged in {len(counted)} of the {len(weeks)} weeks"
    most = max((w["cramps"] for w in full), default=0)
    if most:
        mean = sum(w["cramps"] for w in full) / len(full)
        text += f"; {mean:.1f} cramps a week on average over {human.count(len(full), 'full week')}"
        # Every week that shares the most, not the first of them; past three, just how many.
        worst = [human.day_medium(dt.date.fromisoformat(w["start"])) for w in full if w["cramps"] == most]
        if len(worst) == 1:
            text += f", most ({most}) in the week of {worst[0]}"
        elif len(worst) <= 3:
            text += f", most ({most}) in the weeks of {human.listing(worst)}"
        else:
            text += f", most ({most}) in {len(worst)} weeks"
    elif full:
        text += f"; no cramps in {human.count(len(full), 'full week')}"
    latest = weeks[-1]
    if not latest["complete"]:
        text += f". This week so far: {human.count(latest['cramps'], 'cramp')}"
    return text + "."


def severity_chart(*, days: list[dict]) -> Chart:
    """Worst severity of each cramp day (0–10); a circle when the cramps came at night,
    a square by day, both shapes when both. Logged days without cramps are a dash on 0."""
    dates = [dt.date.fromisoformat(d["day"]) for d in days]
    legend, top = _legend(
        [
            ("circle:" + BLUE, "at night"),
            ("square:" + VERMILLION, "by day"),
            ("none", "no cramps"),
            ("hatch", "not logged"),
        ],
        16,
    )
    left, right = 28, 8
    plot_w = WIDTH - left - right
    plot_top, plot_h = top + 8, 110
    slot = plot_w / max(len(days), 1)
    size = min(12, max(slot * 0.8, 5))

    def x_of(day):
        return left + slot * ((day - dates[0]).days + 0.5)

    def y_of(severity):
        return plot_top + plot_h - plot_h * severity / 10

    items = _plot_frame(left, plot_top, plot_w, plot_h, 10, 5, lambda v: f"{v:g}")
    for d, day in zip(days, dates, strict=True):
        x = x_of(day)
        if not d["observed"]:
            items.append(Rect(x - slot * 0.35, plot_top, slot * 0.7, plot_h, "#ffffff", hatch=True))
        elif not d["episodes"]:
            items.append(Line(x - size / 2, y_of(0), x + size / 2, y_of(0), HATCH, 2))
        else:
            night = d.get("night_cramps", 0)
            y = y_of(d["worst_severity"] or 0)
            if night and night < d["episodes"]:
                items.append(Mark(x, y - size * 0.35, "circle", size, BLUE))
                items.append(Mark(x, y + size * 0.35, "square", size * 0.8, VERMILLION))
            elif night:
                items.append(Mark(x, y, "circle", size, BLUE))
            else:
                items.append(Mark(x, y, "square", size * 0.9, VERMILLION))
    axis, axis_h = _day_labels(dates, x_of, plot_top + plot_h + 16)
    height = plot_top + plot_h + axis_h + 4
    return Chart(
        "severity",
        "How bad, and night or day",
        _severity_summary(days, dates),
        WIDTH,
        height,
        tuple(legend + items + axis),
    )


def _severity_summary(days: list[dict], dates: list[dt.date]) -> str:
    cramps = sum(d["episodes"] for d in days)
    unlogged = sum(not d["observed"] for d in days)
    tail = f" {human.count(unlogged, 'day')} not logged." if unlogged else ""
    if not cramps:
        return "No cramps logged." + tail
    worst_day, worst = max(
        ((day, d["worst_severity"]) for d, day in zip(days, dates, strict=True) if d["worst_severity"] is not None),
        key=lambda pair: pair[1],
        default=(None, None),
    )
    nights = sum(min(d.get("night_cramps", 0), d["episodes"]) for d in days)
    text = f"{nights} of {human.count(cramps, 'cramp')} came at night."
    if worst_day is not None:
        text = f"Worst: {worst} of 10 on {human.day_short(worst_day)}. " + text
    return text + tail
