"""Chart drawing primitives in CSS px, and their two renderings: SVG written by hand
for the pages (presentation attributes only, so an inlined chart obeys the CSP's
style-src 'self'), and PNG painted with matplotlib's object API (Figure + Agg canvas,
never pyplot: global state, not thread-safe) for the email. The layouts that use them
are in charts.py."""

import hashlib
import io
from dataclasses import dataclass, field, replace

from django.core.cache import cache

TICK = 12  # the smallest text anywhere in a chart, in CSS px at 390 px width
WIDTH = 340
INK = "#1f2937"
MUTED = "#4b5563"  # 7:1 on white: axis text
GRID = "#d1d5db"
HATCH = "#6b7280"
CACHE_SECONDS = 7 * 24 * 3600
CHAR_WIDTH = 0.56  # a generous average glyph width (em) of system sans fonts, for layout


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    hatch: bool = False  # "not logged": the pattern, whatever the fill


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID
    width: float = 1.0
    dash: bool = False


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    shape: str  # circle, square, triangle (pointing down)
    size: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = TICK
    anchor: str = "start"  # start, middle, end
    fill: str = MUTED
    bold: bool = False


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    summary: str  # what the chart shows, in words: the page's caption and the image's description
    width: float
    height: float
    items: tuple = field(default_factory=tuple)


def text_width(text: str, size: float = TICK) -> float:
    return len(text) * size * CHAR_WIDTH


ANCHORS = {"start": "left", "middle": "center", "end": "right"}
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(chart: Chart, *, uid: str = "") -> str:
    """The chart as an SVG element to inline in a page. `uid` keeps ids unique when a
    page shows several charts."""
    ident = f"chart-{chart.key}{uid}"
    hatch = f"{ident}-hatch"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {_n(chart.width)} '
        f'{_n(chart.height)}" width="{_n(chart.width)}" height="{_n(chart.height)}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{_esc(FONT_FAMILY)}">',
        f'<title id="{ident}-title">{_esc(chart.title)}</title><desc id="{ident}-desc">{_esc(chart.summary)}</desc>',
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HATCH}" stroke-width="2"/></pattern></defs>',
    ]
    for item in chart.items:
        if isinstance(item, Rect):
            fill = f"url(#{hatch})" if item.hatch else item.fill
            stroke = f' stroke="{HATCH}" stroke-width="0.5"' if item.hatch else ""
            out.append(
                f'<rect x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.w)}" height="{_n(item.h)}" '
                f'fill="{fill}"{stroke}/>'
            )
        elif isinstance(item, Line):
            dash = ' stroke-dasharray="6 4"' if item.dash else ""
            out.append(
                f'<line x1="{_n(item.x1)}" y1="{_n(item.y1)}" x2="{_n(item.x2)}" y2="{_n(item.y2)}" '
                f'stroke="{item.stroke}" stroke-width="{_n(item.width)}"{dash}/>'
            )
        elif isinstance(item, Mark):
            out.append(_svg_mark(item))
        elif isinstance(item, Text):
            bold = ' font-weight="700"' if item.bold else ""
            out.append(
                f'<text x="{_n(item.x)}" y="{_n(item.y)}" font-size="{_n(item.size)}" '
                f'text-anchor="{item.anchor}" fill="{item.fill}"{bold}>{_esc(item.text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _svg_mark(mark: Mark) -> str:
    r = mark.size / 2
    if mark.shape == "circle":
        return f'<circle cx="{_n(mark.x)}" cy="{_n(mark.y)}" r="{_n(r)}" fill="{mark.fill}"/>'
    if mark.shape == "square":
        size = _n(mark.size)
        return f'<rect x="{_n(mark.x - r)}" y="{_n(mark.y - r)}" width="{size}" height="{size}" fill="{mark.fill}"/>'
    points = _triangle(mark)
    return f'<polygon points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in points)}" fill="{mark.fill}"/>'


def _triangle(mark: Mark) -> list[tuple[float, float]]:
    r = mark.size / 2
    return [(mark.x - r, mark.y - r * 0.8), (mark.x + r, mark.y - r * 0.8), (mark.x, mark.y + r * 0.9)]


def stack(charts: list[Chart]) -> Chart:
    """Several charts one under the other, each under its title: the email's one image."""
    items, y = [], 0.0
    for chart in charts:
        items.append(Text(0, y + 18, chart.title, 15, fill=INK, bold=True))
        y += 30
        for item in chart.items:
            if isinstance(item, Line):
                items.append(Line(item.x1, item.y1 + y, item.x2, item.y2 + y, item.stroke, item.width, item.dash))
            elif isinstance(item, (Rect, Mark, Text)):
                items.append(_moved(item, y))
        y += chart.height + 12
    return Chart(
        "stack", " ".join(c.title for c in charts), " ".join(c.summary for c in charts), WIDTH, y, tuple(items)
    )


def _moved(item, dy: float):
    return replace(item, y=item.y + dy)


def png(chart: Chart, *, scale: float = 2.0) -> bytes:
    """The same primitives painted by matplotlib (for email), at `scale` device pixels
    per CSS px; cached by the digest of what they show."""
    key = "reports:chart:png:" + hashlib.sha256(repr((chart, scale)).encode()).hexdigest()
    image = cache.get(key)
    if image is None:
        image = _paint(chart, scale)
        cache.set(key, image, CACHE_SECONDS)
    return image


def _paint(chart: Chart, scale: float) -> bytes:
    from matplotlib import patches
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    pt = 72 / 96  # CSS px to points
    figure = Figure(figsize=(chart.width / 96, chart.height / 96), dpi=96 * scale)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, chart.width)
    ax.set_ylim(chart.height, 0)
    ax.set_axis_off()
    for item in chart.items:
        if isinstance(item, Rect):
            ax.add_patch(
                patches.Rectangle(
                    (item.x, item.y),
                    item.w,
                    item.h,
                    facecolor="#ffffff" if item.hatch else item.fill,
                    edgecolor=HATCH if item.hatch else "none",
                    hatch="///" if item.hatch else None,
                    linewidth=0.5 * pt if item.hatch else 0,
                )
            )
        elif isinstance(item, Line):
            ax.add_line(
                Line2D(
                    [item.x1, item.x2],
                    [item.y1, item.y2],
                    color=item.stroke,
                    linewidth=item.width * pt,
                    linestyle=(0, (6 / item.width, 4 / item.width)) if item.dash else "-",
                )
            )
        elif isinstance(item, Mark):
            r = item.size / 2
            if item.shape == "circle":
                ax.add_patch(patches.Circle((item.x, item.y), r, facecolor=item.fill, linewidth=0))
            elif item.shape == "square":
                ax.add_patch(
                    patches.Rectangle((item.x - r, item.y - r), item.size, item.size, facecolor=item.fill, linewidth=0)
                )
            else:
                ax.add_patch(patches.Polygon(_triangle(item), closed=True, facecolor=item.fill, linewidth=0))
        elif isinstance(item, Text):
            ax.text(
                item.x,
                item.y,
                item.text,
                fontsize=item.size * pt,
                ha=ANCHORS[item.anchor],
                va="baseline",
                color=item.fill,
                fontweight="bold" if item.bold else "normal",
            )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="#ffffff")
    return buffer.getvalue()
