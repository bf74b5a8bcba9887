"""Trigger rules: explicit tables per rule, plus exhaustive invariants over every upstream combination."""

import itertools

import pytest

from dagseal.lifecycle.states import FINISHED_TASK_STATES, TaskState
from dagseal.scheduler.trigger_rules import _RULES, Decision, UnknownTriggerRule, evaluate
from dagseal.sdk.trigger_rule import TriggerRule

S, F, UF, SK, R, N = (
    TaskState.SUCCESS,
    TaskState.FAILED,
    TaskState.UPSTREAM_FAILED,
    TaskState.SKIPPED,
    TaskState.RUNNING,
    TaskState.NONE,
)
RUN, WAIT, SKIP, UPF = Decision.RUN, Decision.WAIT, Decision.SKIP, Decision.UPSTREAM_FAILED

CASES = [
    ("all_success", [S, S], RUN),
    ("all_success", [S, R], WAIT),
    ("all_success", [F, R], UPF),
    ("all_success", [UF, S], UPF),
    ("all_success", [SK, S], SKIP),
    ("all_success", [SK, R], SKIP),
    ("all_failed", [F, UF], RUN),
    ("all_failed", [F, R], WAIT),
    ("all_failed", [F, S], SKIP),
    ("all_failed", [SK, F], SKIP),
    ("all_done", [S, F, SK, UF], RUN),
    ("all_done", [S, TaskState.UP_FOR_RETRY], WAIT),
    ("one_success", [S, R], RUN),
    ("one_success", [F, R], WAIT),
    ("one_success", [F, SK], UPF),
    ("one_success", [SK, SK], SKIP),
    ("one_failed", [F, R], RUN),
    ("one_failed", [UF, N], RUN),
    ("one_failed", [S, R], WAIT),
    ("one_failed", [S, SK], SKIP),
    ("none_failed", [S, SK], RUN),
    ("none_failed", [S, R], WAIT),
    ("none_failed", [F, R], UPF),
    ("none_skipped", [S, F], RUN),
    ("none_skipped", [SK, R], SKIP),
    ("none_skipped", [S, N], WAIT),
    ("all_skipped", [SK, SK], RUN),
    ("all_skipped", [SK, R], WAIT),
    ("all_skipped", [SK, S], SKIP),
    ("all_skipped", [UF, SK], SKIP),
    ("one_done", [S, R], RUN),
    ("one_done", [F, N], RUN),
    ("one_done", [UF, R], WAIT),
    ("one_done", [UF, SK], SKIP),
    ("none_failed_min_one_success", [S, SK], RUN),
    ("none_failed_min_one_success", [SK, SK], SKIP),
    ("none_failed_min_one_success", [S, R], WAIT),
    ("none_failed_min_one_success", [UF, R], UPF),
    ("always", [R, N], RUN),
    ("always", [F, UF], RUN),
    ("all_done_setup_success", [S, R], WAIT),
    ("all_done_setup_success", [F, UF], RUN),  # no setup upstream: like all_done
]

SETUP_CASES = [
    ([S, F], [S], RUN),  # the work failed, its setup succeeded: the teardown runs
    ([F, F], [F], UPF),
    ([SK, S], [SK], SKIP),
    ([S, S, F], [S, F], RUN),  # one setup succeeded is enough
    ([S, R], [S], WAIT),
]


@pytest.mark.parametrize(("upstream", "setups", "expected"), SETUP_CASES)
def test_all_done_setup_success_looks_at_the_setup_upstreams(
    upstream: list[TaskState], setups: list[TaskState], expected: Decision
) -> None:
    assert evaluate("all_done_setup_success", upstream, setups) is expected


@pytest.mark.parametrize(("rule", "upstream", "expected"), CASES)
def test_rule_table(rule: str, upstream: list[TaskState], expected: Decision) -> None:
    assert evaluate(rule, upstream) is expected


@pytest.mark.parametrize("rule", sorted(_RULES))
def test_no_upstream_always_runs(rule: str) -> None:
    assert evaluate(rule, []) is RUN


def test_rules_match_the_sdk() -> None:
    assert set(_RULES) == {rule.value for rule in TriggerRule}


def test_unknown_rule_names_the_known_ones() -> None:
    with pytest.raises(UnknownTriggerRule, match="all_success"):
        evaluate("sometimes", [S])


ALL_STATES = list(TaskState)
FINISHED = sorted(FINISHED_TASK_STATES)


def _combinations(max_upstream: int = 3):
    for size in range(1, max_upstream + 1):
        yield from itertools.combinations_with_replacement(ALL_STATES, size)


@pytest.mark.parametrize("rule", sorted(_RULES))
def test_every_finished_combination_decides(rule: str) -> None:
    """Once every upstream task finished, no rule may leave the task waiting forever."""
    for upstream in _combinations():
        if set(upstream) <= FINISHED_TASK_STATES:
            assert evaluate(rule, upstream) is not WAIT, (rule, upstream)


@pytest.mark.parametrize("rule", sorted(_RULES))
def test_early_decisions_never_change_whether_the_task_runs(rule: str) -> None:
    """A decision taken before all upstream tasks finished holds for every way they can finish.

    (Which of skip / upstream_failed an early "do not run" becomes may differ, as in Airflow.)
    """
    for upstream in _combinations():
        decision = evaluate(rule, upstream)
        if decision is WAIT:
            continue
        open_slots = [i for i, state in enumerate(upstream) if state not in FINISHED_TASK_STATES]
        for endings in itertools.product(FINISHED, repeat=len(open_slots)):
            finished = list(upstream)
            for slot, ending in zip(open_slots, endings, strict=True):
                finished[slot] = ending
            assert (evaluate(rule, finished) is RUN) == (decision is RUN), (rule, upstream, finished)


def test_all_success_runs_only_when_everything_succeeded() -> None:
    for upstream in _combinations():
        assert (evaluate("all_success", upstream) is RUN) == all(state is S for state in upstream)
