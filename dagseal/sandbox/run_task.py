"""The ``run_task`` request: run one task try from the pinned DAG source and report its result.

The full traceback goes to stderr (the task log); the reply carries one line.
"""

import os
import sys
from datetime import UTC

from dagseal.sandbox.loader import dag_module_scope, describe_exception, exec_dag_source
from dagseal.sandbox.protocol import RunTaskRequest, TaskResult
from dagseal.sdk.context import TaskContext, task_context
from dagseal.sdk.exceptions import SensorTimeout, TaskRescheduled, TaskSkipped
from dagseal.sdk.xcom import ensure_json_serializable


def run_task(request: RunTaskRequest) -> TaskResult:
    path = os.path.join(request.dag_folder, request.file)
    with dag_module_scope(request.dag_folder, request.file) as module_name:
        try:
            dags = exec_dag_source(request.source, path, module_name)
            if request.dag_id not in dags:
                raise LookupError(f"no DAG {request.dag_id!r} in {request.file}")
            task = dags[request.dag_id].get_task(request.task_id)
        except (Exception, SystemExit) as exc:
            return _failed(
                request, exc, path, prefix=f"cannot load task {request.dag_id}.{request.task_id}: "
            )
        context = TaskContext(
            dag_id=request.dag_id,
            task_id=request.task_id,
            run_id=request.run_id,
            try_number=request.try_number,
            logical_date=request.logical_date,
            params=dict(request.params),
            conf=dict(request.conf),
            data_interval_end=request.data_interval_end,
            sensor_started_at=request.sensor_started_at,
        )
        print(
            f"[dagseal] running {request.dag_id}.{request.task_id} try {request.try_number}", file=sys.stderr
        )
        try:
            with task_context(context):
                value = task.execute(context, request.upstream_results)
            ensure_json_serializable(value, request.task_id)
        except TaskSkipped as exc:
            print(f"[dagseal] task skipped: {exc}", file=sys.stderr)
            return TaskResult(id=request.id, state="skipped", error=str(exc) or None)
        except TaskRescheduled as exc:
            print(f"[dagseal] not yet; {exc}", file=sys.stderr)
            when = exc.reschedule_date.astimezone(UTC).isoformat()
            return TaskResult(id=request.id, state="up_for_reschedule", reschedule_date=when)
        except SensorTimeout as exc:
            return TaskResult(id=request.id, state="failed", error=str(exc), retry=False)
        except (Exception, SystemExit) as exc:
            return _failed(request, exc, path)
    return TaskResult(id=request.id, state="success", return_value=value)


def _failed(request: RunTaskRequest, exc: BaseException, path: str, prefix: str = "") -> TaskResult:
    message, stacktrace = describe_exception(exc, path, request.file)
    sys.stderr.write(stacktrace)
    sys.stderr.flush()
    return TaskResult(id=request.id, state="failed", error=prefix + message)
