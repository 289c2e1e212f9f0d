"""The broker's connection lost while a worker is in the middle of a webhook call: the
call is finished and recorded (not cancelled, to be sent again after its lease), and
the worker's log carries no warning about Celery's cancel-on-connection-loss default,
since the setting is chosen explicitly (tracker/settings.py)."""

import pytest
from django.db import connections

from reminders import events
from reminders.models import Delivery, Status
from tests.reminders.conftest import make_plan, wait_for
from tests.reminders.test_pipeline_worker import private_redis  # noqa: F401 - fixture
from tests.reminders.test_worker_killed import Receiver, start_worker_process, stop

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_webhook_in_flight_when_redis_goes_is_finished_and_recorded_once(
    needs_postgres,
    private_redis,  # noqa: F811
    alice,
    tmp_path,
):
    log_path = tmp_path / "worker.log"
    worker = None
    try:
        with Receiver() as receiver:
            make_plan(alice, channels=["webhook"], webhook_url=receiver.url)
            # Prefork, as in production: cancelling a task means terminating its child.
            worker = start_worker_process(
                log_path, pool="prefork", CELERY_BROKER_URL=private_redis.url, OUTBOUND_DEADLINE_SECONDS="60"
            )
            [row] = events.delivery_test_send(user=alice)
            assert receiver.first_arrived.wait(90), log_path.read_text()

            private_redis.stop()  # the receiver still holds the call
            assert wait_for(lambda: "Connection to broker lost" in log_path.read_text(), timeout=4), (
                log_path.read_text()
            )
            receiver.release.set()  # the webhook answers, within its 5 s timeout
            assert wait_for(lambda: Delivery.objects.get(pk=row.pk).status == Status.SENT, timeout=10), (
                log_path.read_text()
            )
            assert len(receiver.requests) == 1
            assert Delivery.objects.get(pk=row.pk).attempts == 1
        log = log_path.read_text()
        assert "CPendingDeprecationWarning" not in log and "cancel_long_running_tasks" not in log, log
    finally:
        stop(worker)
        connections.close_all()
