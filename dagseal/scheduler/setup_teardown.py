"""Setup and teardown tasks in scheduling: which tasks decide a run's state, and which upstream
states a teardown's ``all_done_setup_success`` looks at (Airflow 3's rules)."""

from collections.abc import Mapping

from dagseal.serialization import SerializedDag, SerializedTask


def run_state_leaves(dag: SerializedDag) -> tuple[str, ...]:
    """Leaves, where a teardown leaf (without ``on_failure_fail_dagrun``) is replaced by the work
    before it: a failing cleanup does not fail the run, a failing work task does."""
    tasks = {task.task_id: task for task in dag.tasks}
    decided: set[str] = set()
    seen: set[str] = set()
    stack = [task.task_id for task in dag.tasks if not task.downstream_task_ids]
    while stack:
        task_id = stack.pop()
        if task_id in seen:
            continue
        seen.add(task_id)
        task = tasks[task_id]
        if task.is_teardown and not task.on_failure_fail_dagrun:
            stack.extend(up for up in task.upstream_task_ids if not tasks[up].is_setup)
        else:
            decided.add(task_id)
    return tuple(sorted(decided))


def setup_upstreams(task: SerializedTask, tasks: Mapping[str, SerializedTask]) -> list[str]:
    """The upstream tasks of ``task`` that are setup tasks."""
    return [up for up in task.upstream_task_ids if up in tasks and tasks[up].is_setup]
