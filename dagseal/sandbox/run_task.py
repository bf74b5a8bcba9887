"""The ``run_task`` request: run one task try from the pinned DAG source and report its result.

Template fields are rendered here, in the sandbox, right before ``execute``. The full traceback
goes to stderr (the task log); the reply carries one line.
"""

import os
import sys
from datetime import UTC
from typing import Any

from dagseal.sandbox.loader import dag_module_scope, describe_exception, exec_dag_source
from dagseal.sandbox.protocol import RunTaskRequest, TaskResult
from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.context import TaskContext, task_context
from dagseal.sdk.exceptions import TaskFailedNoRetry, TaskRescheduled, TaskSkipped
from dagseal.sdk.mapping import MappedOperator
from dagseal.sdk.record import replace
from dagseal.sdk.task_instance import RuntimeTaskInstance
from dagseal.sdk.templating import render_template_fields, resolve_field_xcoms
from dagseal.sdk.xcom import ensure_json_serializable
from dagseal.sdk.xcom_channel import UpstreamResults


def task_context_for(request: RunTaskRequest, task: BaseOperator) -> TaskContext:
    """The context of this try: request identity and dates, the task's DAG objects, its XCom channel."""
    dag = task.dag
    channel = UpstreamResults(
        request.upstream_results,
        upstream=frozenset(task.upstream_task_ids),
        multiple_outputs=frozenset(
            task_id for task_id in task.upstream_task_ids if dag.task_dict[task_id].multiple_outputs
        ),
        supervisor=RuntimeTaskInstance(
            dag_id=request.dag_id,
            task_id=request.task_id,
            run_id=request.run_id,
            try_number=request.try_number,
            map_index=request.map_index,
        ),
    )
    return TaskContext(
        dag_id=request.dag_id,
        task_id=request.task_id,
        run_id=request.run_id,
        try_number=request.try_number,
        logical_date=request.logical_date,
        params={**request.params, **{k: v for k, v in task.params.items() if k not in request.conf}},
        conf=dict(request.conf),
        map_index=request.map_index,
        data_interval_start=request.data_interval_start,
        data_interval_end=request.data_interval_end,
        run_type=request.run_type,
        sensor_started_at=request.sensor_started_at,
        dag=dag,
        task=task,
        xcom=channel,
    )


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
        context = task_context_for(request, task)
        print(
            f"[dagseal] running {request.dag_id}.{request.task_id} try {request.try_number}", file=sys.stderr
        )
        rendered: dict[str, Any] = {}
        try:
            if isinstance(task, MappedOperator):
                channel = task.channel_for(context.xcom, request.map_index)
                task = task.unmap(channel, request.map_index)
                context = replace(context, task=task, xcom=channel)
            with task_context(context):
                resolve_field_xcoms(task, context.xcom)
                rendered = _recordable(render_template_fields(task, context))
                value = task.execute(context)
            value = ensure_json_serializable(value, request.task_id) if task.do_xcom_push else None
        except TaskSkipped as exc:
            print(f"[dagseal] task skipped: {exc}", file=sys.stderr)
            return TaskResult(
                id=request.id, state="skipped", error=str(exc) or None, rendered_fields=rendered
            )
        except TaskRescheduled as exc:
            print(f"[dagseal] not yet; {exc}", file=sys.stderr)
            when = exc.reschedule_date.astimezone(UTC).isoformat()
            return TaskResult(
                id=request.id, state="up_for_reschedule", reschedule_date=when, rendered_fields=rendered
            )
        except TaskFailedNoRetry as exc:
            return TaskResult(
                id=request.id, state="failed", error=str(exc), retry=False, rendered_fields=rendered
            )
        except (Exception, SystemExit) as exc:
            return _failed(request, exc, path, rendered=rendered)
    return TaskResult(
        id=request.id,
        state="success",
        return_value=value,
        rendered_fields=rendered,
        skip_task_ids=list(getattr(task, "skip_task_ids", ())),
    )


def _recordable(rendered: dict[str, Any]) -> dict[str, Any]:
    """Rendered values as JSON: native objects that are not JSON are recorded as their repr."""
    import json

    return {name: json.loads(json.dumps(value, default=repr)) for name, value in rendered.items()}


def _failed(
    request: RunTaskRequest,
    exc: BaseException,
    path: str,
    prefix: str = "",
    rendered: dict[str, Any] | None = None,
) -> TaskResult:
    message, stacktrace = describe_exception(exc, path, request.file)
    sys.stderr.write(stacktrace)
    sys.stderr.flush()
    return TaskResult(id=request.id, state="failed", error=prefix + message, rendered_fields=rendered or {})
