"""Job rows: a long-running process registers itself, heartbeats, and records how it ended.

Other processes judge liveness from ``state`` and ``latest_heartbeat`` (claim take-over, zombies).
"""

from __future__ import annotations

import os
import socket

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import JobModel, JobState, JobType
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.timeutil import utcnow

__all__ = ["JobNotFoundError", "add_job", "close_job", "end_job", "heartbeat", "start_job"]


class JobNotFoundError(DagsealError):
    """The job row is gone (e.g. the DB was reset under a running process)."""


def add_job(session: Session, job_type: JobType | str, processor_subdir: str | None = None) -> int:
    """Insert a ``running`` job for this process in the caller's transaction and return its id
    (a task supervisor registers and claims its try in one commit)."""
    now = utcnow()
    job = JobModel(
        job_type=JobType(job_type),
        hostname=socket.gethostname(),
        pid=os.getpid(),
        processor_subdir=processor_subdir,
        state=JobState.RUNNING,
        start_date=now,
        latest_heartbeat=now,
    )
    session.add(job)
    session.flush()
    return job.id


def start_job(
    session_factory: sessionmaker[Session], job_type: JobType | str, processor_subdir: str | None = None
) -> int:
    """Insert a ``running`` job for this process and return its id."""
    with session_scope(session_factory) as session:
        return add_job(session, job_type, processor_subdir)


def _update_job(session: Session, job_id: int, **values: object) -> None:
    result = session.execute(update(JobModel).where(JobModel.id == job_id).values(**values))
    if result.rowcount != 1:
        raise JobNotFoundError(f"job {job_id} does not exist in the database")


def heartbeat(session_factory: sessionmaker[Session], job_id: int) -> None:
    """Tell the others this job is alive now."""
    with session_scope(session_factory) as session:
        _update_job(session, job_id, latest_heartbeat=utcnow())


def close_job(session: Session, job_id: int, state: JobState | str = JobState.SUCCESS) -> None:
    """``end_job`` in the caller's transaction."""
    state = JobState(state)
    if state is JobState.RUNNING:
        raise ValueError("end_job needs a final state (success or failed), not running")
    now = utcnow()
    _update_job(session, job_id, state=state, end_date=now, latest_heartbeat=now)


def end_job(
    session_factory: sessionmaker[Session], job_id: int, state: JobState | str = JobState.SUCCESS
) -> None:
    """Record how the job ended; its callback claims become free for other processors at once."""
    with session_scope(session_factory) as session:
        close_job(session, job_id, state)
