"""The queued-try record: what the scheduler hands the executor for each try it moved to queued."""

from __future__ import annotations

from attrs import define


@define(frozen=True)
class QueuedTry:
    """A task instance this scheduler moved to queued: what the executor needs to start it."""

    ti_id: int
    dag_id: str
    run_id: str
    task_id: str
