"""Task instance and DAG run states, and the transitions the scheduler and supervisor may make.

Every state change in the database is a conditional update ``WHERE state = <from>``; the table
below is the single place that says which ``<from>`` is legal, so a stray writer fails loudly.
"""

from enum import StrEnum


class TaskState(StrEnum):
    """State of one task instance (one task in one DAG run)."""

    NONE = "none"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"  # a reschedule-mode sensor between pokes
    UPSTREAM_FAILED = "upstream_failed"
    SKIPPED = "skipped"


class DagRunState(StrEnum):
    """State of one DAG run."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


FINISHED_TASK_STATES = frozenset(
    {TaskState.SUCCESS, TaskState.FAILED, TaskState.UPSTREAM_FAILED, TaskState.SKIPPED}
)
"""States a task instance never leaves unless someone clears it."""

UNFINISHED_TASK_STATES = frozenset(set(TaskState) - FINISHED_TASK_STATES)

FINISHED_RUN_STATES = frozenset({DagRunState.SUCCESS, DagRunState.FAILED})

TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    # none → success/failed: an operator the scheduler carries out itself (scheduler/host_tasks.py).
    TaskState.NONE: frozenset(
        {
            TaskState.SCHEDULED,
            TaskState.UPSTREAM_FAILED,
            TaskState.SKIPPED,
            TaskState.SUCCESS,
            TaskState.FAILED,
        }
    ),
    # scheduled → failed: its pool does not exist (scheduler/concurrency.py).
    TaskState.SCHEDULED: frozenset({TaskState.QUEUED, TaskState.SKIPPED, TaskState.FAILED}),
    # queued → scheduled: the scheduler that queued it died before a supervisor claimed it;
    # queued → failed: its supervisor exited without ever starting the try.
    TaskState.QUEUED: frozenset(
        {TaskState.RUNNING, TaskState.SCHEDULED, TaskState.FAILED, TaskState.SKIPPED}
    ),
    TaskState.RUNNING: frozenset(
        {
            TaskState.SUCCESS,
            TaskState.FAILED,
            TaskState.UP_FOR_RETRY,
            TaskState.UP_FOR_RESCHEDULE,
            TaskState.SKIPPED,
        }
    ),
    TaskState.UP_FOR_RETRY: frozenset({TaskState.SCHEDULED, TaskState.SKIPPED}),
    TaskState.UP_FOR_RESCHEDULE: frozenset({TaskState.SCHEDULED, TaskState.SKIPPED}),
    TaskState.SUCCESS: frozenset(),
    TaskState.FAILED: frozenset(),
    TaskState.UPSTREAM_FAILED: frozenset(),
    TaskState.SKIPPED: frozenset(),
}
"""Legal moves; ``tasks clear`` is the one escape from a finished state (back to none)."""


class IllegalTransition(ValueError):
    """A component asked for a state change the state machine does not allow."""


def check_transition(current: TaskState, target: TaskState) -> None:
    """Raise IllegalTransition unless ``current → target`` is in TRANSITIONS."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"task instance cannot go from {current} to {target}")


def sources_of(target: TaskState) -> tuple[TaskState, ...]:
    """The states from which ``target`` may be reached: the WHERE of a conditional update."""
    return tuple(state for state, targets in TRANSITIONS.items() if target in targets)
