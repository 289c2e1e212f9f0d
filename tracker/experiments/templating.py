"""Small panels other pages include with one line, so the experiment shows on Today,
the check-in, the weekly report, its email and the doctor's summary without those
pages knowing how experiments work (tracker/templating.py):

    {% include "experiments/_today.html" %}
    {% with report_start=start, report_end=end %}{% include "experiments/_report.html" %}{% endwith %}
"""

from tracker.experiments import selectors
from tracker.human import as_date


def experiment_today(user, recent=None):
    """The running experiment's state today, or None. `recent`: the experiments the
    Today page read in its one statement (`today_reads.experiments`); elsewhere undefined."""
    if user is None or not user.is_authenticated:
        return None
    return selectors.experiment_today(user=user, recent=recent if isinstance(recent, list) else None)


def experiment_rows(user, start, end) -> list:
    """Experiments overlapping [start, end] (dates or ISO strings), each with its
    result as of `end`: for the weekly page and email and the print view."""
    start, end = as_date(start), as_date(end)
    if user is None or not getattr(user, "is_authenticated", False) or start is None or end is None:
        return []
    return selectors.experiments_for_report(user=user, start=start, end=end)


GLOBALS = {"experiment_today": experiment_today, "experiment_rows": experiment_rows}
