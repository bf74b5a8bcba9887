"""Trigger rules: when a task may run given its upstream tasks' final states."""

from enum import StrEnum


class TriggerRule(StrEnum):
    """The subset of Airflow's trigger rules dagseal's scheduler implements."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    NONE_FAILED = "none_failed"
    NONE_SKIPPED = "none_skipped"
