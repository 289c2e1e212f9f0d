"""`/healthz` tells a load balancer the truth: 200 only while the database and the broker
both answer, 503 naming the one that does not (each stopped for real: a closed port)."""

import socket

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import broker_at


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free, and nothing listens once the socket closes


def _health():
    response = Client().get("/healthz")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_healthz_is_ok_while_database_and_broker_answer(needs_postgres, needs_redis):
    assert _health() == (200, {"status": "ok", "database": "ok", "broker": "ok"})


@pytest.mark.django_db
def test_healthz_is_503_while_the_broker_is_unreachable(needs_redis):
    with broker_at(f"redis://127.0.0.1:{_closed_port()}/0"):
        assert _health() == (503, {"status": "unavailable", "database": "ok", "broker": "unavailable"})
    assert _health() == (200, {"status": "ok", "database": "ok", "broker": "ok"})


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_while_the_database_is_unreachable(needs_postgres, needs_redis):
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(_closed_port())
    try:
        assert _health() == (503, {"status": "unavailable", "database": "unavailable", "broker": "ok"})
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert _health()[0] == 200
