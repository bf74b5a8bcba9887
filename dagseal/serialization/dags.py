"""DAG object → SerializedDag → deterministic envelope and dag_hash (the DAG's version id)."""

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.dag import DAG
from dagseal.sdk.host_operators import HostOperator
from dagseal.sdk.operators import BashOperator, PythonCallMixin
from dagseal.sdk.xcom import XCOM_KEY, XComArg
from dagseal.serialization.canonical import canonical_json, sha256_hex
from dagseal.serialization.converter import structure, unstructure
from dagseal.serialization.errors import SerializationError
from dagseal.serialization.schema import SCHEMA_VERSION, CallableRef, SerializedDag, SerializedTask

VERSION_KEY = "__version"


def callable_ref(function: Callable[..., Any] | None) -> CallableRef | None:
    """Name a callable by module and qualname (lambdas and closures included)."""
    if function is None:
        return None
    module = getattr(function, "__module__", None) or type(function).__module__
    qualname = getattr(function, "__qualname__", None) or type(function).__qualname__
    return CallableRef(module=module, qualname=qualname)


def to_json_value(value: Any, where: str) -> Any:
    """A JSON-only copy of ``value`` (XComArg → ``{"__xcom__": task_id}``); ``where`` names it in errors."""
    if isinstance(value, XComArg):
        return {XCOM_KEY: value.task_id}
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SerializationError(f"{where}: {value!r} is not valid JSON")
        return value
    if isinstance(value, list | tuple):
        return [to_json_value(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise SerializationError(f"{where}: dict keys must be strings")
        return {key: to_json_value(item, f"{where}[{key!r}]") for key, item in value.items()}
    raise SerializationError(f"{where}: {type(value).__name__} is not JSON-serializable")


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
