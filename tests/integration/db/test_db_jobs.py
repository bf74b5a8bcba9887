"""Job rows: start, heartbeat, end."""

import os

import pytest

from dagseal.db.jobs import JobNotFoundError, end_job, heartbeat, start_job
from dagseal.db.models import JobModel, JobState, JobType
from dagseal.db.session import session_scope


def _job(session_factory, job_id: int) -> JobModel:
    with session_scope(session_factory) as session:
        job = session.get(JobModel, job_id)
        assert job is not None
        return job


def test_job_lifecycle(session_factory) -> None:
    job_id = start_job(session_factory, JobType.DAG_PROCESSOR, "dag_repos/team_x")
    started = _job(session_factory, job_id)
    assert (started.state, started.pid, started.processor_subdir) == (
        "running",
        os.getpid(),
        "dag_repos/team_x",
    )

    heartbeat(session_factory, job_id)
    assert _job(session_factory, job_id).latest_heartbeat > started.latest_heartbeat

    end_job(session_factory, job_id, JobState.FAILED)
    ended = _job(session_factory, job_id)
    assert ended.state == "failed"
    assert ended.end_date is not None


def test_missing_job_and_bad_states_are_errors(session_factory) -> None:
    with pytest.raises(JobNotFoundError, match="job 999"):
        heartbeat(session_factory, 999)
    job_id = start_job(session_factory, "SchedulerJob")
    with pytest.raises(ValueError, match="final state"):
        end_job(session_factory, job_id, "running")
    with pytest.raises(ValueError):
        start_job(session_factory, "NoSuchJob")
