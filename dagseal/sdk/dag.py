"""DAG: a named graph of tasks with a schedule; ``with DAG(...)`` makes it the owner of new tasks."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dagseal.sdk.airflow_args import check_dag_arguments
from dagseal.sdk.assets import asset_condition
from dagseal.sdk.exceptions import DagCycleError, DagDefinitionError, DuplicateTaskIdError
from dagseal.sdk.params import split_params
from dagseal.sdk.schedule import ScheduleSpec, normalize_schedule
from dagseal.sdk.timetables import Timetable
from dagseal.sdk.timezones import timezone_name

if TYPE_CHECKING:
    from dagseal.sdk.baseoperator import BaseOperator, Callback
    from dagseal.sdk.task_group import TaskGroup

_DAG_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,250}$")

_dag_stack: list["DAG"] = []
# DAGs entered with `with DAG(...)` since the innermost collect_dags() began (None: nobody collects).
_collected: list["DAG"] | None = None


def current_dag() -> "DAG | None":
    """The DAG of the innermost ``with DAG(...)`` block, if any."""
    return _dag_stack[-1] if _dag_stack else None


@contextmanager
def collect_dags() -> Iterator[list["DAG"]]:
    """Collect DAGs used as context managers while the block runs (the sandbox wraps each import)."""
    global _collected
    previous, _collected = _collected, []
    try:
        yield _collected
    finally:
        _collected = previous


def _schedule_spec(schedule: object, start_date: datetime | None, dag_id: str) -> ScheduleSpec:
    """A timetable's own spec, or the bare schedule read in the start_date's zone (UTC if naive)."""
    if isinstance(schedule, Timetable):
        return schedule.spec
    condition = asset_condition(schedule)
    if condition is not None:
        return ScheduleSpec(kind="assets", assets=condition)
    zone = start_date.tzinfo if isinstance(start_date, datetime) else None
    try:
        return normalize_schedule(schedule, "UTC" if zone is None else timezone_name(zone))
    except DagDefinitionError as exc:
        raise type(exc)(f"DAG {dag_id!r}: {exc}") from None


def _utc(value: datetime | None, name: str, dag_id: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise DagDefinitionError(f"DAG {dag_id!r}: {name} must be a datetime, got {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _free_id(base: str, taken: dict[str, Any]) -> str:
    candidate, n = base, 0
    while candidate in taken:
        n += 1
        candidate = f"{base}__{n}"
    return candidate


class DAG:
    """A DAG definition as written in a DAG file; naive dates are taken as UTC.

    A bare cron ``schedule`` is read in ``start_date``'s timezone, as in Airflow.
    """

    def __init__(
        self,
        dag_id: str,
        *,
        schedule: "str | timedelta | Timetable | None" = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        catchup: bool = False,
        description: str | None = None,
        default_args: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        max_active_runs: int = 16,
        max_active_tasks: int = 16,
        dagrun_timeout: timedelta | None = None,
        on_success_callback: "Callback | None" = None,
        on_failure_callback: "Callback | None" = None,
        doc_md: str | None = None,
        dag_display_name: str | None = None,
        template_searchpath: str | list[str] | None = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Any] | None = None,
        render_template_as_native_obj: bool = False,
        jinja_environment_kwargs: dict[str, Any] | None = None,
        template_undefined: type | None = None,
        **airflow_arguments: Any,
    ) -> None:
        if not isinstance(dag_id, str) or not _DAG_ID.match(dag_id):
            raise DagDefinitionError(f"invalid dag_id {dag_id!r}: use 1-250 letters, digits, '_', '.' or '-'")
        if dagrun_timeout is not None and not isinstance(dagrun_timeout, timedelta):
            raise DagDefinitionError(f"DAG {dag_id!r}: dagrun_timeout must be a timedelta")
        if not isinstance(max_active_runs, int) or max_active_runs < 1:
            raise DagDefinitionError(f"DAG {dag_id!r}: max_active_runs must be a positive int")
        check_dag_arguments(airflow_arguments, dag_id)
        if not isinstance(max_active_tasks, int) or max_active_tasks < 1:
            raise DagDefinitionError(f"DAG {dag_id!r}: max_active_tasks must be a positive int")
        self.dag_id = dag_id
        self.schedule = _schedule_spec(schedule, start_date, dag_id)
        self.start_date = _utc(start_date, "start_date", dag_id)
        self.end_date = _utc(end_date, "end_date", dag_id)
        self.catchup = bool(catchup)
        self.description = description
        self.default_args = dict(default_args or {})
        self.params, self.param_schemas = split_params(dict(params or {}), f"DAG {dag_id!r}")
        self.tags = sorted(tags or [])
        self.max_active_runs = max_active_runs
        self.max_active_tasks = max_active_tasks
        self.dagrun_timeout = dagrun_timeout
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.doc_md = doc_md
        self.dag_display_name = dag_display_name
        searchpath = [template_searchpath] if isinstance(template_searchpath, str) else template_searchpath
        self.template_searchpath: list[str] = list(searchpath or [])
        self.user_defined_macros = dict(user_defined_macros or {})
        self.user_defined_filters = dict(user_defined_filters or {})
        self.render_template_as_native_obj = bool(render_template_as_native_obj)
        self.jinja_environment_kwargs = dict(jinja_environment_kwargs or {})
        self.template_undefined = template_undefined
        self.task_dict: dict[str, BaseOperator] = {}
        self.task_groups: dict[str, TaskGroup] = {}
        # (upstream task_id, downstream task_id) -> label, from Label(...) in a dependency chain.
        self.edge_labels: dict[tuple[str, str], str] = {}

    def __enter__(self) -> "DAG":
        _dag_stack.append(self)
        if _collected is not None and self not in _collected:
            _collected.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _dag_stack.pop()

    @property
    def tasks(self) -> list["BaseOperator"]:
        return list(self.task_dict.values())

    def add_task(self, task: "BaseOperator") -> None:
        if task.task_id in self.task_dict:
            raise DuplicateTaskIdError(f"DAG {self.dag_id!r}: duplicate task_id {task.task_id!r}")
        self.task_dict[task.task_id] = task

    def get_task(self, task_id: str) -> "BaseOperator":
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise KeyError(f"DAG {self.dag_id!r} has no task {task_id!r}") from None

    def free_task_id(self, base: str) -> str:
        """``base`` or the first free ``base__N`` (how repeated @task calls get distinct ids)."""
        return _free_id(base, self.task_dict)

    def free_group_id(self, base: str) -> str:
        """``base`` or the first free ``base__N`` among task group ids (repeated @task_group calls)."""
        return _free_id(base, self.task_groups)

    def validate(self) -> "DAG":
        """Raise DagCycleError naming the cycle if the task graph is not acyclic."""
        cycle = self._find_cycle()
        if cycle:
            raise DagCycleError(f"DAG {self.dag_id!r} has a cycle: {' >> '.join(cycle)}")
        return self

    def _find_cycle(self) -> list[str]:
        """Iterative DFS over downstream edges; returns the task ids of one cycle, first id repeated."""
        done: set[str] = set()
        for root in sorted(self.task_dict):
            if root in done:
                continue
            path: list[str] = [root]
            on_path = {root}
            stack = [iter(sorted(self.task_dict[root].downstream_task_ids))]
            while stack:
                child = next(stack[-1], None)
                if child is None:
                    stack.pop()
                    done.add(path[-1])
                    on_path.discard(path.pop())
                elif child in on_path:
                    return [*path[path.index(child) :], child]
                elif child not in done:
                    path.append(child)
                    on_path.add(child)
                    stack.append(iter(sorted(self.task_dict[child].downstream_task_ids)))
        return []

    def __repr__(self) -> str:
        return f"<DAG {self.dag_id}>"
