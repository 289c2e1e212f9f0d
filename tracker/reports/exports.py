"""CSV renderings of report data (one row per diary day, one column per factor)."""

import csv
import io

from tracker.spreadsheet import safe_cell

DAY_COLUMNS = [
    "day",
    "observed",
    "episodes",
    "cramp_day",
    "night_cramps",
    "minutes",
    "worst_severity",
    "fluid_ml",
    "effective_ml",
    "goal_pct",
]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return safe_cell(value)


def days_csv(days: list[dict], factor_keys: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(DAY_COLUMNS + factor_keys)
    for day in days:
        writer.writerow([_cell(day[c]) for c in DAY_COLUMNS] + [_cell(day["factors"].get(key)) for key in factor_keys])
    return out.getvalue()


def weekly_csv(data: dict) -> str:
    return days_csv(data["days"], data.get("factor_keys", []))


def errors_csv(errors: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "error"])
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            # The message may quote what was sent.
            writer.writerow([safe_cell(field), safe_cell(str(message))])
    return out.getvalue()
