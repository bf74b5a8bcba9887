"""DAG object → SerializedDag → deterministic envelope and dag_hash (the DAG's version id)."""

import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.dag import DAG
from dagseal.sdk.host_operators import HostOperator
from dagseal.sdk.mapping import MappedOperator
from dagseal.sdk.operators import BashOperator, PythonCallMixin
from dagseal.sdk.xcom import XCOM_KEY, XComArg
from dagseal.sdk.xcom_channel import RETURN_VALUE
from dagseal.serialization.canonical import canonical_json, sha256_hex
from dagseal.serialization.converter import structure, unstructure
from dagseal.serialization.errors import SerializationError
from dagseal.serialization.schema import (
    SCHEMA_VERSION,
    CallableRef,
    EdgeLabel,
    SerializedDag,
    SerializedTask,
    SerializedTaskGroup,
)

VERSION_KEY = "__version"


def callable_ref(function: Callable[..., Any] | None) -> CallableRef | None:
    """Name a callable by module and qualname (lambdas and closures included)."""
    if function is None:
        return None
    module = getattr(function, "__module__", None) or type(function).__module__
    qualname = getattr(function, "__qualname__", None) or type(function).__qualname__
    return CallableRef(module=module, qualname=qualname)


def xcom_reference(arg: XComArg) -> dict[str, str]:
    """``{"__xcom__": task_id}``, plus ``"key"`` for one output of a multiple_outputs task."""
    if arg.key == RETURN_VALUE:
        return {XCOM_KEY: arg.task_id}
    return {XCOM_KEY: arg.task_id, "key": arg.key}


