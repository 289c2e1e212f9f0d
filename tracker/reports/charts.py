"""Report charts: one code path for the page (SVG), the print view (SVG) and the email
(PNG). matplotlib's object API with the Agg canvas, never pyplot (global state, not
thread-safe in web and worker processes). Drawn when a page or email needs them and
cached by a digest of the data they show, so a changed week draws anew."""

import datetime as dt
import hashlib
import io
import json

import matplotlib
from django.core.cache import cache
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from tracker.reports.registry import FACTORS_BY_KEY

matplotlib.rcParams["svg.hashsalt"] = "tracker-reports"  # stable ids: same data, same bytes
CACHE_SECONDS = 7 * 24 * 3600
MAX_GRID_DAYS = 62
MAX_GRID_FACTORS = 12
FLUID = "#3b82c4"
GOAL = "#1f2937"
SEVERITY = LinearSegmentedColormap.from_list("severity", ["#fde68a", "#f97316", "#b91c1c"])


def _payload(data: dict) -> dict:
    return {
        "goal_ml": data["hydration"]["goal_ml"] if "hydration" in data else data.get("goal_ml"),
        "days": [
            {
                "day": d["day"],
                "effective_ml": d["effective_ml"],
                "episodes": d["episodes"],
                "worst_severity": d["worst_severity"],
                "factors": d.get("factors", {}),
            }
            for d in data["days"]
        ],
    }


def weekly_chart(data: dict, *, fmt: str = "svg") -> bytes:
    """Fluid per day against the goal, cramps per day coloured by worst severity, and
    the days each factor was present. `data` is a weekly report or any {goal_ml, days}."""
    payload = _payload(data)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    key = f"reports:chart:{fmt}:{digest}"
    image = cache.get(key)
    if image is None:
        image = _draw(payload, fmt)
        cache.set(key, image, CACHE_SECONDS)
    return image


def _exposed_grid(days: list[dict]) -> tuple[list[str], list[list[float]]]:
    keys = []
    for d in days:
        for key in d["factors"]:
            if key not in keys and key in FACTORS_BY_KEY:
                keys.append(key)
    rows, labels = [], []
    for key in keys:
        factor = FACTORS_BY_KEY[key]
        row = []
        for d in days:
            exposed = factor.exposed(d["factors"].get(key))
            row.append(float("nan") if exposed is None else float(exposed))
        if any(v == 1.0 for v in row):
            rows.append(row)
            labels.append(factor.label)
    return labels[:MAX_GRID_FACTORS], rows[:MAX_GRID_FACTORS]


def _draw(payload: dict, fmt: str) -> bytes:
    days = payload["days"]
    n = len(days)
    x = list(range(n))
    dates = [dt.date.fromisoformat(d["day"]) for d in days]
    ticks = [f"{day:%a %d}" for day in dates] if n <= 14 else [f"{day:%d %b}" for day in dates]
    step = max(1, n // 14)
    labels, grid = _exposed_grid(days) if n <= MAX_GRID_DAYS else ([], [])
    panels = 3 if labels else 2
    figure = Figure(figsize=(8, 2.4 * panels + (0.25 * len(labels) if labels else 0)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(panels, 1, sharex=False)

    fluid = axes[0]
    fluid.bar(x, [d["effective_ml"] for d in days], color=FLUID, label="Effective fluid (ml)")
    if payload["goal_ml"]:
        goal = payload["goal_ml"]
        fluid.axhline(goal, color=GOAL, linestyle="--", linewidth=1, label=f"Goal {goal} ml")
    fluid.set_title("Fluid per day against your goal")
    fluid.set_ylabel("ml")
    fluid.legend(loc="upper right", fontsize="small")

    cramps = axes[1]
    colours = [SEVERITY((d["worst_severity"] or 0) / 10) for d in days]
    cramps.bar(x, [d["episodes"] for d in days], color=colours)
    for i, d in enumerate(days):
        if d["episodes"] and n <= 31:
            cramps.annotate(
                f"sev {d['worst_severity']}", (i, d["episodes"]), ha="center", va="bottom", fontsize="x-small"
            )
    cramps.set_title("Cramps per day (colour: worst severity 0–10)")
    cramps.set_ylabel("cramps")
    cramps.set_ylim(0, max([d["episodes"] for d in days] + [1]) + 1)
    cramps.yaxis.get_major_locator().set_params(integer=True)

    for ax in axes[:2]:
        ax.set_xticks(x[::step], ticks[::step], fontsize="small")
        ax.set_xlim(-0.6, n - 0.4)

    if labels:
        exposure = axes[2]
        exposure.imshow(grid, aspect="auto", cmap="Blues", vmin=0, vmax=1.4, interpolation="nearest")
        exposure.set_yticks(range(len(labels)), labels, fontsize="small")
        exposure.set_xticks(x[::step], ticks[::step], fontsize="small")
        exposure.set_title("Factors present (dark: yes, light: no, blank: not logged)")

    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, dpi=96, metadata=metadata)
    return buffer.getvalue()
