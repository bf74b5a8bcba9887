"""The ``run_callbacks`` request: run DAG/task callbacks from the pinned DAG source, one outcome each."""

import os
import sys
from typing import Any

from dagseal.sandbox.loader import dag_module_scope, describe_exception, exec_dag_source
from dagseal.sandbox.protocol import CallbackOutcome, CallbackSpec, CallbacksResult, RunCallbacksRequest
from dagseal.sdk.dag import DAG


def run_callbacks(request: RunCallbacksRequest) -> CallbacksResult:
    path = os.path.join(request.dag_folder, request.file)
    with dag_module_scope(request.dag_folder, request.file) as module_name:
        try:
            dags = exec_dag_source(request.source, path, module_name)
        except (Exception, SystemExit) as exc:
            message, stacktrace = describe_exception(exc, path, request.file)
            sys.stderr.write(stacktrace)
            error = f"cannot load DAG file: {message}"
            outcomes = [
                CallbackOutcome(callback_id=cb.callback_id, ok=False, error=error) for cb in request.callbacks
            ]
            return CallbacksResult(id=request.id, outcomes=outcomes)
        outcomes = [_run_one(dags, callback, path, request.file) for callback in request.callbacks]
    return CallbacksResult(id=request.id, outcomes=outcomes)


def _run_one(dags: dict[str, DAG], callback: CallbackSpec, path: str, label: str) -> CallbackOutcome:
    def failed(error: str) -> CallbackOutcome:
        print(f"[dagseal] callback {callback.callback_id} failed: {error}", file=sys.stderr)
        return CallbackOutcome(callback_id=callback.callback_id, ok=False, error=error)

    if callback.kind == "sla_miss":
        print(f"[dagseal] SLA missed for DAG {callback.dag_id!r}: {callback.msg}", file=sys.stderr)
        return CallbackOutcome(callback_id=callback.callback_id, ok=True)
    dag = dags.get(callback.dag_id)
    if dag is None:
        return failed(f"no DAG {callback.dag_id!r} in {label}")
    scope, event = callback.kind.split("_", 1)
    task = None
    if scope == "task":
        if callback.task_id not in dag.task_dict:
            return failed(f"DAG {callback.dag_id!r} has no task {callback.task_id!r}")
        task = dag.task_dict[callback.task_id]
    function = getattr(task if task is not None else dag, f"on_{event}_callback")
    if function is None:
        print(f"[dagseal] no {callback.kind} callback defined; nothing to run", file=sys.stderr)
        return CallbackOutcome(callback_id=callback.callback_id, ok=True)
    try:
        function(_context(callback, dag, task))
    except (Exception, SystemExit) as exc:
        message, stacktrace = describe_exception(exc, path, label)
        sys.stderr.write(stacktrace)
        return failed(message)
    return CallbackOutcome(callback_id=callback.callback_id, ok=True)


def _context(callback: CallbackSpec, dag: DAG, task: Any) -> dict[str, Any]:
    """Airflow-like callback context: the host's context plus the live DAG/task objects and the reason."""
    return {
        **callback.context,
        "dag": dag,
        "task": task,
        "dag_id": callback.dag_id,
        "task_id": callback.task_id,
        "run_id": callback.run_id,
        "reason": callback.msg,
        "exception": callback.msg if callback.kind.endswith("failure") else None,
        "callback_kind": callback.kind,
    }
