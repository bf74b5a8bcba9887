"""Task containers a dead supervisor left on this host, found by label and removed.

A worker host that lost its worker and supervisors (SIGKILL, OOM, a reboot of the agent) keeps
their task containers running: the engine does not know their supervisor died. Every task
container a supervisor starts carries ``io.dagseal.host`` = this host's name beside its try
identity (``io.dagseal.dag_id``, ``run_id``, ``task_id``, ``try_number``). A worker sweeps its
host's task containers when it starts and then every ``zombie_detection_interval``: a container
whose try is not ``running`` under a supervisor job that heartbeat within ``zombie_threshold`` is
an orphan and is force-removed (the scheduler's zombie detection has failed or retried its try,
or soon will). A container started ahead of its try (``runtime/docker_standby.py``: a chain's
next task, or a standby) is an orphan once the supervisor process its ``io.dagseal.owner`` names
is gone. Containers of other hosts sharing the
engine are never touched.
"""

from __future__ import annotations

import logging
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import JobModel, JobState, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.lifecycle.states import TaskState
from dagseal.runtime.docker_container import MANAGED_LABEL, ROLE_LABEL
from dagseal.runtime.docker_engine import DockerEngine
from dagseal.runtime.docker_standby import OWNER_LABEL, owner_alive
from dagseal.timeutil import utcnow

HOST_LABEL = "io.dagseal.host"
log = logging.getLogger(__name__)


def host_label() -> tuple[str, str]:
    """The label a supervisor adds to its task container."""
    return (HOST_LABEL, socket.gethostname())


def _alive(session: Session, labels: dict[str, str], cutoff: datetime) -> bool:
    """Whether a supervisor that heartbeat since ``cutoff`` runs this container's try."""
    try:
        try_number = int(labels.get("io.dagseal.try_number", ""))
    except ValueError:
        return False
    row = session.execute(
        select(
            TaskInstanceModel.state, TaskInstanceModel.try_number, JobModel.state, JobModel.latest_heartbeat
        )
        .join(JobModel, JobModel.id == TaskInstanceModel.job_id)
        .where(
            TaskInstanceModel.dag_id == labels.get("io.dagseal.dag_id"),
            TaskInstanceModel.run_id == labels.get("io.dagseal.run_id"),
            TaskInstanceModel.task_id == labels.get("io.dagseal.task_id"),
        )
    ).one_or_none()
    if row is None:
        return False
    ti_state, ti_try, job_state, beat = row
    return (
        ti_state == TaskState.RUNNING.value
        and ti_try == try_number
        and job_state == JobState.RUNNING.value
        and beat >= cutoff
    )


def remove_orphans(engine: DockerEngine, factory: sessionmaker[Session], threshold: float) -> list[str]:
    """Force-remove this host's orphaned task and standby containers; returns their names."""
    here = {MANAGED_LABEL: "1", HOST_LABEL: socket.gethostname()}
    cutoff = utcnow() - timedelta(seconds=threshold)
    orphans = []
    for container in engine.containers({**here, ROLE_LABEL: "task"}):
        labels = container.get("Labels") or {}
        if OWNER_LABEL in labels:  # started ahead of its try: see below
            continue
        with session_scope(factory) as session:
            if not _alive(session, labels, cutoff):
                orphans.append(container)
    # A container started ahead (runtime/docker_standby.py) has no running try to look up until
    # it gets one: it lives as long as the supervisor process that started it.
    for container in engine.containers({**here, OWNER_LABEL: None}):
        if not owner_alive((container.get("Labels") or {}).get(OWNER_LABEL, "")):
            orphans.append(container)
    removed = []
    for container in orphans:
        engine.remove(container["Id"])
        name = (container.get("Names") or [container["Id"][:12]])[0].lstrip("/")
        role = (container.get("Labels") or {}).get(ROLE_LABEL)
        log.warning("removed orphaned %s container %s (its supervisor is gone)", role, name)
        removed.append(name)
    return removed


class OrphanSweeper(threading.Thread):
    """Sweeps at once, then every ``interval`` seconds until ``stop``; an engine or DB outage is
    logged and the next sweep tries again."""

    def __init__(
        self, engine: DockerEngine, factory: sessionmaker[Session], threshold: float, interval: float
    ) -> None:
        super().__init__(name="dagseal-orphan-containers", daemon=True)
        self._engine, self._factory = engine, factory
        self._threshold, self._interval = threshold, interval
        self._halt = threading.Event()

    def run(self) -> None:
        while True:
            try:
                remove_orphans(self._engine, self._factory, self._threshold)
            except (DagsealError, SQLAlchemyError, OSError) as exc:
                log.warning("orphaned container sweep failed: %s", exc)
            if self._halt.wait(self._interval):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join()
