"""Turn state changes into callback requests, only when the pinned DAG version defines that callback.

Used by the scheduler (DAG run end, timeouts, zombies) and by the supervisor (a try's end); the
requests are added to the transaction of the state change (``dagseal.callbacks.outbox``).
"""

from __future__ import annotations

from typing import Any

from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.serialization import DagCallbackRequest, SerializedDag, SerializedTask, TaskCallbackRequest

_TASK_CALLBACK_FIELD = {
    "task_success": "on_success_callback",
    "task_failure": "on_failure_callback",
    "task_retry": "on_retry_callback",
}


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def task_callback_kinds(task: SerializedTask) -> frozenset[str]:
    """The kinds (task_success/task_failure/task_retry) for which ``task`` defines a callback."""
    return frozenset(kind for kind, field in _TASK_CALLBACK_FIELD.items() if getattr(task, field) is not None)


def task_callback(
    dag: DagModel,
    serialized: SerializedDag,
    run: DagRunModel,
    ti: TaskInstanceModel,
    kind: str,
    msg: str | None,
) -> TaskCallbackRequest | None:
    """The request for ``kind`` (task_success/task_failure/task_retry), or None if the task has none."""
    task = serialized.get_task(ti.task_id)
    if getattr(task, _TASK_CALLBACK_FIELD[kind]) is None:
        return None
    return TaskCallbackRequest(
        full_filepath=dag.fileloc,
        dag_id=ti.dag_id,
        run_id=ti.run_id,
        task_id=ti.task_id,
        try_number=ti.try_number,
        kind=kind,  # type: ignore[arg-type]
        msg=msg,
        processor_subdir=dag.processor_subdir,
        context={
            "dag_hash": run.dag_hash,
            "logical_date": _iso(run.logical_date),
            "try_number": ti.try_number,
            "max_tries": ti.max_tries,
            "state": ti.state,
            "error": ti.error,
        },
    )


def dag_callback(
    dag: DagModel, serialized: SerializedDag, run: DagRunModel, success: bool, msg: str
) -> DagCallbackRequest | None:
    """The DAG run's success or failure callback request, or None if the DAG has none."""
    if (serialized.on_success_callback if success else serialized.on_failure_callback) is None:
        return None
    return DagCallbackRequest(
        full_filepath=dag.fileloc,
        dag_id=run.dag_id,
        run_id=run.run_id,
        kind="dag_success" if success else "dag_failure",
        msg=msg,
        processor_subdir=dag.processor_subdir,
        context={
            "dag_hash": run.dag_hash,
            "logical_date": _iso(run.logical_date),
            "run_type": run.run_type,
            "state": "success" if success else "failed",
        },
    )
