"""Apps talk down and announce up: the logbook imports neither reminders nor reports
(it sends tracker.logbook.signals.entry_written, which they subscribe to), and there is
no import cycle between these apps, counting imports inside functions too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = {"tracker.logbook": "tracker/logbook", "reminders": "reminders", "tracker.reports": "tracker/reports"}


def imported_apps(own: str) -> dict[str, list[str]]:
    """Each other app this app imports, with where (every import, at any depth)."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / APPS[own]).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                for app in APPS:
                    if app != own and (name == app or name.startswith(app + ".")):
                        found.setdefault(app, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def graph() -> dict[str, dict[str, list[str]]]:
    return {app: imported_apps(app) for app in APPS}


def test_the_logbook_imports_neither_reminders_nor_reports():
    deps = graph()["tracker.logbook"]
    assert "reminders" not in deps, deps.get("reminders")
    assert "tracker.reports" not in deps, deps.get("tracker.reports")


def test_there_is_no_import_cycle_between_the_apps():
    edges = graph()

    def visit(app, path):
        for dep, where in edges[app].items():
            assert dep not in path, f"import cycle {' -> '.join([*path, dep])} (at {where[0]})"
            visit(dep, [*path, dep])

    for app in APPS:
        visit(app, [app])
