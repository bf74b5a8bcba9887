"""CeleryExecutor: each queued try becomes one Celery message; workers on any host run it.

A try goes to its task's ``queue`` (``celery_queues.py``), else to ``[celery] default_queue``.

The scheduler never waits on the broker: a message that cannot be sent (broker down) stays in
this executor's outbox, holding its slot, and is sent again on every pass until the broker
answers; if this scheduler dies first, ``[scheduler] task_queued_timeout`` hands the try back to
``scheduled``. A try counts as running here until the metadata DB shows it left ``queued`` and
``running`` (one query per pass for all of them). Celery's result backend (the supervisor's exit
code, ``[celery] result_backend``) is not polled: its database backend opens a new connection per
result outside a worker, which capped throughput at a few tries per second. Workers record tries
in the metadata DB themselves, so a scheduler that stops (``end``, ``terminate``) or dies leaves
them running to their end; a supervisor that failed before its claim leaves its try queued for
``task_queued_timeout``.
"""

from __future__ import annotations

import logging
import time
import uuid

from celery import Celery
from kombu.exceptions import KombuError, OperationalError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.executor.celery_app import EXECUTE_TRY_TASK, CelerySettings, TryMessage, celery_app
from dagseal.executor.celery_queues import TaskQueues
from dagseal.lifecycle.handoff import BaseExecutor, FinishedTry, QueuedTry
from dagseal.lifecycle.states import TaskState

log = logging.getLogger(__name__)
_SEND_ERRORS = (OperationalError, KombuError, OSError, TimeoutError)
_END_POLL_SECONDS = 0.5
_IN_FLIGHT = (TaskState.QUEUED.value, TaskState.RUNNING.value)


class CeleryExecutor(BaseExecutor):
    """Sends up to ``[core] parallelism`` tries at a time to their task's queue."""

    def __init__(
        self,
        parallelism: int,
        settings: CelerySettings,
        factory: sessionmaker[Session],
    ) -> None:
        super().__init__(parallelism)
        self.settings = settings
        self._factory = factory
        self._app: Celery | None = None
        self._queues = TaskQueues(factory, settings.default_queue)
        self._outbox: dict[int, TryMessage] = {}
        self._sent: set[int] = set()

    @property
    def running_count(self) -> int:
        return len(self._outbox) + len(self._sent)

    def start(self) -> None:
        """Build the app; nothing connects yet, so a broker that is down does not stop the scheduler."""
        self._app = celery_app(self.settings)

    def execute(self, item: QueuedTry) -> None:
        message = TryMessage(
            ti_id=item.ti_id,
            dag_id=item.dag_id,
            run_id=item.run_id,
            task_id=item.task_id,
            celery_task_id=str(uuid.uuid4()),
        )
        self._sent.discard(item.ti_id)  # requeued by task_queued_timeout: the new message counts
        self._outbox[item.ti_id] = message
        self._send_outbox()

    def _send_outbox(self) -> None:
        assert self._app is not None, "start() first"
        for ti_id, message in list(self._outbox.items()):
            try:
                queue = self._queues.queue_of(ti_id)
            except SQLAlchemyError as exc:  # the database went away: the try waits in the outbox
                log.warning(
                    "cannot look up the queue of task instance %s: %s", ti_id, str(exc).splitlines()[0]
                )
                return
            try:
                self._app.send_task(
                    EXECUTE_TRY_TASK,
                    args=[message.to_json()],
                    task_id=message.celery_task_id,
                    queue=queue,
                    retry=False,
                )
            except _SEND_ERRORS as exc:
                log.warning("celery broker unreachable (%s); %d tries wait", exc, len(self._outbox))
                return
            del self._outbox[ti_id]
            self._sent.add(ti_id)

    def sync(self) -> list[FinishedTry]:
        if self._outbox:
            self._send_outbox()
        if not self._sent:
            return []
        query = select(TaskInstanceModel.id).where(
            TaskInstanceModel.id.in_(self._sent), TaskInstanceModel.state.in_(_IN_FLIGHT)
        )
        try:
            with session_scope(self._factory) as session:
                in_flight = set(session.scalars(query))
        except SQLAlchemyError as exc:  # the database is down: the next pass asks again
            log.warning("cannot read the tries in flight: %s", exc)
            return []
        done = self._sent - in_flight
        self._sent = in_flight
        return [FinishedTry(ti_id, 0) for ti_id in sorted(done)]

    def wait(self, timeout: float) -> None:
        """Results arrive in the result backend, which cannot wake us: sleep the scheduler's beat."""
        time.sleep(timeout)

    def end(self) -> None:
        """Wait until every sent try has a result (tries still in the outbox are left to the
        queued timeout: the broker is down)."""
        while self._sent:
            self.sync()
            if self._sent:
                time.sleep(_END_POLL_SECONDS)
        self._close()

    def terminate(self) -> None:
        """Stop tracking: tries already on workers run to their end and record themselves there."""
        self._close()

    def _close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None
