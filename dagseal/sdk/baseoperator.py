"""BaseOperator: task settings (with DAG default_args), dependency edges and the ``>>``/``<<``/chain API."""

import itertools
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from dagseal.sdk.airflow_args import check_task_arguments
from dagseal.sdk.assets import outlet_keys
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.params import split_params
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
    "owner": "airflow",
    "do_xcom_push": True,
    "multiple_outputs": False,
    **SCHEDULING_DEFAULTS,
}
# Documentation arguments: stored and shown, never interpreted.
DOC_ARGUMENTS = ("doc", "doc_md", "doc_json", "doc_yaml", "doc_rst")


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


def dependency_leaves(item: Any) -> list["BaseOperator"]:
    """Where edges leaving ``item`` start: a task group's leaves, otherwise its dependency roots."""
    if isinstance(item, list | tuple | set):
        return [op for element in item for op in dependency_leaves(element)]
    leaves = getattr(item, "dependency_leaves", None)
    return leaves() if leaves is not None else dependency_roots(item)


def is_edge_modifier(item: Any) -> bool:
    """A Label: ``task >> Label(...)`` must reach ``Label.__rrshift__``, so ``__rshift__`` steps aside."""
    return getattr(item, "is_edge_modifier", False) is True


def link(upstream: Any, downstream: Any) -> None:
    """Make every task in ``upstream`` an upstream of every task in ``downstream``."""
    for up in dependency_leaves(upstream):
        for down in dependency_roots(downstream):
            up.set_downstream(down)


