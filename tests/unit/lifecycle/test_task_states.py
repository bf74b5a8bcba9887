"""The task state machine: legal transitions and the WHERE clauses derived from them."""

import itertools

import pytest

from dagseal.lifecycle.states import (
    FINISHED_TASK_STATES,
    TRANSITIONS,
    IllegalTransition,
    TaskState,
    check_transition,
    sources_of,
)


def test_finished_states_are_terminal() -> None:
    for state in FINISHED_TASK_STATES:
        assert TRANSITIONS[state] == frozenset()


@pytest.mark.parametrize(
    "path",
    [
        [TaskState.NONE, TaskState.SCHEDULED, TaskState.QUEUED, TaskState.RUNNING, TaskState.SUCCESS],
        [TaskState.RUNNING, TaskState.UP_FOR_RETRY, TaskState.SCHEDULED],  # the retry loop
    ],
    ids=["happy-path", "retry-loop"],
)
def test_legal_paths_pass_and_are_in_the_where_clauses(path: list[TaskState]) -> None:
    for current, target in itertools.pairwise(path):
        check_transition(current, target)  # raises IllegalTransition if the table forbids it
        assert current in sources_of(target), f"{current} → {target} missing from sources_of"


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (TaskState.NONE, TaskState.RUNNING),
        (TaskState.SUCCESS, TaskState.QUEUED),
        (TaskState.FAILED, TaskState.NONE),
    ],
)
def test_illegal_moves_raise(current: TaskState, target: TaskState) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


def test_only_a_queued_try_can_start_running() -> None:
    assert sources_of(TaskState.RUNNING) == (TaskState.QUEUED,)


def test_every_state_has_an_entry() -> None:
    assert set(TRANSITIONS) == set(TaskState)
