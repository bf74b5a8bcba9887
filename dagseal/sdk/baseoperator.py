"""BaseOperator: task settings (with DAG default_args), dependency edges and the ``>>``/``<<``/chain API."""

import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from dagseal.sdk.assets import outlet_keys
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.task_scheduling import SCHEDULING_DEFAULTS, check_scheduling
from dagseal.sdk.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from dagseal.sdk.context import TaskContext
    from dagseal.sdk.dag import DAG
    from dagseal.sdk.xcom import XComArg

Callback = Callable[[dict[str, Any]], Any]


class _NotSet:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = _NotSet()

# Task settings a DAG's default_args may supply, with dagseal's (Airflow's) defaults.
OPERATOR_DEFAULTS: dict[str, Any] = {
    "retries": 0,
    "retry_delay": timedelta(seconds=300),
    "execution_timeout": None,
    "trigger_rule": TriggerRule.ALL_SUCCESS,
    "priority_weight": 1,
    "queue": None,
    "on_success_callback": None,
    "on_failure_callback": None,
    "on_retry_callback": None,
    **SCHEDULING_DEFAULTS,
}


def _as_timedelta(value: Any, name: str, task_id: str) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise DagDefinitionError(f"task {task_id!r}: {name} must be a timedelta or seconds, got {value!r}")


def dependency_roots(item: Any) -> list["BaseOperator"]:
    """Operators designated by an operator, an XComArg or a (nested) list of them."""
    if isinstance(item, list | tuple | set):
        return [op for element in item for op in dependency_roots(element)]
    roots = getattr(item, "dependency_roots", None)
    if roots is None:
        raise DagDefinitionError(f"cannot use {item!r} in a dependency; expected a task or a list of tasks")
    return roots()


def link(upstream: Any, downstream: Any) -> None:
    """Make every task in ``upstream`` an upstream of every task in ``downstream``."""
    for up in dependency_roots(upstream):
        for down in dependency_roots(downstream):
            up.set_downstream(down)


