"""SQLite has no row locks, so only one scheduler may run against it; PostgreSQL allows several.

A scheduler counts as alive while its job row is ``running`` with a heartbeat younger than the
threshold and, on this host, its pid still exists (a SIGKILLed scheduler is taken over at once).
Among live schedulers the oldest job wins; the others stop with a clear error.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import JobModel, JobState, JobType
from dagseal.errors import DagsealError


class AnotherSchedulerRunning(DagsealError):
    """A second scheduler was started against a SQLite database."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_single_scheduler(session: Session, job_id: int, now: datetime, threshold: float) -> None:
    """Raise AnotherSchedulerRunning if an older live scheduler uses this SQLite database."""
    if session.get_bind().dialect.name != "sqlite":
        return
    host = socket.gethostname()
    others = session.scalars(
        select(JobModel).where(
            JobModel.job_type == JobType.SCHEDULER.value,
            JobModel.state == JobState.RUNNING.value,
            JobModel.id < job_id,
            JobModel.latest_heartbeat >= now - timedelta(seconds=threshold),
        )
    ).all()
    for other in others:
        if other.hostname == host and not _pid_alive(other.pid):
            continue
        raise AnotherSchedulerRunning(
            f"another scheduler (job {other.id}, pid {other.pid} on {other.hostname}) is running on this "
            "SQLite database; SQLite supports one scheduler at a time (use PostgreSQL for more)"
        )
