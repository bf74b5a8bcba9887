"""Trigger-rule evaluation: a pure function from upstream states to what happens to the task.

Semantics follow Airflow's ``TriggerRuleDep`` with ``flag_upstream_failed``: a decision that can
no longer change (an upstream already failed under ``all_success``) is taken at once, without
waiting for the other upstream tasks to finish.
"""

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from dagseal.lifecycle.states import FINISHED_TASK_STATES, TaskState


class Decision(StrEnum):
    """What the scheduler does with a task whose upstream tasks are in the given states."""

    WAIT = "wait"
    RUN = "run"
    SKIP = "skip"
    UPSTREAM_FAILED = "upstream_failed"


class UnknownTriggerRule(ValueError):
    """A serialized task names a trigger rule this scheduler does not implement."""


def evaluate(
    trigger_rule: str,
    upstream_states: Iterable[TaskState | str],
    setup_states: Iterable[TaskState | str] = (),
) -> Decision:
    """Decide for one task from its trigger rule and the current states of its upstream tasks
    (``setup_states``: those of its upstream *setup* tasks, also counted in ``upstream_states``)."""
    states = [TaskState(state) for state in upstream_states]
    if not states:
        return Decision.RUN
    try:
        rule = _RULES[trigger_rule]
    except KeyError:
        raise UnknownTriggerRule(
            f"unknown trigger rule {trigger_rule!r}; known: {', '.join(sorted(_RULES))}"
        ) from None
    return rule(_Tally(states, [TaskState(state) for state in setup_states]))


class _Tally:
    """Counts of upstream states, the only input every rule needs."""

    def __init__(self, states: list[TaskState], setup_states: list[TaskState]) -> None:
        counts = Counter(states)
        self.total = len(states)
        self.success = counts[TaskState.SUCCESS]
        self.skipped = counts[TaskState.SKIPPED]
        self.failed_only = counts[TaskState.FAILED]
        self.failed = counts[TaskState.FAILED] + counts[TaskState.UPSTREAM_FAILED]
        self.done = sum(counts[state] for state in FINISHED_TASK_STATES)
        setups = Counter(setup_states)
        self.setups = len(setup_states)
        self.setup_success = setups[TaskState.SUCCESS]
        self.setup_skipped = setups[TaskState.SKIPPED]

    @property
    def all_done(self) -> bool:
        return self.done == self.total


def _all_success(t: _Tally) -> Decision:
    if t.failed:
        return Decision.UPSTREAM_FAILED
    if t.skipped:
        return Decision.SKIP
    return Decision.RUN if t.success == t.total else Decision.WAIT


def _all_failed(t: _Tally) -> Decision:
    if t.success or t.skipped:
        return Decision.SKIP
    return Decision.RUN if t.failed == t.total else Decision.WAIT


def _all_done(t: _Tally) -> Decision:
    return Decision.RUN if t.all_done else Decision.WAIT


def _one_success(t: _Tally) -> Decision:
    if t.success:
        return Decision.RUN
    if not t.all_done:
        return Decision.WAIT
    return Decision.SKIP if t.skipped == t.total else Decision.UPSTREAM_FAILED


def _one_failed(t: _Tally) -> Decision:
    if t.failed:
        return Decision.RUN
    return Decision.SKIP if t.all_done else Decision.WAIT


def _none_failed(t: _Tally) -> Decision:
    if t.failed:
        return Decision.UPSTREAM_FAILED
    return Decision.RUN if t.all_done else Decision.WAIT


def _none_skipped(t: _Tally) -> Decision:
    if t.skipped:
        return Decision.SKIP
    return Decision.RUN if t.all_done else Decision.WAIT


def _all_done_setup_success(t: _Tally) -> Decision:
    """A teardown's default: once everything finished, run if a setup upstream succeeded."""
    if not t.all_done:
        return Decision.WAIT
    if t.setups and t.setup_skipped == t.setups:
        return Decision.SKIP
    if t.setups and not t.setup_success:
        return Decision.UPSTREAM_FAILED
    return Decision.RUN


def _all_skipped(t: _Tally) -> Decision:
    if t.success or t.failed:
        return Decision.SKIP
    return Decision.RUN if t.skipped == t.total else Decision.WAIT


def _one_done(t: _Tally) -> Decision:
    """Run once one upstream succeeded or failed (upstream_failed does not count, as in Airflow)."""
    if t.success or t.failed_only:
        return Decision.RUN
    return Decision.SKIP if t.all_done else Decision.WAIT


def _none_failed_min_one_success(t: _Tally) -> Decision:
    if t.failed:
        return Decision.UPSTREAM_FAILED
    if not t.all_done:
        return Decision.WAIT
    return Decision.SKIP if t.skipped == t.total else Decision.RUN


def _always(t: _Tally) -> Decision:
    return Decision.RUN


_RULES = {
    "all_success": _all_success,
    "all_failed": _all_failed,
    "all_done": _all_done,
    "one_success": _one_success,
    "one_failed": _one_failed,
    "none_failed": _none_failed,
    "none_skipped": _none_skipped,
    "all_done_setup_success": _all_done_setup_success,
    "all_skipped": _all_skipped,
    "one_done": _one_done,
    "none_failed_min_one_success": _none_failed_min_one_success,
    "always": _always,
}
"""Keyed by ``dagseal.sdk.TriggerRule`` values; a test checks both sets stay equal."""