class BaseOperator:
    """One task of a DAG; subclasses implement ``execute``, which only ever runs inside the sandbox."""

    def __init__(
        self,
        *,
        task_id: str,
        dag: "DAG | None" = None,
        retries: int = NOTSET,
        retry_delay: timedelta | float = NOTSET,
        execution_timeout: timedelta | float | None = NOTSET,
        trigger_rule: TriggerRule | str = NOTSET,
        priority_weight: int = NOTSET,
        queue: str | None = NOTSET,
        on_success_callback: Callback | None = NOTSET,
        on_failure_callback: Callback | None = NOTSET,
        on_retry_callback: Callback | None = NOTSET,
        pool: str = NOTSET,
        pool_slots: int = NOTSET,
        max_active_tis_per_dag: int | None = NOTSET,
        max_active_tis_per_dagrun: int | None = NOTSET,
        weight_rule: str = NOTSET,
        depends_on_past: bool = NOTSET,
        wait_for_downstream: bool = NOTSET,
        retry_exponential_backoff: bool = NOTSET,
        max_retry_delay: timedelta | float | None = NOTSET,
        outlets: Any = None,
    ) -> None:
        from dagseal.sdk.dag import current_dag

        owner = dag if dag is not None else current_dag()
        if owner is None:
            raise DagDefinitionError(f"task {task_id!r} created outside a DAG; use `with DAG(...)` or dag=")
        self.task_id = task_id
        self.dag = owner
        given = {
            "retries": retries,
            "retry_delay": retry_delay,
            "execution_timeout": execution_timeout,
            "trigger_rule": trigger_rule,
            "priority_weight": priority_weight,
            "queue": queue,
            "on_success_callback": on_success_callback,
            "on_failure_callback": on_failure_callback,
            "on_retry_callback": on_retry_callback,
            "pool": pool,
            "pool_slots": pool_slots,
            "max_active_tis_per_dag": max_active_tis_per_dag,
            "max_active_tis_per_dagrun": max_active_tis_per_dagrun,
            "weight_rule": weight_rule,
            "depends_on_past": depends_on_past,
            "wait_for_downstream": wait_for_downstream,
            "retry_exponential_backoff": retry_exponential_backoff,
            "max_retry_delay": max_retry_delay,
        }
        settings = {
            name: value if value is not NOTSET else owner.default_args.get(name, OPERATOR_DEFAULTS[name])
            for name, value in given.items()
        }
        self.retries = self._check_retries(settings["retries"])
        self.retry_delay = _as_timedelta(settings["retry_delay"], "retry_delay", task_id)
        timeout = settings["execution_timeout"]
        self.execution_timeout = (
            None if timeout is None else _as_timedelta(timeout, "execution_timeout", task_id)
        )
        self.trigger_rule = self._check_trigger_rule(settings["trigger_rule"])
        self.priority_weight = int(settings["priority_weight"])
        self.queue = self._check_queue(settings["queue"])
        self.on_success_callback: Callback | None = settings["on_success_callback"]
        self.on_failure_callback: Callback | None = settings["on_failure_callback"]
        self.on_retry_callback: Callback | None = settings["on_retry_callback"]
        scheduling = check_scheduling(task_id, {name: settings[name] for name in SCHEDULING_DEFAULTS})
        self.pool: str = scheduling["pool"]
        self.pool_slots: int = scheduling["pool_slots"]
        self.max_active_tis_per_dag: int | None = scheduling["max_active_tis_per_dag"]
        self.max_active_tis_per_dagrun: int | None = scheduling["max_active_tis_per_dagrun"]
        self.weight_rule: str = scheduling["weight_rule"]
        self.depends_on_past: bool = scheduling["depends_on_past"]
        self.wait_for_downstream: bool = scheduling["wait_for_downstream"]
        self.retry_exponential_backoff: bool = scheduling["retry_exponential_backoff"]
        self.max_retry_delay: timedelta | None = scheduling["max_retry_delay"]
        self.outlets: list[dict[str, str]] = [] if outlets is None else outlet_keys(task_id, outlets)
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        owner.add_task(self)

    def _check_retries(self, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DagDefinitionError(f"task {self.task_id!r}: retries must be an int >= 0, got {value!r}")
        return value

    def _check_queue(self, value: Any) -> str | None:
        """The Celery queue of this task's tries (None: ``[celery] default_queue``)."""
        if value is None or (isinstance(value, str) and value and not any(c.isspace() for c in value)):
            return value
        raise DagDefinitionError(f"task {self.task_id!r}: queue must be a name without spaces, got {value!r}")

    def _check_trigger_rule(self, value: Any) -> TriggerRule:
        try:
            return TriggerRule(value)
        except ValueError:
            allowed = ", ".join(rule.value for rule in TriggerRule)
            raise DagDefinitionError(
                f"task {self.task_id!r}: unknown trigger_rule {value!r}; use one of {allowed}"
            ) from None

    @property
    def operator_name(self) -> str:
        return type(self).__name__

    def dependency_roots(self) -> list["BaseOperator"]:
        return [self]

    @property
    def output(self) -> "XComArg":
        """This task's return value, to pass to another task (Airflow's ``operator.output``)."""
        from dagseal.sdk.xcom import XComArg

        return XComArg(self)

    def set_downstream(self, other: "BaseOperator") -> None:
        """Record the edge ``self -> other`` on both tasks."""
        if other.dag is not self.dag:
            raise DagDefinitionError(
                f"cannot link {self.task_id!r} (DAG {self.dag.dag_id!r}) to {other.task_id!r} "
                f"(DAG {other.dag.dag_id!r}): tasks of different DAGs"
            )
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)

    def __rshift__(self, other: Any) -> Any:
        link(self, other)
        return other

    def __lshift__(self, other: Any) -> Any:
        link(other, self)
        return other

    def __rrshift__(self, other: Any) -> "BaseOperator":
        link(other, self)
        return self

    def __rlshift__(self, other: Any) -> "BaseOperator":
        link(self, other)
        return self

    def execute(self, context: "TaskContext", upstream_results: Mapping[str, Any]) -> Any:
        """Run the task; called by the sandbox with upstream return values keyed by task_id."""
        raise NotImplementedError(f"{self.operator_name} must implement execute(context, upstream_results)")

    def __repr__(self) -> str:
        return f"<{self.operator_name} {self.dag.dag_id}.{self.task_id}>"


def chain(*tasks: "BaseOperator | Any | Sequence[Any]") -> None:
    """Link ``tasks`` in sequence; two adjacent lists of equal length are linked pairwise (as in Airflow)."""
    for upstream, downstream in itertools.pairwise(tasks):
        if _is_list(upstream) and _is_list(downstream):
            if len(upstream) != len(downstream):
                raise DagDefinitionError(
                    f"chain() got adjacent lists of different lengths ({len(upstream)} and {len(downstream)})"
                )
            for up, down in zip(upstream, downstream, strict=True):
                link(up, down)
        else:
            link(upstream, downstream)


def _is_list(item: Any) -> bool:
    return isinstance(item, list | tuple)