def _check_retries(task_id: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DagDefinitionError(f"task {task_id!r}: retries must be an int >= 0, got {value!r}")
    return value


def _check_queue(task_id: str, value: Any) -> str | None:
    """The Celery queue of this task's tries (None: ``[celery] default_queue``)."""
    if value is None or (isinstance(value, str) and value and not any(c.isspace() for c in value)):
        return value
    raise DagDefinitionError(f"task {task_id!r}: queue must be a name without spaces, got {value!r}")


def _check_trigger_rule(task_id: str, value: Any) -> TriggerRule:
    if isinstance(value, TriggerRule):
        return value
    try:
        return TriggerRule(value)
    except ValueError:
        allowed = ", ".join(rule.value for rule in TriggerRule)
        raise DagDefinitionError(
            f"task {task_id!r}: unknown trigger_rule {value!r}; use one of {allowed}"
        ) from None


_DEFAULT_SCHEDULING = check_scheduling("default", SCHEDULING_DEFAULTS)


def _scheduling(task_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The task's checked scheduling settings; all defaults (the common case) were checked once."""
    if all(settings[name] is value for name, value in SCHEDULING_DEFAULTS.items()):
        return dict(_DEFAULT_SCHEDULING)
    return check_scheduling(task_id, {name: settings[name] for name in SCHEDULING_DEFAULTS})


def _current_dag() -> "DAG | None":
    from dagseal.sdk.dag import current_dag  # dag imports this module

    return current_dag()


def _current_group() -> Any:
    from dagseal.sdk.task_group import current_group  # task_group imports this module

    return current_group()


class DependencyOperators:
    """``a >> b``, ``a << b`` and their reflections for tasks and task groups (Labels step in)."""

    def __rshift__(self, other: Any) -> Any:
        if is_edge_modifier(other):
            return NotImplemented
        link(self, other)
        return other

    def __lshift__(self, other: Any) -> Any:
        link(other, self)
        return other

    def __rrshift__(self, other: Any) -> Any:
        link(other, self)
        return self

    def __rlshift__(self, other: Any) -> Any:
        link(self, other)
        return self


class BaseOperator(DependencyOperators):
    """One task of a DAG; subclasses implement ``execute(context)``, which only ever runs in the sandbox.

    ``template_fields`` name attributes rendered with Jinja2 (in the sandbox) before ``execute``;
    a string value ending in one of ``template_ext`` is the path of a template file.
    """

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    params: dict[str, Any]
    param_schemas: dict[str, dict[str, Any]]
    upstream_task_ids: set[str]
    downstream_task_ids: set[str]

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
        owner: str = NOTSET,
        do_xcom_push: bool = NOTSET,
        multiple_outputs: bool = NOTSET,
        task_display_name: str | None = None,
        task_group: Any = None,
        params: dict[str, Any] | None = None,
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
        **airflow_arguments: Any,
    ) -> None:
        group = task_group if task_group is not None else _current_group()
        dag = dag if dag is not None else (group.dag if group is not None else _current_dag())
        if dag is None:
            raise DagDefinitionError(f"task {task_id!r} created outside a DAG; use `with DAG(...)` or dag=")
        if group is not None:
            task_id = group.child_id(task_id)
        default_args = {**dag.default_args, **(group.default_args if group is not None else {})}
        docs = (
            {name: airflow_arguments.pop(name) for name in DOC_ARGUMENTS if name in airflow_arguments}
            if airflow_arguments
            else {}
        )
        if airflow_arguments or default_args:
            check_task_arguments(
                airflow_arguments,
                {name: value for name, value in default_args.items() if name not in OPERATOR_DEFAULTS},
                task_id,
            )
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
            "owner": owner,
            "do_xcom_push": do_xcom_push,
            "multiple_outputs": multiple_outputs,
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
            **OPERATOR_DEFAULTS,
            **{name: value for name, value in default_args.items() if name in OPERATOR_DEFAULTS},
            **{name: value for name, value in given.items() if value is not NOTSET},
        }
        timeout = settings["execution_timeout"]
        timeout = None if timeout is None else _as_timedelta(timeout, "execution_timeout", task_id)
        # Plain writes: during __init__ no base attribute can add an edge (``__setattr__`` waits for
        # ``upstream_task_ids``), and skipping the hook per attribute made a 200-task DAG file
        # several times slower to load in every try.
        self.__dict__.update(
            task_id=task_id,
            dag=dag,
            task_group=group,
            docs={name: str(value) for name, value in docs.items() if value is not None},
            task_display_name=task_display_name,
            retries=_check_retries(task_id, settings["retries"]),
            retry_delay=_as_timedelta(settings["retry_delay"], "retry_delay", task_id),
            execution_timeout=timeout,
            trigger_rule=_check_trigger_rule(task_id, settings["trigger_rule"]),
            priority_weight=int(settings["priority_weight"]),
            queue=_check_queue(task_id, settings["queue"]),
            on_success_callback=settings["on_success_callback"],
            on_failure_callback=settings["on_failure_callback"],
            on_retry_callback=settings["on_retry_callback"],
            owner=str(settings["owner"]),
            do_xcom_push=bool(settings["do_xcom_push"]),
            multiple_outputs=bool(settings["multiple_outputs"]),
            is_setup=False,
            is_teardown=False,
            on_failure_fail_dagrun=False,
            outlets=[] if outlets is None else outlet_keys(task_id, outlets),
        )
        # Task params override the DAG's for this task (a trigger's conf overrides both).
        task_params, param_schemas = split_params(dict(params), f"task {task_id!r}") if params else ({}, {})
        self.__dict__.update(
            _scheduling(task_id, settings),
            params=task_params,
            param_schemas=param_schemas,
            upstream_task_ids=set(),
            downstream_task_ids=set(),
        )
        dag.add_task(self)
        if group is not None:
            group.task_ids.append(task_id)

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """``Operator.partial(task_id=..., **fixed).expand(**mapped)``: dynamic task mapping."""
        from dagseal.sdk.mapping import partial

        return partial(cls, **kwargs)

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

    def __setattr__(self, name: str, value: Any) -> None:
        """A template field given an XComArg (``values=other.output``) depends on its task, as in Airflow."""
        object.__setattr__(self, name, value)  # not super(): this runs for every attribute a task sets
        if name in self.template_fields and "upstream_task_ids" in self.__dict__:
            from dagseal.sdk.xcom import find_xcom_args

            for arg in find_xcom_args(value):
                arg.operator.set_downstream(self)

    def render_template(self, content: Any, context: Any) -> Any:
        """Render ``content`` (a string, or strings inside lists and dicts) with this DAG's Jinja setup."""
        from dagseal.sdk.templating import render_value

        return render_value(self, content, context)

    def as_setup(self) -> "BaseOperator":
        """Mark this task a setup task (its teardowns run once it succeeded)."""
        if self.is_teardown:
            raise DagDefinitionError(f"task {self.task_id!r} cannot be both setup and teardown")
        self.is_setup = True
        return self

    def as_teardown(self, setups: Any = None, on_failure_fail_dagrun: bool = False) -> "BaseOperator":
        """Mark this task a teardown of ``setups``: it runs when its work is done, even failed."""
        if self.is_setup:
            raise DagDefinitionError(f"task {self.task_id!r} cannot be both setup and teardown")
        self.is_teardown = True
        self.on_failure_fail_dagrun = bool(on_failure_fail_dagrun)
        self.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
        if setups is not None:
            for setup in dependency_leaves(setups):
                setup.as_setup()
                setup.set_downstream(self)
        return self

    def __enter__(self) -> "BaseOperator":
        """``with teardown:`` / ``with setup:``: tasks made in the block run between the setups and
        the teardown (Airflow's setup/teardown context manager)."""
        if not (self.is_setup or self.is_teardown):
            raise DagDefinitionError(
                f"task {self.task_id!r}: only setup or teardown tasks can be used with 'with'"
            )
        self._tasks_before = set(self.dag.task_dict)
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if exc_type is not None:
            return
        made = [task for task_id, task in self.dag.task_dict.items() if task_id not in self._tasks_before]
        ids = {task.task_id for task in made}
        roots = [task for task in made if not task.upstream_task_ids & ids]
        leaves = [task for task in made if not task.downstream_task_ids & ids]
        setups = (
            [self]
            if self.is_setup
            else [
                self.dag.task_dict[up]
                for up in sorted(self.upstream_task_ids)
                if self.dag.task_dict[up].is_setup
            ]
        )
        for setup in setups:
            for root in roots:
                setup.set_downstream(root)
        if self.is_teardown:
            for leaf in leaves:
                leaf.set_downstream(self)

    def set_downstream(self, other: "BaseOperator") -> None:
        """Record the edge ``self -> other`` on both tasks."""
        if other.dag is not self.dag:
            raise DagDefinitionError(
                f"cannot link {self.task_id!r} (DAG {self.dag.dag_id!r}) to {other.task_id!r} "
                f"(DAG {other.dag.dag_id!r}): tasks of different DAGs"
            )
        self.downstream_task_ids.add(other.task_id)
        other.upstream_task_ids.add(self.task_id)

    def execute(self, context: "TaskContext") -> Any:
        """Run the task (its template fields already rendered); the return value is its XCom."""
        raise NotImplementedError(f"{self.operator_name} must implement execute(context)")

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


def cross_downstream(from_tasks: Sequence[Any], to_tasks: Sequence[Any]) -> None:
    """Every task in ``from_tasks`` becomes an upstream of every task in ``to_tasks`` (as in Airflow)."""
    link(list(from_tasks), list(to_tasks))


def _is_list(item: Any) -> bool:
    return isinstance(item, list | tuple)
