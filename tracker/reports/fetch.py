"""The reports' reads, for one user or a chunk of users at once: one query per kind of
data over each user's own span of diary days, grouped by user in Python. A chunk of
200 weekly reports costs the same queries as one (the weekly sweep builds chunks;
a page builds a chunk of one).

Each query filters by (user, day) through the tables' (user, day) indexes: users
sharing a span are asked together (`user_id IN (...) AND day BETWEEN ...`), OR-ed
with the other spans. Rows come back grouped by diary day (and a few keys), never one
row per drink; no timezone maths in SQL, so the same SQL runs on PostgreSQL and
SQLite."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q, Value

from accounts.models import Medication
from reminders.models import ActionUse, Delivery, Status
from tracker.logbook.models import CheckIn, Episode

Span = tuple[dt.date, dt.date]


def spans_merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Overlapping or touching spans as one, in order."""
    merged: list[list[dt.date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def spans_groups(spans: dict[int, tuple[Span, ...]]) -> dict[tuple[Span, ...], list[int]]:
    """Users asked together: those with the same spans."""
    groups: dict[tuple[Span, ...], list[int]] = defaultdict(list)
    for user_id, user_spans in spans.items():
        if user_spans:
            groups[user_spans].append(user_id)
    return groups


def spans_q(spans: dict[int, tuple[Span, ...]]) -> Q | None:
    """(user, day) in any of each user's spans; None when nothing is asked."""
    q = None
    for user_spans, ids in spans_groups(spans).items():
        days = Q()
        for start, end in user_spans:
            days |= Q(day__gte=start, day__lte=end)
        part = Q(user_id__in=ids) & days
        q = part if q is None else q | part
    return q


def spans_sql(spans: dict[int, tuple[Span, ...]], alias: str) -> tuple[str, list]:
    """The same condition as spans_q, as SQL for the hand-written intake query. Dates
    go as dates: a text parameter would make PostgreSQL compare `day` as text and skip
    the (user, day) index."""
    parts, params = [], []
    for user_spans, ids in spans_groups(spans).items():
        days = " OR ".join(f"({alias}.day >= %s AND {alias}.day <= %s)" for _ in user_spans)
        parts.append(f"({alias}.user_id IN ({', '.join(['%s'] * len(ids))}) AND ({days}))")
        params += ids
        for start, end in user_spans:
            params += [start, end]
    return " OR ".join(parts), params


def medications_fetch(*, user_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Each user's medicines and supplements, by name. One query."""
    result: dict[int, list[dict]] = {user_id: [] for user_id in user_ids}
    rows = (
        Medication.objects.filter(user_id__in=list(result))
        .order_by("name", "id")
        .values("user_id", "id", "name", "drug_class", "started_on", "stopped_on")
    )
    for row in rows:
        result[row.pop("user_id")].append(row)
    return result


def cramp_days_fetch(*, spans: dict[int, tuple[Span, ...]]) -> dict[int, tuple[dict[dt.date, int], set[dt.date]]]:
    """Per user: cramps per diary day, and the days whose check-in answered "any
    cramps?", over the user's spans (the days around medication changes). One query
    (a union of the two grouped reads); none when no span is asked."""
    result = {user_id: ({}, set()) for user_id in spans}
    where = spans_q(spans)
    if where is None:
        return result
    cramps = (
        Episode.objects.filter(where)
        .values("user_id", "day")
        .annotate(n=Count("id"), answered=Value(0))
        .values_list("user_id", "day", "n", "answered")
        .order_by()
    )
    answered = (
        CheckIn.objects.filter(where, no_cramps__isnull=False)
        .annotate(n=Value(0), answered=Value(1))
        .values_list("user_id", "day", "n", "answered")
        .order_by()
    )
    for user_id, day, n, is_answer in cramps.union(answered, all=True):
        if is_answer:
            result[user_id][1].add(day)
        else:
            result[user_id][0][day] = n
    return result


def reminder_counts_fetch(*, bounds: dict[int, tuple[dt.datetime, dt.datetime]]) -> dict[int, dict]:
    """Per user: reminders sent in [since, until) (distinct slots, whatever the number
    of channels) and one-tap actions used. One query (a union of the two counts)."""
    result = {user_id: {"sent": 0, "acted_on": 0} for user_id in bounds}
    groups: dict[tuple[dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    for user_id, window in bounds.items():
        groups[window].append(user_id)
    if not groups:
        return result
    sent_q = used_q = Q(pk__in=[])
    for (since, until), ids in groups.items():
        sent_q |= Q(user_id__in=ids, sent_at__gte=since, sent_at__lt=until)
        used_q |= Q(user_id__in=ids, used_at__gte=since, used_at__lt=until)
    sent = (
        Delivery.objects.filter(sent_q, status=Status.SENT)
        .values("user_id")
        .annotate(n=Count("slot", distinct=True), kind=Value("sent"))
        .values_list("user_id", "n", "kind")
        .order_by()
    )
    acted = (
        ActionUse.objects.filter(used_q)
        .values("user_id")
        .annotate(n=Count("id"), kind=Value("acted_on"))
        .values_list("user_id", "n", "kind")
        .order_by()
    )
    for user_id, n, kind in sent.union(acted, all=True):
        result[user_id][kind] = n
    return result
