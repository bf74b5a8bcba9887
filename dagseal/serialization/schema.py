"""Serialized DAG schema version 1 (see docs/architecture.md): attrs classes, plain JSON values only."""

from typing import Any

from attrs import field, frozen

from dagseal.sdk.schedule import ScheduleSpec

SCHEMA_VERSION = 1

__all__ = [
    "SCHEMA_VERSION",
    "CallableRef",
    "EdgeLabel",
    "ScheduleSpec",
    "SerializedDag",
    "SerializedTask",
    "SerializedTaskGroup",
]


@frozen
class CallableRef:
    """Where a callable was defined; documentation and hash input, never an import path to follow."""

    module: str
    qualname: str


@frozen(kw_only=True)
class SerializedTask:
    task_id: str
    operator: str
    upstream_task_ids: list[str] = field(factory=list)
    downstream_task_ids: list[str] = field(factory=list)
    trigger_rule: str = "all_success"
    retries: int = 0
    retry_delay: float = 300.0
    execution_timeout: float | None = None
    priority_weight: int = 1
    queue: str | None = None
    python_callable: CallableRef | None = None
    op_args: list[Any] = field(factory=list)
    op_kwargs: dict[str, Any] = field(factory=dict)
    bash_command: str | None = None
    env: dict[str, str] | None = None
    on_success_callback: CallableRef | None = None
    on_failure_callback: CallableRef | None = None
    on_retry_callback: CallableRef | None = None
    owner: str = "airflow"
    task_display_name: str | None = None
    docs: dict[str, str] = field(factory=dict)
    task_group: str | None = None
    # Every template field's value as written (unrendered), for custom operators too.
    template_fields: dict[str, Any] = field(factory=dict)
    multiple_outputs: bool = False
    do_xcom_push: bool = True
    params: dict[str, Any] = field(factory=dict)  # task params (override the DAG's)
    # Dynamic task mapping: {"kind": "expand"|"expand_kwargs", "value": JSON with {"__xcom__": ..}}.
    expand_input: dict[str, Any] | None = None
    is_setup: bool = False
    is_teardown: bool = False
    on_failure_fail_dagrun: bool = False
    pool: str = "default_pool"
    pool_slots: int = 1
    max_active_tis_per_dag: int | None = None
    max_active_tis_per_dagrun: int | None = None
    weight_rule: str = "downstream"
    depends_on_past: bool = False
    wait_for_downstream: bool = False
    retry_exponential_backoff: bool = False
    max_retry_delay: float | None = None
    host_operator: dict[str, Any] | None = None  # operators the scheduler carries out (host_operators.py)
    outlets: list[dict[str, str]] = field(factory=list)  # asset keys {"name", "uri"} a success updates


@frozen(kw_only=True)
class SerializedTaskGroup:
    group_id: str
    parent_group: str | None = None
    tooltip: str = ""
    group_display_name: str | None = None


@frozen(kw_only=True)
class EdgeLabel:
    upstream_task_id: str
    downstream_task_id: str
    label: str


@frozen(kw_only=True)
class SerializedDag:
    dag_id: str
    fileloc: str
    source_digest: str
    description: str | None = None
    schedule: ScheduleSpec
    start_date: str | None = None
    end_date: str | None = None
    catchup: bool = False
    max_active_runs: int = 16
    max_active_tasks: int = 16
    dagrun_timeout: float | None = None
    params: dict[str, Any] = field(factory=dict)
    tags: list[str] = field(factory=list)
    on_success_callback: CallableRef | None = None
    on_failure_callback: CallableRef | None = None
    tasks: list[SerializedTask] = field(factory=list)
    doc_md: str | None = None
    dag_display_name: str | None = None
    # name -> {"schema": JSON schema, "description": ...} of Param(...) params (host validates conf).
    param_schemas: dict[str, dict[str, Any]] = field(factory=dict)
    task_groups: list[SerializedTaskGroup] = field(factory=list)
    edge_labels: list[EdgeLabel] = field(factory=list)

    def get_task(self, task_id: str) -> SerializedTask:
        for task in self.tasks:
            if task.task_id == task_id:
                return task
        raise KeyError(f"DAG {self.dag_id!r} has no task {task_id!r}")
