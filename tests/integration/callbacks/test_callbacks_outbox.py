"""The outbox: a request is a row of the caller's transaction, and comes back to the processor as sent."""

import pytest
from sqlalchemy import func, select

from dagseal.callbacks import (
    DEFAULT_CALLBACK_PRIORITY,
    add_callback_request,
    callbacks_added,
    claim_callbacks,
)
from dagseal.db.jobs import add_job, start_job
from dagseal.db.models import CallbackRequestModel, CallbackType, JobModel, JobType
from dagseal.db.session import session_scope
from dagseal.serialization.callback_requests import (
    DagCallbackRequest,
    SlaCallbackRequest,
    TaskCallbackRequest,
)

TASK_REQUEST = TaskCallbackRequest(
    full_filepath="/repo/dag_repos/team_x/etl.py",
    dag_id="team_x.etl",
    run_id="manual__1",
    task_id="load",
    try_number=2,
    msg="load failed: exit 1",
    processor_subdir="dag_repos/team_x",
    context={"exit_code": 1},
)


def test_the_row_has_the_seed_columns(session_factory) -> None:
    with session_scope(session_factory) as session:
        add_callback_request(session, TASK_REQUEST, priority_weight=7)
        assert callbacks_added(session)
    with session_scope(session_factory) as session:
        row = session.scalars(select(CallbackRequestModel)).one()
    assert row.callback_type is CallbackType.TASK
    assert row.priority_weight == 7
    assert row.message == "load failed: exit 1"
    assert row.processor_subdir == "dag_repos/team_x"
    assert row.callback_data["task_id"] == "load"
    assert row.created_at.tzinfo is not None


def test_every_request_type_round_trips_through_the_database(session_factory) -> None:
    requests = [
        TASK_REQUEST,
        DagCallbackRequest(
            full_filepath="/r/etl.py",
            dag_id="team_x.etl",
            run_id="r1",
            kind="dag_success",
            processor_subdir="dag_repos/team_x",
        ),
        SlaCallbackRequest(
            full_filepath="/r/etl.py", dag_id="team_x.etl", processor_subdir="dag_repos/team_x"
        ),
    ]
    with session_scope(session_factory) as session:
        for request in requests:
            add_callback_request(session, request)
    job_id = start_job(session_factory, "DagProcessorJob", "dag_repos/team_x")
    claimed = claim_callbacks(session_factory, "dag_repos/team_x", job_id, limit=10, claim_timeout=60)
    assert [c.request() for c in claimed] == requests
    assert {c.priority_weight for c in claimed} == {DEFAULT_CALLBACK_PRIORITY}
    assert [c.callback_type for c in claimed] == [CallbackType.TASK, CallbackType.DAG, CallbackType.SLA]


def test_the_request_rolls_back_with_the_state_change_that_caused_it(session_factory) -> None:
    with pytest.raises(RuntimeError), session_scope(session_factory) as session:
        add_job(session, JobType.SCHEDULER)
        add_callback_request(session, TASK_REQUEST)
        raise RuntimeError("crash before the commit")
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(CallbackRequestModel)) == 0
        assert session.scalar(select(func.count()).select_from(JobModel)) == 0


def test_a_session_that_added_nothing_wakes_nobody(session_factory) -> None:
    with session_scope(session_factory) as session:
        add_job(session, JobType.SCHEDULER)
    assert not callbacks_added(session)