def json_keys(value: Any) -> Any:
    """Dict keys as JSON writes them (``{1: "a"}`` -> ``{"1": "a"}``), as Airflow stores param schemas."""
    if isinstance(value, dict):
        return {
            key if isinstance(key, str) else json.dumps(key): json_keys(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [json_keys(item) for item in value]
    return value


def _template_source(task: BaseOperator, where: str) -> dict[str, Any]:
    """The unrendered template fields; a value that is not JSON is recorded by its repr."""
    fields: dict[str, Any] = {}
    for name in task.template_fields:
        value = getattr(task, name, None)
        try:
            fields[name] = to_json_value(value, f"{where} template field {name!r}")
        except SerializationError:
            fields[name] = repr(value)
    return fields


class _NotJson(Exception):
    """A value ``to_json_value`` cannot copy; ``path`` gathers the ``[index]`` parts on the way out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str] = []


def to_json_value(value: Any, where: str) -> Any:
    """A JSON-only copy of ``value`` (XComArg → ``{"__xcom__": task_id}``); ``where`` names it in errors,
    with the path to the offending item (built only then: parsing copies every task's arguments)."""
    try:
        return _json_copy(value)
    except _NotJson as exc:
        raise SerializationError(f"{where}{''.join(reversed(exc.path))}: {exc.reason}") from None


def _json_copy(value: Any) -> Any:
    if isinstance(value, XComArg):
        return xcom_reference(value)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotJson(f"{value!r} is not valid JSON")
        return value
    if isinstance(value, list | tuple):
        return [_json_item(item, index) for index, item in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise _NotJson("dict keys must be strings")
        return {key: _json_item(item, key) for key, item in value.items()}
    raise _NotJson(f"{type(value).__name__} is not JSON-serializable")


def _json_item(item: Any, key: int | str) -> Any:
    try:
        return _json_copy(item)
    except _NotJson as exc:
        exc.path.append(f"[{key!r}]")
        raise


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def serialize_task(task: BaseOperator) -> SerializedTask:
    where = f"DAG {task.dag.dag_id!r} task {task.task_id!r}"
    python = task if isinstance(task, PythonCallMixin) else None
    bash = task if isinstance(task, BashOperator) else None
    return SerializedTask(
        task_id=task.task_id,
        operator=task.operator_name,
        upstream_task_ids=sorted(task.upstream_task_ids),
        downstream_task_ids=sorted(task.downstream_task_ids),
        trigger_rule=task.trigger_rule.value,
        retries=task.retries,
        retry_delay=task.retry_delay.total_seconds(),
        execution_timeout=_seconds(task.execution_timeout),
        priority_weight=task.priority_weight,
        queue=task.queue,
        python_callable=callable_ref(python.python_callable) if python else None,
        op_args=to_json_value(python.op_args, f"{where} op_args") if python else [],
        op_kwargs=to_json_value(python.op_kwargs, f"{where} op_kwargs") if python else {},
        bash_command=bash.bash_command if bash else None,
        env=dict(bash.env) if bash and bash.env is not None else None,
        on_success_callback=callable_ref(task.on_success_callback),
        on_failure_callback=callable_ref(task.on_failure_callback),
        on_retry_callback=callable_ref(task.on_retry_callback),
        owner=task.owner,
        task_display_name=task.task_display_name,
        docs=dict(sorted(task.docs.items())),
        task_group=task.task_group.group_id if task.task_group is not None else None,
        template_fields=_template_source(task, where),
        multiple_outputs=task.multiple_outputs,
        params=to_json_value(task.params, f"{where} params"),
        do_xcom_push=task.do_xcom_push,
        expand_input=(
            {"kind": task.kind, "value": to_json_value(task.expand_input, f"{where} expand input")}
            if isinstance(task, MappedOperator)
            else None
        ),
        is_setup=task.is_setup,
        is_teardown=task.is_teardown,
        on_failure_fail_dagrun=task.on_failure_fail_dagrun,
        pool=task.pool,
        pool_slots=task.pool_slots,
        max_active_tis_per_dag=task.max_active_tis_per_dag,
        max_active_tis_per_dagrun=task.max_active_tis_per_dagrun,
        weight_rule=task.weight_rule,
        depends_on_past=task.depends_on_past,
        wait_for_downstream=task.wait_for_downstream,
        retry_exponential_backoff=task.retry_exponential_backoff,
        max_retry_delay=_seconds(task.max_retry_delay),
        host_operator=task.host_spec() if isinstance(task, HostOperator) else None,
        outlets=[dict(key) for key in task.outlets],
    )


def serialize_dag(dag: DAG, *, fileloc: str, source_digest: str) -> SerializedDag:
    """Serialize a validated DAG; ``fileloc`` is relative to the DAG folder so checkouts hash alike."""
    return SerializedDag(
        dag_id=dag.dag_id,
        fileloc=fileloc,
        source_digest=source_digest,
        description=dag.description,
        schedule=dag.schedule,
        start_date=_iso(dag.start_date),
        end_date=_iso(dag.end_date),
        catchup=dag.catchup,
        max_active_runs=dag.max_active_runs,
        max_active_tasks=dag.max_active_tasks,
        dagrun_timeout=_seconds(dag.dagrun_timeout),
        params=to_json_value(dag.params, f"DAG {dag.dag_id!r} params"),
        tags=sorted(dag.tags),
        on_success_callback=callable_ref(dag.on_success_callback),
        on_failure_callback=callable_ref(dag.on_failure_callback),
        tasks=[serialize_task(dag.task_dict[task_id]) for task_id in sorted(dag.task_dict)],
        doc_md=dag.doc_md,
        dag_display_name=dag.dag_display_name,
        param_schemas=to_json_value(json_keys(dag.param_schemas), f"DAG {dag.dag_id!r} param schemas"),
        task_groups=[
            SerializedTaskGroup(
                group_id=group.group_id,
                parent_group=group.parent_group.group_id if group.parent_group else None,
                tooltip=group.tooltip,
                group_display_name=group.group_display_name,
            )
            for _, group in sorted(dag.task_groups.items())
        ],
        edge_labels=[
            EdgeLabel(upstream_task_id=up, downstream_task_id=down, label=label)
            for (up, down), label in sorted(dag.edge_labels.items())
        ],
    )


def dag_envelope(dag: SerializedDag) -> dict[str, Any]:
    """``{"__version": 1, "dag": {...}}``: what is stored, sent and hashed."""
    return {VERSION_KEY: SCHEMA_VERSION, "dag": unstructure(dag)}


def dag_from_envelope(envelope: Any) -> SerializedDag:
    """Read an envelope back; a different schema version is refused with one clear line."""
    if not isinstance(envelope, dict) or set(envelope) != {VERSION_KEY, "dag"}:
        raise SerializationError("serialized DAG must be an object with exactly '__version' and 'dag'")
    if envelope[VERSION_KEY] != SCHEMA_VERSION:
        raise SerializationError(
            f"unsupported serialized DAG schema version {envelope[VERSION_KEY]!r} (need {SCHEMA_VERSION})"
        )
    return structure(envelope["dag"], SerializedDag)


def dag_hash(dag: SerializedDag) -> str:
    """SHA-256 hex of the canonical envelope JSON: the DAG's version id."""
    return sha256_hex(canonical_json(dag_envelope(dag)))
