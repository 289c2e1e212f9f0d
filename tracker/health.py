"""`/healthz`: is this web process able to serve? It checks what every request needs,
the database, and what every write needs to reach the workers, the broker. A load
balancer takes a process out of rotation on 503. No data, no authentication."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not serving"
        return False


def _broker() -> bool:
    from tracker.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # kombu raises several kinds of connection error
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        **{k: "ok" if v else "unavailable" for k, v in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
