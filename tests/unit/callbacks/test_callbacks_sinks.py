"""Database and pipe sinks: what the scheduler sends is what the processor gets back."""

import queue

from sqlalchemy import select

from dagseal.callbacks import (
    DEFAULT_CALLBACK_PRIORITY,
    DatabaseCallbackSink,
    PipeCallbackSink,
    claim_callbacks,
    send_callback,
)
from dagseal.db.jobs import start_job
from dagseal.db.models import CallbackRequestModel, CallbackType
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


def test_database_sink_writes_the_seed_columns(session_factory) -> None:
    send_callback(DatabaseCallbackSink(session_factory), TASK_REQUEST, priority_weight=7)
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
    sink = DatabaseCallbackSink(session_factory)
    for request in requests:
        sink.send(request)
    job_id = start_job(session_factory, "DagProcessorJob", "dag_repos/team_x")
    claimed = claim_callbacks(session_factory, "dag_repos/team_x", job_id, limit=10, claim_timeout=60)
    assert [c.request() for c in claimed] == requests
    assert {c.priority_weight for c in claimed} == {DEFAULT_CALLBACK_PRIORITY}
    assert [c.callback_type for c in claimed] == [CallbackType.TASK, CallbackType.DAG, CallbackType.SLA]


def test_pipe_sink_puts_the_request_on_the_queue() -> None:
    pipe: queue.Queue[object] = queue.Queue()
    send_callback(PipeCallbackSink(pipe.put), TASK_REQUEST)
    assert pipe.get_nowait() is TASK_REQUEST
