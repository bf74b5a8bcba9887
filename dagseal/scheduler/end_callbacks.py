"""Callback requests for task and run ends the scheduler decides itself (a missing pool, a host
operator's failure, a cancelled backfill's runs), added to the transaction of the state change."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dagseal.callbacks.outbox import add_callback_request
from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.lifecycle.callback_builder import dag_callback, task_callback
from dagseal.serialization import SerializedDag


def request_task_callback(
    session: Session, dag: SerializedDag, ti_id: int, kind: str, msg: str | None
) -> None:
    """Add the task's ``kind`` callback request for the try that just ended, if the task defines one."""
    ti = session.get(TaskInstanceModel, ti_id)
    session.refresh(ti)  # the state change was a conditional update past the ORM
    run = session.get(DagRunModel, ti.dag_run_id)
    dag_row = session.get(DagModel, ti.dag_id)
    request = dag_row and task_callback(dag_row, dag, run, ti, kind, msg=msg)
    if request:
        add_callback_request(session, request)


def request_run_failure_callback(session: Session, dag: SerializedDag, run: DagRunModel, msg: str) -> None:
    """Add the DAG's failure callback request for a run that just failed, if the DAG defines one."""
    dag_row = session.get(DagModel, run.dag_id)
    request = dag_row and dag_callback(dag_row, dag, run, False, msg=msg)
    if request:
        add_callback_request(session, request)
